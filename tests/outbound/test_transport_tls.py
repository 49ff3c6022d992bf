"""The SMTP transport's connection modes against a real server: STARTTLS with AUTH, implicit
TLS, and a refused login (which leaves the replies queued instead of failing them)."""

from __future__ import annotations

import ssl
import subprocess
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from outbound.replies import ReplyConfig, queue_template_reply
from outbound.sender import deliver_due
from outbound.templates import TemplateSet
from outbound.transport import SmtpTransport
from storage.db import session_scope
from storage.models import OutboxRow

from .conftest import FakeClock, SmtpServer, make_ticket


@pytest.fixture(scope="module")
def tls_context(tmp_path_factory: pytest.TempPathFactory) -> ssl.SSLContext:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(str(cert), str(key))
    return ctx


def _authenticator(
    server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (
        auth_data.login == b"desk" and auth_data.password == b"s3cret"
    )
    return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535


def _queue_one(db: Engine, templates: TemplateSet, config: ReplyConfig, clock: FakeClock) -> None:
    with session_scope(db) as session:
        queue_template_reply(
            session,
            templates,
            config,
            ticket=make_ticket(session, "PK-TLS001"),
            template="ack/software",
            now=clock(),
        )


@pytest.fixture
def server() -> Any:
    srv = SmtpServer()
    yield srv
    srv.stop()


@pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)
def test_starttls_with_auth(
    db: Engine,
    templates: TemplateSet,
    reply_config: ReplyConfig,
    clock: FakeClock,
    server: SmtpServer,
    tls_context: ssl.SSLContext,
    tmp_path: Path,
) -> None:
    server.start(
        tls_context=tls_context,
        require_starttls=True,
        authenticator=_authenticator,
        auth_required=True,
    )
    secret = tmp_path / "smtp-password"
    secret.write_text("s3cret\n", encoding="utf-8")
    secret.chmod(0o600)
    settings = server.settings(
        tls="starttls", tls_verify=False, username="desk", password_file=secret
    )
    _queue_one(db, templates, reply_config, clock)
    assert deliver_due(db, SmtpTransport(settings), clock).sent == 1
    assert len(server.messages) == 1


@pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)
def test_implicit_tls(
    db: Engine,
    templates: TemplateSet,
    reply_config: ReplyConfig,
    clock: FakeClock,
    server: SmtpServer,
    tls_context: ssl.SSLContext,
) -> None:
    server.start(ssl_context=tls_context)
    settings = server.settings(tls="ssl", tls_verify=False)
    _queue_one(db, templates, reply_config, clock)
    assert deliver_due(db, SmtpTransport(settings), clock).sent == 1
    assert len(server.messages) == 1


@pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)
def test_refused_login_keeps_replies_queued(
    db: Engine,
    templates: TemplateSet,
    reply_config: ReplyConfig,
    clock: FakeClock,
    server: SmtpServer,
    tls_context: ssl.SSLContext,
) -> None:
    server.start(
        tls_context=tls_context,
        require_starttls=True,
        authenticator=_authenticator,
        auth_required=True,
    )
    settings = server.settings(tls="starttls", tls_verify=False, username="desk", password="wrong")
    _queue_one(db, templates, reply_config, clock)
    summary = deliver_due(db, SmtpTransport(settings), clock)
    assert summary.sent == 0 and summary.deferred == 1
    assert "login refused: 535" in summary.errors[0]
    with Session(db) as session:
        assert session.exec(select(OutboxRow)).one().state == "queued"
