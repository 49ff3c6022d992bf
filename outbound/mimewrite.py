"""Write a MIME message straight to bytes: headers folded per RFC 5322, RFC 2047 encoded words,
a multipart/alternative body in quoted-printable.

`outbound.compose` builds every reply with these; the stdlib's `EmailMessage` with
`policy=SMTP` gives the same result at ~20 times the cost (its header objects parse every
value again and re-fold it on output). Values reaching this module are already clean: one line
of text without control characters (`compose.clean_text`) and checked addresses. As a last
line of defence every writer here still refuses CR, LF and NUL. Next stop: `outbound.outbox`
stores the bytes.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import AnyStr, Protocol

MAX_LINE = 78  # RFC 5322 2.1.1: lines SHOULD be at most 78 characters

#: characters an encoded word may carry as themselves in any header (RFC 2047 5(3))
_Q_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!*+-/")
_ATEXT = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+")
_DOT_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_PRINTABLE = re.compile(r"[\x20-\x7e]*")
_FORBIDDEN = re.compile(r"[\r\n\x00]")


class HasAddress(Protocol):
    @property
    def email(self) -> str: ...

    @property
    def name(self) -> str: ...


def _check(value: str) -> str:
    if _FORBIDDEN.search(value):
        raise ValueError(f"line break or NUL in a header value: {value[:80]!r}")
    return value


def _plain(text: str) -> bool:
    """Printable ASCII that no reader could take for an encoded word."""
    return _PRINTABLE.fullmatch(text) is not None and "=?" not in text


def encoded_words(text: str, first: int = 75) -> list[str]:
    """`text` as RFC 2047 encoded words (UTF-8; Q, or B when shorter): the first at most
    `first` characters long, the others at most 75, never splitting a character. Readers join
    adjacent encoded words without the space between them."""
    q_parts: list[str] = []
    for ch in text:
        if ch in _Q_SAFE:
            q_parts.append(ch)
        elif ch == " ":
            q_parts.append("_")
        else:
            q_parts.append("".join(f"={b:02X}" for b in ch.encode("utf-8")))
    rooms = _rooms(first)
    if sum(len(p) for p in q_parts) * 3 <= len(text.encode("utf-8")) * 4 + 8:
        return [f"=?utf-8?q?{''.join(c)}?=" for c in _chunks(q_parts, rooms, _same)]
    pieces = [ch.encode("utf-8") for ch in text]
    chunks = _chunks(pieces, rooms, _base64_size)
    return [f"=?utf-8?b?{base64.b64encode(b''.join(c)).decode('ascii')}?=" for c in chunks]


def _same(n: int) -> int:
    return n


def _base64_size(n: int) -> int:
    return 4 * ((n + 2) // 3)


def _rooms(first: int) -> Iterator[int]:
    """Characters of payload per encoded word: the first word's, then 63 (75 - 12) each."""
    yield max(first, 13) - 12
    while True:
        yield 63


def _chunks(
    pieces: Sequence[AnyStr], rooms: Iterator[int], measure: Callable[[int], int]
) -> list[list[AnyStr]]:
    """`pieces` in runs whose encoded size (`measure` of their length) fits the rooms."""
    out: list[list[AnyStr]] = [[]]
    room, size = next(rooms), 0
    for piece in pieces:
        if out[-1] and measure(size + len(piece)) > room:
            out.append([])
            room, size = next(rooms), 0
        out[-1].append(piece)
        size += len(piece)
    return out


@dataclass(frozen=True, slots=True)
class Encoded:
    """Text that `header` writes as encoded words, sized to the room left on the line."""

    text: str


Token = str | Encoded


@dataclass(frozen=True, slots=True)
class Value:
    """A header value as tokens and the gaps between them: a fold (CRLF + space) may replace
    the spaces of any gap; what else a gap holds (the comma of an address list) stays."""

    tokens: tuple[Token, ...]
    gaps: tuple[str, ...]

    @classmethod
    def words(cls, text: str) -> Value:
        """Plain ASCII text, foldable at its spaces."""
        tokens = tuple(text.split(" "))
        return cls(tokens, (" ",) * (len(tokens) - 1))


