"""Who may see what: queue owners see their own queues, supervisors and admins every queue.

Every page and API call that reads or changes a ticket or an attachment goes through
`require_ticket` / `require_attachment` (and queue lists through `require_queue`), which answer
404 both for what does not exist and for what exists in a queue the user may not see: one
answer, so a queue owner cannot learn which refs or attachment ids exist elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import HTTPException
from fastapi import Path as PathParam
from sqlmodel import Session, col, select

from storage.models import AttachmentRow, Message, Ticket

ALL_QUEUES_ROLES = frozenset({"supervisor", "admin"})

# Row ids are 64-bit in both databases: a larger number in a URL or form is not an id (SQLite
# cannot even bind it), so it is refused as bad input instead of reaching a query.
MAX_ID = 2**63 - 1
RowId = Annotated[int, PathParam(ge=1, le=MAX_ID)]


def parse_id(text: str) -> int | None:
    """A row id typed into a form field, or None when it is not one (empty, not ASCII digits,
    out of range)."""
    text = text.strip()
    if not text or len(text) > 19 or not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if value <= MAX_ID else None


@dataclass(frozen=True, slots=True)
class Principal:
    """The logged-in user, detached from the database session."""

    user_id: int
    email: str
    role: str
    queues: frozenset[str]
    language: str | None
    csrf_token: str

    @property
    def sees_all(self) -> bool:
        return self.role in ALL_QUEUES_ROLES

    def may_see_queue(self, queue: str | None) -> bool:
        if self.sees_all:
            return True
        return queue is not None and queue in self.queues

    def visible_queues(self, known: tuple[str, ...]) -> list[str]:
        if self.sees_all:
            return list(known)
        return [q for q in known if q in self.queues] + sorted(self.queues - set(known))


def require_queue(principal: Principal, queue: str) -> None:
    if not principal.may_see_queue(queue):
        raise HTTPException(status_code=404, detail="no such queue")


def find_ticket(session: Session, principal: Principal, ref: str) -> Ticket | None:
    """The ticket if it exists in a queue the user may see, else None (either way)."""
    ticket = session.exec(select(Ticket).where(Ticket.ref == ref)).first()
    if ticket is None or not principal.may_see_queue(ticket.queue):
        return None
    return ticket


def visible_refs(session: Session, principal: Principal, refs: set[str]) -> set[str]:
    """The refs among `refs` of tickets the user may see (links to others show no ref)."""
    if not refs:
        return set()
    rows = session.exec(select(Ticket.ref, Ticket.queue).where(col(Ticket.ref).in_(refs))).all()
    return {ref for ref, queue in rows if principal.may_see_queue(queue)}


def require_ticket(session: Session, principal: Principal, ref: str) -> Ticket:
    ticket = find_ticket(session, principal, ref)
    if ticket is None:
        raise HTTPException(status_code=404, detail="no such ticket")
    return ticket


def require_attachment(session: Session, principal: Principal, attachment_id: int) -> AttachmentRow:
    """The attachment, if its message belongs to a ticket in a queue the user may see.

    An attachment of a mail without a ticket (quarantine, bounce) is for supervisors only.
    """
    row = session.get(AttachmentRow, attachment_id)
    if row is None:
        raise HTTPException(status_code=404, detail="no such attachment")
    message = session.get(Message, row.message_pk)
    ticket = session.get(Ticket, message.ticket_id) if message and message.ticket_id else None
    allowed = principal.sees_all if ticket is None else principal.may_see_queue(ticket.queue)
    if not allowed:
        raise HTTPException(status_code=404, detail="no such attachment")
    return row
