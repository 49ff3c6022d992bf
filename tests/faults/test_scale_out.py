"""Scale-out (issue 6): three `postkamer run` processes on one PostgreSQL database and one
Dovecot mailbox, replying through one SMTP server (aiosmtpd). Only the holder of the mailbox's
poller lock drains it; the holder is killed (SIGKILL) half-way, another process takes the
mailbox over within seconds, and in the end every mail is ingested once and every reply is
sent once (the one reply a killed worker may have had on the wire at most twice, same
Message-ID: its outcome was unknown)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import Session, col

from storage.db import make_engine
from storage.models import OutboxRow
from tests.faults.conftest import ledger_count
from tests.outbound.conftest import SmtpServer
from tests.support import postgres as pg_support
from tests.support.dovecot import Account
from tests.support.mail import make_mail, settings_dict, write_config

REPO = Path(__file__).resolve().parents[2]
CLI = "import sys; from postkamer.cli import main; sys.exit(main(sys.argv[1:]))"
N = 1000
WORKERS = 3
TAKEN = "poller: lock taken (pid "


@pytest.fixture
def pg_url(pg_server: pg_support.PostgresServer, _pg_template: str | None) -> Iterator[str]:
    url = pg_server.create_database(template=_pg_template)
    try:
        yield url
    finally:
        pg_server.drop_database(url.rsplit("/", 1)[1])


def _wait_for(check: Callable[[], bool], timeout: float, what: str) -> float:
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)
    return time.monotonic() - started


def test_three_pollers_one_killed_every_mail_and_reply_once(
    imap_account: Account, pg_url: str, tmp_path: Path
) -> None:
    smtp = SmtpServer()
    smtp.start()
    imap_account.deliver(make_mail(i, tag="scale") for i in range(N))
    data = settings_dict(
        pg_url,
        tmp_path,
        host=imap_account.host,
        port=imap_account.port,
        username=imap_account.user,
        password=imap_account.password,
        batch_size=25,
        poll_seconds=2,
        timeout_seconds=10,
    )
    data["smtp"] = {"host": "127.0.0.1", "port": smtp.port, "tls": "none", "timeout_seconds": 5}
    config = write_config(tmp_path / "postkamer.toml", data)
    logs = [tmp_path / f"worker{i}.log" for i in range(WORKERS)]
    children: list[subprocess.Popen[bytes]] = []
    engine = make_engine(pg_url)
    started = time.monotonic()
    try:
        for log in logs:
            with log.open("wb") as out:
                children.append(
                    subprocess.Popen(
                        [sys.executable, "-c", CLI, "--config", str(config), "run"],
                        cwd=REPO,
                        stdout=subprocess.DEVNULL,
                        stderr=out,
                    )
                )

        def holders() -> list[int]:
            return [i for i, log in enumerate(logs) if TAKEN in log.read_text(errors="replace")]

        _wait_for(lambda: bool(holders()), 60, "a poller to take the mailbox")
        first = holders()
        assert len(first) == 1, "two processes took the same mailbox"
        victim = first[0]
        _wait_for(lambda: ledger_count(engine)[0] >= N // 2, 120, "half of the mails")
        at_kill = ledger_count(engine)[0]
        os.kill(children[victim].pid, signal.SIGKILL)
        killed = time.monotonic()
        children[victim].wait(10)
        assert at_kill < N, "all mail was in before the kill: nothing was taken over"
        takeover = _wait_for(lambda: len(holders()) == 2, 60, "another poller to take over")
        _wait_for(lambda: ledger_count(engine)[0] == N, 120, "every mail in the ledger")
        _wait_for(lambda: imap_account.count("INBOX") == 0, 30, "every mail moved")

        def replies_settled() -> bool:
            with Session(engine) as s:
                states = dict(
                    s.execute(
                        select(col(OutboxRow.state), func.count()).group_by(col(OutboxRow.state))
                    ).all()
                )
            return (
                states.get("sent", 0) + states.get("unknown", 0) + states.get("failed", 0) == N
                and not states.get("queued")
                and not states.get("sending")
            )

        _wait_for(replies_settled, 120, "every reply delivered")
        total = time.monotonic() - started
        # only one process ever drained at a time: the second holder is the only other one
        assert len(holders()) == 2
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(20)
            except subprocess.TimeoutExpired:
                child.kill()
        smtp.stop()
    try:
        assert ledger_count(engine) == (N, N)
        with Session(engine) as s:
            rows = s.execute(select(OutboxRow)).scalars().all()
    finally:
        engine.dispose()
    assert len(rows) == N and {r.state for r in rows} == {"sent"}
    received = Counter(str(m.parsed()["Message-ID"]) for m in smtp.messages)
    assert set(received) == {r.message_id for r in rows}  # every reply arrived
    twice = {mid for mid, n in received.items() if n > 1}
    uncertain = {r.message_id for r in rows if r.uncertain}
    # at most the one reply the killed worker had on the wire, and never more than twice
    assert len(twice) <= 1 and twice <= uncertain and max(received.values()) <= 2
    assert sorted(imap_account.fetch_all("Processed")) == sorted(
        make_mail(i, tag="scale") for i in range(N)
    )
    print(
        f"\nscale-out: {N} mails, {WORKERS} workers, holder killed at {at_kill} mails; "
        f"takeover after {takeover:.1f} s; all done in {total:.1f} s; "
        f"{len(uncertain)} reply(s) recovered from the killed worker, {len(twice)} sent twice"
    )
    del killed


def test_replies_claimed_by_a_dead_worker_are_recovered_at_once(pg_url: str) -> None:
    """A worker's `sending` rows become `unknown` (due now) as soon as its session is gone,
    not after the 15-minute lease; a live worker's rows are left alone."""
    from datetime import UTC, datetime, timedelta
    from email.message import EmailMessage
    from random import Random

    from outbound.outbox import (
        RetryPolicy,
        claim_due,
        queue_reply,
        recover_orphaned,
        set_claim_owner,
    )
    from postkamer.coordination import WorkerPresence, owner_alive
    from storage.db import session_scope

    engine = make_engine(pg_url)
    now = datetime.now(UTC)
    try:
        with session_scope(engine) as s:
            for i in range(4):
                msg = EmailMessage()
                msg["From"] = "support@contracts.example.com"
                msg["To"] = f"klant{i}@example.be"
                msg["Subject"] = "Ontvangen"
                msg["Message-ID"] = f"<orphan-{i}@contracts.example.com>"
                msg.set_content("Wij hebben uw vraag goed ontvangen.\n")
                queue_reply(
                    s,
                    msg,
                    ticket_id=None,
                    envelope_sender="b@x.example",
                    now=now,
                    record_message=False,
                )
        dead, alive = WorkerPresence(engine), WorkerPresence(engine)
        assert dead.ensure() and alive.ensure()
        try:
            set_claim_owner(dead.owner)
            assert len(claim_due(engine, now, limit=2)) == 2
            set_claim_owner(alive.owner)
            assert len(claim_due(engine, now, limit=2)) == 2
        finally:
            set_claim_owner(None)
        retry, rng = RetryPolicy(), Random(1)
        alive_check = lambda owner: owner_alive(engine, owner)  # noqa: E731
        later = now + timedelta(seconds=5)
        assert recover_orphaned(engine, later, alive_check, retry, rng) == 0  # both alive
        dead.release()  # the process is gone: its session, and with it its presence lock
        assert recover_orphaned(engine, later, alive_check, retry, rng) == 2
        with Session(engine) as s:
            rows = s.execute(select(OutboxRow).order_by(col(OutboxRow.id))).scalars().all()
        assert [r.state for r in rows] == ["unknown", "unknown", "sending", "sending"]
        assert all(r.uncertain == 1 for r in rows[:2])
        # due again at once (retried once, same Message-ID); the live worker's rows untouched
        assert [r.id for r in claim_due(engine, later)] == [rows[0].id, rows[1].id]
        alive.release()
    finally:
        engine.dispose()
