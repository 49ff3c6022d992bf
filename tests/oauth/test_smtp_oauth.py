"""SMTP with OAuth2 bearer tokens against a real SMTP server (aiosmtpd on a loopback port) that
implements AUTH XOAUTH2 and AUTH OAUTHBEARER the way Microsoft 365 and Gmail do (a refused token
gets a 334 JSON error challenge, then 535). Tokens come from a real `token_command` that counts
its runs in a file. The accepted token delivers; a token about to expire is replaced before the
next delivery; a revoked token is replaced once; a credential the server keeps refusing leaves
the reply queued and the credential failing; no token ever reaches a log, an error or the
outbox."""

from __future__ import annotations

import base64
import collections
import json
import logging
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPServerProtocol
from aiosmtpd.smtp import AuthResult
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from intake.sources.oauth import ProviderRegistry
from outbound.outbox import queue_reply
from outbound.sender import DeliverySummary, deliver_due
from outbound.transport import SmtpTransport
from postkamer.clock import ManualClock
from postkamer.settings import Settings, SmtpSettings
from storage.db import session_scope
from storage.models import OutboxRow
from tests.outbound.conftest import free_port

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
USER = "support@contracts.example.com"
# what the token command prints: a JWT-sized token (Entra ID access tokens are ~1,500-2,500
# characters), numbered by how often the command ran
TOKEN_SCRIPT = """
import json, pathlib, sys
counter, lifetime = pathlib.Path(sys.argv[1]), int(sys.argv[2])
n = int(counter.read_text()) + 1 if counter.exists() else 1
counter.write_text(str(n))
print(json.dumps({"access_token": "eyJ0eXAiOiJKV1Qi.tok%d." % n + "Qk" * 900,
                  "expires_in": lifetime}))
"""


def token(n: int) -> str:
    return f"eyJ0eXAiOiJKV1Qi.tok{n}." + "Qk" * 900


# --- the server -------------------------------------------------------------------------------


@dataclass
class OAuthHandler:
    """Accepts the tokens in `accepted` for USER; refuses every other one like Exchange Online."""

    accepted: set[str] = field(default_factory=set)
    auths: list[tuple[str, str]] = field(default_factory=list)  # (mechanism, token) per AUTH
    messages: list[bytes] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def _bearer(self, server: SMTPServerProtocol, args: list[str], mech: str) -> AuthResult:
        if len(args) > 1:
            raw = base64.b64decode(args[1])
        else:
            got = await server.challenge_auth("")
            if not isinstance(got, bytes):
                return AuthResult(success=False, handled=True)
            raw = got
        fields = raw.decode().split("\x01")
        if mech == "XOAUTH2":
            user = fields[0].removeprefix("user=")
        else:  # n,a=user,
            user = fields[0].split(",")[1].removeprefix("a=")
        bearer = next(f for f in fields if f.startswith("auth=Bearer "))[len("auth=Bearer ") :]
        with self.lock:
            self.auths.append((mech, bearer))
            ok = user == USER and bearer in self.accepted
        if ok:
            return AuthResult(success=True, auth_data=user)
        error = {"status": "401", "schemes": "bearer", "scope": "https://outlook.office.com"}
        answer = await server.challenge_auth(json.dumps(error))
        expected = b"" if mech == "XOAUTH2" else b"\x01"
        assert answer == expected, "the client must answer the error challenge correctly"
        return AuthResult(success=False, handled=False)  # -> 535 5.7.8

    async def auth_XOAUTH2(self, server: SMTPServerProtocol, args: list[str]) -> AuthResult:
        return await self._bearer(server, args, "XOAUTH2")

    async def auth_OAUTHBEARER(self, server: SMTPServerProtocol, args: list[str]) -> AuthResult:
        return await self._bearer(server, args, "OAUTHBEARER")

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.messages.append(bytes(envelope.original_content or envelope.content))
        return "250 2.0.0 Queued"

    def tokens_tried(self) -> list[str]:
        with self.lock:
            return [t for _, t in self.auths]


class _LongLines(SMTPServerProtocol):
    """RFC 4954 section 4: an AUTH line may be up to 12,288 octets (aiosmtpd allows 512)."""

    line_length_limit = 12288

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.command_size_limits = collections.defaultdict(lambda: 512, AUTH=12288)


class OAuthController(Controller):
    def factory(self) -> SMTPServerProtocol:
        return _LongLines(self.handler, **self.SMTP_kwargs)


