"""Tickets in the database: look-ups for threading, and creating or extending a ticket.

`postkamer.processing` uses these inside the batch transaction; `intake.threading` reads the
database only through `DbThreadIndex`, so the threading logic itself stays pure.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence

from sqlalchemy import bindparam
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from storage import rows
from storage.models import Message, OutboxRow, Participant, Ticket

#: ticket references avoid look-alike characters (0/O, 1/I/L) and are not a sequence
REF_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
REF_LENGTH = 6


def new_ref(session: Session, prefix: str = "PK") -> str:
    """A fresh, random ticket reference such as `PK-7F3K9Q`, unique in the database."""
    session.flush()  # tickets this transaction holds as objects are looked at too
    while True:
        ref = f"{prefix}-" + "".join(secrets.choice(REF_ALPHABET) for _ in range(REF_LENGTH))
        if session.execute(_REF_TAKEN, {"ref": ref}).first() is None:
            return ref


_REF_TAKEN = sa_select(rows.table_of(Ticket).c.id).where(
    rows.table_of(Ticket).c.ref == bindparam("ref")
)


class DbThreadIndex:
    """Answers `intake.threading`'s questions from the database, within one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def ticket_for_message_ids(self, ids: Sequence[str]) -> Ticket | None:
        """The ticket that owns one of these Message-IDs (ours or the customer's), newest first."""
        wanted = [i for i in ids if i]
        if not wanted:
            return None
        for message_id in reversed(wanted):
            ticket_id = self.session.exec(
                select(Message.ticket_id)
                .where(Message.message_id == message_id)
                .where(col(Message.ticket_id).is_not(None))
            ).first()
            if ticket_id is None:
                ticket_id = self.session.exec(
                    select(OutboxRow.ticket_id).where(OutboxRow.message_id == message_id)
                ).first()
            if ticket_id is not None:
                return self.session.get(Ticket, ticket_id)
        return None

    def ticket_for_ref(self, ref: str) -> Ticket | None:
        return self.session.exec(select(Ticket).where(Ticket.ref == ref.upper())).first()

    def participants(self, ticket_id: int) -> frozenset[str]:
        emails = self.session.exec(
            select(Participant.email).where(Participant.ticket_id == ticket_id)
        ).all()
        return frozenset(e.lower() for e in emails)


def add_participants(
    session: Session, ticket_id: int, emails: Iterable[str], role: str = "cc"
) -> None:
    """Add people to a ticket's participants (no duplicates)."""
    existing = {
        e.lower()
        for e in session.exec(
            select(Participant.email).where(Participant.ticket_id == ticket_id)
        ).all()
    }
    for email in emails:
        address = email.strip().lower()
        if address and "@" in address and address not in existing:
            session.add(Participant(ticket_id=ticket_id, email=address, role=role))
            existing.add(address)


def add_new_participants(
    session: Session, ticket_id: int, emails: Iterable[str], role: str = "cc"
) -> None:
    """`add_participants` for a ticket made in this transaction: it has none yet, so nothing
    is looked up (one insert)."""
    seen: list[str] = []
    for email in emails:
        address = email.strip().lower()
        if address and "@" in address and address not in seen:
            seen.append(address)
    rows.insert_many(
        session, Participant, [{"ticket_id": ticket_id, "email": a, "role": role} for a in seen]
    )
