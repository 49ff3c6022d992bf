"""Strict parsing of address headers (From, To, Cc, Reply-To) for `intake.parse`.

Python 3.11's `email.utils.getaddresses` has no `strict=` mode and credits
`alice@example.org(<bob@example.org>` to bob (CVE-2023-27043). Who sent a mail decides whose
contract may be acted on, so this module tokenizes the header itself (quoted strings, nested
comments, angle addresses, groups) and rejects the whole header when anything is ambiguous:
unbalanced brackets or quotes, two addresses without a comma, text after an angle address.
A rejected header gives no addresses and a defect; it never gives a guessed address.
Display names are decoded (RFC 2047) after the structure is known, so an encoded word can
never inject an address. What RFC 5322 allows and Python's own parser reads is read too:
comments inside an address (`Pete <pete(his account)@silly.test(his host)>`), obsolete
routes (`<@machine.tld:mary@example.net>`), white space around the dots and `@` of an
address (`jdoe@test . example`), empty list elements and empty groups.
"""

from __future__ import annotations

import re

from intake.decode import decode_words, strip_controls
from intake.model import Address

_WS = re.compile(r"[ \t\r\n]+")
_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_ANGLE = re.compile(r'<(?:[^<>"\\]|"(?:[^"\\]|\\.)*"|\\.)*>', re.S)
_ATOM = re.compile(r'[^ \t\r\n",:;<>()\\]+')
# an RFC 2047 word is one atom even when its encoded text holds specials (Outlook: `B=FCrling,`)
_ENCODED_ATOM = re.compile(r"=\?[^?\s]{1,80}\?[qQbB]\?[^?\s]*\?=(?=[ \t\r\n<\"(]|$)")
_COMMENT_CHARS = re.compile(r"[()\\]")
_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.\u0080-\U0010ffff-]+")
_QUOTED_LOCAL = re.compile(r'"(?:[^"\\\r\n]|\\.)*"')
_DOMAIN = re.compile(
    r"(?:[A-Za-z0-9\u0080-\U0010ffff][A-Za-z0-9\u0080-\U0010ffff.-]*|\[[^\[\]\\\s]*\])"
)
_ESCAPE = re.compile(r"\\(.)", re.S)

MAX_ADDRESS_HEADER = 64 * 1024

Token = tuple[str, str]  # (kind, text)


class AddressError(ValueError):
    """The header cannot be read without guessing."""


def _comment_end(value: str, start: int) -> int:
    """Index after the comment that opens at `start` (nested, with backslash escapes)."""
    depth = 0
    pos = start
    while True:
        match = _COMMENT_CHARS.search(value, pos)
        if match is None:
            raise AddressError("unterminated comment")
        char = match.group()
        if char == "\\":
            pos = match.end() + 1
            continue
        depth += 1 if char == "(" else -1
        pos = match.end()
        if depth == 0:
            return pos


