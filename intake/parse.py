"""Parse raw mail bytes into a `ParsedMail`: the first stage of intake.

The MIME structure comes from the stdlib parser in `compat32` mode (about 15 times faster
than `email.policy.default`); everything it leaves raw is decoded here, defensively:
headers (RFC 2047, 8-bit), addresses (strict, see `intake.addresses`), parameters (RFC 2231),
transfer encodings and charsets (`intake.decode`). A header block with a broken line is
mended first. The body is the text/plain alternative (format=flowed joined, `intake.flowed`),
else the HTML turned into text (`intake.html`), else a text file sent inline (as Python's
`get_body` reads it); other parts become `Attachment`s with sniffed type, hash and extracted
text (`intake.attachments`; scans with OCR, the mail's OCR time shared by its attachments, an
attachment sent twice read once); delivery and other reports are read (`intake.dsn`). Damage
becomes a defect on the result; mail that cannot be processed safely (too big, too many parts,
too deep, too slow, not a mail at all) raises `ParseError`, and the caller quarantines it. The
result goes to `intake.disposition` and then extraction.
"""

from __future__ import annotations

import binascii
import email.utils
import hashlib
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from email.parser import BytesFeedParser, HeaderParser
from email.policy import compat32
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_to_bytes

from intake.addresses import parse_addresses
from intake.attachments import extract_text, sniff
from intake.decode import (
    base64_damaged,
    decode_bytes,
    decode_transfer,
    decode_words,
    header_text,
    recover_8bit,
    strip_controls,
    unfold,
    valid_text,
)
from intake.dsn import (
    message_id_in_text,
    report_from_fields,
    reports_from_prose,
    reports_from_text_blocks,
)
from intake.flowed import unflow
from intake.html import html_to_text
from intake.model import Address, Attachment, DeliveryReport, ParsedMail
from intake.ocr import OcrClock
from intake.outlook import Budget, OutlookItem, container_kind, read_container

if TYPE_CHECKING:
    from postkamer.settings import LimitSettings


@dataclass(frozen=True, slots=True)
class ParseLimits:
    """Bounds for one mail; defaults equal `postkamer.settings.LimitSettings`."""

    max_bytes: int = 25 * 1024 * 1024
    max_parts: int = 500
    max_depth: int = 30
    max_attachment_bytes: int = 25 * 1024 * 1024
    seconds: float = 10.0
    attachment_text_bytes: int = 200_000
    attachment_text_pages: int = 20
    attachment_text_seconds: float = 5.0
    attachment_text_file_bytes: int = 8 * 1024 * 1024  # larger PDF/DOCX files: no text
    max_header_bytes: int = 256 * 1024  # the top-level header block
    ocr: bool = True  # read scanned images and PDF pages without text (intake.ocr)
    ocr_pages: int = 5
    ocr_max_pixels: int = 25_000_000
    ocr_seconds: float = 20.0

    @classmethod
    def from_settings(cls, limits: LimitSettings) -> ParseLimits:
        return cls(
            max_bytes=limits.max_message_bytes,
            max_parts=limits.max_parts,
            max_depth=limits.max_depth,
            max_attachment_bytes=limits.max_attachment_bytes,
            seconds=limits.parse_seconds,
            attachment_text_bytes=limits.attachment_text_bytes,
            attachment_text_pages=limits.attachment_text_pages,
            attachment_text_seconds=limits.attachment_text_seconds,
            attachment_text_file_bytes=limits.attachment_text_file_bytes,
            ocr=limits.ocr,
            ocr_pages=limits.ocr_pages,
            ocr_max_pixels=limits.ocr_max_pixels,
            ocr_seconds=limits.ocr_seconds,
        )


