"""Tickets in the database: look-ups for threading, and creating or extending a ticket.

`postkamer.processing` uses these inside the batch transaction; `intake.threading` reads the
database only through `DbThreadIndex`, so the threading logic itself stays pure. Who may write
on a ticket (DOMAIN.md 4a): its `Participant` rows (the requester, and addresses a proven
participant put in To/Cc) and the registered contacts of the ticket's contracts.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from routing.registry import Registry
from storage import rows
from storage.models import Event, Message, OutboxRow, Participant, Ticket

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


MERGED_INTO = "merged_into"  # event on a duplicate merged into another ticket


def merged_into(session: Session, ticket: Ticket) -> Ticket | None:
    """The ticket this one was merged into, if it was."""
    event = session.exec(
        select(Event)
        .where(Event.ticket_id == ticket.id, Event.kind == MERGED_INTO)
        .order_by(col(Event.id).desc())
    ).first()
    if event is None:
        return None
    ref = str(event.data.get("target") or "")
    return session.exec(select(Ticket).where(Ticket.ref == ref)).first()


def surviving(session: Session, ticket: Ticket | None, hops: int = 5) -> Ticket | None:
    """Follow merges to the ticket that carries the conversation now."""
    for _ in range(hops):
        if ticket is None or ticket.status != "closed":
            return ticket
        keeper = merged_into(session, ticket)
        if keeper is None:
            return ticket
        ticket = keeper
    return ticket


class DbThreadIndex:
    """Answers `intake.threading`'s questions from the database, within one session. With a
    `registry`, the registered contacts of a ticket's contracts are its participants too."""

    def __init__(self, session: Session, registry: Registry | None = None) -> None:
        self.session = session
        self.registry = registry

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
                return surviving(self.session, self.session.get(Ticket, ticket_id))
        return None

    def ticket_for_ref(self, ref: str) -> Ticket | None:
        """The ticket with this reference; a merged duplicate answers with its keeper."""
        found = self.session.exec(select(Ticket).where(Ticket.ref == ref.upper())).first()
        return surviving(self.session, found)

    def participants(self, ticket_id: int) -> frozenset[str]:
        """Lower-case addresses that may write on the ticket."""
        emails = {
            e.lower()
            for e in self.session.exec(
                select(Participant.email).where(Participant.ticket_id == ticket_id)
            ).all()
        }
        if self.registry is not None:
            ticket = self.session.get(Ticket, ticket_id)
            numbers = ticket.contract_numbers if ticket is not None else []
            emails.update(contract_contacts(self.registry, numbers))
        return frozenset(emails)


def contract_contacts(registry: Registry, numbers: Iterable[str] | None) -> set[str]:
    """The registered contacts of these contracts (unknown numbers add nobody)."""
    out: set[str] = set()
    for number in numbers or ():
        contract = registry.lookup(number)
        if contract is not None:
            out.update(contract.contacts)
    return out


def counted_extractions(session: Session, ticket_id: int) -> list[dict[str, Any]]:
    """The stored extractions of the mail that counts toward a ticket (DOMAIN.md 4a: its
    participants' `ticket` and `followup` mail), oldest first. Linked mail (auto-replies,
    delivery reports, bulk mail, anyone else) is left out, whatever it says."""
    found = session.exec(
        select(Message.extraction)
        .where(Message.ticket_id == ticket_id)
        .where(Message.direction == "in")
        .where(col(Message.counts).is_(True))
        .order_by(col(Message.id))
    ).all()
    return [dict(e) for e in found if e]


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
