"""What a person does to a ticket: notes, status, priority, tags, assignment, moving it to another
queue, and replying. Each change is one Event row (who, when, from, to) in the same transaction.

Called by the pages and the API after the access and CSRF checks; a reply goes to the outbox,
from where `outbound.sender` delivers it.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, select

from postkamer.web.access import Principal
from postkamer.web.compose import ReplyDraft, compose_reply
from postkamer.web.config import PRIORITIES, STATUSES, WebConfig
from storage.models import Event, Message, OutboxRow, Ticket, User, utcnow

MAX_NOTE = 20_000
MAX_TAGS = 20


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


def set_status(session: Session, ticket: Ticket, actor: Principal, status: str) -> None:
    if status not in STATUSES:
        raise ActionError("error.bad_status")
    if status != ticket.status:
        old, ticket.status = ticket.status, status
        _event(session, ticket, "status", actor, **{"from": old, "to": status})


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


def assign(session: Session, ticket: Ticket, actor: Principal, assignee: str | None) -> None:
    """Give the ticket to an active user who may see its queue (None: unassign)."""
    if assignee:
        user = session.exec(select(User).where(User.email == assignee.strip().lower())).first()
        if user is None or not user.active:
            raise ActionError("error.unknown_user")
        if user.role not in ("supervisor", "admin") and ticket.queue not in (user.queues or []):
            raise ActionError("error.assignee_no_access")
        assignee = user.email
    else:
        assignee = None
    if assignee != ticket.assignee:
        old, ticket.assignee = ticket.assignee, assignee
        _event(session, ticket, "assigned", actor, **{"from": old, "to": assignee})


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


def reply(
    session: Session,
    ticket: Ticket,
    actor: Principal,
    text: str,
    cfg: WebConfig,
    then_status: str = "waiting_on_customer",
) -> OutboxRow:
    """Queue a free-text reply to the requester: an outbox row plus an outgoing Message."""
    text = _clean(text)
    if not text:
        raise ActionError("error.empty_reply")
    if len(text) > MAX_NOTE:
        raise ActionError("error.too_long")
    if not ticket.requester_email:
        raise ActionError("error.no_requester")
    last_in = session.exec(
        select(Message)
        .where(Message.ticket_id == ticket.id, Message.direction == "in")
        .order_by(Message.id.desc())  # type: ignore[union-attr]
    ).first()
    draft = ReplyDraft(
        ticket_ref=ticket.ref,
        subject=ticket.subject,
        to=ticket.requester_email,
        to_name=ticket.requester_name,
        text=text,
        language=ticket.language,
        in_reply_to=last_in.message_id if last_in else None,
        references=[*(last_in.references or []), last_in.message_id]
        if last_in and last_in.message_id
        else [],
    )
    composed = compose_reply(draft, cfg.reply_from, cfg.message_id_domain)
    row = OutboxRow(
        ticket_id=ticket.id,
        message_id=composed.message_id,
        sender=composed.envelope_sender,
        recipients=[ticket.requester_email],
        template=None,
        automatic=False,
        raw=composed.raw,
    )
    session.add(row)
    session.add(
        Message(
            ticket_id=ticket.id,
            direction="out",
            message_id=composed.message_id,
            subject=composed.subject,
            from_email=composed.envelope_sender,
            from_name=actor.email,
            to=[ticket.requester_email],
            text=text,
            new_text=text,
            date=utcnow(),
            received=utcnow(),
            disposition="reply",
            language=ticket.language,
        )
    )
    session.flush()
    _event(session, ticket, "reply_queued", actor, outbox_id=row.id, message_id=row.message_id)
    if then_status in STATUSES:
        set_status(session, ticket, actor, then_status)
    return row
