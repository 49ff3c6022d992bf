"""The scheduler: APScheduler 3 with its jobs persisted in the service's own database.

Jobs live in the table `apscheduler_jobs` of the same database (SQLAlchemyJobStore), and
refer to their functions by import path (`postkamer.scheduler:run_termination`), so a job
scheduled before a restart runs after it, late if need be (no misfire limit; missed runs of
periodic ticks are coalesced into one). Job ids are derived from what they are about
(`termination:42`), so scheduling again replaces instead of duplicating, and a withdrawn
cancellation removes its job by id. The job bodies are in `postkamer.jobs`; they take their
arguments explicitly and are idempotent, so a job that runs twice does no harm.

Several processes on one PostgreSQL: only the holder of an advisory lock runs the scheduler;
the others retry to take the lock and so take over when the holder dies (its session ends,
the lock is released). On SQLite (one process) the scheduler always runs.

Entry points: `Scheduler(url, runtime).start()` from `postkamer run`; the `schedule_*`
helpers from `postkamer.processing` and the web actions after their transaction commits;
`reconcile` (run at start and every few minutes) re-creates any job that a crash between a
commit and the scheduling call lost.
"""

from __future__ import annotations

import logging
import threading
from datetime import date, datetime
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, col, select

from outbound.outbox import aware
from postkamer import jobs
from postkamer import lifecycle as lc
from postkamer.jobs import JobRuntime
from postkamer.lifecycle import SchedulerConfig
from storage.db import is_postgresql, make_engine
from storage.models import Event, Ticket, User

log = logging.getLogger(__name__)

JOBSTORE_TABLE = "apscheduler_jobs"
LEADER_LOCK_KEY = 0x706B5343  # "pkSC": the advisory lock of the scheduler leader


# --- job entry points (referenced by import path; arguments are plain values) ------------------


def run_waiting_reminder(ticket_id: int, since: str) -> str:
    return jobs.waiting_reminder(jobs.runtime(), ticket_id, datetime.fromisoformat(since))


def run_auto_close(ticket_id: int, since: str) -> str:
    return jobs.auto_close(jobs.runtime(), ticket_id, datetime.fromisoformat(since))


def run_termination(ticket_id: int, effective_date: str) -> str:
    return jobs.termination_effective(jobs.runtime(), ticket_id, date.fromisoformat(effective_date))


def run_digest(owner: str) -> str:
    return jobs.digest(jobs.runtime(), owner)


def run_sla_tick() -> dict[str, int]:
    return jobs.sla_tick(jobs.runtime())


def run_outbox_tick() -> None:
    jobs.outbox_tick(jobs.runtime())


def run_quarantine_tick() -> list[int]:
    return jobs.quarantine_tick(jobs.runtime())


def run_reconcile() -> int:
    current = Scheduler.current
    if current is None:
        return 0
    return current.reconcile()


_REF = "postkamer.scheduler:"


def _job_id(kind: str, subject: object) -> str:
    return f"{kind}:{subject}"


