"""Scheduled jobs written in the caller's transaction.

APScheduler 3 keeps its jobs in the table `apscheduler_jobs` (declared in `storage.models` and
created by the migrations): one row per job with its next run time as a UTC timestamp and its
state pickled. The scheduler itself only runs in one process (the leader, see
`postkamer.scheduler`), but a cancellation can be accepted by any process, in the middle of a
batch. So the per-ticket jobs are written here, as rows in the same transaction as the change
that asks for them: the job exists exactly when the change is committed, whichever process
made it, and a rollback takes it away again. The leader's scheduler finds the row at its next
wake-up (its periodic ticks wake it at least every `[scheduler] outbox_seconds`).

`put_jobs` inserts or replaces (same id: the job is rescheduled, never duplicated),
`drop_jobs` removes, `stored_jobs` reads back what is there for a set of ids, `all_jobs` lists
every stored job (also the periodic ones the scheduler wrote itself) for `postkamer jobs`.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from apscheduler.triggers.date import DateTrigger
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from storage.models import APSCHEDULER_JOBS


@dataclass(frozen=True, slots=True)
class JobSpec:
    """A one-off job: run `func` (an import path, `module:function`) with `args` at `run_at`."""

    id: str
    func: str
    run_at: datetime  # aware
    args: tuple[Any, ...] = ()

    def __post_init__(self) -> None:
        if self.run_at.tzinfo is None:
            raise ValueError(f"job {self.id}: run_at must be timezone-aware")


def _state(spec: JobSpec) -> dict[str, Any]:
    """The job state APScheduler 3 pickles (`Job.__getstate__`, version 1), with the defaults
    `postkamer.scheduler` gives its jobs: run late rather than never, coalesce, one at a time."""
    return {
        "version": 1,
        "id": spec.id,
        "func": spec.func,
        "trigger": DateTrigger(spec.run_at, spec.run_at.tzinfo),
        "executor": "default",
        "args": tuple(spec.args),
        "kwargs": {},
        "name": spec.func.rsplit(":", 1)[-1],
        "misfire_grace_time": None,
        "coalesce": True,
        "max_instances": 1,
        "next_run_time": spec.run_at,
    }


def _row(spec: JobSpec) -> dict[str, Any]:
    return {
        "id": spec.id,
        "next_run_time": spec.run_at.astimezone(UTC).timestamp(),
        "job_state": pickle.dumps(_state(spec), pickle.HIGHEST_PROTOCOL),
    }


def put_jobs(session: Session, specs: Sequence[JobSpec]) -> None:
    """Insert the jobs, replacing any stored job with the same id."""
    if not specs:
        return
    rows = [_row(s) for s in specs]
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(APSCHEDULER_JOBS).values(rows)
    stmt = stmt.on_conflict_do_update(
        index_elements=["id"],
        set_={"next_run_time": stmt.excluded.next_run_time, "job_state": stmt.excluded.job_state},
    )
    session.execute(stmt)


def drop_jobs(session: Session, ids: Iterable[str]) -> None:
    wanted = list(ids)
    if wanted:
        session.execute(delete(APSCHEDULER_JOBS).where(APSCHEDULER_JOBS.c.id.in_(wanted)))


def stored_jobs(session: Session, ids: Iterable[str]) -> dict[str, JobSpec]:
    """The jobs stored under `ids` (those that exist), as specs."""
    wanted = list(ids)
    if not wanted:
        return {}
    found: dict[str, JobSpec] = {}
    rows = session.execute(
        select(APSCHEDULER_JOBS.c.id, APSCHEDULER_JOBS.c.job_state).where(
            APSCHEDULER_JOBS.c.id.in_(wanted)
        )
    )
    for job_id, blob in rows:
        state = pickle.loads(blob)  # our own table, written by us or by APScheduler
        run_at = state.get("next_run_time")
        if run_at is None:  # a paused job: keep it comparable, it never matches a wanted one
            run_at = datetime.min.replace(tzinfo=UTC)
        found[job_id] = JobSpec(job_id, state["func"], run_at, tuple(state.get("args", ())))
    return found


@dataclass(frozen=True, slots=True)
class StoredJob:
    """A stored job of any kind, as an operator sees it: `next_run` is None for a paused job;
    `trigger` is APScheduler's description (`date[...]`, `interval[0:05:00]`, `cron[...]`), or
    why the row could not be read."""

    id: str
    func: str
    next_run: datetime | None  # aware
    args: tuple[Any, ...]
    trigger: str
    repeats: bool  # a periodic (interval or cron) job rather than a one-off


def _decode(job_id: str, column_time: float | None, blob: bytes) -> StoredJob:
    column_run = None if column_time is None else datetime.fromtimestamp(column_time, UTC)
    try:
        state = pickle.loads(blob)  # our own table, written by us or by APScheduler
    except Exception as exc:  # a row nobody can run either; list it rather than fail the listing
        return StoredJob(job_id, "?", column_run, (), f"unreadable: {exc!r}", False)
    trigger = state.get("trigger")
    run_at = state.get("next_run_time")
    return StoredJob(
        id=job_id,
        func=str(state.get("func", "?")),
        next_run=run_at if isinstance(run_at, datetime) else None,
        args=tuple(state.get("args", ())),
        trigger=str(trigger),
        repeats=trigger is not None and not isinstance(trigger, DateTrigger),
    )


def all_jobs(session: Session) -> list[StoredJob]:
    """Every stored job, soonest first; paused jobs (no next run) last."""
    rows = session.execute(
        select(
            APSCHEDULER_JOBS.c.id, APSCHEDULER_JOBS.c.next_run_time, APSCHEDULER_JOBS.c.job_state
        )
    )
    found = [_decode(job_id, when, blob) for job_id, when, blob in rows]
    never = datetime.max.replace(tzinfo=UTC)
    return sorted(found, key=lambda j: (j.next_run is None, j.next_run or never, j.id))
