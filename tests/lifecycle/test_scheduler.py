"""The persistent scheduler: jobs survive a restart (a new scheduler on the same database) and
run once; per-ticket jobs are scheduled at the right business moments, replaced instead of
duplicated, cancelled on withdrawal, re-created by reconcile; one leader on PostgreSQL."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.date import DateTrigger
from sqlalchemy import text
from sqlalchemy.engine import Engine

from postkamer import jobs
from postkamer import lifecycle as lc
from postkamer.lifecycle import SchedulerConfig
from postkamer.scheduler import JOBSTORE_TABLE, Scheduler
from postkamer.ticketjobs import jobs_for_new_ticket
from storage.db import session_scope
from tests.lifecycle.support import add_user, events, make_runtime, make_ticket, outbox, wait_for

BXL = ZoneInfo("Europe/Brussels")
FRIDAY = datetime(2025, 11, 7, 10, 0, tzinfo=BXL)
ACCEPTED = {"outcome": "accepted", "effective_date": "2025-12-31"}


def stored_jobs(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return sorted(r[0] for r in conn.execute(text(f"SELECT id FROM {JOBSTORE_TABLE}")))


def test_job_survives_a_restart_and_runs_once(engine: Engine) -> None:
    rt, _clock = make_runtime(engine, datetime(2025, 12, 31, 8, 30, tzinfo=BXL))
    tid = make_ticket(engine, status=lc.RESOLVED, at=FRIDAY, policy=ACCEPTED)

    first = Scheduler(engine, rt)
    first.start(ticks=False, paused=True)  # the process dies before the job is due
    for _ in range(2):  # scheduling again replaces the job
        with session_scope(engine) as session:
            [spec] = jobs_for_new_ticket(
                session, tid, lc.RESOLVED, ACCEPTED, FRIDAY, rt.ticket_jobs
            )
    assert spec.run_at == datetime(2025, 12, 31, 8, 30, tzinfo=BXL)
    assert first.next_run(f"termination:{tid}") == spec.run_at
    first.shutdown()
    assert stored_jobs(engine) == [f"termination:{tid}"]
    assert events(engine, tid, "termination_effective") == []

    second = Scheduler(engine, rt)  # a new process on the same database
    second.start(ticks=False)
    try:
        assert wait_for(lambda: stored_jobs(engine) == [])
        assert wait_for(lambda: len(events(engine, tid, "termination_effective")) == 1)
        time.sleep(0.3)
    finally:
        second.shutdown()
    assert len(events(engine, tid, "termination_effective")) == 1
    assert [r.template for r in outbox(engine, tid)] == ["lifecycle/termination_effective"]


def test_a_job_due_in_a_second_runs_after_the_restart_not_before(engine: Engine) -> None:
    """Real trigger timing: a reminder due 1.5 s from now, its scheduler stopped at once."""
    rt, clock = make_runtime(engine, FRIDAY)
    tid = make_ticket(engine, status=lc.WAITING, at=FRIDAY, waiting_since=FRIDAY)
    clock.set(jobs.reminder_at(rt, FRIDAY))
    first = Scheduler(engine, rt)
    first.start(ticks=False)
    due = datetime.now(UTC) + timedelta(seconds=1.5)
    first.aps.add_job(
        "postkamer.scheduler:run_waiting_reminder",
        trigger=DateTrigger(due),
        args=[tid, FRIDAY.isoformat()],
        id=f"reminder:{tid}",
    )
    first.shutdown()
    second = Scheduler(engine, rt)
    second.start(ticks=False)
    try:
        assert events(engine, tid, "reminder_sent") == []
        assert wait_for(lambda: len(events(engine, tid, "reminder_sent")) == 1, 10)
        assert datetime.now(UTC) >= due
        time.sleep(0.3)
    finally:
        second.shutdown()
    assert len(outbox(engine, tid)) == 1
    # the reminder is done; the ticket still waits, so its automatic close stays scheduled
    assert stored_jobs(engine) == [f"autoclose:{tid}"]


def test_ticks_keep_their_schedule_across_a_restart(engine: Engine) -> None:
    """A new leader does not restart the ticks' intervals: a tick due during a failover runs
    at its time, not one interval after the takeover."""
    rt, _clock = make_runtime(engine, FRIDAY)
    first = Scheduler(engine, rt)
    first.start(ticks=True, paused=True)
    try:
        ticks = {job_id: first.next_run(job_id) for job_id in first.job_ids()}
    finally:
        first.shutdown()
    assert sorted(ticks) == ["tick:outbox", "tick:quarantine", "tick:reconcile", "tick:sla"]
    time.sleep(1.1)
    second = Scheduler(engine, rt)
    second.start(ticks=True, paused=True)
    try:
        assert {job_id: second.next_run(job_id) for job_id in second.job_ids()} == ticks
    finally:
        second.shutdown()


def test_reconcile_recreates_lost_jobs_once(engine: Engine) -> None:
    rt, _clock = make_runtime(engine, FRIDAY)
    waiting = make_ticket(engine, status=lc.WAITING, at=FRIDAY, waiting_since=FRIDAY)
    accepted = make_ticket(engine, status=lc.RESOLVED, at=FRIDAY, policy=ACCEPTED)
    make_ticket(engine, status=lc.NEW, at=FRIDAY)
    add_user(engine, "an@desk.example", queues=["hardware"])
    sched = Scheduler(engine, rt, SchedulerConfig())
    sched.start(ticks=False, paused=True)
    try:
        assert sched.reconcile() == 4  # reminder, automatic close, termination, digest
        assert sched.job_ids() == sorted(
            [
                f"reminder:{waiting}",
                f"autoclose:{waiting}",
                f"termination:{accepted}",
                "digest:an@desk.example",
            ]
        )
        assert sched.next_run(f"autoclose:{waiting}") == jobs.close_at(rt, FRIDAY)
        assert sched.reconcile() == 0
        digest_at = sched.next_run("digest:an@desk.example")
        assert digest_at is not None and (digest_at.hour, digest_at.minute) == (7, 45)
    finally:
        sched.shutdown()


def test_one_leader_on_postgresql_and_takeover(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("leader election is for several processes on PostgreSQL")
    rt, _clock = make_runtime(engine, FRIDAY)
    config = SchedulerConfig(leader_retry_seconds=1)
    leader = Scheduler(engine, rt, config)
    follower = Scheduler(engine, rt, config)
    try:
        assert leader.start(ticks=False, paused=True) is True
        assert follower.start(ticks=False, paused=True) is False
        assert not follower.aps.running
        leader.shutdown()
        assert wait_for(lambda: bool(follower.aps.running), 5)
    finally:
        leader.shutdown()
        follower.shutdown()