@pytest.fixture
def server() -> Iterator[tuple[OAuthHandler, int]]:
    handler = OAuthHandler()
    port = free_port()
    controller = OAuthController(
        handler,
        hostname="127.0.0.1",
        port=port,
        auth_require_tls=False,  # loopback test server; production uses STARTTLS or TLS
        auth_exclude_mechanism=["LOGIN", "PLAIN"],
    )
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


# --- the client side --------------------------------------------------------------------------


@pytest.fixture
def engine(sqlite_engine: Engine) -> Engine:
    """SQLite only: the token path does not depend on the backend."""
    return sqlite_engine


@dataclass
class Setup:
    settings: SmtpSettings
    registry: ProviderRegistry
    clock: ManualClock
    counter: Path
    engine: Engine

    def runs(self) -> int:
        return int(self.counter.read_text()) if self.counter.exists() else 0

    def queue(self, n: int) -> int:
        msg = EmailMessage()
        msg["From"] = "Contract Support <support@contracts.example.com>"
        msg["To"] = f"klant{n}@klant.example.be"
        msg["Subject"] = f"Re: vraag {n}"
        msg["Message-ID"] = f"<reply-{n}@contracts.example.com>"
        msg.set_content(f"Antwoord {n}")
        with session_scope(self.engine) as session:
            row = queue_reply(
                session,
                msg,
                ticket_id=None,
                envelope_sender="bounces@contracts.example.com",
                now=self.clock(),
                record_message=False,
            )
            assert row.id is not None
            return row.id

    def deliver(self) -> DeliverySummary:
        # a new transport per run, as `postkamer run` makes one per delivery pass
        return deliver_due(
            self.engine, SmtpTransport(self.settings, tokens=self.registry), self.clock
        )

    def row(self, row_id: int) -> OutboxRow:
        with Session(self.engine) as session:
            return session.exec(select(OutboxRow).where(OutboxRow.id == row_id)).one()


def make_setup(
    tmp_path: Path,
    port: int,
    engine: Engine,
    mechanism: str = "xoauth2",
    lifetime: int = 3600,
    command: str | None = None,
) -> Setup:
    script = tmp_path / "token.py"
    script.write_text(TOKEN_SCRIPT)
    counter = tmp_path / "runs"
    settings = SmtpSettings(
        host="127.0.0.1",
        port=port,
        tls="none",
        timeout_seconds=5,
        username=USER,
        auth=mechanism,
        token_command=command or f"{sys.executable} {script} {counter} {lifetime}",
    )
    clock = ManualClock(T0)
    return Setup(settings, ProviderRegistry(clock=clock), clock, counter, engine)


@pytest.mark.parametrize("mechanism", ["xoauth2", "oauthbearer"])
def test_accepted_token_delivers_and_is_reused(
    server: tuple[OAuthHandler, int], engine: Engine, tmp_path: Path, mechanism: str
) -> None:
    handler, port = server
    handler.accepted.add(token(1))
    s = make_setup(tmp_path, port, engine, mechanism)
    first = s.queue(1)
    assert s.deliver().sent == 1
    assert s.row(first).state == "sent"
    assert len(handler.messages) == 1 and b"Antwoord 1" in handler.messages[0]
    assert handler.auths == [(mechanism.upper(), token(1))]
    # the next delivery pass (a new connection) uses the cached token: the command ran once
    s.clock.advance(minutes=10)
    second = s.queue(2)
    assert s.deliver().sent == 1 and s.row(second).state == "sent"
    assert handler.tokens_tried() == [token(1), token(1)] and s.runs() == 1
    assert s.registry.health()["smtp"].state == "ok"


def test_token_about_to_expire_is_replaced_before_the_next_delivery(
    server: tuple[OAuthHandler, int], engine: Engine, tmp_path: Path
) -> None:
    handler, port = server
    handler.accepted.add(token(1))
    s = make_setup(tmp_path, port, engine, lifetime=3600)
    s.queue(1)
    assert s.deliver().sent == 1
    # 56 minutes on, the token has 4 minutes left (< the 5-minute margin); the server
    # accepts the next token and would refuse the old one once it expires
    s.clock.advance(minutes=56)
    handler.accepted = {token(2)}
    row = s.queue(2)
    assert s.deliver().sent == 1 and s.row(row).state == "sent"
    assert handler.tokens_tried() == [token(1), token(2)]  # no refused attempt in between
    assert s.runs() == 2
    health = s.registry.health()["smtp"]
    assert health.state == "ok" and health.last_refresh_at == s.clock()
    assert health.token_expires_at == s.clock() + timedelta(hours=1)