class ParseError(Exception):
    """The mail cannot be processed safely; `reason` says why (shown in the quarantine)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


_MAGIC_NOT_MAIL = (
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a binary Outlook .msg / OLE2 file, not a MIME mail"),
    (b"%PDF-", "a PDF file, not a mail"),
    (b"PK\x03\x04", "a ZIP/Office file, not a mail"),
    (b"\x89PNG", "a PNG image, not a mail"),
    (b"\xff\xd8\xff", "a JPEG image, not a mail"),
    (b"\x1f\x8b", "a gzip file, not a mail"),
    (b"MZ", "a Windows executable, not a mail"),
    (b"\x7fELF", "an executable, not a mail"),
)
_NOT_CONTROL = bytes(range(9, 256))  # deleting these leaves the control bytes 0-8
_HEADER_LINE = re.compile(rb"[!-9;-~]{1,100}[ \t]*:")
_BLANK_LINE = re.compile(rb"\r?\n\r?\n")
_MAIL_HEADERS = frozenset(
    {
        "from", "date", "subject", "message-id", "received", "return-path", "to",
        "mime-version", "content-type", "sender", "delivered-to", "reply-to",
    }
)  # fmt: skip
_MSGID = re.compile(r"<([^<>\s]{1,900})>")
_BARE_MSGID = re.compile(r"[^<>\s@]{1,400}@[^<>\s@]{1,400}")
_PARAM = re.compile(r';\s*([^\s=;"]+)\s*(?:=\s*("(?:[^"\\]|\\.)*"?|[^;]*))?')
_QUOTED_PAIR = re.compile(r"\\(.)", re.S)
_PATH_PART = re.compile(r"[/\\]")
_NDR_SENDER = re.compile(r"^(mailer-daemon|postmaster|mail-daemon|mailerdaemon)\b", re.I)
_MAX_PARAM_HEADER = 16 * 1024
_MAX_REFERENCES = 100
_MAX_FILENAME = 255
_BODY_TYPES = frozenset({"text/plain", "text/html"})
_MACHINE_REPORT_PARTS = frozenset({"message/disposition-notification", "message/feedback-report"})


def parse_mail(data: bytes, limits: ParseLimits | None = None) -> ParsedMail:
    """Decode one raw mail. Raises ParseError (with a reason) for mail to quarantine."""
    limits = limits or ParseLimits()
    started = time.monotonic()
    if len(data) > limits.max_bytes:
        raise ParseError(f"mail is {len(data)} bytes, over the limit of {limits.max_bytes}")
    defects: list[str] = []
    data = _check_looks_like_mail(data, limits, defects)
    lifted: dict[str, memoryview] = {}
    if len(data) > _LIFT_FROM_BYTES:
        data, lifted = lift_large_base64(data)
    msg = _parse_structure(data, limits, started)
    walker = _Walker(limits, started, defects, _charset_hint(data), lifted)
    headers = walker.headers(msg)
    if not any(name.lower() in _MAIL_HEADERS for name, _ in headers):
        raise ParseError("no mail headers found (no From, Date, Subject, ...): not a mail")
    found = _Found()
    walker.walk(msg, 0, found, in_report=False)
    return walker.result(msg, headers, found, data)


def _check_looks_like_mail(data: bytes, limits: ParseLimits, defects: list[str]) -> bytes:
    """Refuse what is clearly not RFC 5322 mail; drop junk lines before the headers."""
    if data.startswith(b"\xef\xbb\xbf"):  # a UTF-8 byte-order mark before the first header
        data = data[3:]
    head = data[:4096]
    if not head.strip():
        raise ParseError("empty message")
    for magic, reason in _MAGIC_NOT_MAIL:
        if head.startswith(magic):
            raise ParseError(reason)
    if b"\x00" in head[:1024] or len(head[:1024].translate(None, _NOT_CONTROL)) > 8:
        raise ParseError("binary data, not a mail")
    end = _BLANK_LINE.search(data, 0, limits.max_header_bytes + 4)
    if end is None and len(data) > limits.max_header_bytes:
        raise ParseError(f"header block over {limits.max_header_bytes} bytes")
    if not data.startswith(b"From ") and not _HEADER_LINE.match(data):
        # e.g. a line like "---- Original email message ----" pasted above the headers
        lines = data[:2048].split(b"\n", 6)[:6]
        offset = 0
        for line in lines[:-1]:
            offset += len(line) + 1
            if _HEADER_LINE.match(data, offset):
                defects.append("text before the header block was skipped")
                return _repair_header_block(data[offset:], limits, defects)
    return _repair_header_block(data, limits, defects)


# a line the stdlib parser takes as part of the header block (feedparser's headerRE)
_STDLIB_HEADER = re.compile(rb"From |[\x21-\x39\x3b-\x7e]*:|[ \t]")
_HEADER_BLOCK = re.compile(rb"(?:(?:From |[\x21-\x39\x3b-\x7e]*:|[ \t])[^\n]*\n)*+\r?\n")
_SPACED_NAME = re.compile(rb"([\x21-\x39\x3b-\x7e]{1,100})[ \t]+:")
_FIELD_NAME = re.compile(rb"([\x21-\x39\x3b-\x7e]{1,100}):")


def _repair_header_block(data: bytes, limits: ParseLimits, defects: list[str]) -> bytes:
    """Keep the header block whole when some of its lines are malformed.

    The stdlib parser ends the header block at the first line that is not a header field
    (`Subject : x`, a stray word, a folded line that lost its indent) and makes the rest the
    body: one broken line lost From, Subject and Date. As robust readers do, a field name with
    white space before its colon is mended, a line that lost its indent is joined to the field
    above it when it reads as its continuation (after `,` or `;`, an `<address>`, a
    `name=value` parameter, or any line under a field that is not an identity field), and any
    other stray line is dropped. Only when the header block goes on after the broken line
    (a field the mail has not had yet follows, and the block ends in a blank line); a mail that
    simply has no blank line before its body is left as it is."""
    end = _BLANK_LINE.search(data, 0, limits.max_header_bytes + 4)
    if end is None or _HEADER_BLOCK.match(data, 0, end.end()):
        return data
    lines = data[: end.start()].split(b"\n")
    bad = [i for i, line in enumerate(lines) if not _STDLIB_HEADER.match(line)]
    names = [_FIELD_NAME.match(line) or _SPACED_NAME.match(line) for line in lines]
    seen = {m.group(1).lower() for m in names[: bad[0]] if m}
    later = {m.group(1).lower() for m in names[bad[0] + 1 :] if m}
    if not any(n.decode("ascii") in _MAIL_HEADERS for n in later - seen):
        return data  # the body starts here, without a blank line before it
    kept: list[bytes] = []
    field_name = b""
    for number, line in enumerate(lines):
        name = names[number]
        if _STDLIB_HEADER.match(line):
            field_name = name.group(1).lower() if name else field_name
            kept.append(line)
        elif name is not None:  # `Subject : x`
            field_name = name.group(1).lower()
            kept.append(name.group(1) + b":" + line[name.end() :])
            defects.append(f"header {name.group(1)[:40].decode('ascii')!r}: space before ':'")
        elif kept and _continues(kept[-1], line, field_name):
            kept.append(b" " + line.lstrip())
            defects.append(f"header {field_name[:40].decode('ascii')!r}: folded line not indented")
        else:
            shown = line.strip()[:60].decode("utf-8", "replace")
            defects.append(f"malformed header line skipped: {shown!r}")
    return b"\n".join(kept) + data[end.start() :]


_IDENTITY_FIELDS = frozenset(
    {b"from", b"sender", b"reply-to", b"to", b"cc", b"bcc", b"date", b"message-id",
     b"return-path", b"mime-version", b"content-transfer-encoding"}
)  # fmt: skip
_PARAMETER_LINE = re.compile(rb"\s*[A-Za-z][\w.-]{0,60}\*?\d{0,3}\*?=")


def _continues(previous: bytes, line: bytes, field_name: bytes) -> bool:
    """Is an unindented line the rest of the field above it?"""
    if previous.rstrip().endswith((b",", b";")) or line.lstrip().startswith(b"<"):
        return True
    if _PARAMETER_LINE.match(line):
        return True
    return field_name not in _IDENTITY_FIELDS and bool(line.strip())


_LIFT_FROM_BYTES = 4 << 20  # mails above this size have large base64 runs lifted out
_LIFT_RUN_BYTES = 1 << 20  # a run of base64 lines at least this long is lifted
_LIFT_MARK = "PKLIFTED-"
# a run of whole base64 lines; possessive, so it never backtracks (linear on any input)
_B64_RUN = re.compile(rb"(?m)^(?:[A-Za-z0-9+/]{4,998}+={0,2}+\r?\n)++")


_BASE64_CTE = re.compile(rb"(?i)content-transfer-encoding:[ \t]*\"?base64")


def _declared_base64_body(data: bytes, start: int) -> bool:
    """True when the run at `start` is a whole body whose part header says base64."""
    before = data[max(0, start - 4096) : start]
    if not before.endswith((b"\n\r\n", b"\n\n")):
        return False
    header = before[before.rfind(b"\n--") + 1 :]
    return _BASE64_CTE.search(header) is not None


def lift_large_base64(data: bytes) -> tuple[bytes, dict[str, memoryview]]:
    """Cut long runs of base64 lines out of a large mail before the stdlib parser sees it.

    The parser keeps a part's body as a list of line strings and then a joined copy: for a
    25 MB attachment that is about three times its size in memory. Each run of at least
    `_LIFT_RUN_BYTES` is replaced by one placeholder line and kept as a view into `data`, which
    `_Walker` decodes straight from the original bytes. Only a whole body of base64 lines
    right after a part header that declares base64 is lifted, so headers and text never move.
    """
    view = memoryview(data)
    pieces: list[bytes | memoryview] = []
    lifted: dict[str, memoryview] = {}
    kept = 0  # data[:kept] is already in pieces
    for match in _B64_RUN.finditer(data):
        start, end = match.span()
        if end - start < _LIFT_RUN_BYTES or not _declared_base64_body(data, start):
            continue
        token = f"{_LIFT_MARK}{len(lifted)}"
        pieces.append(view[kept:start])
        pieces.append(token.encode("ascii") + b"\r\n")
        lifted[token] = view[start:end]
        kept = end
    if not lifted:
        return data, {}
    pieces.append(view[kept:])
    return b"".join(pieces), lifted


_RELEASE_BYTES = 1 << 20  # attachments above this size drop their encoded payload once decoded


class _Limiter:
    """Message factory for the feed parser that enforces part, depth and time limits
    while the parser runs, before a hostile structure is fully built."""

    def __init__(self, limits: ParseLimits, started: float) -> None:
        self.limits = limits
        self.started = started
        self.parts = -1  # the parser calls the factory once to probe its signature
        self.parser: BytesFeedParser | None = None

    def __call__(self, policy: Any = compat32) -> Message:
        self.parts += 1
        if self.parts > self.limits.max_parts:
            raise ParseError(f"more than {self.limits.max_parts} MIME parts")
        if self.parser is not None:
            stack = getattr(getattr(self.parser, "_feedparser", None), "_msgstack", ())
            if len(stack) >= self.limits.max_depth:
                raise ParseError(f"MIME nesting deeper than {self.limits.max_depth}")
        if self.parts % 32 == 0 and time.monotonic() - self.started > self.limits.seconds:
            raise ParseError(f"parsing took longer than {self.limits.seconds:g} s")
        return Message(policy)


def _parse_structure(data: bytes, limits: ParseLimits, started: float) -> Message:
    limiter = _Limiter(limits, started)
    parser = BytesFeedParser(_factory=limiter, policy=compat32)
    limiter.parser = parser
    chunk = 1 << 20
    try:
        for offset in range(0, len(data), chunk):
            parser.feed(data[offset : offset + chunk])
            if time.monotonic() - started > limits.seconds:
                raise ParseError(f"parsing took longer than {limits.seconds:g} s")
        msg = parser.close()
    except RecursionError:
        raise ParseError("MIME structure too deeply nested") from None
    except ParseError:
        raise
    except Exception as exc:  # the stdlib parser should not raise; if it does, quarantine
        raise ParseError(f"MIME structure unreadable: {type(exc).__name__}: {exc}") from None
    if not isinstance(msg, Message):
        raise ParseError("MIME structure unreadable")
    return msg


@dataclass
class _Found:
    """What one subtree contributed."""

    plain: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    reports: list[DeliveryReport] = field(default_factory=list)
    returned_ids: list[str] = field(default_factory=list)
    report_seen: bool = False
    report_type: str | None = None
    # text parts sent as an inline file (`inline; filename=...`, or a `name=` only): the body
    # when the mail has no other, as Python's `get_body` reads it
    named_plain: list[str] = field(default_factory=list)
    named_html: list[str] = field(default_factory=list)

    def merge_extras(self, other: _Found) -> None:
        self.attachments.extend(other.attachments)
        self.reports.extend(other.reports)
        self.returned_ids.extend(other.returned_ids)
        self.report_seen = self.report_seen or other.report_seen
        self.report_type = self.report_type or other.report_type
        self.named_plain.extend(other.named_plain)
        self.named_html.extend(other.named_html)

    def body_parts(self) -> tuple[list[str], list[str]]:
        """(plain, html) body texts; text files sent inline count when nothing else does."""
        if any(t.strip() for t in self.plain) or self.html:
            return self.plain, self.html
        if any(t.strip() for t in self.named_plain):
            return self.named_plain[:1], []
        return self.plain, self.named_html[:1]


def _raw_headers(part: Message) -> dict[str, str]:
    """First raw value per lower-cased header name."""
    out: dict[str, str] = {}
    for name, value in part.raw_items():
        key = name.strip().lower()
        if key not in out:
            out[key] = value if isinstance(value, str) else str(value)
    return out


def _unquote(value: str) -> str:
    value = value.strip()
    if value.startswith('"'):
        value = value[1:-1] if len(value) > 1 and value.endswith('"') else value[1:]
        return _QUOTED_PAIR.sub(r"\1", value)
    return value


def parse_params(
    value: str, defects: list[str], what: str, hint: str | None = None
) -> tuple[str, dict[str, str]]:
    """`type/subtype; a=b; c*=utf-8''x` -> ("type/subtype", {"a": "b", "c": "x"}), with
    RFC 2231 continuations and charsets decoded."""
    value = unfold(recover_8bit(value, defects, what, hint))
    if len(value) > _MAX_PARAM_HEADER:
        defects.append(f"{what}: header over {_MAX_PARAM_HEADER} characters, cut")
        value = value[:_MAX_PARAM_HEADER]
    main, _, rest = value.partition(";")
    plain: dict[str, str] = {}
    sections: dict[str, list[tuple[int, bool, str]]] = {}
    for match in _PARAM.finditer(";" + rest):
        name = match.group(1).lower()
        raw = _unquote(match.group(2) or "")
        if "*" in name:
            base, _, suffix = name.partition("*")
            encoded = suffix.endswith("*") or suffix == ""
            index_text = suffix.rstrip("*")
            index = int(index_text) if index_text.isdigit() and len(index_text) < 4 else 0
            sections.setdefault(base, []).append((index, encoded, raw))
        else:
            plain.setdefault(name, raw)
    for base, parts in sections.items():
        parts.sort(key=lambda p: p[0])
        charset: str | None = None
        chunks: list[bytes] = []
        for number, (_, encoded, raw) in enumerate(parts[:200]):
            if encoded:
                if number == 0 and raw.count("'") >= 2:
                    charset, _, raw = raw.split("'", 2)
                chunks.append(unquote_to_bytes(raw))
            else:
                chunks.append(raw.encode("utf-8", errors="surrogateescape"))
        plain[base] = decode_bytes(b"".join(chunks), charset or None, defects, what)
    return main.strip().lower(), plain


def _raw_payload(part: Message) -> Any:
    """The parsed payload (a list for multipart and message/rfc822 parts) without the stdlib's
    decoding of 8-bit text with the declared charset, which raises for labels such as
    `punycode` or `idna` even with errors="replace"."""
    return getattr(part, "_payload", None)


def _clean_filename(name: str, defects: list[str]) -> str:
    """Metadata only: decoded, control characters removed, last path component, capped."""
    name = strip_controls(decode_words(name, defects, "filename")).strip()
    name = _PATH_PART.split(name)[-1].strip()
    if name in ("", ".", ".."):
        return ""
    if len(name) > _MAX_FILENAME:
        _, dot, ext = name.rpartition(".")
        keep = f".{ext}" if dot and len(ext) <= 10 else ""
        name = name[: _MAX_FILENAME - len(keep)] + keep
    return name


def _message_ids(value: str, defects: list[str], what: str) -> list[str]:
    text = decode_words(unfold(recover_8bit(value, defects, what)), defects, what)
    ids = [f"<{found}>" for found in _MSGID.findall(text)]
    if not ids:
        bare = _BARE_MSGID.search(text)
        if bare:
            ids = [f"<{bare.group()}>"]
    return ids


class _Walker:
    """Walks one parsed tree, collecting body text, attachments and delivery reports."""

    def __init__(
        self,
        limits: ParseLimits,
        started: float,
        defects: list[str],
        hint: str | None,
        lifted: dict[str, memoryview] | None = None,
    ) -> None:
        self.hint = hint  # charset for raw 8-bit header bytes that are not utf-8
        self.lifted = lifted or {}  # placeholder line -> base64 bytes cut out before parsing
        self.limits = limits
        self.started = started
        self.defects = defects
        self.extract_seconds = 0.0  # reading attachments (OCR too): not parsing time
        self.text_seconds = 0.0  # reading attachments, OCR aside
        self.ocr = OcrClock(limits.ocr_seconds)  # OCR time left for this mail
        self.read: dict[str, tuple[str | None, str | None]] = {}  # sha256 -> text, error

    def _check_time(self) -> None:
        if time.monotonic() - self.started - self.extract_seconds > self.limits.seconds:
            raise ParseError(f"parsing took longer than {self.limits.seconds:g} s")

    def headers(self, part: Message) -> tuple[tuple[str, str], ...]:
        out: list[tuple[str, str]] = []
        for name, value in part.raw_items():
            clean_name = strip_controls(recover_8bit(name, self.defects, "header name")).strip()
            raw = value if isinstance(value, str) else str(value)
            out.append((clean_name, header_text(raw, self.defects, clean_name, self.hint)))
        return tuple(out)

    def _payload_bytes(self, part: Message, raw: dict[str, str], what: str) -> bytes:
        # the raw payload: get_payload() would decode 8-bit text with the declared charset
        payload = getattr(part, "_payload", None)
        cte = raw.get("content-transfer-encoding", "").strip().strip('"').lower()
        if self.lifted and isinstance(payload, str) and payload.startswith(_LIFT_MARK):
            view = self.lifted.get(payload.strip())
            if view is not None:
                try:
                    return binascii.a2b_base64(view)
                except binascii.Error:
                    payload = bytes(view).decode("ascii")  # the tolerant path records why
        if cte == "base64" and isinstance(payload, str) and payload.isascii():
            # binascii reads an ASCII str directly: no encoded copy of a large part
            try:
                decoded = binascii.a2b_base64(payload)
            except binascii.Error:
                pass  # broken base64: the tolerant path below records the defect
            else:
                if base64_damaged(payload):  # binascii skipped something silently
                    self.defects.append(
                        f"{what}: broken base64 (stray characters or padding skipped)"
                    )
                return decoded
        if isinstance(payload, bytes):
            data = payload
        elif isinstance(payload, str):
            data = payload.encode("utf-8", errors="surrogateescape")
        else:
            return b""
        if (
            cte
            and cte not in ("7bit", "8bit", "binary", "base64", "quoted-printable")
            and (cte not in ("x-uuencode", "uuencode", "uue", "x-uue"))
        ):
            self.defects.append(f"{what}: unknown transfer encoding {cte[:30]!r}")
        return decode_transfer(data, cte, self.defects, what)

    def walk(self, part: Message, depth: int, found: _Found, in_report: bool) -> None:
        if depth > self.limits.max_depth:
            raise ParseError(f"MIME nesting deeper than {self.limits.max_depth}")
        self._check_time()
        raw = _raw_headers(part)
        ctype, params = parse_params(
            raw.get("content-type", "text/plain"), self.defects, "part", self.hint
        )
        if "/" not in ctype:
            if ctype:
                self.defects.append(f"invalid content type {ctype[:40]!r}")
            ctype = "text/plain"
        payload = _raw_payload(part)
        if ctype.startswith("multipart/") and not isinstance(payload, list):
            self.defects.append(f"{ctype} without parts (boundary missing?)")
            ctype = "text/plain"
        if ctype.startswith("multipart/"):
            assert isinstance(payload, list)
            report = ctype == "multipart/report"
            if report:
                found.report_seen = True
                kind = params.get("report-type", "").strip().lower()[:40]
                found.report_type = found.report_type or kind or "unknown"
            if ctype == "multipart/alternative":
                self._alternative(payload, depth, found, in_report or report)
            else:
                for child in payload:
                    if isinstance(child, Message):
                        self.walk(child, depth + 1, found, in_report or report)
            return
        if ctype == "message/delivery-status":
            found.report_seen = True
            found.report_type = found.report_type or "delivery-status"
            found.reports.extend(self._delivery_status(part, raw))
            return
        if ctype in _MACHINE_REPORT_PARTS:
            # a read receipt (RFC 8098) or an abuse report (RFC 5965): fields, no body text
            found.report_type = found.report_type or ctype.removeprefix("message/")
            found.returned_ids.extend(self._original_message_id(part, raw))
            return
        if ctype in ("text/rfc822-headers", "message/rfc822-headers"):
            found.returned_ids.extend(self._returned_id_from_headers(part, raw))
            if in_report:
                return
        if ctype == "message/rfc822" and isinstance(payload, list) and payload:
            self._attached_message(payload[0], raw, params, depth, found, in_report)
            return
        disposition, dparams = parse_params(
            raw.get("content-disposition", ""), self.defects, "disposition", self.hint
        )
        filename = dparams.get("filename") or params.get("name") or ""
        if ctype in _BODY_TYPES and disposition != "attachment":
            data = self._payload_bytes(part, raw, "body")
            text = decode_bytes(data, params.get("charset"), self.defects, "body")
            text = text.replace("\r\n", "\n").replace("\r", "\n")
            if ctype == "text/plain" and params.get("format", "").lower() == "flowed":
                text = unflow(text, delsp=params.get("delsp", "").lower() == "yes")
            if not filename:
                (found.plain if ctype == "text/plain" else found.html).append(text)
                return
            # a text file shown inline: kept as the file it is, and the body if there is none
            (found.named_plain if ctype == "text/plain" else found.named_html).append(text)
        self._attachment(part, raw, ctype, disposition, filename, found)

    def _alternative(self, payload: list[Any], depth: int, found: _Found, report: bool) -> None:
        plain: list[str] | None = None
        html: list[str] | None = None
        for child in payload:
            if not isinstance(child, Message):
                continue
            sub = _Found()
            self.walk(child, depth + 1, sub, report)
            sub_plain, sub_html = sub.body_parts()
            if sub_plain and plain is None and any(t.strip() for t in sub_plain):
                plain = sub_plain
            if sub_html:
                html = sub_html  # the last HTML alternative is the richest
            sub.named_plain.clear()
            sub.named_html.clear()
            found.merge_extras(sub)
        found.plain.extend(plain or [])
        found.html.extend(html or [])

    def _attached_message(
        self,
        inner: Any,
        raw: dict[str, str],
        params: dict[str, str],
        depth: int,
        found: _Found,
        in_report: bool,
    ) -> None:
        if not isinstance(inner, Message):
            return
        inner_raw = _raw_headers(inner)
        if in_report:
            found.returned_ids.extend(
                _message_ids(inner_raw.get("message-id", ""), self.defects, "returned message")
            )
        sub = _Found()
        self.walk(inner, depth + 1, sub, in_report=False)
        subject = header_text(inner_raw.get("subject", ""), self.defects, "attached subject")
        sender = header_text(inner_raw.get("from", ""), self.defects, "attached from")
        sub_plain, sub_html = sub.body_parts()
        body = "\n\n".join(sub_plain) if any(t.strip() for t in sub_plain) else ""
        if not body and sub_html:
            body = html_to_text("\n".join(sub_html))
        text = f"From: {sender}\nSubject: {subject}\n\n{body}".strip()
        try:
            data = inner.as_bytes(policy=compat32)
        except Exception:
            data = text.encode("utf-8")
        name = _clean_filename(subject, self.defects)[:200] or "message"
        found.attachments.append(
            Attachment(
                filename=f"{name}.eml",
                content_type="message/rfc822",
                sniffed_type="message/rfc822",
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                data=data if len(data) <= self.limits.max_attachment_bytes else None,
                text=text[: self.limits.attachment_text_bytes],
            )
        )
        found.attachments.extend(sub.attachments)
        found.reports.extend(sub.reports)

    def _delivery_status(self, part: Message, raw: dict[str, str]) -> list[DeliveryReport]:
        payload = _raw_payload(part)
        reports: list[DeliveryReport] = []
        if isinstance(payload, list) and raw.get("content-transfer-encoding", "").lower() not in (
            "base64",
            "quoted-printable",
        ):
            for block in payload:
                if not isinstance(block, Message):
                    continue
                fields = [
                    (name, header_text(str(value), self.defects, "delivery-status"))
                    for name, value in block.raw_items()
                ]
                report = report_from_fields(fields)
                if report is not None:
                    reports.append(report)
            return reports
        if isinstance(payload, list):  # encoded: the parser could not see the blocks
            text = "\n\n".join(
                str(_raw_payload(b) or "")
                .encode("utf-8", "surrogateescape")
                .decode("utf-8", "replace")
                for b in payload
                if isinstance(b, Message)
            )
            return reports_from_text_blocks(text)
        data = self._payload_bytes(part, raw, "delivery-status")
        return reports_from_text_blocks(decode_bytes(data, "utf-8", self.defects, "dsn"))

    def _original_message_id(self, part: Message, raw: dict[str, str]) -> list[str]:
        """`Original-Message-ID` of an MDN (RFC 8098); an ARF names its message by attaching
        it, which `_attached_message` reads."""
        payload = _raw_payload(part)
        if isinstance(payload, list):  # the stdlib parses message/* parts as a message
            blocks = [b for b in payload if isinstance(b, Message)]
            fields = [(str(k), str(v)) for b in blocks for k, v in b.raw_items()]
        else:
            text = decode_bytes(self._payload_bytes(part, raw, "report"), "utf-8", self.defects)
            fields = list(HeaderParser(policy=compat32).parsestr(text[:64 * 1024]).raw_items())
        value = next((v for k, v in fields if k.strip().lower() == "original-message-id"), "")
        return _message_ids(value, self.defects, "Original-Message-ID") if value else []

    def _returned_id_from_headers(self, part: Message, raw: dict[str, str]) -> list[str]:
        data = self._payload_bytes(part, raw, "returned headers")
        text = decode_bytes(data, "utf-8", self.defects, "returned headers")
        returned = HeaderParser(policy=compat32).parsestr(text[: 256 * 1024], headersonly=True)
        value = next((v for k, v in returned.raw_items() if k.lower() == "message-id"), "")
        return _message_ids(str(value), self.defects, "returned message") if value else []

    def _attachment(
        self,
        part: Message,
        raw: dict[str, str],
        ctype: str,
        disposition: str,
        filename: str,
        found: _Found,
    ) -> None:
        data = self._payload_bytes(part, raw, "attachment")
        if len(data) > _RELEASE_BYTES:
            part.set_payload("")  # the encoded copy is not needed again: free it early
        name = _clean_filename(filename, self.defects)
        content_id = raw.get("content-id")
        cid = strip_controls(content_id).strip().strip("<>")[:500] if content_id else None
        inline = disposition == "inline" or (not disposition and cid is not None)
        self._file(data, ctype, name, found, inline=inline, cid=cid)

    def _file(
        self,
        data: bytes,
        ctype: str,
        name: str,
        found: _Found,
        *,
        inline: bool = False,
        cid: str | None = None,
    ) -> None:
        """One file as an `Attachment` with its text; an Outlook container (TNEF, .msg) also
        gives the files it holds, and a TNEF its message's body (`intake.outlook`)."""
        sniffed = sniff(data)
        text: str | None = None
        error: str | None = None
        sha256 = hashlib.sha256(data).hexdigest()
        keep = len(data) <= self.limits.max_attachment_bytes
        kind = container_kind(name, ctype, data) if keep else None
        item: OutlookItem | None = None
        if not keep:
            error = f"part of {len(data)} bytes is over the limit; not stored"
        elif sha256 in self.read:  # the same file twice (a forward, a reply): read once
            text, error = self.read[sha256]
        elif self.text_seconds > 2 * self.limits.attachment_text_seconds:
            error = "skipped: time for attachment text in this mail used up"
        elif len(data) > self.limits.attachment_text_file_bytes and sniffed != "text/plain":
            # a PDF reader holds the file's big streams (scanned images) twice over: reading
            # a 25 MB scan for its text cost 50 MB of memory; certificates are small files
            error = f"not read for text: {len(data)} bytes is over the text-reading limit"
        elif kind is not None:
            begin = time.monotonic()
            budget = Budget(
                self.limits.attachment_text_seconds, self.limits.attachment_text_file_bytes
            )
            item = read_container(kind, data, budget)
            spent = time.monotonic() - begin
            self.extract_seconds += spent
            self.text_seconds += spent
            text, error = item.text()[: self.limits.attachment_text_bytes] or None, item.error
            text = valid_text(text) if text is not None else None  # before it goes anywhere
        else:
            begin, ocr_before = time.monotonic(), self.ocr.used
            text, error = extract_text(name, ctype, sniffed, data, self.limits, self.ocr)
            text = valid_text(text) if text is not None else None  # before it goes anywhere
            spent = time.monotonic() - begin
            self.extract_seconds += spent
            self.text_seconds += spent - (self.ocr.used - ocr_before)
            self.read[sha256] = (text, error)
        found.attachments.append(
            Attachment(
                filename=name,
                content_type=ctype,
                sniffed_type=sniffed,
                size=len(data),
                sha256=sha256,
                data=data if keep else None,
                text=text,
                text_error=error,
                inline=inline,
                content_id=cid,
            )
        )
        if item is not None:
            if kind == "tnef" and item.body:
                found.named_plain.append(item.body)  # winmail.dat holds the message's body
            self._contained(item, found)

    def _contained(self, item: OutlookItem, found: _Found) -> None:
        """The files an Outlook container holds, as attachments of the mail."""
        for file in item.files:
            name = _clean_filename(file.filename, self.defects) or "attachment"
            if file.item is None:
                self._file(file.data, file.content_type, name, found)
                continue
            text = valid_text(file.item.text()[: self.limits.attachment_text_bytes])
            found.attachments.append(
                Attachment(
                    filename=name,
                    content_type=file.content_type,
                    sniffed_type=sniff(file.data),
                    size=len(file.data),
                    sha256=hashlib.sha256(file.data).hexdigest(),
                    data=file.data,
                    text=text or None,
                    text_error=file.item.error,
                )
            )
            self._contained(file.item, found)

    def result(
        self,
        msg: Message,
        headers: tuple[tuple[str, str], ...],
        found: _Found,
        data: bytes,
    ) -> ParsedMail:
        raw = _raw_headers(msg)
        defects = self.defects

        def addresses(name: str) -> tuple[Address, ...]:
            value = raw.get(name)
            if not value:
                return ()
            value = unfold(recover_8bit(value, defects, name, self.hint))
            return parse_addresses(value, defects, name)

        from_list = addresses("from")
        if len(from_list) > 1:
            defects.append("From: several addresses; the first is the sender")
        found_plain, found_html = found.body_parts()
        plain = "\n\n".join(t.strip("\n") for t in found_plain if t.strip())
        html = "\n".join(found_html) if found_html else None
        text = plain if plain.strip() else (html_to_text(html) if html else "")
        message_ids = _message_ids(raw.get("message-id", ""), defects, "Message-ID")
        references = _message_ids(raw.get("references", ""), defects, "References")
        reports = found.reports
        returned = found.returned_ids
        if not found.report_seen and _looks_like_ndr(from_list, raw):
            reports = (
                reports
                or reports_from_text_blocks(text)
                or reports_from_prose(text, ignore=[a.email for a in from_list])
            )
            if not returned:
                inner = [
                    a.text or "" for a in found.attachments if a.sniffed_type == "message/rfc822"
                ]
                shown = [message_id_in_text(t) for t in [*inner, text]]
                returned = [i for i in shown if i]
        return ParsedMail(
            headers=headers,
            message_id=message_ids[0] if message_ids else None,
            in_reply_to=tuple(_message_ids(raw.get("in-reply-to", ""), defects, "In-Reply-To")),
            references=tuple(references[-_MAX_REFERENCES:]),
            subject=header_text(raw.get("subject", ""), defects, "Subject", self.hint),
            from_=from_list[0] if from_list else None,
            reply_to=addresses("reply-to"),
            to=addresses("to"),
            cc=addresses("cc"),
            date=_date(raw.get("date"), defects),
            content_type=_top_type(raw.get("content-type", "")),
            text=text,
            html=html,
            attachments=tuple(found.attachments),
            delivery_reports=tuple(reports),
            returned_message_id=returned[0] if returned else None,
            report_type=found.report_type,
            defects=tuple(dict.fromkeys(defects)),
            size=len(data),
        )


