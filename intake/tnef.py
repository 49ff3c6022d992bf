"""A bounded reader of TNEF streams (MS-OXTNEF): the `winmail.dat` Exchange and Outlook attach
in place of the message's own body and files.

`intake.outlook.read_container` calls `read_tnef` for `intake.parse`. It reads the message's
subject and body (attBody, or the MAPI properties PR_BODY, PR_HTML, PR_RTF_COMPRESSED) and its
attachments (attAttachTitle/attAttachData and the attachment's MAPI properties: long file
name, MIME type, embedded messages). Hostile input is expected: every count is capped by the
bytes it would need, time by the container's budget, and a cut or damaged stream ends the
reading with an error while keeping what was read.

tnefparse (LGPL, last release 2021) was not used: on a hostile property count it loops up to
four billion times, it copies the rest of the stream for every attribute (quadratic), and it
strips NUL bytes from the end of binary attachment data.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from intake.decode import codec_for
from intake.outlook import (
    MAX_DEPTH,
    MAX_FILES,
    TNEF_SIGNATURE,
    Budget,
    ContainedFile,
    OutlookItem,
    body_text,
)

_MESSAGE, _ATTACHMENT = 1, 2
ATT_FROM = 0x8000
ATT_SUBJECT = 0x8004
ATT_BODY = 0x800C
ATT_ATTACH_DATA = 0x800F
ATT_ATTACH_TITLE = 0x8010
ATT_ATTACH_RENDDATA = 0x9002
ATT_MSG_PROPS = 0x9003
ATT_ATTACHMENT = 0x9005
ATT_OEM_CODEPAGE = 0x9007
MAX_ATTRIBUTES = 20_000
MAX_PROPERTIES = 5_000

# MAPI property types (MS-OXCDATA 2.11.1)
PT_SHORT, PT_LONG, PT_BOOLEAN = 0x0002, 0x0003, 0x000B
PT_OBJECT, PT_STRING8, PT_UNICODE, PT_BINARY = 0x000D, 0x001E, 0x001F, 0x0102
_FIXED = {
    0x0001: 0, 0x0002: 4, 0x0003: 4, 0x0004: 4, 0x000A: 4, 0x000B: 4,
    0x0005: 8, 0x0006: 8, 0x0007: 8, 0x0014: 8, 0x0040: 8, 0x0048: 16,
}  # fmt: skip
_VARIABLE = frozenset({PT_OBJECT, PT_STRING8, PT_UNICODE, PT_BINARY})
_MULTI = 0x1000
IID_IMESSAGE = bytes.fromhex("0703020000000000c000000000000046")

# MAPI property ids
PR_SUBJECT = 0x0037
PR_SENDER_NAME, PR_SENDER_ADDRESS, PR_SENDER_SMTP = 0x0C1A, 0x0C1F, 0x5D01
PR_BODY, PR_RTF_COMPRESSED, PR_HTML = 0x1000, 0x1009, 0x1013
PR_INTERNET_CPID = 0x3FDE
PR_ATTACH_DATA, PR_ATTACH_FILENAME, PR_ATTACH_LONG_FILENAME = 0x3701, 0x3704, 0x3707
PR_ATTACH_MIME_TAG, PR_DISPLAY_NAME = 0x370E, 0x3001


class TnefError(ValueError):
    """The stream is cut short or its structure is impossible."""


@dataclass(slots=True)
class Prop:
    type: int
    value: bytes | int


def codepage_name(number: int) -> str:
    """A Windows code page number as a Python codec name (cp1252 when unknown)."""
    known = {65001: "utf-8", 20127: "ascii", 28591: "latin-1", 1200: "utf-16-le"}
    name = known.get(number) or codec_for(f"cp{number}")
    return name or "cp1252"


def _text(raw: bytes | int, codepage: str) -> str:
    if isinstance(raw, int):
        return str(raw)
    return raw.decode(codepage, "replace").split("\x00", 1)[0].strip()


def read_props(data: bytes, codepage: str) -> dict[int, Prop]:
    """The MAPI properties of attMsgProps or attAttachment (MS-OXTNEF 2.1.3.4), by id; the
    first value of a multi-valued one. Stops quietly where the list is damaged."""
    out: dict[int, Prop] = {}
    try:
        (count,) = struct.unpack_from("<I", data, 0)
        pos = 4
        for _ in range(min(count, MAX_PROPERTIES, (len(data) - 4) // 4)):
            ptype, pid = struct.unpack_from("<HH", data, pos)
            pos += 4
            if pid >= 0x8000:  # a named property: GUID, kind, then a number or a name
                (kind,) = struct.unpack_from("<I", data, pos + 16)
                pos += 20
                if kind == 0:
                    pos += 4
                else:
                    (size,) = struct.unpack_from("<I", data, pos)
                    pos += 4 + size + (-size % 4)
            multi = bool(ptype & _MULTI)
            ptype &= ~_MULTI
            values = 1
            if multi or ptype in _VARIABLE:
                (values,) = struct.unpack_from("<I", data, pos)
                pos += 4
            if values > (len(data) - pos) // 4 + 1:
                raise TnefError("value count larger than the data")
            first: bytes | int | None = None
            for _ in range(values):
                if ptype in _VARIABLE:
                    (size,) = struct.unpack_from("<I", data, pos)
                    pos += 4
                    if pos + size > len(data):
                        raise TnefError("property value cut short")
                    value: bytes | int = data[pos : pos + size]
                    pos += size + (-size % 4)
                elif ptype in _FIXED:
                    width = _FIXED[ptype]
                    if pos + width > len(data):
                        raise TnefError("property value cut short")
                    value = int.from_bytes(data[pos : pos + min(width, 8)], "little")
                    pos += width
                else:
                    raise TnefError(f"unknown property type {ptype:#06x}")
                if first is None:
                    first = value
            if first is not None and pid not in out:
                out[pid] = Prop(ptype, first)
    except (struct.error, TnefError):
        pass
    return out


def prop_text(props: dict[int, Prop], pid: int, codepage: str) -> str:
    prop = props.get(pid)
    if prop is None or isinstance(prop.value, int):
        return ""
    if prop.type == PT_UNICODE:
        return _text(prop.value, "utf-16-le")
    return _text(prop.value, codepage)


@dataclass(slots=True)
class _Pending:
    title: str = ""
    data: bytes = b""
    props: dict[int, Prop] = field(default_factory=dict)


def _finish(
    pending: _Pending | None, codepage: str, item: OutlookItem, budget: Budget, depth: int
) -> None:
    if pending is None:
        return
    props = pending.props
    name = (
        prop_text(props, PR_ATTACH_LONG_FILENAME, codepage)
        or pending.title
        or prop_text(props, PR_ATTACH_FILENAME, codepage)
        or prop_text(props, PR_DISPLAY_NAME, codepage)
    )
    mime = prop_text(props, PR_ATTACH_MIME_TAG, codepage).lower() or "application/octet-stream"
    data = pending.data
    inner: OutlookItem | None = None
    attached = props.get(PR_ATTACH_DATA)
    if attached is not None and isinstance(attached.value, bytes):
        if attached.type == PT_OBJECT and attached.value.startswith(IID_IMESSAGE):
            data = attached.value[16:]  # an embedded message, itself a TNEF stream
            if depth + 1 < MAX_DEPTH:
                inner = read_tnef(data, budget, depth + 1)
            name = name or (inner.subject if inner else "") or "message"
            name = name if name.lower().endswith(".msg") else f"{name}.msg"
            mime = "application/vnd.ms-tnef"
        elif not data:
            data = attached.value
    if not data and not name:
        return
    if budget.files >= MAX_FILES:
        item.error = item.error or f"more than {MAX_FILES} files in the container; the rest skipped"
        return
    budget.files += 1
    item.files.append(ContainedFile(name or "attachment", mime, data, inner))


def read_tnef(data: bytes, budget: Budget, depth: int = 0) -> OutlookItem:
    """Subject, sender, body and files of one TNEF stream."""
    item = OutlookItem()
    if not data.startswith(TNEF_SIGNATURE):
        item.error = "not a TNEF stream (signature missing)"
        return item
    if len(data) > budget.max_bytes:
        item.error = f"not read: {len(data)} bytes is over the text-reading limit"
        return item
    codepage = "cp1252"
    plain = ""
    msg_props: dict[int, Prop] = {}
    pending: _Pending | None = None
    pos = 6
    for count in range(MAX_ATTRIBUTES + 1):
        if pos + 9 > len(data):
            break
        if count == MAX_ATTRIBUTES or budget.expired():
            item.error = (
                f"stopped after {budget.seconds:g} s"
                if budget.expired()
                else f"more than {MAX_ATTRIBUTES} attributes; the rest skipped"
            )
            break
        level = data[pos]
        attr_id, length = struct.unpack_from("<II", data, pos + 1)
        start, end = pos + 9, pos + 9 + length
        if end + 2 > len(data):
            item.error = "TNEF stream cut short"
            break
        value = data[start:end]
        pos = end + 2  # the checksum is not checked: damage shows in what is read
        ident = attr_id & 0xFFFF
        if level == _MESSAGE:
            if ident == ATT_OEM_CODEPAGE and length >= 4:
                codepage = codepage_name(struct.unpack_from("<I", value)[0])
            elif ident == ATT_SUBJECT:
                item.subject = _text(value, codepage)
            elif ident == ATT_BODY:
                plain = _text(value, codepage)
            elif ident == ATT_MSG_PROPS:
                msg_props = read_props(value, codepage)
        elif level == _ATTACHMENT:
            if ident == ATT_ATTACH_RENDDATA or pending is None:
                _finish(pending, codepage, item, budget, depth)
                pending = _Pending()
            if ident == ATT_ATTACH_TITLE:
                pending.title = _text(value, codepage)
            elif ident == ATT_ATTACH_DATA:
                pending.data = value
            elif ident == ATT_ATTACHMENT:
                pending.props = read_props(value, codepage)
    if item.error is None and data[pos:].strip(b"\x00"):
        item.error = "TNEF stream cut short"
    _finish(pending, codepage, item, budget, depth)
    cpid = msg_props.get(PR_INTERNET_CPID)
    body_cp = codepage_name(cpid.value) if cpid and isinstance(cpid.value, int) else codepage
    item.subject = item.subject or prop_text(msg_props, PR_SUBJECT, body_cp)
    name = prop_text(msg_props, PR_SENDER_NAME, body_cp)
    address = prop_text(msg_props, PR_SENDER_SMTP, body_cp) or prop_text(
        msg_props, PR_SENDER_ADDRESS, body_cp
    )
    item.sender = f"{name} <{address}>" if name and address else name or address
    html = msg_props.get(PR_HTML)
    markup: bytes | str | None = None
    if html is not None and isinstance(html.value, bytes):
        markup = prop_text(msg_props, PR_HTML, body_cp) if html.type == PT_UNICODE else html.value
    rtf = msg_props.get(PR_RTF_COMPRESSED)
    item.body = body_text(
        prop_text(msg_props, PR_BODY, body_cp) or plain,
        markup,
        rtf.value if rtf is not None and isinstance(rtf.value, bytes) else None,
        body_cp,
    )
    return item
