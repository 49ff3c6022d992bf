"""Confirmation by reply between real servers (Dovecot in, aiosmtpd out, SQLite and
PostgreSQL): a forged cancellation in a registered contact's name arrives over IMAP; `postkamer
run --once` sends the confirmation request over SMTP to the contact and schedules nothing;
the contact's reply with the code arrives over IMAP and the next run accepts the cancellation
on that reply's arrival, schedules the termination and sends the acceptance."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

import pytest
from sqlmodel import Session, select

from routing.dates import add_months, local_date
from storage.db import make_engine
from storage.jobstore import stored_jobs
from storage.models import OutboxRow, Ticket
from tests.outbound.conftest import SmtpServer
from tests.support.dovecot import Account
from tests.support.mail import settings_dict, write_config

REPO = Path(__file__).resolve().parents[2]
CONTACT = "jan.deprez@zevenlinden.example.be"
NUMBER = "HW-2207-4418"
CODE = re.compile(r"^\s+([0-9A-Z]{4}-[0-9A-Z]{4})\s*$", re.MULTILINE)


def _cli(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "postkamer.cli", "--config", str(config), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _mail(subject: str, body: str, when: datetime, in_reply_to: str | None = None) -> bytes:
    msg = EmailMessage()
    # only the sender's own claim: the desk's MX stamped nothing that proves it
    msg["Authentication-Results"] = (
        "mx.forger.example.net; dmarc=pass header.from=zevenlinden.example.be"
    )
    msg["From"] = f"Jan Deprez <{CONTACT}>"
    msg["Reply-To"] = "mallory@forger.example.net"
    msg["To"] = "support@contracts.example.com"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = make_msgid(domain="zevenlinden.example.be")
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    msg.set_content(body)
    return bytes(msg)


def test_confirmation_by_reply_through_dovecot_and_smtp(
    imap_account: Account,
    migrated_db_url: str,
    tmp_path: Path,
    samples_dir: Path,
    smtp_server: SmtpServer,
) -> None:
    data = settings_dict(
        migrated_db_url,
        tmp_path,
        host=imap_account.host,
        port=imap_account.port,
        username=imap_account.user,
        password=imap_account.password,
    )
    data["smtp"] = {
        "host": "127.0.0.1",
        "port": smtp_server.port,
        "tls": "none",
        "from": "Contract Support <support@contracts.example.com>",
        "message_id_domain": "contracts.example.com",
    }
    data["trust"] = {"authserv_ids": ["mx.contracts.example.com"]}
    config = write_config(tmp_path / "postkamer.toml", data)
    imported = _cli(config, "contracts", "import", str(samples_dir / "contracts.csv"))
    assert imported.returncode == 0, imported.stderr

    asked = datetime.now(UTC)
    imap_account.deliver(
        [_mail(f"Opzegging {NUMBER}", f"Wij zeggen het onderhoudscontract {NUMBER} op.\n", asked)],
        arrived=[asked.timestamp() - 60],
    )
    run = _cli(config, "run", "--once", "--json")
    assert run.returncode == 0, run.stderr[-3000:]
    assert len(smtp_server.messages) == 1
    request = smtp_server.messages[0]
    assert request.rcpt_tos == [CONTACT], "only the registered contact, never the Reply-To"
    parsed = request.parsed()
    body = parsed.get_body(("plain",))
    assert body is not None
    found = CODE.search(body.get_content())
    assert found is not None, body.get_content()
    engine = make_engine(migrated_db_url)
    try:
        with Session(engine) as session:
            ticket = session.exec(select(Ticket)).one()
            assert (ticket.policy or {})["outcome"] == "awaiting_sender_confirmation"
            assert not stored_jobs(session, [f"termination:{ticket.id}"])

        time.sleep(1)  # the reply arrives later than the request
        replied = datetime.now(UTC)
        reply = _mail(
            f"RE: {parsed['Subject']}",
            f"Ja, ik bevestig: {found.group(1)}\n\n> {body.get_content()[:200]}",
            replied,
            in_reply_to=str(parsed["Message-ID"]),
        )
        imap_account.deliver([reply], arrived=[replied.timestamp()])
        run = _cli(config, "run", "--once", "--json")
        assert run.returncode == 0, run.stderr[-3000:]
        assert len(smtp_server.messages) == 2
        acceptance = smtp_server.messages[1]
        assert acceptance.rcpt_tos == [CONTACT]
        with Session(engine) as session:
            ticket = session.exec(select(Ticket)).one()
            effective = add_months(local_date(replied), 1)
            assert ticket.policy == {
                "outcome": "accepted",
                "effective_date": effective.isoformat(),
                "earliest_notice_date": None,
            }
            assert list(stored_jobs(session, [f"termination:{ticket.id}"]))
            templates = [r.template for r in session.exec(select(OutboxRow)).all()]
            assert templates == [
                "cancellation/awaiting_sender_confirmation",
                "cancellation/accepted",
            ]
            assert all(r.state == "sent" for r in session.exec(select(OutboxRow)).all())
    finally:
        engine.dispose()
    assert imap_account.count("INBOX") == 0 and imap_account.count("Processed") == 2


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
