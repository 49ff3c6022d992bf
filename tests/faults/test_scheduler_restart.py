"""Restart in the middle of scheduled work, with real processes on PostgreSQL: a `postkamer run`
process is killed (SIGKILL) while a termination job's body runs. APScheduler had already taken
the one-off job out of its table when it handed it to a thread, and the run's claim stays
unfinished; the killed transaction left nothing behind. The next process re-creates the job
from the ticket at start, takes the dead worker's claim over and runs it: the termination
takes effect once, one confirmation is queued, the run log shows the second attempt."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from storage.db import make_engine, session_scope
from storage.models import APSCHEDULER_JOBS, Event, JobRun, OutboxRow, Ticket
from tests.support.dovecot import Account
from tests.support.mail import settings_dict, write_config

REPO = Path(__file__).resolve().parents[2]
CLI = "import sys; from postkamer.cli import main; sys.exit(main(sys.argv[1:]))"
BXL = ZoneInfo("Europe/Brussels")


@pytest.fixture
def pg_engine(pg_url: str) -> Iterator[Engine]:
    engine = make_engine(pg_url)
    try:
        yield engine
    finally:
        engine.dispose()


def _wait_for(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.1)


def _runs(engine: Engine, job_id: str) -> list[JobRun]:
    with Session(engine) as s:
        return list(s.exec(select(JobRun).where(col(JobRun.job_id) == job_id)))


def _count(engine: Engine, model: type[Event] | type[OutboxRow], ticket_id: int) -> int:
    with Session(engine) as s:
        rows = s.exec(select(model).where(col(model.ticket_id) == ticket_id)).all()
        if model is Event:
            return sum(1 for r in rows if getattr(r, "kind", "") == "termination_effective")
        return len(rows)


def test_killed_in_the_middle_of_a_job_it_runs_once_after_the_restart(
    pg_engine: Engine, imap_account: Account, tmp_path: Path
) -> None:
    today = datetime.now(BXL).date()
    policy = {"outcome": "accepted", "effective_date": today.isoformat()}
    with session_scope(pg_engine) as s:
        ticket = Ticket(
            ref="PK-RSTRT1",
            queue="cancellation",
            status="resolved",
            subject="Opzegging licentie ML 500-001",
            requester_email="it@schaal.example.be",
            language="nl",
            contract_numbers=["ML500001"],
            policy=policy,
            created_at=datetime.now(UTC),
            updated_at=datetime.now(UTC),
        )
        s.add(ticket)
        s.flush()
        assert ticket.id is not None
        tid = ticket.id
    job_id = f"termination:{tid}"
    url = pg_engine.url.render_as_string(hide_password=False)
    data = settings_dict(  # an empty mailbox: `run` serves one
        url,
        tmp_path,
        host=imap_account.host,
        port=imap_account.port,
        username=imap_account.user,
        password=imap_account.password,
    )
    # the desk opens at midnight: today's termination moment has passed, whatever the hour
    data["sla"] = {
        "opens": "00:00",
        "closes": "23:59",
        "workdays": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
    }
    data["scheduler"] = {"outbox_seconds": 1, "leader_retry_seconds": 1}
    config = write_config(tmp_path / "postkamer.toml", data)

    def start(name: str) -> subprocess.Popen[bytes]:
        with (tmp_path / f"{name}.log").open("wb") as out:
            return subprocess.Popen(
                [sys.executable, "-c", CLI, "--config", str(config), "run"],
                cwd=REPO,
                stdout=subprocess.DEVNULL,
                stderr=out,
            )

    blocker = pg_engine.connect()
    first: subprocess.Popen[bytes] | None = None
    second: subprocess.Popen[bytes] | None = None
    try:
        # hold the ticket's row: the job body blocks on it, in the middle of its transaction
        blocker.execute(text("SELECT id FROM ticket WHERE id = :id FOR UPDATE"), {"id": tid})
        first = start("first")
        _wait_for(lambda: len(_runs(pg_engine, job_id)) == 1, 60, "the job to be claimed")
        time.sleep(0.5)  # the body is now waiting for the row
        [claim] = _runs(pg_engine, job_id)
        assert claim.finished_at is None
        with pg_engine.connect() as conn:  # handed to a thread: no longer in the job table
            left = conn.execute(
                APSCHEDULER_JOBS.select().where(APSCHEDULER_JOBS.c.id == job_id)
            ).all()
        assert left == []
        os.kill(first.pid, signal.SIGKILL)
        first.wait(10)
        blocker.rollback()
        assert _count(pg_engine, Event, tid) == 0 and _count(pg_engine, OutboxRow, tid) == 0

        second = start("second")
        _wait_for(lambda: _count(pg_engine, Event, tid) == 1, 60, "the termination to run")
        _wait_for(
            lambda: all(r.finished_at is not None for r in _runs(pg_engine, job_id)),
            30,
            "the run to be recorded",
        )
        time.sleep(2.0)  # a second run would have happened by now
    finally:
        blocker.close()
        for child in (first, second):
            if child is not None and child.poll() is None:
                child.send_signal(signal.SIGTERM)
                try:
                    child.wait(30)
                except subprocess.TimeoutExpired:
                    child.kill()
    assert _count(pg_engine, Event, tid) == 1
    with Session(pg_engine) as s:
        replies = s.exec(select(OutboxRow).where(col(OutboxRow.ticket_id) == tid)).all()
        closed = s.get(Ticket, tid)
    assert [r.template for r in replies] == ["lifecycle/termination_effective"]
    assert closed is not None and closed.status == "closed"
    [run] = _runs(pg_engine, job_id)
    assert (run.attempts, run.outcome, run.result) == (2, "ok", "'done'")
    assert run.worker != claim.worker  # the second process took the dead one's claim
