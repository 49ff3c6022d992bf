"""Making customer content safe to show: the quoted history split from the new text,
attachment names for a download header, and CSV cells that a spreadsheet will not run as
formulas. HTML bodies are sanitized once at intake (`intake.safehtml`, re-exported here); the
pages show the stored result.

Pure functions; the pages and the API call them right before showing or sending content.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from intake.safehtml import SafeHtml, sanitize_html

__all__ = [
    "SafeHtml",
    "content_disposition",
    "csv_cell",
    "download_name",
    "sanitize_html",
    "split_quoted",
]


def split_quoted(text: str, new_text: str) -> tuple[str, str]:
    """(what the sender wrote now, the quoted history below it); history may be empty."""
    shown = new_text.strip() or text.strip()
    rest = text.strip()
    if rest.startswith(shown):
        rest = rest[len(shown) :].strip()
    elif rest == shown:
        rest = ""
    return shown, rest


_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f"\\;]')


def download_name(filename: str, fallback: str = "attachment") -> str:
    """A file name fit to offer for saving: no folders, no control characters, not too long."""
    name = unicodedata.normalize("NFC", filename).replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE_NAME.sub("_", name).strip(" .")
    if len(name) > 150:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 150 - len(ext) - 1] + dot + ext) if dot and len(ext) <= 10 else name[:150]
    return name or fallback


def content_disposition(filename: str) -> str:
    """`attachment` with an ASCII fallback name and the exact UTF-8 name (RFC 6266 / 8187)."""
    name = download_name(filename)
    ascii_name = name.encode("ascii", "replace").decode("ascii").replace("?", "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """A CSV cell a spreadsheet shows as text: a leading `= + - @`, tab or CR gets a `'`."""
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text
