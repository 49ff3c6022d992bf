"""The desk between real servers, for end-to-end attack tests: mail delivered into a private
Dovecot mailbox, `run_once` (what `postkamer run --once` runs) with the production processor
on a fresh database (SQLite or PostgreSQL), replies delivered to an aiosmtpd server whose
received bytes the test reads; and readers for what a user would notice afterwards (ticket,
messages, outbox, events, participants, scheduled jobs)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from outbound.sender import deliver_due
from outbound.transport import SmtpTransport
from postkamer.processing import ProcessedMail, ProcessingContext, Processor
from postkamer.service import run_once
from postkamer.settings import Settings, SmtpSettings
from postkamer.ticketjobs import ticket_job_ids
from routing.registry import Contract
from storage.contracts import import_contracts
from storage.db import session_scope
from storage.jobstore import JobSpec, stored_jobs
from storage.models import Event, Message, OutboxRow, Participant, Ticket
from tests.hostile.conftest import Received
from tests.support.dovecot import Account
from tests.support.mail import make_settings


class Desk:
    """The service between a Dovecot mailbox and an SMTP server, one `run --once` at a time."""

    def __init__(
        self, account: Account, engine: Engine, settings: Settings, inbox: list[Received]
    ) -> None:
        self.account = account
        self.engine = engine
        self.settings = settings
        self.inbox = inbox
        self.context = ProcessingContext.from_settings(settings)

    def receive(self, *mails: bytes, arrived: datetime | None = None) -> list[ProcessedMail]:
        """Deliver the mails to the mailbox (all arriving at `arrived`, INTERNALDATE, when
        given) and process everything waiting there."""
        when = None if arrived is None else [arrived.timestamp()] * len(mails)
        self.account.deliver(mails, arrived=when)
        self.context.results.clear()
        summary = run_once(self.settings, Processor(self.context), engine=self.engine)
        assert summary.stored == len(mails) and summary.quarantined == 0, summary
        return list(self.context.results)

    def send(self) -> int:
        """Deliver every due reply to the SMTP server; how many went out."""
        summary = deliver_due(
            self.engine,
            SmtpTransport(self.settings.smtp or SmtpSettings(host="-")),
            lambda: datetime.now(UTC) + timedelta(minutes=1),
        )
        assert summary.failed == 0 and summary.unknown == 0, summary
        return summary.sent

    def ticket(self, ticket_id: int) -> Ticket:
        with Session(self.engine) as s:
            found = s.get(Ticket, ticket_id)
            assert found is not None
            return found

    def ticket_by_ref(self, ref: str | None) -> Ticket:
        with Session(self.engine) as s:
            return s.exec(select(Ticket).where(Ticket.ref == ref)).one()

    def message(self, message_id: str) -> Message:
        with Session(self.engine) as s:
            return s.exec(select(Message).where(Message.message_id == message_id)).one()

    def messages(self, ticket_id: int) -> list[Message]:
        with Session(self.engine) as s:
            return list(
                s.exec(
                    select(Message)
                    .where(Message.ticket_id == ticket_id, Message.direction == "in")
                    .order_by(col(Message.id))
                )
            )

    def outbox(self) -> list[OutboxRow]:
        with Session(self.engine) as s:
            return list(s.exec(select(OutboxRow).order_by(col(OutboxRow.id))))

    def events(self, kind: str) -> list[Event]:
        with Session(self.engine) as s:
            return list(s.exec(select(Event).where(Event.kind == kind).order_by(col(Event.id))))

    def participants(self, ticket_id: int) -> set[str]:
        with Session(self.engine) as s:
            return set(
                s.exec(select(Participant.email).where(Participant.ticket_id == ticket_id))
            )

    def scheduled(self, ticket_id: int) -> dict[str, JobSpec]:
        """The ticket's stored jobs by id (`termination:7`, `reminder:7`, ...)."""
        with Session(self.engine) as s:
            return stored_jobs(s, ticket_job_ids(ticket_id))

    def jobs(self, ticket_id: int) -> set[str]:
        return set(self.scheduled(ticket_id))

    def state(self, ticket_id: int) -> dict[str, Any]:
        """Everything about a ticket that mail may change."""
        t = self.ticket(ticket_id)
        return {
            "queue": t.queue,
            "status": t.status,
            "policy": t.policy,
            "contract_numbers": t.contract_numbers,
            "flags": t.flags,
            "jobs": self.jobs(ticket_id),
            "participants": self.participants(ticket_id),
        }


def open_desk(
    account: Account,
    engine: Engine,
    var: Path,
    smtp: SmtpSettings,
    inbox: list[Received],
    contracts: Iterable[Contract],
    **settings: Any,
) -> Desk:
    """A desk on `account`'s mailbox with the contracts imported; `settings` replaces whole
    sections of the settings (e.g. `trust=TrustSettings(...)`)."""
    base = make_settings(
        "unused://",
        var,
        host=account.host,
        port=account.port,
        username=account.user,
        password=account.password,
    )
    with session_scope(engine) as session:
        import_contracts(session, list(contracts))
    return Desk(account, engine, base.model_copy(update={"smtp": smtp, **settings}), inbox)

