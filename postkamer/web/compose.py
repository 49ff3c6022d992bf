"""Composing a free-text reply that a person wrote on the ticket page into a complete message.

A minimal composition with the standard library: plain text, the ticket reference in the
subject, threading headers towards the customer's last mail, and a Message-ID fixed now so the
outbox row written in the same transaction names it. `outbound.sender` delivers the row.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr, make_msgid, parseaddr

from storage.models import utcnow

_LINE_BREAKS = re.compile(r"[\r\n\x00\u2028\u2029\x85]+")
_REPLY_PREFIX = re.compile(r"^\s*((re|aw|antw|sv|fw|fwd|tr)\s*:\s*)+", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ReplyDraft:
    ticket_ref: str
    subject: str
    to: str
    to_name: str
    text: str
    language: str = "nl"
    in_reply_to: str | None = None
    references: Sequence[str] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class ComposedReply:
    message_id: str
    subject: str
    envelope_sender: str
    raw: bytes


def one_line(value: str) -> str:
    """A header value with no line breaks (no header injection from customer text)."""
    return " ".join(_LINE_BREAKS.sub(" ", value).split())


def reply_subject(subject: str, ticket_ref: str) -> str:
    base = _REPLY_PREFIX.sub("", one_line(subject)).replace(f"[{ticket_ref}]", "").strip()
    return f"Re: {base} [{ticket_ref}]" if base else f"[{ticket_ref}]"


def _msgid(value: str) -> str | None:
    value = one_line(value).strip()
    if not value:
        return None
    return value if value.startswith("<") else f"<{value}>"


def compose_reply(draft: ReplyDraft, reply_from: str, message_id_domain: str) -> ComposedReply:
    msg = EmailMessage(policy=SMTP)
    message_id = make_msgid(domain=message_id_domain)
    subject = reply_subject(draft.subject, draft.ticket_ref)
    msg["From"] = one_line(reply_from)
    msg["To"] = formataddr((one_line(draft.to_name), one_line(draft.to)))
    msg["Subject"] = subject
    msg["Date"] = format_datetime(utcnow())
    msg["Message-ID"] = message_id
    parent = _msgid(draft.in_reply_to or "")
    if parent:
        msg["In-Reply-To"] = parent
    refs = [r for r in (_msgid(x) for x in draft.references) if r]
    if refs:
        msg["References"] = " ".join(dict.fromkeys(refs[-20:]))
    msg["Content-Language"] = draft.language
    msg.set_content(draft.text)
    sender = parseaddr(reply_from)[1] or reply_from
    return ComposedReply(message_id, subject, sender, msg.as_bytes())