class Scheduler:
    """One BackgroundScheduler on the database at `url`, with the job helpers of the desk."""

    current: Scheduler | None = None  # the running instance (used by the reconcile job)

    def __init__(
        self,
        url_or_engine: str | Engine,
        runtime: JobRuntime,
        config: SchedulerConfig | None = None,
        *,
        table: str = JOBSTORE_TABLE,
    ) -> None:
        self.engine = (
            make_engine(url_or_engine) if isinstance(url_or_engine, str) else url_or_engine
        )
        self.runtime = runtime
        self.config = config or SchedulerConfig()
        self.tz = runtime.sla.calendar.tz
        self.aps = BackgroundScheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=self.engine, tablename=table)},
            executors={"default": ThreadPoolExecutor(self.config.threads)},
            job_defaults={"coalesce": True, "misfire_grace_time": None, "max_instances": 1},
            timezone=self.tz,
        )
        self._leader_conn: Connection | None = None
        self._stop = threading.Event()
        self._waiter: threading.Thread | None = None

    # --- running ------------------------------------------------------------------------------

    def start(self, *, ticks: bool = True, paused: bool = False) -> bool:
        """Start (and add the periodic ticks) if this process is the leader; else keep trying
        in the background. Returns whether it started now."""
        jobs.set_runtime(self.runtime)
        Scheduler.current = self
        if self._try_lead():
            self._begin(ticks, paused)
            return True
        log.info(
            "scheduler: another process leads; retrying every %ss", self.config.leader_retry_seconds
        )
        self._waiter = threading.Thread(
            target=self._wait_for_lead, args=(ticks, paused), name="scheduler-leader", daemon=True
        )
        self._waiter.start()
        return False

    def _begin(self, ticks: bool, paused: bool) -> None:
        self.aps.start(paused=paused)
        if ticks:
            self.add_ticks()
        log.info("scheduler started with %d jobs", len(self.aps.get_jobs()))

    def _wait_for_lead(self, ticks: bool, paused: bool) -> None:
        while not self._stop.wait(self.config.leader_retry_seconds):
            if self._try_lead():
                log.info("scheduler: took over as leader")
                self._begin(ticks, paused)
                return

    def _try_lead(self) -> bool:
        if not is_postgresql(self.engine):
            return True
        conn = self.engine.connect()
        conn.detach()  # its own DBAPI connection: closing it really ends the session (and lock)
        got = bool(
            conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": LEADER_LOCK_KEY}).scalar()
        )
        conn.commit()
        if got:
            self._leader_conn = conn
        else:
            conn.close()
        return got

    def shutdown(self, wait: bool = True) -> None:
        self._stop.set()
        if self.aps.running:
            # APScheduler 3 looks for due jobs once more after it is told to stop, and drops a
            # one-off job it can no longer submit: take the job store away first, so that a
            # due job stays stored for the next start.
            self.aps.pause()
            self.aps.remove_jobstore("default", shutdown=False)
            self.aps.shutdown(wait=wait)
        if self._leader_conn is not None:
            self._leader_conn.close()  # releases the advisory lock
            self._leader_conn = None
        if Scheduler.current is self:
            Scheduler.current = None

    # --- periodic work ------------------------------------------------------------------------

    def add_ticks(self) -> None:
        c = self.config
        self._add("tick:sla", "run_sla_tick", IntervalTrigger(minutes=c.sla_check_minutes))
        self._add("tick:outbox", "run_outbox_tick", IntervalTrigger(seconds=c.outbox_seconds))
        self._add(
            "tick:quarantine", "run_quarantine_tick", IntervalTrigger(minutes=c.quarantine_minutes)
        )
        self._add("tick:reconcile", "run_reconcile", IntervalTrigger(minutes=c.reconcile_minutes))

    def _add(self, job_id: str, func: str, trigger: Any, args: tuple[Any, ...] = ()) -> None:
        self.aps.add_job(
            _REF + func, trigger=trigger, args=list(args), id=job_id, replace_existing=True
        )

    def _remove(self, job_id: str) -> bool:
        try:
            self.aps.remove_job(job_id)
            return True
        except JobLookupError:
            return False

    def job_ids(self) -> list[str]:
        return sorted(job.id for job in self.aps.get_jobs())

    def next_run(self, job_id: str) -> datetime | None:
        job = self.aps.get_job(job_id)
        return job.next_run_time if job is not None else None

    # --- per-ticket jobs ------------------------------------------------------------------------

    def schedule_waiting(self, ticket_id: int, since: datetime) -> tuple[datetime, datetime]:
        """Reminder after N and automatic close after M business days of waiting."""
        remind = jobs.reminder_at(self.runtime, since)
        close = jobs.close_at(self.runtime, since)
        args = (ticket_id, since.isoformat())
        self._add(_job_id("reminder", ticket_id), "run_waiting_reminder", DateTrigger(remind), args)
        self._add(_job_id("autoclose", ticket_id), "run_auto_close", DateTrigger(close), args)
        return remind, close

    def cancel_waiting(self, ticket_id: int) -> None:
        """The customer answered: no reminder, no automatic close (the jobs would skip anyway)."""
        self._remove(_job_id("reminder", ticket_id))
        self._remove(_job_id("autoclose", ticket_id))

    def schedule_termination(self, ticket_id: int, effective: date) -> datetime:
        """On the effective date of an accepted cancellation (at opening time, Brussels)."""
        when = jobs.termination_moment(self.runtime, effective)
        self._add(
            _job_id("termination", ticket_id),
            "run_termination",
            DateTrigger(when),
            (ticket_id, effective.isoformat()),
        )
        return when

    def cancel_termination(self, ticket_id: int) -> bool:
        """The ticket was withdrawn: the termination must not take effect."""
        return self._remove(_job_id("termination", ticket_id))

    def schedule_digest(self, owner: str) -> None:
        t = self.config.digest_time
        trigger = CronTrigger(day_of_week="mon-fri", hour=t.hour, minute=t.minute, timezone=self.tz)
        self._add(_job_id("digest", owner), "run_digest", trigger, (owner,))

    # --- repair -----------------------------------------------------------------------------------

    def reconcile(self) -> int:
        """(Re)create the jobs the database says should exist; returns how many were added."""
        existing = set(self.job_ids())
        added = 0
        with Session(self.engine) as session:
            for ticket in session.exec(select(Ticket).where(col(Ticket.status) == lc.WAITING)):
                assert ticket.id is not None
                if _job_id("autoclose", ticket.id) in existing:
                    continue
                since = jobs.waiting_since(session, ticket.id) or aware(ticket.updated_at)
                self.schedule_waiting(ticket.id, since)
                added += 1
            done = {
                e.ticket_id
                for e in session.exec(
                    select(Event).where(col(Event.kind).in_(("termination_effective", "withdrawn")))
                )
            }
            for ticket in session.exec(select(Ticket)):
                policy = ticket.policy or {}
                if policy.get("outcome") != "accepted" or not policy.get("effective_date"):
                    continue
                if ticket.id in done or _job_id("termination", ticket.id) in existing:
                    continue
                assert ticket.id is not None
                self.schedule_termination(
                    ticket.id, date.fromisoformat(str(policy["effective_date"]))
                )
                added += 1
            owners = {
                u.email
                for u in session.exec(select(User).where(col(User.active).is_(True)))
                if u.role == "owner" and u.queues
            }
        for owner in owners - {i.split(":", 1)[1] for i in existing if i.startswith("digest:")}:
            self.schedule_digest(owner)
            added += 1
        for job_id in existing:
            if job_id.startswith("digest:") and job_id.split(":", 1)[1] not in owners:
                self._remove(job_id)
        return added
