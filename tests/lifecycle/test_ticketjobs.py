"""A ticket's scheduled work follows the ticket in the same transaction: the termination is
scheduled when the cancellation is accepted, the reminder and automatic close when the
waiting starts; an answer, a withdrawal or a rollback takes them away. Jobs written this way
are run by the leader's scheduler, each fire time once (claimed in the job run log), and a
claim left by a dead worker is taken over."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from postkamer import lifecycle as lc
from postkamer.lifecycle import SchedulerConfig
from postkamer.scheduler import Scheduler
from postkamer.ticketjobs import (
    TicketFacts,
    TicketJobRules,
    jobs_for_new_ticket,
    sync_ticket_jobs,
    waiting_since,
    wanted_jobs,
)
from storage.db import session_scope
from storage.jobstore import JobSpec, put_jobs, stored_jobs
from storage.models import Event, JobRun, Ticket
from tests.lifecycle.support import (
    events,
    make_runtime,
    make_ticket,
    outbox,
    termination_job,
    wait_for,
)

BXL = ZoneInfo("Europe/Brussels")
FRIDAY = datetime(2025, 11, 7, 10, 0, tzinfo=BXL)  # Tuesday 11 November is a public holiday
RULES = TicketJobRules.default()
ACCEPTED = {"outcome": "accepted", "effective_date": "2025-12-31"}


def jobs_of(engine: Engine, ticket_id: int) -> dict[str, JobSpec]:
    with Session(engine) as session:
        return stored_jobs(
            session, [f"{k}:{ticket_id}" for k in ("reminder", "autoclose", "termination")]
        )


def runs(engine: Engine) -> list[JobRun]:
    with Session(engine) as session:
        return list(session.exec(select(JobRun).order_by(col(JobRun.id))))


# --- what a ticket needs (pure) -------------------------------------------------------------


def test_waiting_ticket_gets_a_reminder_and_an_automatic_close_on_business_days() -> None:
    facts = TicketFacts(7, lc.WAITING, {}, waiting_since=FRIDAY)
    specs = {s.id: s for s in wanted_jobs(facts, RULES)}
    assert set(specs) == {"reminder:7", "autoclose:7"}
    # 5 business days after Friday: Mon 10, (Tue 11 holiday), Wed 12, Thu 13, Fri 14, Mon 17
    assert specs["reminder:7"].run_at == datetime(2025, 11, 17, 10, 0, tzinfo=BXL)
    assert specs["autoclose:7"].run_at == datetime(2025, 11, 24, 10, 0, tzinfo=BXL)
    assert specs["reminder:7"].args == (7, FRIDAY.isoformat())
    reminded = TicketFacts(7, lc.WAITING, {}, waiting_since=FRIDAY, reminded=True)
    assert [s.id for s in wanted_jobs(reminded, RULES)] == ["autoclose:7"]
    assert wanted_jobs(TicketFacts(7, lc.OPEN, {}, waiting_since=None), RULES) == []


def test_accepted_cancellation_gets_its_termination_until_withdrawn_or_done() -> None:
    facts = TicketFacts(8, lc.RESOLVED, ACCEPTED)
    [spec] = wanted_jobs(facts, RULES)
    assert spec.id == "termination:8"
    assert spec.run_at == datetime(2025, 12, 31, 8, 30, tzinfo=BXL)  # that day's opening time
    assert spec.args == (8, "2025-12-31")
    assert wanted_jobs(TicketFacts(8, lc.CLOSED, ACCEPTED, withdrawn=True), RULES) == []
    assert wanted_jobs(TicketFacts(8, lc.CLOSED, ACCEPTED, terminated=True), RULES) == []
    other = {"outcome": "not_yet_eligible", "effective_date": None}
    assert wanted_jobs(TicketFacts(8, lc.RESOLVED, other), RULES) == []


def _event(kind: str, at: datetime, **data: object) -> Event:
    return Event(ticket_id=1, kind=kind, at=at, data=dict(data))


def test_waiting_since_is_the_start_of_the_current_waiting_period() -> None:
    t0 = datetime(2025, 11, 3, 9, 0, tzinfo=UTC)
    created = _event("created", t0, status=lc.NEW)
    to_waiting = _event("status", t0 + timedelta(hours=1), **{"from": "new", "to": lc.WAITING})
    answer = _event("followup", t0 + timedelta(days=2), status=[lc.WAITING, lc.WAITING])
    back = _event("followup", t0 + timedelta(days=3), status=[lc.WAITING, lc.OPEN])
    again = _event("status", t0 + timedelta(days=4), **{"from": "open", "to": lc.WAITING})
    assert waiting_since([created], lc.WAITING, t0) == t0  # created waiting
    assert waiting_since([created, to_waiting], lc.WAITING, t0) == to_waiting.at
    # the customer answered and the ticket still waits (for something else): a new period
    assert waiting_since([created, to_waiting, answer], lc.WAITING, t0) == answer.at
    assert waiting_since([created, to_waiting, answer, back], lc.OPEN, t0) is None
    assert waiting_since([created, to_waiting, answer, back, again], lc.WAITING, t0) == again.at


# --- in the ticket's transaction ------------------------------------------------------------


def test_jobs_are_written_with_the_ticket_and_rolled_back_with_it(engine: Engine) -> None:
    tid = make_ticket(engine, status=lc.RESOLVED, at=FRIDAY, policy=ACCEPTED)
    with pytest.raises(RuntimeError), session_scope(engine) as session:
        jobs_for_new_ticket(session, tid, lc.RESOLVED, ACCEPTED, FRIDAY, RULES)
        raise RuntimeError("the batch failed after the decision")
    assert jobs_of(engine, tid) == {}  # no job for a change that was never committed
    with session_scope(engine) as session:
        jobs_for_new_ticket(session, tid, lc.RESOLVED, ACCEPTED, FRIDAY, RULES)
    assert list(jobs_of(engine, tid)) == [f"termination:{tid}"]


def test_sync_follows_the_ticket_and_writes_only_differences(engine: Engine) -> None:
    tid = make_ticket(engine, status=lc.WAITING, at=FRIDAY, waiting_since=FRIDAY)
    with session_scope(engine) as session:
        ticket = session.get(Ticket, tid)
        assert ticket is not None
        first = sync_ticket_jobs(session, ticket, RULES)
        assert {s.id for s in first.put} == {f"reminder:{tid}", f"autoclose:{tid}"}
        assert not sync_ticket_jobs(session, ticket, RULES).changed  # nothing to write again
        # the customer answers: no reminder, no automatic close any more
        ticket.status = lc.OPEN
        session.add(
            Event(
                ticket_id=tid,
                kind="followup",
                at=FRIDAY + timedelta(days=1),
                data={"status": [lc.WAITING, lc.OPEN]},
            )
        )
        answered = sync_ticket_jobs(session, ticket, RULES)
        assert set(answered.dropped) == {f"reminder:{tid}", f"autoclose:{tid}"}
        # the answer completed the cancellation: the termination is scheduled
        ticket.policy, ticket.status = ACCEPTED, lc.RESOLVED
        accepted = sync_ticket_jobs(session, ticket, RULES)
        assert [s.id for s in accepted.put] == [f"termination:{tid}"]
    assert list(jobs_of(engine, tid)) == [f"termination:{tid}"]


# --- run by the scheduler, once -------------------------------------------------------------


def test_scheduler_runs_a_job_another_transaction_wrote_while_it_ran(engine: Engine) -> None:
    """The leader did not schedule it: a processing transaction wrote the row. It is picked up
    at the next wake-up (the outbox tick every second here) and run once, logged."""
    rt, _clock = make_runtime(engine, datetime(2025, 12, 31, 8, 30, tzinfo=BXL))
    tid = make_ticket(engine, status=lc.RESOLVED, at=FRIDAY, policy=ACCEPTED)
    sched = Scheduler(engine, rt, SchedulerConfig(outbox_seconds=1))
    sched.start()
    try:
        with session_scope(engine) as session:
            put_jobs(
                session,
                [termination_job(tid, datetime.now(UTC) - timedelta(seconds=1))],
            )
        assert wait_for(lambda: len(events(engine, tid, "termination_effective")) == 1)
        assert wait_for(
            lambda: any(r.job_id == f"termination:{tid}" and r.finished_at for r in runs(engine))
        )
        time.sleep(0.5)
    finally:
        sched.shutdown()
    assert len(events(engine, tid, "termination_effective")) == 1
    assert [r.template for r in outbox(engine, tid)] == ["lifecycle/termination_effective"]
    [run] = [r for r in runs(engine) if r.job_id == f"termination:{tid}"]
    assert (run.outcome, run.result, run.attempts) == ("ok", "'done'", 1)
    assert jobs_of(engine, tid) == {}  # done: nothing left to run for this ticket


def test_a_fire_time_runs_once_even_with_two_schedulers(engine: Engine) -> None:
    """Two schedulers on one database (on SQLite both think they lead): the job's fire time
    is claimed by one of them; the other skips it."""
    rt, _clock = make_runtime(engine, datetime(2025, 12, 31, 8, 30, tzinfo=BXL))
    tid = make_ticket(engine, status=lc.RESOLVED, at=FRIDAY, policy=ACCEPTED)
    due = datetime.now(UTC) + timedelta(seconds=1.5)
    with session_scope(engine) as session:
        put_jobs(
            session,
            [termination_job(tid, due)],
        )
    one, two = Scheduler(engine, rt), Scheduler(engine, rt)
    one.worker, two.worker = "p1-one", "p1-two"  # two workers in one test process
    one.start(ticks=False)
    two.start(ticks=False)
    try:
        assert wait_for(lambda: len(events(engine, tid, "termination_effective")) == 1)
        time.sleep(1.0)
    finally:
        one.shutdown()
        two.shutdown()
    assert len(events(engine, tid, "termination_effective")) == 1
    assert len(outbox(engine, tid)) == 1
    assert [(r.job_id, r.outcome) for r in runs(engine)] == [(f"termination:{tid}", "ok")]


def test_a_claim_left_by_a_dead_worker_is_taken_over_and_a_live_one_is_not(
    engine: Engine,
) -> None:
    """A process died in the middle of a job: its claim stays unfinished (its transaction was
    rolled back). After the restart the job runs (attempt 2). A claim of a running process
    is left alone."""
    rt, _clock = make_runtime(engine, datetime(2025, 12, 31, 8, 30, tzinfo=BXL))
    dead_tid = make_ticket(engine, status=lc.RESOLVED, at=FRIDAY, policy=ACCEPTED)
    live_tid = make_ticket(engine, status=lc.RESOLVED, at=FRIDAY, policy=ACCEPTED)
    due = datetime(2025, 12, 31, 8, 30, tzinfo=BXL)
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead_pid = int(gone.stdout)  # a process that has exited
    with session_scope(engine) as session:
        for tid, worker in ((dead_tid, f"p{dead_pid}"), (live_tid, f"p{os.getppid()}")):
            session.add(
                JobRun(job_id=f"termination:{tid}", run_time=due, worker=worker, started_at=due)
            )
        put_jobs(
            session,
            [termination_job(t, due) for t in (dead_tid, live_tid)],
        )
    sched = Scheduler(engine, rt)
    sched.start(ticks=False)
    try:
        assert wait_for(lambda: len(events(engine, dead_tid, "termination_effective")) == 1)
        time.sleep(0.5)
    finally:
        sched.shutdown()
    by_job = {r.job_id: r for r in runs(engine)}
    taken = by_job[f"termination:{dead_tid}"]
    assert (taken.worker, taken.attempts, taken.outcome) == (sched.worker, 2, "ok")
    left = by_job[f"termination:{live_tid}"]
    assert (left.worker, left.attempts, left.finished_at) == (f"p{os.getppid()}", 1, None)
    assert events(engine, live_tid, "termination_effective") == []


def test_reconcile_at_start_restores_a_job_a_crash_lost_and_drops_stale_ones(
    engine: Engine,
) -> None:
    """A one-off job leaves the store when it is handed to a thread; a process killed then
    loses it. The next leader's start re-creates it from the ticket, and drops a job whose
    ticket no longer needs it."""
    rt, _clock = make_runtime(engine, FRIDAY)
    lost = make_ticket(engine, status=lc.RESOLVED, at=FRIDAY, policy=ACCEPTED)
    stale = make_ticket(engine, status=lc.OPEN, at=FRIDAY)
    with session_scope(engine) as session:
        put_jobs(
            session,
            [
                JobSpec(
                    f"autoclose:{stale}",
                    "postkamer.scheduler:run_auto_close",
                    FRIDAY,
                    (stale, FRIDAY.isoformat()),
                )
            ],
        )
    sched = Scheduler(engine, rt)
    sched.start(paused=True)  # ticks on: reconcile runs at start
    try:
        assert list(jobs_of(engine, lost)) == [f"termination:{lost}"]
        assert jobs_of(engine, stale) == {}
        assert sched.next_run(f"termination:{lost}") == datetime(2025, 12, 31, 8, 30, tzinfo=BXL)
        with engine.connect() as conn:
            ticks = [
                r[0]
                for r in conn.execute(
                    text("SELECT id FROM apscheduler_jobs WHERE id LIKE 'tick:%'")
                )
            ]
        assert sorted(ticks) == ["tick:outbox", "tick:quarantine", "tick:reconcile", "tick:sla"]
    finally:
        sched.shutdown()
