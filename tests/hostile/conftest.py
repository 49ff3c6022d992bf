"""Fixtures for the hostile-input tests: the real pipeline (`ingest_paths` with the real
`Processor`) on a fresh database, on SQLite and PostgreSQL (`engine` from tests/conftest.py),
with the sample contract registry loaded, and a `Pipeline` object that ingests named mails and
reads back what was stored: ledger rows, messages, tickets, attachments, outbox replies.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from hypothesis import HealthCheck, settings
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from outbound.sender import deliver_due
from outbound.transport import SmtpTransport
from postkamer.processing import ProcessedMail, ProcessingContext, Processor
from postkamer.service import IngestSummary, ingest_paths
from postkamer.settings import (
    DatabaseSettings,
    OutboundSettings,
    Settings,
    SmtpSettings,
    StorageSettings,
)
from routing.registry import Registry
from storage.contracts import import_contracts
from storage.db import session_scope
from storage.models import AttachmentRow, Event, LedgerEntry, Message, OutboxRow, Ticket
from tests.hostile.mails import NOW

settings.register_profile(
    "hostile-ci",
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.register_profile(
    "fuzz",
    max_examples=10000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
FUZZ_PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "hostile-ci")
if FUZZ_PROFILE not in ("hostile-ci", "fuzz"):
    FUZZ_PROFILE = "hostile-ci"


def reply_of(row: OutboxRow) -> EmailMessage:
    """An outbox row's bytes parsed back the way a receiving mail client would."""
    msg = message_from_bytes(row.raw, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


@dataclass
class Stored:
    """What the database holds for one ingested file."""

    ledger: LedgerEntry
    message: Message | None
    ticket: Ticket | None
    attachments: list[AttachmentRow]
    replies: list[OutboxRow]
    events: list[Event]


class Pipeline:
    """Ingest named mails through the real service and processor; read back the rows."""

    def __init__(self, settings: Settings, engine: Engine, folder: Path) -> None:
        self.settings = settings
        self.engine = engine
        self.folder = folder
        self.context = ProcessingContext.from_settings(settings)
        self._paths: dict[str, Path] = {}

    def ingest(self, mails: dict[str, bytes]) -> tuple[IngestSummary, list[ProcessedMail]]:
        self.folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for name, data in mails.items():
            path = self.folder / name
            path.write_bytes(data)
            self._paths[name] = path
            paths.append(path)
        self.context.results.clear()
        processor = Processor(self.context, now=NOW)
        summary = ingest_paths(self.settings, paths, processor, engine=self.engine)
        return summary, list(self.context.results)

    def stored(self, name: str) -> Stored:
        path = str(self._paths[name])
        with Session(self.engine) as s:
            entry = s.exec(select(LedgerEntry).where(LedgerEntry.source_ref == path)).one()
            message = s.exec(select(Message).where(Message.ledger_id == entry.id)).first()
            ticket = (
                s.get(Ticket, message.ticket_id)
                if message is not None and message.ticket_id is not None
                else None
            )
            attachments = (
                list(s.exec(select(AttachmentRow).where(AttachmentRow.message_pk == message.id)))
                if message is not None
                else []
            )
            replies = (
                list(
                    s.exec(
                        select(OutboxRow)
                        .where(OutboxRow.ticket_id == ticket.id)
                        .order_by(col(OutboxRow.id))
                    )
                )
                if ticket is not None
                else []
            )
            events = (
                list(s.exec(select(Event).where(Event.ticket_id == ticket.id)))
                if ticket is not None
                else []
            )
            return Stored(entry, message, ticket, attachments, replies, events)

    def all_replies(self) -> list[OutboxRow]:
        with Session(self.engine) as s:
            return list(s.exec(select(OutboxRow).order_by(col(OutboxRow.id))))

    def tickets(self) -> list[Ticket]:
        with Session(self.engine) as s:
            return list(s.exec(select(Ticket).order_by(col(Ticket.id))))

    def ledger(self) -> list[LedgerEntry]:
        with Session(self.engine) as s:
            return list(s.exec(select(LedgerEntry).order_by(col(LedgerEntry.id))))


@pytest.fixture(scope="session")
def sample_registry(samples_dir: Path) -> Registry:
    return Registry.from_csv(samples_dir / "contracts.csv")


@pytest.fixture
def hostile_settings(migrated_db_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database=DatabaseSettings(url=migrated_db_url),
        storage=StorageSettings(blobs=tmp_path / "blobs"),
        outbound=OutboundSettings(folder=tmp_path / "outbox"),
    )


@pytest.fixture
def pipeline(
    hostile_settings: Settings, engine: Engine, sample_registry: Registry, tmp_path: Path
) -> Iterator[Pipeline]:
    """The real pipeline on a fresh database (SQLite and PostgreSQL) with the sample contracts."""
    with session_scope(engine) as session:
        import_contracts(session, sample_registry.values())
    yield Pipeline(hostile_settings, engine, tmp_path / "in")


# --- a real SMTP server that keeps what it receives -----------------------------------------


@dataclass
class Received:
    """One message as the SMTP server got it: envelope and the exact DATA bytes."""

    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    def parsed(self) -> EmailMessage:
        msg = message_from_bytes(self.data, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        return msg


class _Keep:
    def __init__(self) -> None:
        self.received: list[Received] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.original_content or envelope.content
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(content)))
        return "250 2.0.0 Message accepted"


@pytest.fixture
def smtp_inbox() -> Iterator[tuple[SmtpSettings, list[Received]]]:
    """An aiosmtpd server on a free loopback port: its settings and the messages it got."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    handler = _Keep()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield (
            SmtpSettings(host="127.0.0.1", port=port, tls="none", timeout_seconds=5),
            (handler.received),
        )
    finally:
        controller.stop()


def deliver(engine: Engine, smtp: SmtpSettings) -> None:
    """Send every queued reply to `smtp` (the clock just after the mails arrived)."""
    summary = deliver_due(engine, SmtpTransport(smtp), lambda: NOW + timedelta(minutes=1))
    assert summary.failed == 0 and summary.unknown == 0, summary


#: for tests about time, memory or pure input handling, where the database makes no difference
SQLITE_ONLY = pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)
