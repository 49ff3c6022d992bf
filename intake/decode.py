"""Byte and header decoding for intake: charsets, RFC 2047 encoded words, transfer encodings.

`intake.parse` calls these while it walks a MIME tree. Nothing here raises on bad input:
undecodable bytes become U+FFFD replacement characters and a human-readable defect is
appended to the caller's `defects` list, so a damaged mail still becomes a ticket.
"""

from __future__ import annotations

import binascii
import codecs
import functools
import re

# Labels seen in the wild that Python does not know, or knows under another meaning.
_ALIASES = {
    "utf8": "utf-8",
    "unicode-1-1-utf-7": "utf-7",
    "x-unicode20utf8": "utf-8",
    "unicode-1-1-utf-8": "utf-8",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "gb2312": "gb18030",  # gb18030 is a superset; mailers label GBK text as gb2312
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "iso-8859-8-i": "iso-8859-8",
    "windows-874": "cp874",
    "x-mac-roman": "mac-roman",
    "macintosh": "mac-roman",
    # WHATWG: latin-1 and ascii labels are decoded as windows-1252; Outlook mislabels often
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
}

# Python codecs that are not charsets a mailer can mean; some are slow or interpret escapes.
_REFUSED = frozenset(
    {
        "punycode",
        "idna",
        "unicode-escape",
        "raw-unicode-escape",
        "undefined",
        "charmap",
        "mbcs",
        "oem",
    }
)

# when bytes are not valid in the declared charset, the usual mislabelling
_FALLBACKS = {
    "iso2022_jp": ("cp932", "euc_jp"),
    "shift_jis": ("cp932",),
    "euc_jp": ("cp932",),
    "euc_kr": ("cp949",),
    "big5": ("big5hkscs", "cp950"),
    "gb18030": ("big5hkscs",),
    "iso8859-2": ("cp1250",),
    "cp1250": ("iso8859-2",),
    "koi8-r": ("cp1251",),
}

# encodings whose bytes are all ASCII yet mean something else
_ASCII_UNSAFE = ("utf-7", "iso2022", "utf-16", "utf-32", "hz")

_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f\u0085\u2028\u2029]+")
_ENCODED_WORD = re.compile(r"=\?([^?\s]{1,80})\?([qQbB])\?([^?]*)\?=")
_WS_ONLY = re.compile(r"[ \t\r\n]*")
_FOLD = re.compile(r"\r?\n(?=[ \t])|\r(?=[ \t])")
_NOT_B64 = re.compile(rb"[^A-Za-z0-9+/]+")
_B64_TEXT = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/= \t\r\n"
_B64_TAIL = frozenset(b"= \t\r\n")
_B64_STRAY = re.compile(r"[^A-Za-z0-9+/= \t\r\n]")


@functools.lru_cache(maxsize=256)
def codec_for(label: str | None) -> str | None:
    """Python codec name for a MIME charset label, or None when it is unknown or refused."""
    if not label:
        return None
    name = label.strip().strip("\"'").lower()
    if "*" in name:  # RFC 2231 language suffix: utf-8*en
        name = name.split("*", 1)[0]
    name = _ALIASES.get(name, name)
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):
        return None
    if info.name in _REFUSED or not getattr(info, "_is_text_encoding", True):
        return None
    return info.name


def decode_bytes(data: bytes, charset: str | None, defects: list[str], what: str = "text") -> str:
    """Decode bytes in the declared charset; on an unknown label or bad bytes, fall back to
    utf-8, then windows-1252, then replacement characters. Never raises."""
    codec = codec_for(charset)
    if data.isascii() and not (codec and codec.startswith(_ASCII_UNSAFE)):
        return data.decode("ascii")
    if charset and codec is None:
        defects.append(f"{what}: unknown charset {charset.strip()[:40]!r}")
    if codec is not None:
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            if codec == "cp1252":
                return data.decode("latin-1")
            defects.append(f"{what}: bytes not valid in {codec}")
            for other in _FALLBACKS.get(codec, ()):
                try:
                    return data.decode(other)
                except UnicodeDecodeError:
                    continue
        except Exception:  # codec bugs on hostile input (e.g. LookupError inside utf-7 state)
            defects.append(f"{what}: charset {codec} failed")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if codec is None and charset is None:
        # undeclared 8-bit: most often windows-1252 in this part of the world
        return data.decode("cp1252", errors="replace")
    return data.decode(codec or "utf-8", errors="replace")


def recover_8bit(value: str, defects: list[str], what: str, hint: str | None = None) -> str:
    """compat32 keeps raw 8-bit header bytes as surrogate escapes; decode them: utf-8
    first, then `hint` (the charset the mail declares for its text), then windows-1252."""
    try:
        value.encode("utf-8")
        return value
    except UnicodeEncodeError:
        pass
    raw = value.encode("utf-8", errors="surrogateescape")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    codec = codec_for(hint)
    if codec is not None and codec != "utf-8":
        try:
            return raw.decode(codec)
        except (UnicodeDecodeError, LookupError):
            pass
    defects.append(f"{what}: 8-bit bytes in header, not utf-8")
    return raw.decode("cp1252", errors="replace")


def unfold(value: str) -> str:
    """RFC 5322 unfolding: drop the line break before continuation whitespace."""
    if "\n" in value or "\r" in value:
        value = _FOLD.sub("", value)
    return value


def strip_controls(value: str) -> str:
    """Replace CR, LF and other control characters by one space (header injection guard)."""
    if value.isprintable():
        return value
    return _CONTROL.sub(" ", value).replace("\t", " ")


