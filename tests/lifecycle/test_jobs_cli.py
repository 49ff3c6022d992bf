"""`postkamer jobs` shows an operator the scheduled work: every stored job (the per-ticket jobs
written in a ticket's transaction and the periodic ones APScheduler wrote itself), soonest
first, in Brussels time, with the ticket each is about; and `postkamer jobs runs` shows the
newest runs from the job run log, with unfinished claims as running."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.job import Job
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.engine import Engine

from postkamer.cli import main
from storage.db import session_scope
from storage.jobstore import JobSpec, drop_jobs, put_jobs
from storage.models import JobRun, Ticket

BXL = ZoneInfo("Europe/Brussels")
REF = "postkamer.scheduler:"


@pytest.fixture
def config(migrated_db_url: str, tmp_path: Path) -> str:
    path = tmp_path / "settings.toml"
    path.write_text(
        f'[database]\nurl = "{migrated_db_url}"\n[storage]\nblobs = "{tmp_path / "blobs"}"\n',
        encoding="utf-8",
    )
    return str(path)


def _ticket(engine: Engine, ref: str) -> int:
    with session_scope(engine) as session:
        ticket = Ticket(ref=ref, queue="cancellation", subject="Opzegging")
        session.add(ticket)
        session.flush()
        assert ticket.id is not None
        return ticket.id


def _aps_jobs(engine: Engine) -> None:
    """Rows exactly as APScheduler's own job store writes them: an interval tick, a cron
    digest and a paused tick (no next run time)."""
    aps = BackgroundScheduler(timezone=BXL)
    store = SQLAlchemyJobStore(engine=engine)
    store.start(aps, "default")

    def add(job_id: str, func: str, trigger: object, next_run: datetime | None, *args: str) -> None:
        store.add_job(
            Job(
                aps,
                id=job_id,
                func=REF + func,
                trigger=trigger,
                executor="default",
                args=args,
                kwargs={},
                name=func,
                misfire_grace_time=None,
                coalesce=True,
                max_instances=1,
                next_run_time=next_run,
            )
        )

    add("tick:sla", "run_sla_tick", IntervalTrigger(minutes=5, timezone=BXL),
        datetime(2025, 11, 10, 10, 5, tzinfo=BXL))  # fmt: skip
    add("digest:els@postkamer.be", "run_digest",
        CronTrigger(day_of_week="mon-fri", hour=8, minute=0, timezone=BXL),
        datetime(2025, 11, 12, 8, 0, tzinfo=BXL), "els@postkamer.be")  # fmt: skip
    add("tick:quarantine", "run_quarantine_tick", IntervalTrigger(minutes=15, timezone=BXL), None)


@pytest.fixture
def scheduled(engine: Engine) -> dict[str, int]:
    a = _ticket(engine, "PK-AAAA11")
    b = _ticket(engine, "PK-BBBB22")
    with session_scope(engine) as session:
        put_jobs(
            session,
            [
                # given in UTC: shown in Brussels time (CET in winter, CEST in summer)
                JobSpec(f"termination:{a}", REF + "run_termination",
                        datetime(2026, 6, 30, 6, 30, tzinfo=UTC), (a, "2026-06-30")),
                JobSpec(f"reminder:{b}", REF + "run_waiting_reminder",
                        datetime(2025, 11, 20, 8, 0, tzinfo=UTC), (b, "2025-11-13T09:00:00")),
                JobSpec(f"autoclose:{b}", REF + "run_auto_close",
                        datetime(2025, 11, 27, 8, 0, tzinfo=UTC), (b, "2025-11-13T09:00:00")),
                JobSpec("autoclose:999999", REF + "run_auto_close",
                        datetime(2025, 11, 25, 8, 0, tzinfo=UTC), (999999, "x")),
            ],
        )  # fmt: skip
    _aps_jobs(engine)
    return {"a": a, "b": b}


def _json(config: str, capsys: pytest.CaptureFixture[str], *argv: str) -> list[dict[str, object]]:
    capsys.readouterr()
    assert main(["--config", config, *argv, "--json"]) == 0
    out: list[dict[str, object]] = json.loads(capsys.readouterr().out)
    return out


def _text(config: str, capsys: pytest.CaptureFixture[str], *argv: str) -> list[str]:
    capsys.readouterr()
    assert main(["--config", config, *argv]) == 0
    return capsys.readouterr().out.splitlines()


def test_lists_every_job_soonest_first_with_ticket_refs(
    config: str, scheduled: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = scheduled["a"], scheduled["b"]
    listed = _json(config, capsys, "jobs")
    assert [j["id"] for j in listed] == [
        "tick:sla",
        "digest:els@postkamer.be",
        f"reminder:{b}",
        "autoclose:999999",
        f"autoclose:{b}",
        f"termination:{a}",
        "tick:quarantine",  # paused: no next run, listed last
    ]
    by_id = {j["id"]: j for j in listed}
    term = by_id[f"termination:{a}"]
    assert term["next_run"] == "2026-06-30T08:30:00+02:00"
    assert term["ticket_ref"] == "PK-AAAA11" and term["ticket_id"] == a
    assert term["func"] == REF + "run_termination" and term["args"] == [a, "2026-06-30"]
    assert term["repeats"] is False
    assert by_id[f"reminder:{b}"]["next_run"] == "2025-11-20T09:00:00+01:00"
    assert by_id[f"reminder:{b}"]["ticket_ref"] == "PK-BBBB22"
    assert by_id["autoclose:999999"]["ticket_ref"] is None  # its ticket is gone
    assert by_id["tick:sla"]["repeats"] is True and by_id["tick:sla"]["ticket_id"] is None
    assert by_id["tick:quarantine"]["paused"] is True
    assert by_id["tick:quarantine"]["next_run"] is None

    lines = _text(config, capsys, "jobs")
    assert lines[0].startswith("NEXT RUN (Europe/Brussels)")
    body = lines[1:]
    assert [line.split()[3] for line in body[:-1]] == [j["id"] for j in listed[:-1]]
    assert body[0].startswith("2025-11-10 10:05 CET") and "run_sla_tick" in body[0]
    assert "interval[0:05:00]" in body[0]
    assert "els@postkamer.be" in body[1] and "cron[" in body[1]
    assert f"reminder:{b}" in body[2] and "PK-BBBB22" in body[2] and body[2].endswith("once")
    assert "ticket 999999 (gone)" in body[3]
    assert body[5].startswith("2026-06-30 08:30 CEST") and "PK-AAAA11" in body[5]
    assert "run_termination" in body[5]
    assert body[6].startswith("paused") and "tick:quarantine" in body[6]


def test_kind_filter_and_list_action(
    config: str, scheduled: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    b = scheduled["b"]
    assert [j["id"] for j in _json(config, capsys, "jobs", "--kind", "autoclose")] == [
        "autoclose:999999",
        f"autoclose:{b}",
    ]
    assert [j["id"] for j in _json(config, capsys, "jobs", "list", "--kind", "tick")] == [
        "tick:sla",
        "tick:quarantine",
    ]
    lines = _text(config, capsys, "jobs", "--kind", "termination")
    assert len(lines) == 2 and "PK-AAAA11" in lines[1]


def test_empty_store_says_so(config: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert _text(config, capsys, "jobs") == ["no scheduled jobs"]
    assert _json(config, capsys, "jobs") == []
    assert _text(config, capsys, "jobs", "runs") == ["no job runs recorded"]


def test_runs_newest_first_with_outcome_and_unfinished_as_running(
    engine: Engine, config: str, capsys: pytest.CaptureFixture[str]
) -> None:
    fired = datetime(2025, 11, 10, 8, 30, tzinfo=UTC)
    long_error = "OperationalError: " + "connection refused " * 20
    with session_scope(engine) as session:
        session.add_all(
            [
                JobRun(job_id="termination:7", run_time=fired, worker="p101",
                       started_at=datetime(2025, 11, 10, 8, 30, 1, tzinfo=UTC),
                       finished_at=datetime(2025, 11, 10, 8, 30, 2, tzinfo=UTC),
                       outcome="ok", result="'terminated'"),
                JobRun(job_id="tick:sla", run_time=fired, worker="p101",
                       started_at=datetime(2025, 11, 10, 8, 31, tzinfo=UTC),
                       finished_at=datetime(2025, 11, 10, 8, 31, 5, tzinfo=UTC),
                       outcome="error", result=long_error),
                JobRun(job_id="reminder:8", run_time=fired, worker="w-b7", attempts=2,
                       started_at=datetime(2025, 11, 10, 8, 32, tzinfo=UTC)),
            ]
        )  # fmt: skip

    runs = _json(config, capsys, "jobs", "runs")
    assert [r["job_id"] for r in runs] == ["reminder:8", "tick:sla", "termination:7"]
    running, failed, done = runs
    assert running["status"] == "running" and running["finished"] is None
    assert running["outcome"] is None and running["attempts"] == 2
    assert running["worker"] == "w-b7"
    assert failed["status"] == "error" and failed["result"] == long_error  # JSON: in full
    assert done["status"] == "ok" and done["result"] == "'terminated'"
    assert done["run_time"] == "2025-11-10T09:30:00+01:00"
    assert done["started"] == "2025-11-10T09:30:01+01:00"
    assert done["finished"] == "2025-11-10T09:30:02+01:00"

    lines = _text(config, capsys, "jobs", "runs")
    assert lines[0].split()[:2] == ["JOB", "FIRE"]
    first, second, third = lines[1:]
    assert first.startswith("reminder:8") and "running" in first and "w-b7" in first
    assert "2025-11-10 09:30 CET" in third and "09:30:02" in third and "'terminated'" in third
    assert "error" in second and "OperationalError: connection refused" in second
    assert long_error not in second and second.endswith("…")  # text: cut short

    assert [r["job_id"] for r in _json(config, capsys, "jobs", "runs", "--job", "tick:")] == [
        "tick:sla"
    ]
    assert [r["job_id"] for r in _json(config, capsys, "jobs", "runs", "--limit", "1")] == [
        "reminder:8"
    ]


def test_jobs_past_their_run_time_are_flagged_as_overdue(
    config: str, engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    """A job long past its run time means no scheduler runs: the listing says so (stderr) and
    marks the job; a job due in the future is not marked."""
    a = _ticket(engine, "PK-LATE01")
    b = _ticket(engine, "PK-SOON02")
    now = datetime.now(UTC)
    with session_scope(engine) as session:
        put_jobs(
            session,
            [
                JobSpec(f"termination:{a}", REF + "run_termination",
                        now - timedelta(hours=3), (a, "2026-01-31")),
                JobSpec(f"termination:{b}", REF + "run_termination",
                        now + timedelta(days=3), (b, "2026-12-31")),
            ],
        )  # fmt: skip
    capsys.readouterr()
    assert main(["--config", config, "jobs", "--json"]) == 0
    captured = capsys.readouterr()
    listed = {j["id"]: j["overdue"] for j in json.loads(captured.out)}
    assert listed == {f"termination:{a}": True, f"termination:{b}": False}
    assert "1 job(s) past their run time" in captured.err
    capsys.readouterr()
    with session_scope(engine) as session:  # the late one ran: nothing is flagged any more
        drop_jobs(session, [f"termination:{a}"])
    assert main(["--config", config, "jobs"]) == 0
    assert capsys.readouterr().err == ""
