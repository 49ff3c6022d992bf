"""`postkamer jobs [list] [--kind KIND] [--json]` and `postkamer jobs runs [--limit N]
[--job PREFIX] [--json]`: the scheduled work an operator checks. `list` (the default) shows
every stored job, soonest first, with its next run in the desk's time zone, its function and,
for a per-ticket job, the ticket's reference; `runs` shows the newest entries of the job run
log (who ran what for which fire time, how often it was tried, and how it ended).

Read-only: it reads the scheduler's job store (`storage.jobstore.all_jobs`) and the job run
log (`storage.jobruns.recent_runs`); the jobs themselves are run by the leader's scheduler in
`postkamer run`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from postkamer import ticketjobs
from postkamer.service import open_engine
from postkamer.settings import Settings
from storage import jobruns
from storage.db import session_scope
from storage.jobstore import StoredJob, all_jobs
from storage.models import JobRun, Ticket

KINDS = (ticketjobs.TERMINATION, ticketjobs.REMINDER, ticketjobs.AUTOCLOSE, "digest", "tick")
RESULT_WIDTH = 60  # text mode cuts a run's result to this many characters


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "jobs",
        help="scheduled jobs and the log of their runs",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
    )
    _list_options(parser, None, False)
    parser.set_defaults(func=run_list)
    sub = parser.add_subparsers(dest="action", metavar="ACTION")
    lst = sub.add_parser("list", help="every stored job, soonest first (the default)")
    # SUPPRESS: an option given before the action is not reset by the action's default
    _list_options(lst, argparse.SUPPRESS, argparse.SUPPRESS)
    lst.set_defaults(func=run_list)
    runs = sub.add_parser("runs", help="the newest runs from the job run log")
    runs.add_argument(
        "--limit", type=_positive, default=50, metavar="N", help="how many runs (default 50)"
    )
    runs.add_argument("--job", metavar="PREFIX", help="only job ids starting with PREFIX")
    runs.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print JSON")
    runs.set_defaults(func=run_runs)


def _list_options(parser: argparse.ArgumentParser, kind_default: Any, json_default: Any) -> None:
    parser.add_argument(
        "--kind", choices=KINDS, default=kind_default, help="only jobs of this kind"
    )
    parser.add_argument("--json", action="store_true", default=json_default, help="print JSON")


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


# --- values -------------------------------------------------------------------------------------


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _iso(moment: datetime | None, tz: ZoneInfo) -> str | None:
    return None if moment is None else _aware(moment).astimezone(tz).isoformat(timespec="seconds")


def _readable(moment: datetime | None, tz: ZoneInfo, seconds: bool = False) -> str:
    if moment is None:
        return "-"
    fmt = "%Y-%m-%d %H:%M:%S %Z" if seconds else "%Y-%m-%d %H:%M %Z"
    return _aware(moment).astimezone(tz).strftime(fmt)


def _ticket_id(job_id: str) -> int | None:
    kind, _, subject = job_id.partition(":")
    return int(subject) if kind in ticketjobs.KINDS and subject.isdigit() else None


def _refs(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.exec(select(Ticket.id, Ticket.ref).where(col(Ticket.id).in_(sorted(ids))))
    return {ticket_id: ref for ticket_id, ref in rows if ticket_id is not None}


@dataclass(frozen=True)
class JobView:
    """One stored job with the ticket it is about (per-ticket jobs)."""

    job: StoredJob
    ticket_id: int | None
    ticket_ref: str | None

    @property
    def kind(self) -> str:
        return self.job.id.partition(":")[0]

    def about(self) -> str:
        if self.ticket_id is not None:
            return self.ticket_ref or f"ticket {self.ticket_id} (gone)"
        return self.job.id.partition(":")[2] if self.kind == "digest" else ""

    def overdue(self, now: datetime, grace: timedelta) -> bool:
        """Past its run time by more than `grace`: no scheduler has been running it."""
        run = self.job.next_run
        return run is not None and _aware(run) < now - grace

    def to_json(self, tz: ZoneInfo, now: datetime, grace: timedelta) -> dict[str, Any]:
        j = self.job
        return {
            "id": j.id,
            "kind": self.kind,
            "next_run": _iso(j.next_run, tz),
            "overdue": self.overdue(now, grace),
            "paused": j.next_run is None,
            "func": j.func,
            "args": [a if isinstance(a, str | int | float | bool) else repr(a) for a in j.args],
            "trigger": j.trigger,
            "repeats": j.repeats,
            "ticket_id": self.ticket_id,
            "ticket_ref": self.ticket_ref,
        }


def job_views(session: Session, kind: str | None = None) -> list[JobView]:
    """The stored jobs (of `kind`, if given), soonest first, paused last."""
    jobs = [j for j in all_jobs(session) if kind is None or j.id.partition(":")[0] == kind]
    refs = _refs(session, {t for t in (_ticket_id(j.id) for j in jobs) if t is not None})
    views = []
    for j in jobs:
        ticket_id = _ticket_id(j.id)
        views.append(JobView(j, ticket_id, refs.get(ticket_id) if ticket_id is not None else None))
    return views


def _status(run: JobRun) -> str:
    return "running" if run.finished_at is None else (run.outcome or "?")


def run_json(run: JobRun, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "id": run.id,
        "job_id": run.job_id,
        "run_time": _iso(run.run_time, tz),
        "worker": run.worker,
        "attempts": run.attempts,
        "started": _iso(run.started_at, tz),
        "finished": _iso(run.finished_at, tz),
        "status": _status(run),  # ok | error | running (claimed, not finished)
        "outcome": run.outcome,
        "result": run.result,
    }


# --- output -------------------------------------------------------------------------------------


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return [
        "  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip()
        for r in [header, *rows]
    ]


def _short(text: str | None) -> str:
    if not text:
        return ""
    flat = " ".join(text.split())
    return flat if len(flat) <= RESULT_WIDTH else flat[: RESULT_WIDTH - 1] + "…"


def _open(settings: Settings) -> tuple[Any, ZoneInfo]:
    return open_engine(settings), ZoneInfo(settings.sla.timezone)


def overdue_grace(settings: Settings) -> timedelta:
    """How late a job may be before it counts as overdue: the leader picks up jobs other
    processes wrote at its next wake-up (at most `outbox_seconds`), twice that and a minute."""
    return timedelta(seconds=2 * settings.scheduler.outbox_seconds + 60)


def run_list(args: argparse.Namespace, settings_loader: Callable[[], Settings]) -> int:
    settings = settings_loader()
    engine, tz = _open(settings)
    grace, now = overdue_grace(settings), datetime.now(UTC)
    try:
        with session_scope(engine) as session:
            views = job_views(session, args.kind)
    finally:
        engine.dispose()
    late = [v for v in views if v.overdue(now, grace)]
    if late:
        print(
            f"warning: {len(late)} job(s) past their run time by more than "
            f"{int(grace.total_seconds())} s: no scheduler seems to run them "
            "(a `postkamer run` process with [scheduler] enabled runs them)",
            file=sys.stderr,
        )
    if args.json:
        print(json.dumps([v.to_json(tz, now, grace) for v in views]))
        return 0
    if not views:
        print("no scheduled jobs" + (f" of kind {args.kind}" if args.kind else ""))
        return 0
    rows = [
        (
            _readable(v.job.next_run, tz) if v.job.next_run is not None else "paused",
            v.job.id,
            v.job.func.rsplit(":", 1)[-1],
            v.about(),
            v.job.trigger if v.job.repeats else "once",
        )
        for v in views
    ]
    for line in _table((f"NEXT RUN ({tz.key})", "JOB", "FUNCTION", "FOR", "SCHEDULE"), rows):
        print(line)
    return 0


def run_runs(args: argparse.Namespace, settings_loader: Callable[[], Settings]) -> int:
    engine, tz = _open(settings_loader())
    try:
        with session_scope(engine) as session:
            runs = jobruns.recent_runs(session, args.limit, args.job)
            if args.json:
                print(json.dumps([run_json(r, tz) for r in runs]))
                return 0
            rows = [
                (
                    r.job_id,
                    _readable(r.run_time, tz),
                    _readable(r.started_at, tz, seconds=True),
                    _readable(r.finished_at, tz, seconds=True),
                    r.worker,
                    str(r.attempts),
                    _status(r),
                    _short(r.result),
                )
                for r in runs
            ]
    finally:
        engine.dispose()
    if not rows:
        print("no job runs recorded" + (f" for {args.job}*" if args.job else ""))
        return 0
    header = (
        "JOB",
        f"FIRE TIME ({tz.key})",
        "STARTED",
        "FINISHED",
        "WORKER",
        "TRIES",
        "OUTCOME",
        "RESULT",
    )
    for line in _table(header, rows):
        print(line)
    return 0
