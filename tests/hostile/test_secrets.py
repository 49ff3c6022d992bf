"""Secrets and transport security: IMAP and SMTP verify the server's certificate unless a
mailbox says `tls_verify = false`, so an impostor with a self-signed certificate never sees a
password; a world-readable password file is refused; a refused login does not put the
password into logs, errors or the outbox.
"""

from __future__ import annotations

import logging
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from intake.sources.base import SourceUnavailable
from intake.sources.imap import ImapSource
from outbound.transport import Envelope, Outcome, SmtpTransport
from postkamer.settings import MailboxSettings, SettingsError, SmtpSettings

PASSWORD = "pw-0f9c2e-never-log-me"


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory: pytest.TempPathFactory) -> ssl.SSLContext:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(str(cert), str(key))
    return ctx


class FakeImapsServer:
    """An impostor IMAPS server: completes TLS with a self-signed certificate and writes down
    every line a client sends after the handshake (a LOGIN line carries the password)."""

    def __init__(self, ctx: ssl.SSLContext) -> None:
        self.ctx = ctx
        self.lines: list[bytes] = []
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                raw, _ = self.sock.accept()
            except OSError:
                return
            try:
                with self.ctx.wrap_socket(raw, server_side=True) as conn:
                    conn.sendall(b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n")
                    reader = conn.makefile("rb")
                    for line in reader:
                        self.lines.append(line)
                        tag, _, rest = line.partition(b" ")
                        if rest.upper().startswith(b"CAPABILITY"):
                            conn.sendall(b"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n")
                            conn.sendall(tag + b" OK done\r\n")
                        else:
                            conn.sendall(tag + b" NO [AUTHENTICATIONFAILED] no\r\n")
            except (OSError, ssl.SSLError):
                continue

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def impostor(self_signed: ssl.SSLContext) -> Iterator[FakeImapsServer]:
    server = FakeImapsServer(self_signed)
    try:
        yield server
    finally:
        server.close()


def _mailbox(port: int, verify: bool) -> MailboxSettings:
    return MailboxSettings(
        name="support",
        host="127.0.0.1",
        port=port,
        tls="ssl",
        tls_verify=verify,
        username="support@contracts.example.com",
        password=PASSWORD,
        timeout_seconds=5,
    )


def test_imap_refuses_an_unverified_certificate_before_sending_the_password(
    impostor: FakeImapsServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    source = ImapSource(_mailbox(impostor.port, verify=True), 1024 * 1024)
    with pytest.raises((SourceUnavailable, ssl.SSLError)) as info:
        source.fetch_batch(None)
    source.close()
    assert "certificate" in str(info.value).lower() or isinstance(info.value, ssl.SSLError)
    assert impostor.lines == [], "the client talked to a server it could not verify"
    assert PASSWORD not in caplog.text and PASSWORD not in str(info.value)


def test_imap_with_tls_verify_false_does_talk_to_a_self_signed_server(
    impostor: FakeImapsServer, caplog: pytest.LogCaptureFixture
) -> None:
    """The opt-out works (and shows the check above can fail): the LOGIN reaches the server.
    Even then the refused password is not logged or put into the error."""
    caplog.set_level(logging.DEBUG)
    source = ImapSource(_mailbox(impostor.port, verify=False), 1024 * 1024)
    with pytest.raises(Exception) as info:
        source.fetch_batch(None)
    source.close()
    assert any(b"LOGIN" in line.upper() for line in impostor.lines), impostor.lines
    assert PASSWORD not in caplog.text and PASSWORD not in str(info.value)


def _authenticator(
    server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and auth_data.password == b"right"
    return AuthResult(success=ok, handled=False)


class _Keep:
    def __init__(self) -> None:
        self.data: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.data.append(bytes(envelope.content))
        return "250 OK"


def _envelope() -> Envelope:
    return Envelope(
        outbox_id=1,
        message_id="<t@contracts.example.com>",
        sender="support@contracts.example.com",
        recipients=("jan@klant.example.be",),
        raw=b"Subject: x\r\n\r\nhallo\r\n",
    )


@pytest.mark.parametrize("mode", ["ssl", "starttls"])
def test_smtp_verifies_the_certificate_unless_told_not_to(
    self_signed: ssl.SSLContext, mode: str, caplog: pytest.LogCaptureFixture
) -> None:
    import asyncio

    caplog.set_level(logging.DEBUG)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    handler = _Keep()
    tls: dict[str, Any] = (
        {"ssl_context": self_signed}
        if mode == "ssl"
        else {"tls_context": self_signed, "require_starttls": True}
    )
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        authenticator=_authenticator,
        auth_require_tls=mode == "starttls",  # implicit TLS: aiosmtpd cannot tell, all is TLS
        **tls,
    )
    controller.start()
    try:
        outcomes = {}
        for verify, password in ((True, "right"), (False, PASSWORD), (False, "right")):
            settings = SmtpSettings(
                host="127.0.0.1",
                port=port,
                tls=mode,  # type: ignore[arg-type]
                tls_verify=verify,
                username="desk",
                password=password,
                timeout_seconds=5,
            )
            transport = SmtpTransport(settings)

            async def attempt(t: SmtpTransport = transport) -> Any:
                try:
                    return await t.send(_envelope())
                finally:
                    await t.close()

            outcomes[(verify, password)] = asyncio.run(attempt())
    finally:
        controller.stop()
    verified = outcomes[(True, "right")]
    assert verified.outcome is Outcome.TEMPORARY and verified.connection_error
    assert "certif" in verified.detail.lower(), verified.detail
    wrong = outcomes[(False, PASSWORD)]
    assert wrong.outcome is Outcome.TEMPORARY and "login refused" in wrong.detail
    assert PASSWORD not in wrong.detail and PASSWORD not in caplog.text
    assert outcomes[(False, "right")].outcome is Outcome.SENT
    assert len(handler.data) == 1, "only the explicitly unverified, correct login delivered"


@pytest.mark.parametrize(("mode", "accepted"), [(0o600, True), (0o640, True), (0o644, False)])
def test_world_readable_password_files_are_refused(
    tmp_path: Path, mode: int, accepted: bool
) -> None:
    secret = tmp_path / "imap.pw"
    secret.write_text(PASSWORD + "\n", encoding="utf-8")
    secret.chmod(mode)
    mailbox = MailboxSettings(
        name="support", host="imap.example.com", username="u", password_file=secret
    )
    smtp = SmtpSettings(host="smtp.example.com", username="u", password_file=secret)
    if accepted:
        assert mailbox.secret() == PASSWORD and smtp.secret() == PASSWORD
    else:
        for holder in (mailbox, smtp):
            with pytest.raises(SettingsError) as info:
                holder.secret()
            assert "chmod 600" in str(info.value) and PASSWORD not in str(info.value)


def test_a_literal_password_warning_names_only_the_mailbox(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A literal password is allowed but warned about; the warning names the mailbox only."""
    caplog.set_level(logging.DEBUG)
    MailboxSettings(name="support", host="h", username="u", password=PASSWORD)
    assert "literal password" in caplog.text and PASSWORD not in caplog.text
