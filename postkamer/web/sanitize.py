"""Making customer content safe to show: HTML bodies through an nh3 allowlist with remote
images blocked, the quoted history split from the new text, attachment names for a download
header, and CSV cells that a spreadsheet will not run as formulas.

Pure functions; the pages and the API call them right before showing or sending content.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import quote

import nh3

_TAGS = set(nh3.ALLOWED_TAGS) - {"map", "area"}
_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align", "scope"},
    "ol": {"start"},
}
# data: and cid: pass the scheme check only so that `keep` sees (and counts) them on images
_URL_SCHEMES = {"http", "https", "mailto", "data", "cid"}
_LINK_SCHEMES = ("http:", "https:", "mailto:")
_SAFE_DATA_IMAGE = re.compile(r"^data:image/(png|gif|jpeg|webp);base64,[A-Za-z0-9+/=\s]*$")


@dataclass(frozen=True, slots=True)
class SafeHtml:
    html: str  # sanitized: no scripts, handlers, styles, remote resources
    blocked_images: int  # images whose remote (or cid:) source was removed


def sanitize_html(html: str, links: bool = True) -> SafeHtml:
    """Keep an allowlist of tags and attributes; drop every image source that is not inline data.

    Links keep http(s)/mailto targets (a person may click them) with rel="noopener noreferrer";
    the page's CSP (`img-src 'self' data:`) is a second line that blocks any remote fetch.
    With `links=False` (mail that is only linked to a ticket: auto-replies, bounces, bulk,
    strangers) no link keeps a target: its text stays, nothing is clickable.
    """
    blocked = 0

    def keep(tag: str, attribute: str, value: str) -> str | None:
        nonlocal blocked
        if tag == "img" and attribute == "src":
            if _SAFE_DATA_IMAGE.match(value):
                return value
            blocked += 1
            return None
        if attribute == "href":  # only absolute web and mail links, never into this app
            return value if links and value.lower().startswith(_LINK_SCHEMES) else None
        return value

    cleaned = nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        attribute_filter=keep,
        url_schemes=_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return SafeHtml(cleaned, blocked)


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
