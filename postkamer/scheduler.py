"""The scheduler: APScheduler 3 with its jobs persisted in the service's own database.

Jobs live in the table `apscheduler_jobs` of the same database (`SharedJobStore`), and refer
to their functions by import path (`postkamer.scheduler:run_termination`), so a job scheduled
before a restart runs after it, late if need be (no misfire limit; missed runs of periodic
ticks are coalesced into one). Job ids are derived from what they are about
(`termination:42`), so scheduling again replaces instead of duplicating.

Per-ticket jobs (reminder, automatic close, termination) are written by whichever process
changes the ticket, in that change's transaction (`postkamer.ticketjobs`, rows via
`storage.jobstore`); this scheduler finds them at its next wake-up. The ticks and digests are
added here. The job bodies are in `postkamer.jobs`; they take their arguments explicitly and
check the ticket first, so a late or repeated run does nothing twice.

Several processes on one PostgreSQL: only the holder of an advisory lock runs the scheduler;
the others retry to take the lock and so take over when the holder dies (its session ends,
the lock is released). On SQLite (one process) the scheduler always runs. Either way each
fire time is claimed in the job run log before its body runs (`ClaimingExecutor`,
`storage.jobruns`): once across processes, and a claim of a worker that died is taken over.

Entry points: `Scheduler(url, runtime).start()` from `postkamer run`; `reconcile` (at start
and every `reconcile_minutes`) re-creates a job a crash lost (a one-off job leaves the table
when it is handed to a thread) and drops jobs a ticket no longer needs.
"""

from __future__ import annotations

import logging
import os
import threading
from datetime import date, datetime, timedelta
from typing import Any

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobExecutionEvent
from apscheduler.executors.base import run_job
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.job import Job
from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, col, select

from postkamer import jobs
from postkamer import lifecycle as lc
from postkamer import ticketjobs as tj
from postkamer.coordination import WorkerPresence, owner_alive
from postkamer.jobs import JobRuntime
from postkamer.lifecycle import SchedulerConfig
from storage import jobruns
from storage.db import is_postgresql, make_engine
from storage.jobstore import drop_jobs
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


class SharedJobStore(SQLAlchemyJobStore):  # type: ignore[misc]
    """The job store, shared with other processes that add and drop per-ticket jobs in their
    own transactions (`storage.jobstore`): a job that is already gone when the scheduler
    wants to remove or update it (dropped by a withdrawal, or by the job's own body) is not an
    error; APScheduler would otherwise stop its loop on the lookup error."""

    def remove_job(self, job_id: str) -> None:
        try:
            super().remove_job(job_id)
        except JobLookupError:
            log.debug("job %s was already removed", job_id)

    def update_job(self, job: Job) -> None:
        try:
            super().update_job(job)
        except JobLookupError:
            log.debug("job %s was removed while it ran", job.id)