def _decode_b(text: str, defects: list[str], what: str) -> bytes:
    raw = text.encode("ascii", errors="ignore")
    clean = _NOT_B64.sub(b"", raw.rstrip(b"="))
    extra = len(clean) % 4
    if extra == 1:
        clean = clean[:-1]
        defects.append(f"{what}: truncated base64 encoded word")
    elif extra:
        clean += b"=" * (4 - extra)
    try:
        return binascii.a2b_base64(clean)
    except binascii.Error:
        defects.append(f"{what}: broken base64 encoded word")
        return b""


def decode_words(value: str, defects: list[str], what: str = "header") -> str:
    """Decode RFC 2047 encoded words in an unfolded header value. Whitespace between two
    adjacent encoded words is dropped, and adjacent words in the same charset are joined as
    bytes first (mailers split multi-byte characters across words)."""
    if "=?" not in value:
        return value
    out: list[str] = []
    pending: bytes = b""
    pending_cs: str | None = None
    pos = 0

    def flush() -> None:
        nonlocal pending, pending_cs
        if pending or pending_cs is not None:
            out.append(decode_bytes(pending, pending_cs, defects, what))
        pending, pending_cs = b"", None

    for match in _ENCODED_WORD.finditer(value):
        gap = value[pos : match.start()]
        if gap and (pending_cs is None or not _WS_ONLY.fullmatch(gap)):
            flush()
            out.append(gap)
        charset, kind, text = match.group(1), match.group(2), match.group(3)
        if kind in "qQ":
            data = binascii.a2b_qp(text.encode("utf-8", errors="surrogateescape"), header=True)
        else:
            data = _decode_b(text, defects, what)
        cs = charset.lower()
        if pending_cs is not None and cs != pending_cs:
            flush()
        pending += data
        pending_cs = cs
        pos = match.end()
    flush()
    out.append(value[pos:])
    return "".join(out)


def header_text(raw: str, defects: list[str], name: str = "header", hint: str | None = None) -> str:
    """A raw compat32 header value as display text: 8-bit recovered, unfolded, encoded
    words decoded, control characters removed, outer whitespace stripped."""
    if raw.isascii() and raw.isprintable() and "=?" not in raw:  # the common case
        return raw.strip()
    value = unfold(recover_8bit(raw, defects, name, hint))
    value = decode_words(value, defects, name)
    return strip_controls(value).strip()


def decode_transfer(payload: bytes, cte: str, defects: list[str], what: str) -> bytes:
    """Undo a Content-Transfer-Encoding. Broken base64 is decoded as far as possible."""
    if cte == "base64":
        try:  # skips line breaks (and other stray characters) without a copy
            data = binascii.a2b_base64(payload)
        except binascii.Error:
            pass
        else:
            if base64_damaged(payload):
                defects.append(f"{what}: broken base64 (stray characters or padding skipped)")
            return data
        clean = _NOT_B64.sub(b"", payload.rstrip().rstrip(b"="))
        extra = len(clean) % 4
        if extra == 1:
            clean = clean[:-1]
            defects.append(f"{what}: broken base64 (truncated)")
        elif extra:
            clean += b"=" * (4 - extra)
        try:
            return binascii.a2b_base64(clean)
        except binascii.Error as exc:
            defects.append(f"{what}: broken base64 ({exc})")
            return b""
    if cte == "quoted-printable":
        return binascii.a2b_qp(payload)
    if cte in ("x-uuencode", "uuencode", "uue", "x-uue"):
        return _decode_uu(payload, defects, what)
    return payload


def base64_damaged(payload: bytes | str) -> bool:
    """Characters outside the alphabet, or `=` before the end: data a lenient base64 decoder
    skipped silently. Scans in C without copying the payload."""
    end = len(payload)
    if isinstance(payload, bytes):
        if payload.translate(None, _B64_TEXT):
            return True
        while end and payload[end - 1] in _B64_TAIL:
            end -= 1
        return payload.find(b"=", 0, end) != -1
    if _B64_STRAY.search(payload):
        return True
    while end and payload[end - 1] in "= \t\r\n":
        end -= 1
    return payload.find("=", 0, end) != -1


def _decode_uu(payload: bytes, defects: list[str], what: str) -> bytes:
    out: list[bytes] = []
    started = False
    for line in payload.splitlines():
        if not started:
            started = line.startswith(b"begin ")
            continue
        if line.strip() in (b"end", b"`", b""):
            if line.strip() == b"end":
                break
            continue
        try:
            out.append(binascii.a2b_uu(line))
        except binascii.Error:
            try:  # some encoders write lines one byte too long
                nbytes = (((line[0] - 32) & 63) * 4 + 5) // 3
                out.append(binascii.a2b_uu(line[:nbytes]))
            except (binascii.Error, IndexError):
                defects.append(f"{what}: broken uuencode line")
    if not started:  # some mailers leave out the begin/end lines
        defects.append(f"{what}: uuencode without begin line")
        return _decode_uu(b"begin 644 x\n" + payload, defects, what)
    return b"".join(out)


_LONE_SURROGATE_OR_NUL = re.compile("[\ud800-\udfff\x00]")


def valid_text(text: str) -> str:
    """Text every database and encoder accepts: a lone surrogate (`&#xD800;` in a DOCX, a bad
    PDF font map) becomes U+FFFD and NUL is dropped. Real characters are kept as they are."""
    if not _LONE_SURROGATE_OR_NUL.search(text):
        return text
    return _LONE_SURROGATE_OR_NUL.sub(lambda m: "" if m.group() == "\x00" else "\ufffd", text)
