"""What a person does to a ticket: notes, status, priority, tags, assignment, moving it to another
queue, and replying. Each change is one Event row (who, when, from, to) in the same transaction.

Called by the pages and the API after the access and CSRF checks; a reply goes to the outbox,
from where `outbound.sender` delivers it.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlmodel import Session, col, select

from outbound.compose import ComposeError, Recipient, compose_reply
from outbound.outbox import queue_reply
from outbound.templates import RenderedReply
from postkamer import lifecycle, ticketjobs
from postkamer.ticketjobs import TicketJobRules
from postkamer.web.access import Principal
from postkamer.web.config import PRIORITIES, STATUSES, WebConfig
from storage.jobstore import stored_jobs
from storage.models import Event, Message, OutboxRow, Ticket, User, utcnow

MAX_NOTE = 20_000
MAX_TAGS = 20

# Every key an ActionError may carry: the ticket page shows an `?error=` notice only for these
# (a link cannot make the page say anything else; tests/web/test_hardening_leaks.py checks
# that every key raised anywhere is listed).
ERRORS = frozenset(
    {
        "error.already_merged",
        "error.assignee_invalid",
        "error.bad_priority",
        "error.bad_queue",
        "error.bad_status",
        "error.bad_transition",
        "error.cannot_withdraw",
        "error.claimed_by_other",
        "error.empty_note",
        "error.empty_reply",
        "error.merge_into_closed",
        "error.merge_self",
        "error.merge_unknown",
        "error.no_requester",
        "error.reason_required",
        "error.same_queue",
        "error.too_long",
        "error.too_many_tags",
    }
)


class ActionError(ValueError):
    """A change that cannot be made as asked; `key` is the UI catalog key saying why."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _clean(text: str) -> str:
    """Text from a form: browsers send CRLF line ends; keep LF, trim the ends."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def _event(session: Session, ticket: Ticket, kind: str, actor: Principal, **data: object) -> None:
    session.add(Event(ticket_id=ticket.id, kind=kind, actor=actor.email, data=dict(data)))
    ticket.updated_at = utcnow()
    session.add(ticket)


def add_note(session: Session, ticket: Ticket, actor: Principal, text: str) -> None:
    text = _clean(text)
    if not text:
        raise ActionError("error.empty_note")
    if len(text) > MAX_NOTE:
        raise ActionError("error.too_long")
    _event(session, ticket, "note", actor, text=text)


def _record(session: Session, ticket: Ticket, events: Iterable[lifecycle.EventData]) -> None:
    now = utcnow()
    for e in events:
        session.add(e.row(ticket.id, now))
    ticket.updated_at = now
    session.add(ticket)
    sync_jobs(session, ticket)


def sync_jobs(session: Session, ticket: Ticket) -> None:
    """Reschedule or drop the ticket's reminder, automatic close and termination in this
    transaction (`postkamer.ticketjobs`), with the rules the web app was configured with."""
    rules = session.info.get("ticket_jobs")
    if not isinstance(rules, TicketJobRules):
        rules = TicketJobRules.default()
    ticketjobs.sync_ticket_jobs(session, ticket, rules)


def may_withdraw(session: Session, ticket: Ticket) -> bool:
    """A request can be withdrawn once, and not after its termination took effect."""
    done = session.exec(
        select(Event.id).where(
            Event.ticket_id == ticket.id,
            col(Event.kind).in_(("withdrawn", "termination_effective")),
        )
    ).first()
    return done is None


def scheduled_jobs(session: Session, ticket_id: int) -> list[tuple[str, datetime]]:
    """The ticket's upcoming scheduled work, soonest first: (kind, when)."""
    found = stored_jobs(session, ticketjobs.ticket_job_ids(ticket_id))
    return sorted(
        ((job_id.split(":", 1)[0], spec.run_at) for job_id, spec in found.items()),
        key=lambda item: item[1],
    )


def withdraw(session: Session, ticket: Ticket, actor: Principal, reason: str) -> None:
    """The customer takes the request back (said by mail or phone; a person records it): the
    ticket is closed, and an accepted cancellation's termination will not take effect."""
    reason = _clean(reason)
    if not reason:
        raise ActionError("error.reason_required")
    if len(reason) > MAX_NOTE:
        raise ActionError("error.too_long")
    if not may_withdraw(session, ticket):
        raise ActionError("error.cannot_withdraw")
    change = lifecycle.withdraw(ticket.status, actor=actor.email)
    events = [
        lifecycle.EventData(e.kind, e.actor, {**e.data, "reason": reason})
        if e.kind == "withdrawn"
        else e
        for e in change.events
    ]
    ticket.status = change.state
    _record(session, ticket, events)


def set_status(session: Session, ticket: Ticket, actor: Principal, status: str) -> None:
    """Change the state as the lifecycle allows; a closed ticket can only be reopened."""
    if status not in STATUSES:
        raise ActionError("error.bad_status")
    try:
        if ticket.status == lifecycle.CLOSED and status == lifecycle.OPEN:
            change = lifecycle.reopen(ticket.status, actor=actor.email, reason="reopened")
        else:
            change = lifecycle.transition(ticket.status, status, actor=actor.email)
    except lifecycle.TransitionError:
        raise ActionError("error.bad_transition") from None
    if change.changed:
        ticket.status = change.state
        _record(session, ticket, change.events)