class ClaimingExecutor(ThreadPoolExecutor):  # type: ignore[misc]
    """Runs each fire time of a job only after claiming it in the job run log
    (`storage.jobruns`): once across all processes, recorded with its outcome."""

    def __init__(self, max_workers: int, scheduler: Scheduler) -> None:
        super().__init__(max_workers)
        self._owner = scheduler

    def _do_submit_job(self, job: Job, run_times: list[datetime]) -> None:
        owner = self._owner

        def callback(future: Any) -> None:
            exc = future.exception()
            if exc is not None:
                self._run_job_error(job.id, exc, exc.__traceback__)
            else:
                self._run_job_success(job.id, future.result())

        future = self._pool.submit(
            owner.run_claimed, job, job._jobstore_alias, run_times, self._logger.name
        )
        future.add_done_callback(callback)


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
            jobstores={"default": SharedJobStore(engine=self.engine, tablename=table)},
            executors={"default": ClaimingExecutor(self.config.threads, self)},
            job_defaults={"coalesce": True, "misfire_grace_time": None, "max_instances": 1},
            timezone=self.tz,
        )
        # who claims the runs: a presence lock on PostgreSQL (others see at once when this
        # process is gone), the process id on SQLite (one host)
        self._presence: WorkerPresence | None = None
        if is_postgresql(self.engine):
            self._presence = WorkerPresence(self.engine)
            self.worker = self._presence.owner
        else:
            self.worker = f"p{os.getpid()}"
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
        if self._presence is not None:
            self._presence.ensure()
        self.aps.start(paused=paused)
        if ticks:
            self.add_ticks()
            try:  # jobs a crash lost (a one-off job is removed when it is handed to a thread)
                self.reconcile()
            except Exception:
                log.exception("scheduler: reconcile at start failed; the tick retries")
        jobs_now = len(self.aps.get_jobs())
        log.info("scheduler started with %d jobs (worker %s)", jobs_now, self.worker)

    # --- running one fire time (in an executor thread) ---------------------------------------

    def alive(self, worker: str) -> bool:
        """Whether the process that claimed a run still runs."""
        if worker == self.worker:
            return True
        if worker.startswith("p") and worker[1:].isdigit():
            try:
                os.kill(int(worker[1:]), 0)
            except ProcessLookupError:
                return False
            except PermissionError:
                return True
            return True
        return owner_alive(self.engine, worker)

    def run_claimed(
        self, job: Job, alias: str, run_times: list[datetime], logger_name: str
    ) -> list[JobExecutionEvent]:
        """APScheduler's `run_job`, for the fire times this process claims."""
        events: list[JobExecutionEvent] = []
        for run_time in run_times:
            now = datetime.now(self.tz)
            run_id = jobruns.claim_run(self.engine, job.id, run_time, self.worker, now, self.alive)
            if run_id is None:
                log.info("job %s at %s: run elsewhere already; skipped", job.id, run_time)
                continue
            done: list[JobExecutionEvent] = run_job(job, alias, [run_time], logger_name)
            for event in done:
                if event.code == EVENT_JOB_EXECUTED:
                    outcome, result = "ok", repr(event.retval)
                elif event.code == EVENT_JOB_ERROR:
                    exc = event.exception
                    outcome, result = "error", f"{type(exc).__name__}: {exc}"
                else:
                    continue
                jobruns.finish_run(self.engine, run_id, outcome, result, datetime.now(self.tz))
            events.extend(done)
        return events

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
        if self._presence is not None:
            self._presence.release()
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
        current = self.aps.get_job(job_id)
        if (
            current is not None
            and isinstance(trigger, IntervalTrigger)
            and isinstance(current.trigger, IntervalTrigger)
            and current.trigger.interval == trigger.interval
        ):
            return  # a tick keeps its schedule across restarts and leader changes
        self.aps.add_job(
            _REF + func, trigger=trigger, args=list(args), id=job_id, replace_existing=True
        )

    def _remove(self, job_id: str) -> bool:
        if self.aps.get_job(job_id) is None:
            return False
        self.aps.remove_job(job_id)
        return True

    def job_ids(self) -> list[str]:
        return sorted(job.id for job in self.aps.get_jobs())

    def next_run(self, job_id: str) -> datetime | None:
        job = self.aps.get_job(job_id)
        return job.next_run_time if job is not None else None

    # --- digests ------------------------------------------------------------------------------

    def schedule_digest(self, owner: str) -> None:
        t = self.config.digest_time
        trigger = CronTrigger(day_of_week="mon-fri", hour=t.hour, minute=t.minute, timezone=self.tz)
        self._add(_job_id("digest", owner), "run_digest", trigger, (owner,))

    # --- repair -----------------------------------------------------------------------------------

    def reconcile(self) -> int:
        """(Re)create the jobs the database says should exist and drop the ones it says should
        not (`postkamer.ticketjobs`); schedule a digest per active queue owner; prune the run
        log. Returns how many jobs were added, moved or dropped."""
        existing = set(self.job_ids())
        changed = 0
        rules = self.runtime.ticket_jobs
        with Session(self.engine) as session:
            ids: set[int] = set()
            for job_id in existing:
                kind, _, subject = job_id.partition(":")
                if kind in tj.KINDS and subject.isdigit():
                    ids.add(int(subject))
            ids.update(
                t
                for t in session.exec(select(Ticket.id).where(col(Ticket.status) == lc.WAITING))
                if t is not None
            )
            done = {
                e
                for e in session.exec(
                    select(Event.ticket_id).where(
                        col(Event.kind).in_(("termination_effective", "withdrawn"))
                    )
                )
            }
            for ticket_id, policy in session.exec(select(Ticket.id, Ticket.policy)):
                if (
                    ticket_id is not None
                    and ticket_id not in done
                    and tj.effective_date(policy) is not None
                ):
                    ids.add(ticket_id)
            for ticket_id in sorted(ids):
                ticket = session.get(Ticket, ticket_id)
                if ticket is None:
                    drop_jobs(session, tj.ticket_job_ids(ticket_id))
                    continue
                result = tj.sync_ticket_jobs(session, ticket, rules)
                changed += len(result.put) + len(result.dropped)
            keep = timedelta(days=self.config.job_log_days)
            jobruns.prune_runs(session, datetime.now(self.tz) - keep)
            owners = {
                u.email
                for u in session.exec(select(User).where(col(User.active).is_(True)))
                if u.role == "owner" and u.queues
            }
            session.commit()
        for owner in owners - {i.split(":", 1)[1] for i in existing if i.startswith("digest:")}:
            self.schedule_digest(owner)
            changed += 1
        for job_id in existing:
            if job_id.startswith("digest:") and job_id.split(":", 1)[1] not in owners:
                self._remove(job_id)
        if changed and self.aps.running:
            self.aps.wakeup()
        return changed