_CHARSET = re.compile(rb"""charset\s*=\s*["']?([A-Za-z0-9_.:-]{1,40})""", re.I)


def _charset_hint(data: bytes) -> str | None:
    """The first charset the mail declares: the likely encoding of raw 8-bit headers."""
    match = _CHARSET.search(data, 0, 256 * 1024)
    return match.group(1).decode("ascii") if match else None


def _top_type(value: str) -> str:
    """The top-level media type; one without a subtype is text/plain (RFC 2045 5.2)."""
    ctype = parse_params(value or "text/plain", [], "")[0]
    return ctype if "/" in ctype else "text/plain"


def _looks_like_ndr(from_list: tuple[Address, ...], raw: dict[str, str]) -> bool:
    sender = from_list[0].email if from_list else ""
    return bool(_NDR_SENDER.match(sender)) or raw.get("return-path", "x").strip() == "<>"


def _date(value: str | None, defects: list[str]) -> datetime | None:
    if not value:
        return None
    text = strip_controls(unfold(recover_8bit(value, defects, "Date"))).strip()
    try:
        parsed = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        defects.append(f"Date: unreadable {text[:60]!r}")
        return None
    if parsed.tzinfo is None:
        defects.append("Date: no time zone; UTC assumed")
        parsed = parsed.replace(tzinfo=UTC)
    return parsed
