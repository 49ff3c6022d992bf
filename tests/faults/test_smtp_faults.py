"""SMTP faults (RELIABILITY.md items 27, 28) against a real SMTP server (aiosmtpd):

- the SMTP server is down while `postkamer run --once` ingests mail from Dovecot: the replies
  wait in the outbox; after the server is back each is delivered once, in the order written;
- the connection is lost after the message data went out but before the server's 250 (cut on
  the wire by a TCP proxy): the outcome is unknown, retried at most once, same Message-ID.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from outbound.outbox import queue_reply
from outbound.sender import deliver_due
from outbound.transport import SmtpTransport
from postkamer.settings import SmtpSettings
from storage.db import make_engine, session_scope
from storage.models import OutboxRow
from tests.outbound.conftest import SmtpServer
from tests.support.dovecot import Account
from tests.support.mail import make_mail, settings_dict, write_config
from tests.support.tcpproxy import TcpProxy

REPO = Path(__file__).resolve().parents[2]
END_OF_DATA = b"\r\n.\r\n"
CLI = "import sys; from postkamer.cli import main; sys.exit(main(sys.argv[1:]))"


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()  # not started: each test decides when the server is up
    try:
        yield server
    finally:
        server.stop()


def _run_once(config: Path) -> dict[str, int]:
    proc = subprocess.run(
        [sys.executable, "-c", CLI, "--config", str(config), "run", "--once", "--json"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    result: dict[str, int] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def test_smtp_down_replies_wait_then_each_is_delivered_once_in_order(
    imap_account: Account, smtp: SmtpServer, sqlite_url: str, tmp_path: Path
) -> None:
    n = 12
    imap_account.deliver(make_mail(i, tag="down") for i in range(n))
    data = settings_dict(
        sqlite_url,
        tmp_path,
        host=imap_account.host,
        port=imap_account.port,
        username=imap_account.user,
        password=imap_account.password,
    )
    data["smtp"] = {"host": "127.0.0.1", "port": smtp.port, "tls": "none", "timeout_seconds": 5}
    config = write_config(tmp_path / "postkamer.toml", data)

    first = _run_once(config)  # nobody listens on the SMTP port
    assert first["stored"] == n and first["replies_sent"] == 0
    assert first["replies_deferred"] >= 1
    engine = make_engine(sqlite_url)
    try:
        with Session(engine) as s:
            rows = s.exec(select(OutboxRow).order_by(col(OutboxRow.id))).all()
        assert len(rows) == n and {r.state for r in rows} == {"queued"}
        # backoff: nothing is tried again before its time ...
        smtp.start()
        assert _run_once(config)["replies_sent"] == 0 and smtp.messages == []
        # ... and once that time has come (the outage lasted long enough), all go out
        with session_scope(engine) as s:
            s.execute(
                update(OutboxRow).values(next_attempt_at=datetime.now(UTC) - timedelta(seconds=1))
            )
        after = _run_once(config)
        assert after["replies_sent"] == n
        assert _run_once(config)["replies_sent"] == 0  # nothing sent twice
        with Session(engine) as s:
            rows = s.exec(select(OutboxRow).order_by(col(OutboxRow.id))).all()
    finally:
        engine.dispose()
    received = [str(m.parsed()["Message-ID"]) for m in smtp.messages]
    assert received == [r.message_id for r in rows]  # once each, in the order written
    assert {r.state for r in rows} == {"sent"}


def _queue_one(engine: Engine) -> str:
    msg = EmailMessage()
    msg["From"] = "Contract Support <support@contracts.example.com>"
    msg["To"] = "an.peeters@klant.example.be"
    msg["Subject"] = "Uw vraag"
    msg["Message-ID"] = "<unknown-once@contracts.example.com>"
    msg.set_content("Wij hebben uw vraag goed ontvangen.\n")
    with session_scope(engine) as s:
        queue_reply(
            s,
            msg,
            ticket_id=None,
            envelope_sender="bounces@contracts.example.com",
            now=datetime.now(UTC),
            record_message=False,
        )
    return str(msg["Message-ID"])


def test_connection_lost_after_data_is_unknown_and_retried_at_most_once(
    smtp: SmtpServer, sqlite_engine: Engine
) -> None:
    smtp.start()
    message_id = _queue_one(sqlite_engine)
    clock_now = [datetime.now(UTC)]
    with TcpProxy("127.0.0.1", smtp.port) as proxy:
        # 1st attempt: the end-of-data dot never reaches the server and the line goes dead
        first_cut = proxy.on(END_OF_DATA, action="cut", forward_trigger=False)
        # 2nd attempt: the server takes the message, its 250 never reaches us
        second_cut = proxy.on(END_OF_DATA, action="cut", direction="down", after_bytes=0)
        settings = SmtpSettings(host=proxy.host, port=proxy.port, tls="none", timeout_seconds=3)

        def deliver() -> int:
            summary = deliver_due(sqlite_engine, SmtpTransport(settings), lambda: clock_now[0])
            return summary.unknown

        assert deliver() == 1 and first_cut.fired.is_set()
        assert smtp.messages == []
        clock_now[0] += timedelta(minutes=5)
        assert deliver() == 1 and second_cut.fired.is_set()
        clock_now[0] += timedelta(hours=2)
        assert deliver() == 0  # a second unknown outcome is final: no third attempt
    with Session(sqlite_engine) as s:
        row = s.exec(select(OutboxRow)).one()
    assert (row.state, row.uncertain, row.attempts) == ("unknown", 2, 2)
    assert [str(m.parsed()["Message-ID"]) for m in smtp.messages] == [message_id]
