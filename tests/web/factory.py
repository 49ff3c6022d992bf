"""Test data for the web app: tickets, messages, attachments, events and users written straight
into the tables, as intake and routing would have left them.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine

from storage.blobs import BlobStore
from storage.db import session_scope
from storage.models import AttachmentRow, ContractRow, Event, Message, Ticket, User, utcnow
from storage.users import create_user

PASSWORD = "correct horse battery"


def add_user(engine: Engine, email: str, role: str = "owner", queues: tuple[str, ...] = ()) -> int:
    with session_scope(engine) as s:
        user: User = create_user(s, email, PASSWORD, role, queues)
        assert user.id is not None
        return user.id


def add_ticket(
    engine: Engine,
    queue: str = "hardware",
    subject: str = "Storing etiketteermachine",
    requester_email: str = "jan@klant.be",
    requester_name: str = "Jan Peeters",
    status: str = "new",
    priority: str = "normal",
    contract_numbers: list[str] | None = None,
    created_at: datetime | None = None,
    policy: dict[str, Any] | None = None,
    **extra: Any,
) -> str:
    ref = "PK-" + secrets.token_hex(4).upper()
    with session_scope(engine) as s:
        ticket = Ticket(
            ref=ref,
            queue=queue,
            subject=subject,
            requester_email=requester_email,
            requester_name=requester_name,
            status=status,
            priority=priority,
            contract_numbers=contract_numbers or [],
            created_at=created_at or utcnow(),
            policy=policy,
            **extra,
        )
        s.add(ticket)
        s.flush()
        s.add(Event(ticket_id=ticket.id, kind="created", data={"queue": queue}))
    return ref


def ticket_id(engine: Engine, ref: str) -> int:
    from sqlmodel import select

    with session_scope(engine) as s:
        t = s.exec(select(Ticket).where(Ticket.ref == ref)).one()
        assert t.id is not None
        return t.id


def add_message(
    engine: Engine,
    ref: str,
    text: str = "Goedendag,\n\nDe machine drukt niet meer af.\n\nMet vriendelijke groeten,\nJan",
    new_text: str | None = None,
    html: str | None = None,
    from_name: str = "Jan Peeters",
    from_email: str = "jan@klant.be",
    subject: str = "Storing etiketteermachine",
    explanation: list[str] | None = None,
    extraction: dict[str, Any] | None = None,
    received: datetime | None = None,
    sender_proof: dict[str, Any] | None = None,
    disposition: str = "ticket",
    counts: bool = True,
) -> int:
    tid = ticket_id(engine, ref)
    decision: dict[str, Any] = {
        "explanation": explanation or ["matched 'storing' (hardware, weight 2)"]
    }
    if sender_proof is not None:
        decision["sender_proof"] = sender_proof
    with session_scope(engine) as s:
        m = Message(
            ticket_id=tid,
            direction="in",
            message_id=f"<{secrets.token_hex(6)}@klant.be>",
            subject=subject,
            from_name=from_name,
            from_email=from_email,
            text=text,
            new_text=text if new_text is None else new_text,
            html=html,
            received=received or utcnow() - timedelta(minutes=5),
            decision=decision,
            extraction=extraction or {"language": "nl", "destruction_confirmation": False},
            disposition=disposition,
            counts=counts,
        )
        s.add(m)
        s.flush()
        assert m.id is not None
        return m.id


def add_attachment(
    engine: Engine,
    blobs: BlobStore,
    message_pk: int,
    data: bytes,
    filename: str,
    content_type: str = "application/pdf",
) -> int:
    digest = blobs.put(data)
    with session_scope(engine) as s:
        a = AttachmentRow(
            message_pk=message_pk,
            filename=filename,
            content_type=content_type,
            sniffed_type=content_type,
            size=len(data),
            sha256=digest,
        )
        s.add(a)
        s.flush()
        assert a.id is not None
        return a.id


def add_contract(engine: Engine, number: str, kind: str = "maintenance") -> None:
    with session_scope(engine) as s:
        s.add(
            ContractRow(
                number=number,
                display_number=number[:2] + "-" + number[2:],
                kind=kind,
                scope="hardware",
                customer="Drukkerij Peeters BV",
                contacts=["jan@klant.be"],
                start_date=date(2024, 3, 1),
                language="nl",
            )
        )