@pytest.mark.parametrize("mechanism", ["xoauth2", "oauthbearer"])
def test_revoked_token_is_replaced_once(
    server: tuple[OAuthHandler, int], engine: Engine, tmp_path: Path, mechanism: str
) -> None:
    handler, port = server
    handler.accepted.add(token(1))
    s = make_setup(tmp_path, port, engine, mechanism)
    s.queue(1)
    assert s.deliver().sent == 1
    # an admin revokes the app's tokens: the cached one is refused although it has not expired
    handler.accepted = {token(2)}
    s.clock.advance(minutes=5)
    rows = [s.queue(2), s.queue(3)]
    summary = s.deliver()
    assert (summary.sent, summary.deferred, summary.failed) == (2, 0, 0)
    assert all(s.row(r).state == "sent" for r in rows)
    # refused once, one new token, both replies over the one connection
    assert handler.tokens_tried() == [token(1), token(1), token(2)]
    assert s.runs() == 2 and len(handler.messages) == 3
    assert s.registry.health()["smtp"].state == "ok"


def test_refused_credential_keeps_the_reply_queued_and_is_failing(
    server: tuple[OAuthHandler, int],
    engine: Engine,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    handler, port = server  # accepts no token at all (the app lost SMTP.SendAsApp)
    s = make_setup(tmp_path, port, engine)
    first, second = s.queue(1), s.queue(2)
    with caplog.at_level(logging.DEBUG):
        summary = s.deliver()
    assert (summary.sent, summary.failed, summary.deferred) == (0, 0, 2)
    assert handler.messages == []
    # the cached token, then exactly one fresh one; no retry loop against the server
    assert handler.tokens_tried() == [token(1), token(2)] and s.runs() == 2
    for row_id in (first, second):
        row = s.row(row_id)
        assert row.state == "queued"
        assert row.last_error is not None and "535" in row.last_error
    assert s.row(first).attempts == 1  # the second was put back untried
    health = s.registry.health()["smtp"]
    assert health.state == "failing" and health.consecutive_failures >= 1
    assert health.last_error is not None and "535" in health.last_error
    texts = [caplog.text, str(health.to_dict()), str(s.row(first).last_error)]
    for n in (1, 2):
        assert not any(token(n)[:40] in text for text in texts)
        assert not any(base64.b64encode(token(n).encode()).decode()[:40] in t for t in texts)
    # once the server accepts the credential again, the queued replies go out
    handler.accepted = {token(3)}
    s.clock.advance(hours=1)
    summary = s.deliver()
    assert summary.sent == 2 and s.registry.health()["smtp"].state == "ok"


def test_failing_token_command_keeps_the_reply_queued(
    server: tuple[OAuthHandler, int], engine: Engine, tmp_path: Path
) -> None:
    handler, port = server
    script = tmp_path / "broken.py"
    script.write_text("import sys\nsys.stderr.write('AADSTS7000215: invalid secret')\nsys.exit(2)")
    s = make_setup(tmp_path, port, engine, command=f"{sys.executable} {script}")
    row = s.queue(1)
    summary = s.deliver()
    assert (summary.sent, summary.deferred) == (0, 1)
    assert handler.auths == [] and handler.messages == []
    stored = s.row(row)
    assert stored.state == "queued" and stored.last_error is not None
    assert "token command exited 2" in stored.last_error
    health = s.registry.health()["smtp"]
    assert health.state == "failing" and "AADSTS7000215" in (health.last_error or "")


def test_smtp_oauth_settings() -> None:
    ok = Settings(
        smtp={
            "host": "smtp.office365.com",
            "username": USER,
            "auth": "xoauth2",
            "oauth": {
                "provider": "microsoft",
                "tenant_id": "t",
                "client_id": "c",
                "client_secret_env": "PK_SECRET",
            },
        }
    )
    assert ok.smtp is not None and ok.smtp.name == "smtp" and ok.smtp.auth == "xoauth2"
    assert Settings(smtp={"host": "h"}).smtp is not None  # password auth stays the default
    for bad in (
        {"host": "h", "auth": "xoauth2", "token_command": "x"},  # no username
        {"host": "h", "auth": "oauthbearer", "username": USER},  # no token source
        {"host": "h", "auth": "gssapi", "username": USER, "token_command": "x"},
    ):
        with pytest.raises(ValueError):
            Settings(smtp=bad)
