"""The job run log: each run of a scheduled job, claimed before its body runs.

`claim_run` inserts a `job_run` row for (job id, fire time); the unique constraint lets only
one process win, so a fire time runs once across all processes even if two schedulers ever
believed they led. A claim left unfinished by a worker that is gone (killed in the middle of
the job: its transaction was rolled back) is taken over by the next claimer, with `attempts`
counting up. `finish_run` records the outcome. `prune_runs` keeps the log bounded.

Used by `postkamer.scheduler` (its executor claims and finishes every run) and read by
`postkamer jobs` and the tests of the scale-out and restart guarantees.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import delete, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from storage.models import JobRun

MAX_RESULT = 2000


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def claim_run(
    engine: Engine,
    job_id: str,
    run_time: datetime,
    worker: str,
    now: datetime,
    alive: Callable[[str], bool],
) -> int | None:
    """Claim the run of `job_id` for `run_time`; the run's id, or None when it is someone
    else's (finished, or running in a live worker)."""
    run_time = _utc(run_time)
    with Session(engine) as session:
        row = JobRun(job_id=job_id, run_time=run_time, worker=worker, started_at=now)
        session.add(row)
        try:
            session.commit()
            assert row.id is not None
            return row.id
        except IntegrityError:
            session.rollback()
        existing = session.exec(
            select(JobRun).where(col(JobRun.job_id) == job_id, col(JobRun.run_time) == run_time)
        ).first()
        if existing is None or existing.finished_at is not None:
            return None
        old = existing.worker
        if old == worker or alive(old):
            return None
        taken = session.execute(
            update(JobRun)
            .where(
                col(JobRun.id) == existing.id,
                col(JobRun.worker) == old,
                col(JobRun.finished_at).is_(None),
            )
            .values(worker=worker, started_at=now, attempts=JobRun.attempts + 1)
        )
        session.commit()
        return existing.id if taken.rowcount == 1 else None  # type: ignore[attr-defined]


def finish_run(engine: Engine, run_id: int, outcome: str, result: str, now: datetime) -> None:
    with Session(engine) as session:
        session.execute(
            update(JobRun)
            .where(col(JobRun.id) == run_id)
            .values(finished_at=now, outcome=outcome, result=result[:MAX_RESULT])
        )
        session.commit()


def prune_runs(session: Session, before: datetime) -> int:
    """Forget finished runs that started before `before`; returns how many."""
    done = session.execute(
        delete(JobRun).where(
            col(JobRun.started_at) < before, col(JobRun.finished_at).is_not(None)
        )
    )
    return int(done.rowcount)  # type: ignore[attr-defined]


def recent_runs(session: Session, limit: int = 50, job_prefix: str | None = None) -> list[JobRun]:
    stmt = select(JobRun).order_by(col(JobRun.started_at).desc(), col(JobRun.id).desc())
    if job_prefix:
        stmt = stmt.where(col(JobRun.job_id).startswith(job_prefix))
    return list(session.exec(stmt.limit(limit)))