def tokenize(value: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    end = len(value)
    while pos < end:
        char = value[pos]
        if char in " \t\r\n":
            m = _WS.match(value, pos)
            assert m is not None
            tokens.append(("ws", " "))
            pos = m.end()
        elif char == '"':
            m = _QUOTED.match(value, pos)
            if m is None:
                raise AddressError("unterminated quoted string")
            tokens.append(("quoted", _ESCAPE.sub(r"\1", m.group()[1:-1])))
            pos = m.end()
        elif char == "(":
            stop = _comment_end(value, pos)
            tokens.append(("comment", value[pos + 1 : stop - 1]))
            pos = stop
        elif char == "<":
            m = _ANGLE.match(value, pos)
            if m is None:
                raise AddressError("unterminated angle address")
            tokens.append(("angle", m.group()[1:-1].strip()))
            pos = m.end()
        elif char in ",:;":
            tokens.append((char, char))
            pos += 1
        elif char in ")>\\":
            raise AddressError(f"unbalanced {char!r}")
        else:
            m = _ENCODED_ATOM.match(value, pos) or _ATOM.match(value, pos)
            assert m is not None
            tokens.append(("atom", m.group()))
            pos = m.end()
    return tokens


def _segments(tokens: list[Token]) -> list[list[Token]]:
    """Split at top-level commas; group names (`name:` ... `;`) are dropped."""
    out: list[list[Token]] = []
    current: list[Token] = []
    for kind, text in tokens:
        if kind == ",":
            out.append(current)
            current = []
        elif kind == ":":
            if any(k == "angle" for k, _ in current):
                raise AddressError("colon after an address")
            current = []  # group display name
        elif kind == ";":
            out.append(current)
            current = []
        else:
            current.append((kind, text))
    out.append(current)
    return out


def _without_cfws(addr: str) -> str:
    """An addr-spec without its comments, and without the white space RFC 5322's obsolete
    syntax allows around its dots, `@` and a route's `:`. White space between two words
    stays, so `jan peeters@example.be` is still refused as an address."""
    if "(" not in addr and " " not in addr and "\t" not in addr:
        return addr
    out: list[str] = []
    space = False
    pos = 0
    while pos < len(addr):
        char = addr[pos]
        if char in " \t\r\n" or char == "(":
            pos = _comment_end(addr, pos) if char == "(" else pos + 1
            space = bool(out)
            continue
        if char == ")":
            raise AddressError("unbalanced ')'")
        if char == '"':
            match = _QUOTED.match(addr, pos)
            if match is None:
                raise AddressError("unterminated quoted string")
            piece = match.group()
        else:
            piece = char
        if space and out[-1][-1] not in ".@:" and piece not in ".@:":
            out.append(" ")
        out.append(piece)
        space = False
        pos += len(piece)
    return "".join(out)


def _valid_addr_spec(addr: str) -> str:
    addr = _without_cfws(addr)
    if addr.startswith("@") and ":" in addr:  # obsolete source route: <@relay:user@host>
        addr = addr.split(":", 1)[1].strip()
    if not addr:
        raise AddressError("empty address")
    if addr.startswith('"'):
        m = _QUOTED_LOCAL.match(addr)
        if m is None:
            raise AddressError("bad quoted local part")
        local, rest = m.group(), addr[m.end() :]
        if not rest:
            raise AddressError("address without domain")
        if not rest.startswith("@"):
            raise AddressError("text after quoted local part")
        domain = rest[1:]
    else:
        local, at, domain = addr.partition("@")
        if not at:
            # a bare local part (`MAILER-DAEMON`): keep it, it credits nobody else
            if not _LOCAL.fullmatch(local):
                raise AddressError("invalid address")
            return local.lower()
        if not _LOCAL.fullmatch(local):
            raise AddressError("invalid local part")
    if not _DOMAIN.fullmatch(domain):
        raise AddressError("invalid domain")
    return f"{local}@{domain}".lower()


def _phrase(tokens: list[Token]) -> str:
    words: list[str] = []
    space = False
    for kind, text in tokens:
        if kind == "ws":
            space = True
        elif kind in ("atom", "quoted"):
            if words and space:
                words.append(" ")
            words.append(text)
            space = False
    return "".join(words)


def _address(segment: list[Token], defects: list[str], name: str) -> Address | None:
    meaningful = [t for t in segment if t[0] not in ("ws", "comment")]
    if not meaningful:  # an empty list element, or a group's comment: `:(nobody);`
        return None
    angles = [i for i, t in enumerate(segment) if t[0] == "angle"]
    if len(angles) > 1:
        raise AddressError("two addresses without a comma")
    if angles:
        idx = angles[0]
        if any(k not in ("ws", "comment") for k, _ in segment[idx + 1 :]):
            raise AddressError("text after the angle address")
        email = _valid_addr_spec(segment[idx][1])
        display = _phrase(segment[:idx])
    else:
        parts: list[str] = []
        comments: list[str] = []
        for kind, text in segment:
            if kind == "comment":
                comments.append(text)
                parts.append(" ")
            elif kind == "ws":
                parts.append(" ")
            elif kind == "quoted":
                parts.append('"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"')
            else:
                parts.append(text)
        email = _valid_addr_spec("".join(parts).strip())
        display = comments[-1].strip() if comments else ""
    display = strip_controls(decode_words(display, defects, name)).strip()
    display = " ".join(display.split())
    return Address(name=display[:200], email=email)


def parse_addresses(value: str, defects: list[str], name: str = "address") -> tuple[Address, ...]:
    """All addresses in an unfolded, 8-bit-recovered header value. On anything ambiguous,
    record a defect and return no addresses at all."""
    if len(value) > MAX_ADDRESS_HEADER:
        defects.append(f"{name}: header over {MAX_ADDRESS_HEADER} characters, not read")
        return ()
    try:
        tokens = tokenize(value)
        found = [_address(seg, defects, name) for seg in _segments(tokens)]
    except AddressError as exc:
        defects.append(f"{name}: unreadable address header ({exc})")
        return ()
    return tuple(a for a in found if a is not None)
