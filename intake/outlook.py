"""Outlook containers inside a mail: TNEF (`winmail.dat`, `application/ms-tnef`) and attached
Outlook items (`.msg`). Their text and their attachments count like any other.

`intake.parse` asks `container_kind` about each attachment; for a container it calls
`read_container`, keeps the container as an attachment whose text is the item's own text
(subject, sender, body), adds the files it holds as further attachments (which get their own
text extraction), and, for a TNEF that is the whole message, takes its body as the mail's body
when the MIME parts had none. The readers (`intake.tnef`, `intake.msg`) are pure and bounded:
bytes, attribute counts and seconds; a broken container gives an error string, never an
exception, and the mail goes on.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import cast

from intake.decode import codec_for, decode_bytes
from intake.html import html_to_text

TNEF_SIGNATURE = b"\x78\x9f\x3e\x22"
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_TNEF_TYPES = frozenset({"application/ms-tnef", "application/vnd.ms-tnef"})
_MSG_TYPES = frozenset({"application/vnd.ms-outlook", "application/x-msg", "message/x-msg"})
MAX_DEPTH = 3  # an item in an item in an item
MAX_FILES = 100  # files taken out of one container
RTF_BYTES = 256 * 1024  # compressed RTF bodies larger than this are not decompressed

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ContainedFile:
    """A file found inside a container; `item` when it is itself an Outlook item."""

    filename: str
    content_type: str
    data: bytes
    item: OutlookItem | None = None


@dataclass(slots=True)
class OutlookItem:
    """What an Outlook container holds: its message's subject, sender, body and files."""

    subject: str = ""
    sender: str = ""
    body: str = ""
    files: list[ContainedFile] = field(default_factory=list)
    error: str | None = None

    def text(self) -> str:
        """The item as attachment text: who, what, and the body."""
        head = [f"From: {self.sender}" if self.sender else "", f"Subject: {self.subject}"]
        head[1] = head[1] if self.subject else ""
        return ("\n".join(h for h in head if h) + "\n\n" + self.body).strip()


class Budget:
    """Time and file counts left for one container (and what it holds)."""

    def __init__(self, seconds: float, max_bytes: int) -> None:
        self.deadline = time.monotonic() + seconds
        self.seconds = seconds
        self.max_bytes = max_bytes
        self.files = 0

    def expired(self) -> bool:
        return time.monotonic() > self.deadline


def container_kind(filename: str, content_type: str, data: bytes) -> str | None:
    """`tnef`, `msg` or None, from the bytes first (a declared type alone is not enough)."""
    name = filename.lower()
    if data.startswith(TNEF_SIGNATURE):
        return "tnef"
    if data.startswith(OLE_SIGNATURE) and (name.endswith(".msg") or content_type in _MSG_TYPES):
        return "msg"
    if content_type in _TNEF_TYPES or name == "winmail.dat":
        return "tnef"  # declared TNEF without the signature: read, and say what is wrong
    return None


def read_container(kind: str, data: bytes, budget: Budget, depth: int = 0) -> OutlookItem:
    """Read a container; any failure becomes `error` on a (possibly partial) item."""
    from intake.msg import read_msg
    from intake.tnef import read_tnef

    try:
        if kind == "tnef":
            return read_tnef(data, budget, depth)
        return read_msg(data, budget, depth)
    except Exception as exc:  # a hostile or broken file must not stop the mail
        log.debug("reading a %s container failed", kind, exc_info=True)
        return OutlookItem(error=f"could not read the {kind.upper()}: {type(exc).__name__}: {exc}")


def body_text(plain: str, html: bytes | str | None, rtf: bytes | None, codepage: str) -> str:
    """The readable body: plain text, else the HTML body as text, else the RTF as text."""
    if plain.strip():
        return plain.replace("\r\n", "\n").strip()
    if html:
        markup = html if isinstance(html, str) else decode_bytes(html, codepage, [], "html")
        text = html_to_text(markup)
        if text.strip():
            return text.strip()
    if rtf:
        return rtf_text(rtf, codepage)
    return ""


def rtf_text(compressed: bytes, codepage: str = "cp1252") -> str:
    """Text of a compressed RTF body (PR_RTF_COMPRESSED, MS-OXRTFCP); "" when unreadable."""
    from compressed_rtf import decompress  # type: ignore[import-untyped]
    from striprtf import striprtf

    if len(compressed) > RTF_BYTES:
        return ""
    to_text = cast("Callable[..., str]", striprtf.rtf_to_text)  # untyped in the package
    try:
        raw = decompress(compressed)
        text = to_text(raw.decode(codec_for(codepage) or "cp1252", "replace"), errors="replace")
    except Exception:  # an RTF body we cannot read leaves the other text
        log.debug("compressed RTF body unreadable", exc_info=True)
        return ""
    return str(text).replace("\r\n", "\n").strip()
