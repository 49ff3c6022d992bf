"""Compose a reply: a threaded, loop-safe `EmailMessage` from a rendered template.

Everything that came from a customer (their subject, their display name, their Message-IDs) is
cleaned before it becomes a header: RFC 2047 encoded words are decoded first, then every
control character (CR, LF, NUL, ...) is removed, so `=?UTF-8?Q?=0A?=Bcc: x` can never become a
header of its own [CVE-2024-6923]. The Message-ID is made here, once; `outbound.outbox` stores
the composed bytes and the sender delivers exactly those bytes, retries included.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.header import decode_header, make_header
from email.headerregistry import Address as HeaderAddress
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, getaddresses, make_msgid

from outbound.templates import RenderedReply

MAX_SUBJECT = 200  # characters of the customer's subject kept before the ticket tag
MAX_NAME = 100
MAX_REFERENCES = 20
LOOP_HEADER = "X-Postkamer-Loop"

_REPLY_PREFIX = re.compile(
    r"^\s*(?:(?:re|aw|antw|antwoord|sv|vs|réf|ref|r)\s*(?:\[\d+\]|\(\d+\))?\s*:\s*)+",
    re.IGNORECASE,
)
_WS = re.compile(r"\s+")
_MSGID = re.compile(r"<[^<>\s]{1,250}@[^<>\s]{1,250}>|<[^<>\s]{1,500}>")
_ADDR = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.\-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9.\-]{0,251}[A-Za-z0-9])?$"
)


class ComposeError(ValueError):
    """A reply that cannot be composed safely (e.g. an address that is not an address)."""


@dataclass(frozen=True, slots=True)
class Recipient:
    """One person a reply goes to. `name` may be customer text; it is cleaned."""

    email: str
    name: str = ""


def clean_text(value: str, limit: int | None = None) -> str:
    """One line of plain text: encoded words decoded, control characters gone, spaces tidied."""
    text = value
    if "=?" in text:
        with contextlib.suppress(ValueError, LookupError, UnicodeError):
            text = str(make_header(decode_header(text)))
    text = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch
        for ch in text
        if unicodedata.category(ch) != "Cf" or ch in "\u200d"
    )
    text = _WS.sub(" ", text).strip()
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def tag_for(ticket_ref: str) -> str:
    return f"[{ticket_ref}]"


def reply_subject(
    original: str | None, fallback: str, ticket_ref: str, limit: int = MAX_SUBJECT
) -> str:
    """`Re: <original> [PK-XXXXXX]`: one "Re:", the tag once, cleaned and capped.

    Without an original subject the template's own subject is used (`<fallback> [PK-...]`).
    """
    tag = tag_for(ticket_ref)
    base = clean_text(original or "")
    base = re.sub(re.escape(tag), " ", base, flags=re.IGNORECASE)
    base = _WS.sub(" ", base).strip()
    stripped = _REPLY_PREFIX.sub("", base).strip()
    if stripped:
        stripped = clean_text(stripped, limit)
        return f"Re: {stripped} {tag}"
    return f"{clean_text(fallback, limit)} {tag}"


def clean_msgids(values: Iterable[str | None]) -> list[str]:
    """Well-formed `<id@host>` tokens from customer headers, in order, without repeats."""
    out: list[str] = []
    for value in values:
        if not value:
            continue
        text = clean_text(value)
        found = _MSGID.findall(text)
        if not found and text and " " not in text and "<" not in text:
            found = [f"<{text}>"] if len(text) <= 500 else []
        for token in found:
            if token not in out:
                out.append(token)
    return out


def _references(original_refs: Sequence[str], original_id: str | None) -> list[str]:
    refs = clean_msgids([*original_refs, original_id])
    if len(refs) > MAX_REFERENCES:  # keep the thread's root and the most recent ones
        refs = [refs[0], *refs[-(MAX_REFERENCES - 1) :]]
    return refs


def header_address(recipient: Recipient) -> HeaderAddress:
    email = recipient.email.strip()
    if not _ADDR.match(email):
        raise ComposeError(f"not a usable e-mail address: {email[:80]!r}")
    return HeaderAddress(display_name=clean_text(recipient.name, MAX_NAME), addr_spec=email)


def parse_from(value: str) -> Recipient:
    """`Name <addr>` from the settings (trusted configuration; still checked)."""
    pairs = getaddresses([value])
    if len(pairs) != 1 or not pairs[0][1]:
        raise ComposeError(f"from address cannot be parsed: {value!r}")
    name, email = pairs[0]
    return Recipient(email=email, name=name)


def new_message_id(domain: str) -> str:
    return make_msgid(domain=domain)


def compose_reply(
    rendered: RenderedReply,
    *,
    from_addr: str,
    to: Sequence[Recipient],
    ticket_ref: str,
    domain: str,
    now: datetime,
    original_subject: str | None = None,
    in_reply_to: str | None = None,
    references: Sequence[str] = (),
    cc: Sequence[Recipient] = (),
    reply_to: str | None = None,
    automatic: bool = True,
    message_id: str | None = None,
) -> EmailMessage:
    """The reply as a multipart/alternative message, every header clean.

    `domain` is ours: it names the Message-ID and the loop header. `automatic` replies carry
    `Auto-Submitted: auto-replied` and `X-Auto-Response-Suppress: All` (RFC 3834); replies a
    person wrote do not.
    """
    if not to:
        raise ComposeError("a reply needs at least one recipient")
    msg = EmailMessage(policy=SMTP)
    msg["From"] = header_address(parse_from(from_addr))
    if reply_to:
        msg["Reply-To"] = header_address(parse_from(reply_to))
    msg["To"] = [header_address(r) for r in to]
    cc_list = [r for r in cc if r.email.lower() not in {t.email.lower() for t in to}]
    if cc_list:
        msg["Cc"] = [header_address(r) for r in cc_list]
    msg["Subject"] = reply_subject(original_subject, rendered.subject, ticket_ref)
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = message_id or new_message_id(domain)
    parent = clean_msgids([in_reply_to])
    if parent:
        msg["In-Reply-To"] = parent[0]
    refs = _references(references, parent[0] if parent else None)
    if refs:
        msg["References"] = " ".join(refs)
    if automatic:
        msg["Auto-Submitted"] = "auto-replied"
        msg["X-Auto-Response-Suppress"] = "All"
    msg[LOOP_HEADER] = domain
    msg.set_content(rendered.text, subtype="plain", charset="utf-8")
    msg.add_alternative(rendered.html, subtype="html", charset="utf-8")
    msg["Content-Language"] = rendered.language  # after set_content, which drops Content-*
    return msg


def envelope_recipients(msg: EmailMessage) -> list[str]:
    """Addresses in To and Cc, lower case, in order, without repeats."""
    out: list[str] = []
    for field in ("To", "Cc"):
        header = msg.get(field)
        if header is None:
            continue
        for addr in getattr(header, "addresses", ()):
            email = str(addr.addr_spec).lower()
            if email and email not in out:
                out.append(email)
    return out
