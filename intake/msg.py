"""A bounded reader of attached Outlook items (`.msg`, MS-OXMSG): subject, sender, body and
the files they hold, nested items included.

`intake.outlook.read_container` calls `read_msg` for `intake.parse`. The compound file is read
with olefile (BSD, the OLE2 reader that oletools and most forensic tools build on); the
property streams of MS-OXMSG are read here. extract-msg was not used: it is GPL-licensed and
pins seven further packages for what is a few streams to read. Every stream is bounded by the
container's byte budget, nesting by `MAX_DEPTH`, files by `MAX_FILES`, time by the budget.
"""

from __future__ import annotations

import io
import logging
import struct

from intake.outlook import (
    MAX_DEPTH,
    MAX_FILES,
    OLE_SIGNATURE,
    Budget,
    ContainedFile,
    OutlookItem,
    body_text,
)
from intake.tnef import (
    PR_ATTACH_DATA,
    PR_ATTACH_FILENAME,
    PR_ATTACH_LONG_FILENAME,
    PR_ATTACH_MIME_TAG,
    PR_BODY,
    PR_DISPLAY_NAME,
    PR_HTML,
    PR_INTERNET_CPID,
    PR_RTF_COMPRESSED,
    PR_SENDER_ADDRESS,
    PR_SENDER_NAME,
    PR_SENDER_SMTP,
    PR_SUBJECT,
    codepage_name,
)

logging.getLogger("olefile").setLevel(logging.ERROR)

_ATTACH = "__attach_version1.0_#"
_PROPERTIES = "__properties_version1.0"
_EMBEDDED = "__substg1.0_3701000D"


class _Item:
    """One message inside the compound file: the top one or an embedded one."""

    def __init__(self, ole: object, path: list[str], budget: Budget) -> None:
        self.ole = ole
        self.path = path
        self.budget = budget
        self.codepage = "cp1252"

    def stream(self, name: str) -> bytes | None:
        import olefile  # type: ignore[import-untyped]

        ole = self.ole
        path = [*self.path, name]
        if ole.exists(path) is False or ole.get_type(path) != olefile.STGTY_STREAM:  # type: ignore[attr-defined]
            return None
        if ole.get_size(path) > self.budget.max_bytes:  # type: ignore[attr-defined]
            return None
        with ole.openstream(path) as fh:  # type: ignore[attr-defined]
            data: bytes = fh.read()
        return data

    def text(self, pid: int) -> str:
        unicode = self.stream(f"__substg1.0_{pid:04X}001F")
        if unicode is not None:
            return unicode.decode("utf-16-le", "replace").split("\x00", 1)[0].strip()
        narrow = self.stream(f"__substg1.0_{pid:04X}001E")
        if narrow is not None:
            return narrow.decode(self.codepage, "replace").split("\x00", 1)[0].strip()
        return ""

    def long_property(self, pid: int, header: int) -> int | None:
        """A fixed-size property from the properties stream (16-byte entries after a header
        of 32 bytes for the top message, 24 for an embedded one, 8 for an attachment)."""
        data = self.stream(_PROPERTIES) or b""
        for pos in range(header, len(data) - 15, 16):
            tag, _flags, value = struct.unpack_from("<IIQ", data, pos)
            if tag >> 16 == pid:
                return int(value) & 0xFFFFFFFF
        return None


def read_msg(data: bytes, budget: Budget, depth: int = 0) -> OutlookItem:
    """Subject, sender, body and files of an Outlook item."""
    import olefile

    if not data.startswith(OLE_SIGNATURE):
        return OutlookItem(error="not an Outlook item (no OLE2 signature)")
    if len(data) > budget.max_bytes:
        return OutlookItem(error=f"not read: {len(data)} bytes is over the text-reading limit")
    ole = olefile.OleFileIO(io.BytesIO(data))
    try:
        entries = [e for e in ole.listdir(streams=False, storages=True)]
        return _read(_Item(ole, [], budget), entries, depth, header=32)
    finally:
        ole.close()


def _read(msg: _Item, entries: list[list[str]], depth: int, header: int) -> OutlookItem:
    cpid = msg.long_property(PR_INTERNET_CPID, header)
    if cpid:
        msg.codepage = codepage_name(cpid)
    item = OutlookItem(subject=msg.text(PR_SUBJECT))
    name = msg.text(PR_SENDER_NAME)
    address = msg.text(PR_SENDER_SMTP) or msg.text(PR_SENDER_ADDRESS)
    item.sender = f"{name} <{address}>" if name and address else name or address
    html: bytes | str | None = msg.stream(f"__substg1.0_{PR_HTML:04X}0102") or msg.text(PR_HTML)
    rtf = msg.stream(f"__substg1.0_{PR_RTF_COMPRESSED:04X}0102")
    item.body = body_text(msg.text(PR_BODY), html, rtf, msg.codepage)
    level = len(msg.path) + 1
    attachments = sorted(
        e for e in entries if len(e) == level and e[:-1] == msg.path and e[-1].startswith(_ATTACH)
    )
    for path in attachments:
        if msg.budget.expired():
            item.error = f"stopped after {msg.budget.seconds:g} s"
            break
        if msg.budget.files >= MAX_FILES:
            item.error = f"more than {MAX_FILES} files in the item; the rest skipped"
            break
        msg.budget.files += 1
        item.files.append(_attachment(_Item(msg.ole, path, msg.budget), entries, depth))
    return item


def _attachment(att: _Item, entries: list[list[str]], depth: int) -> ContainedFile:
    name = (
        att.text(PR_ATTACH_LONG_FILENAME)
        or att.text(PR_ATTACH_FILENAME)
        or att.text(PR_DISPLAY_NAME)
    )
    mime = att.text(PR_ATTACH_MIME_TAG).lower() or "application/octet-stream"
    data = att.stream(f"__substg1.0_{PR_ATTACH_DATA:04X}0102")
    if data is not None:
        return ContainedFile(name or "attachment", mime, data)
    embedded = [*att.path, _EMBEDDED]
    if embedded not in entries:
        return ContainedFile(name or "attachment", mime, b"")
    inner: OutlookItem | None = None
    if depth + 1 < MAX_DEPTH:
        inner = _read(_Item(att.ole, embedded, att.budget), entries, depth + 1, header=24)
    name = name or (inner.subject if inner else "") or "message"
    name = name if name.lower().endswith(".msg") else f"{name}.msg"
    text = inner.text().encode("utf-8") if inner else b""
    return ContainedFile(name, "application/vnd.ms-outlook", text, inner)
