"""Confirmation by reply: proof of the sender when the mail's headers give none (DOMAIN.md 4a).

A cancellation whose sender is not proven is `awaiting_sender_confirmation`. Inside the
batch transaction `postkamer.processing` then calls `request_confirmation`: a one-time code is
drawn, an argon2 hash of it is stored with the ticket and an expiry (`SenderConfirmation`),
and the request (`cancellation/awaiting_sender_confirmation`: what will happen, the code) is
queued to the contract's registered contact, never to Reply-To or Cc. The history keeps the
request with the code masked.

When a participant's mail follows up on such a ticket, `judge_reply` decides whether it is
the confirmation: threaded to the request (In-Reply-To or References name its Message-ID),
from the contact it went to, before the expiry, carrying the code in its own text (not only
in the quoted request). Then its sender is proven (method `confirmation`) and the request is
judged again with `received` = that reply's arrival; otherwise it proves nothing and an
audit event says why. Five wrong codes spend a request. Next stop: the decision goes back to
processing, which writes the ticket change, the termination job and the acceptance reply.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from intake.model import ParsedMail, SenderProof
from intake.threading import REF_ALPHABET
from outbound.compose import Recipient
from outbound.outbox import aware
from outbound.replies import Facts, InboundFacts, ReplyConfig, TicketFacts, queue_template_reply
from outbound.templates import TemplateSet
from routing.dates import local_date
from routing.model import RoutingDecision
from routing.registry import Registry
from storage import rows
from storage.models import Event, SenderConfirmation
from storage.users import hash_password, verify_password

CODE_LENGTH = 8  # 31^8 = 8.5e11 codes, drawn with `secrets`
MAX_WRONG_CODES = 5  # a request that got this many wrong codes is spent
OPEN, CONFIRMED, SPENT, SUPERSEDED = "open", "confirmed", "spent", "superseded"

_CODE = re.compile(
    rf"(?<![0-9A-Za-z])([{REF_ALPHABET}]{{4}})[\s-]?([{REF_ALPHABET}]{{4}})(?![0-9A-Za-z])",
    re.IGNORECASE,
)


def new_code() -> str:
    """A random one-time code such as `7FK3-9QXA`: no look-alike characters, always letters
    and digits mixed, so that no word of a reply ("gevraagd") reads as one."""
    while True:
        raw = "".join(secrets.choice(REF_ALPHABET) for _ in range(CODE_LENGTH))
        if _mixed(raw):
            return f"{raw[:4]}-{raw[4:]}"


def codes_in(text: str) -> list[str]:
    """Every token of `text` written like a code (`7fk3 9qxa`, `7FK39QXA`), normalized."""
    found = (m.group(1).upper() + m.group(2).upper() for m in _CODE.finditer(text[:20000]))
    return list(dict.fromkeys(c for c in found if _mixed(c)))


def _mixed(code: str) -> bool:
    return any(c.isdigit() for c in code) and any(c.isalpha() for c in code)


def _plain(code: str) -> str:
    return code.replace("-", "").upper()


def registered_contact(registry: Registry, number: str | None, sender: str) -> str | None:
    """The registry's address of the contract's contact who is the sender, if any."""
    contract = registry.lookup(number) if number else None
    if contract is None:
        return None
    wanted = sender.strip().lower()
    return next((c for c in contract.contacts if c.strip().lower() == wanted), None)


def request_confirmation(
    session: Session,
    *,
    templates: TemplateSet,
    replies: ReplyConfig,
    ticket: TicketFacts,
    inbound: InboundFacts,
    decision: RoutingDecision,
    sender: str,
    registry: Registry,
    display_number: str | None,
    valid_days: int,
    now: datetime,
) -> SenderConfirmation | None:
    """Send the confirmation request for an `awaiting_sender_confirmation` decision to the
    registered contact and store its hashed code; earlier open requests of the ticket are
    superseded. None (with an event) when no request could be sent."""
    policy = decision.policy
    assert ticket.id is not None and policy is not None
    contact = registered_contact(registry, policy.contract_number, sender)
    if contact is None or not decision.reply_template:
        _event(session, ticket.id, "confirmation_not_requested", now, {"reason": "no contact"})
        return None
    code = new_code()
    expires = now + timedelta(days=valid_days)
    queued = queue_template_reply(
        session,
        templates,
        replies,
        ticket=ticket,
        template=decision.reply_template,
        now=now,
        language=decision.language,
        inbound=inbound,
        facts=Facts(
            contract_number=display_number,
            effective_date=policy.effective_date or policy.proposed_date,
            waiting_for="sender_confirmation",
            confirmation_code=code,
            confirm_by=local_date(expires),
        ),
        disposition=decision.disposition,
        to=Recipient(email=contact),
        load_row=True,
    )
    if queued.row is None:  # loop protection said no; its event says why
        return None
    for earlier in _open(session, ticket.id):
        earlier.state = SUPERSEDED
        session.add(earlier)
    request = SenderConfirmation(
        ticket_id=ticket.id,
        contact=contact.lower(),
        contract_number=policy.contract_number or "",
        request_message_id=queued.row.message_id,
        code_hash=hash_password(_plain(code)),
        created_at=now,
        expires_at=expires,
    )
    session.add(request)
    _event(
        session,
        ticket.id,
        "confirmation_requested",
        now,
        {
            "to": contact,
            "message_id": queued.row.message_id,
            "contract": display_number,
            "expires_at": expires.isoformat(),
        },
    )
    return request


def has_open_request(session: Session, ticket_id: int, now: datetime) -> bool:
    return any(aware(r.expires_at) >= now for r in _open(session, ticket_id))


@dataclass(frozen=True, slots=True)
class Judgement:
    """What a follow-up says about a pending confirmation request."""

    proof: SenderProof | None  # set when the reply confirms
    reason: str  # in words, for the audit event


def judge_reply(
    session: Session,
    ticket_id: int,
    parsed: ParsedMail,
    new_text: str,
    now: datetime,
) -> Judgement | None:
    """Whether this follow-up confirms an open request of the ticket. None when the ticket
    has no open request (the mail's own proof stands). Writes the audit event."""
    pending = _open(session, ticket_id)
    if not pending:
        return None
    named = {*parsed.in_reply_to, *parsed.references}
    request = next((r for r in pending if r.request_message_id in named), None)
    sender = parsed.from_.email.strip().lower() if parsed.from_ is not None else ""
    message_id = parsed.message_id
    if request is None:
        return _refused(
            session,
            ticket_id,
            now,
            message_id,
            "not a reply to the confirmation request (In-Reply-To/References do not name it)",
        )
    data: dict[str, Any] = {"request": request.request_message_id}
    if sender != request.contact:
        return _refused(
            session,
            ticket_id,
            now,
            message_id,
            f"sent by {sender or '(nobody)'}, the request went to {request.contact}",
            data,
        )
    if aware(request.expires_at) < now:
        return _refused(
            session,
            ticket_id,
            now,
            message_id,
            f"the code expired on {aware(request.expires_at).isoformat()}",
            data,
        )
    candidates = codes_in(new_text)
    if not candidates:
        return _refused(
            session, ticket_id, now, message_id, "no code in the reply's own text", data
        )
    if not any(verify_password(request.code_hash, c) for c in candidates):
        request.attempts += 1
        spent = request.attempts >= MAX_WRONG_CODES
        if spent:
            request.state = SPENT
        session.add(request)
        return _refused(
            session,
            ticket_id,
            now,
            message_id,
            "wrong code"
            + (f" ({MAX_WRONG_CODES} wrong codes: the request is spent)" if spent else ""),
            data,
        )
    request.state = CONFIRMED
    request.confirmed_at = now
    request.confirmed_by_message_id = message_id
    session.add(request)
    reason = (
        f"reply {message_id or '(no Message-ID)'} to the confirmation request "
        f"{request.request_message_id} sent to the registered contact {request.contact} "
        "carries its one-time code"
    )
    _event(
        session,
        ticket_id,
        "sender_confirmed",
        now,
        {**data, "message_id": message_id, "from": sender},
    )
    return Judgement(SenderProof("proven", "confirmation", (reason,)), reason)


def _refused(
    session: Session,
    ticket_id: int,
    now: datetime,
    message_id: str | None,
    reason: str,
    data: dict[str, Any] | None = None,
) -> Judgement:
    _event(
        session,
        ticket_id,
        "confirmation_refused",
        now,
        {**(data or {}), "message_id": message_id, "reason": reason},
    )
    return Judgement(None, reason)


def _open(session: Session, ticket_id: int) -> list[SenderConfirmation]:
    return list(
        session.exec(
            select(SenderConfirmation)
            .where(SenderConfirmation.ticket_id == ticket_id)
            .where(SenderConfirmation.state == OPEN)
            .order_by(col(SenderConfirmation.id))
        )
    )


def _event(
    session: Session, ticket_id: int, kind: str, now: datetime, data: dict[str, Any]
) -> None:
    session.flush()
    rows.insert_one(session, Event, ticket_id=ticket_id, kind=kind, at=now, data=data)