def set_priority(session: Session, ticket: Ticket, actor: Principal, priority: str) -> None:
    if priority not in PRIORITIES:
        raise ActionError("error.bad_priority")
    if priority != ticket.priority:
        old, ticket.priority = ticket.priority, priority
        _event(session, ticket, "priority", actor, **{"from": old, "to": priority})


def parse_tags(text: str) -> list[str]:
    tags: list[str] = []
    for raw in text.replace(";", ",").split(","):
        tag = " ".join(raw.split()).lower()[:40]
        if tag and tag not in tags:
            tags.append(tag)
    return tags


def set_tags(session: Session, ticket: Ticket, actor: Principal, tags: Sequence[str]) -> None:
    new = parse_tags(",".join(tags))
    if len(new) > MAX_TAGS:
        raise ActionError("error.too_many_tags")
    if new != list(ticket.tags or []):
        old, ticket.tags = list(ticket.tags or []), new
        _event(session, ticket, "tags", actor, **{"from": old, "to": new})


def claim(session: Session, ticket: Ticket, actor: Principal) -> None:
    """Take an unassigned ticket (someone else's is given away with `assign`)."""
    try:
        result = lifecycle.claim(ticket.status, ticket.assignee, actor.email)
    except lifecycle.AssignmentError:
        raise ActionError("error.claimed_by_other") from None
    _apply_assignment(session, ticket, result)


def assign(session: Session, ticket: Ticket, actor: Principal, assignee: str | None) -> None:
    """Give the ticket to an active user who may see its queue (None: unassign)."""
    if assignee:
        user = session.exec(select(User).where(User.email == assignee.strip().lower())).first()
        sees_queue = user is not None and (
            user.role in ("supervisor", "admin") or ticket.queue in (user.queues or [])
        )
        if user is None or not user.active or not sees_queue:
            # one answer: which staff accounts exist is not for everyone to find out
            raise ActionError("error.assignee_invalid")
        assignee = user.email
    result = lifecycle.assign(ticket.status, ticket.assignee, assignee or None, actor=actor.email)
    _apply_assignment(session, ticket, result)


def _apply_assignment(session: Session, ticket: Ticket, result: lifecycle.Assignment) -> None:
    if result.events:
        ticket.assignee, ticket.status = result.assignee, result.state
        _record(session, ticket, result.events)


def move(
    session: Session,
    ticket: Ticket,
    actor: Principal,
    queue: str,
    reason: str,
    known: Sequence[str],
) -> None:
    """Re-route to another queue; the reason is kept as supervisor feedback for routing."""
    reason = _clean(reason)
    if queue not in known:
        raise ActionError("error.bad_queue")
    if queue == ticket.queue:
        raise ActionError("error.same_queue")
    if not reason:
        raise ActionError("error.reason_required")
    if len(reason) > MAX_NOTE:
        raise ActionError("error.too_long")
    old, ticket.queue = ticket.queue, queue
    _event(session, ticket, "rerouted", actor, **{"from": old, "to": queue, "reason": reason})


def _as_html(text: str) -> str:
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    return "".join("<p>" + html.escape(p).replace("\n", "<br>\n") + "</p>\n" for p in paragraphs)


def reply(
    session: Session,
    ticket: Ticket,
    actor: Principal,
    text: str,
    cfg: WebConfig,
    then_status: str = lifecycle.WAITING,
) -> OutboxRow:
    """Queue a reply a person wrote: composed by `outbound.compose` (threaded, clean headers,
    not marked automatic) and written to the outbox with its outgoing Message and event."""
    text = _clean(text)
    if not text:
        raise ActionError("error.empty_reply")
    if len(text) > MAX_NOTE:
        raise ActionError("error.too_long")
    if not ticket.requester_email:
        raise ActionError("error.no_requester")
    inbound = (
        select(Message)
        .where(Message.ticket_id == ticket.id, Message.direction == "in")
        .order_by(col(Message.id).desc())
    )
    # answer the participants' mail, not an auto-reply or a stranger's mail linked to it
    last_in = session.exec(inbound.where(col(Message.counts).is_(True))).first()
    if last_in is None:
        last_in = session.exec(inbound).first()
    now = utcnow()
    rendered = RenderedReply(
        name="free_text",
        language=ticket.language,
        subject=ticket.subject or ticket.ref,
        text=text + "\n",
        html=_as_html(text),
    )
    r = cfg.replies
    try:
        message = compose_reply(
            rendered,
            from_addr=r.from_addr,
            reply_to=r.reply_to,
            to=[Recipient(email=ticket.requester_email, name=ticket.requester_name)],
            ticket_ref=ticket.ref,
            domain=r.domain,
            now=now,
            original_subject=last_in.subject if last_in else ticket.subject,
            in_reply_to=last_in.message_id if last_in else None,
            references=list(last_in.references or []) if last_in else [],
            automatic=False,
        )
    except ComposeError:
        raise ActionError("error.no_requester") from None
    row = queue_reply(
        session,
        message,
        ticket_id=ticket.id,
        envelope_sender=r.envelope_sender,
        now=now,
        template=None,
        automatic=False,
    )
    queued = session.exec(
        select(Event)
        .where(Event.ticket_id == ticket.id, Event.kind == "reply_queued")
        .order_by(col(Event.id).desc())
    ).first()
    if queued is not None:  # queue_reply records the event; say who wrote the reply
        queued.actor = actor.email
        session.add(queued)
    ticket.updated_at = now
    session.add(ticket)
    if then_status in STATUSES and then_status != ticket.status:
        set_status(session, ticket, actor, then_status)
    return row
