"""Fixtures for outbound tests: a real SMTP server (aiosmtpd) that captures what it receives
and can refuse recipients, defer or drop messages, and be stopped and started again; the
repository's templates; an injectable clock; tickets to reply on."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy.engine import Engine
from sqlmodel import Session

from outbound.replies import ReplyConfig
from outbound.templates import TemplateSet
from postkamer.settings import SmtpSettings
from storage.models import Ticket

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Captured:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    def parsed(self) -> EmailMessage:
        msg = message_from_bytes(self.data, policy=default)
        assert isinstance(msg, EmailMessage)
        return msg


@dataclass
class CapturingHandler:
    """aiosmtpd handler: keeps every message; answers per recipient or per DATA as told."""

    messages: list[Captured] = field(default_factory=list)
    rcpt_replies: dict[str, str] = field(default_factory=dict)  # address -> "550 ..." / "451 ..."
    data_replies: list[str] = field(default_factory=list)  # next DATA answers, then 250
    drop_after_data: int = 0  # close the connection after DATA, without answering, this often
    rcpt_seen: list[str] = field(default_factory=list)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        self.rcpt_seen.append(address)
        reply = self.rcpt_replies.get(address.lower())
        if reply is not None:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.data_replies:
            return self.data_replies.pop(0)
        content = envelope.original_content or envelope.content
        self.messages.append(Captured(envelope.mail_from, list(envelope.rcpt_tos), bytes(content)))
        if self.drop_after_data > 0:
            self.drop_after_data -= 1
            server.transport.close()
        return "250 2.0.0 Message accepted"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class SmtpServer:
    """A private SMTP server on a loopback port that can be stopped and started again."""

    def __init__(self) -> None:
        self.port = free_port()
        self.handler = CapturingHandler()
        self._controller: Controller | None = None

    def start(self, **kwargs: Any) -> None:
        if self._controller is None:
            self._controller = Controller(
                self.handler, hostname="127.0.0.1", port=self.port, **kwargs
            )
            self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def messages(self) -> list[Captured]:
        return self.handler.messages

    def settings(self, **overrides: Any) -> SmtpSettings:
        values: dict[str, Any] = {
            "host": "127.0.0.1",
            "port": self.port,
            "tls": "none",
            "timeout_seconds": 5,
        }
        values.update(overrides)
        return SmtpSettings(**values)


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


class FakeClock:
    """An injected clock: backoff passes when the test says so, not in real time."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="session")
def templates() -> TemplateSet:
    return TemplateSet.load(REPO / "templates")


@pytest.fixture
def reply_config() -> ReplyConfig:
    return ReplyConfig(
        from_addr="Contract Support <support@contracts.example.com>",
        envelope_sender="bounces@contracts.example.com",
        domain="contracts.example.com",
        own_addresses=frozenset({"support@contracts.example.com"}),
    )


def make_ticket(
    session: Session,
    ref: str,
    email: str = "an.peeters@klant.example.be",
    name: str = "An Peeters",
    language: str = "nl",
    queue: str = "general",
    subject: str = "Vraag over mijn contract",
) -> Ticket:
    ticket = Ticket(
        ref=ref,
        queue=queue,
        subject=subject,
        requester_email=email,
        requester_name=name,
        language=language,
    )
    session.add(ticket)
    session.flush()
    return ticket


@pytest.fixture
def db(engine: Engine) -> Engine:
    """The shared fresh, migrated database (runs once on SQLite and once on PostgreSQL)."""
    return engine