def header(name: str, value: Value) -> str:
    """`Name: value`, folded before a token wherever the line would pass 78 characters."""
    lines: list[str] = []
    line = f"{name}:"
    for i, token in enumerate(value.tokens):
        gap = " " if i == 0 else _check(value.gaps[i - 1])
        if isinstance(token, Encoded):
            room = MAX_LINE - len(line) - len(gap)
            if room < 20 and line.strip() and i > 0:
                lines.append(line + gap.rstrip(" "))
                line, gap, room = "", " ", MAX_LINE - 1
            words = encoded_words(_check(token.text), first=min(75, room))
            line += gap + words[0]
            for word in words[1:]:
                lines.append(line)
                line = " " + word
            continue
        _check(token)
        long = len(line) + len(gap) + len(token) > MAX_LINE
        if long and i > 0 and token and line.strip():
            lines.append(line + gap.rstrip(" "))
            line = " " + token
        else:
            line += gap + token
    lines.append(line)
    return "\r\n".join(lines)


def unstructured(value: str) -> Value:
    """Free text (Subject, Message-ID, References, ...): plain when it is printable ASCII,
    else encoded words (which readers join without the spaces between them)."""
    _check(value)
    if _plain(value):
        return Value.words(value)
    return Value((Encoded(value),), ())


def addr_spec(email: str) -> str:
    """`local@domain`, the local part quoted when it is not a dot-atom (as the stdlib does)."""
    local, _, domain = email.rpartition("@")
    if _DOT_ATOM.fullmatch(local) is None:
        local = '"' + local.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"{local}@{domain}"


def _phrase(name: str) -> list[Token]:
    """A display name as tokens: atoms, one quoted string, or encoded words."""
    if _plain(name):
        words = name.split(" ")
        if all(_ATEXT.fullmatch(w) for w in words):
            return list[Token](words)
        return ['"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"']
    return [Encoded(name)]


def address_list(recipients: Sequence[HasAddress]) -> Value:
    """`Name <addr>, ...` (already checked addresses, cleaned names)."""
    tokens: list[Token] = []
    gaps: list[str] = []
    for i, r in enumerate(recipients):
        _check(r.name)
        parts: list[Token] = [*_phrase(r.name), f"<{_check(r.email)}>"]
        if not r.name:
            parts = [_check(r.email)]
        for j, part in enumerate(parts):
            if tokens:
                gaps.append(", " if i and j == 0 else " ")
            tokens.append(part)
    return Value(tuple(tokens), tuple(gaps))


def normal_text(text: str) -> str:
    """Line ends as LF and a final line end: the text as a reader's client decodes it."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text if text.endswith("\n") else text + "\n"


def text_part(subtype: str, text: str) -> bytes:
    """A text/* part in UTF-8: 7bit when it is short-lined ASCII, else quoted-printable."""
    if text.isascii() and all(len(line) <= MAX_LINE for line in text.split("\n")):
        cte = "7bit"
        body = text.replace("\n", "\r\n").encode("ascii")
    else:
        cte = "quoted-printable"
        body = binascii.b2a_qp(text.encode("utf-8"), istext=True).replace(b"\n", b"\r\n")
    head = (
        f'Content-Type: text/{subtype}; charset="utf-8"\r\nContent-Transfer-Encoding: {cte}\r\n\r\n'
    )
    return head.encode("ascii") + body


def alternative(
    headers: Sequence[tuple[str, Value]], text: str, html: str, *, language: str
) -> tuple[bytes, str]:
    """The whole message: `headers`, then MIME-Version, a multipart/alternative Content-Type
    and Content-Language, then the text/plain and text/html parts. Returns the bytes and the
    plain text as a reader gets it."""
    plain = normal_text(text)
    parts = [text_part("plain", plain), text_part("html", normal_text(html))]
    boundary = "==pk-" + secrets.token_hex(16)
    while any(boundary.encode("ascii") in p for p in parts):  # pragma: no cover - 2^-128
        boundary = "==pk-" + secrets.token_hex(16)
    lines = [header(name, value) for name, value in headers]
    lines.append("MIME-Version: 1.0")
    lines.append(f'Content-Type: multipart/alternative;\r\n boundary="{boundary}"')
    lines.append(header("Content-Language", unstructured(language)))
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")
    delimiter = f"--{boundary}\r\n".encode("ascii")
    body = b"".join(delimiter + part + b"\r\n" for part in parts)
    return head + body + f"--{boundary}--\r\n".encode("ascii"), plain
