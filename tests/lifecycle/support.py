"""Helpers for the scheduled-work tests: a job runtime on an injected clock, tickets and users."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from outbound.replies import ReplyConfig
from outbound.templates import TemplateSet
from postkamer.clock import ManualClock
from postkamer.jobs import JobRuntime
from storage.db import session_scope
from storage.jobstore import JobSpec
from storage.models import Event, OutboxRow, Ticket, User

REPO = Path(__file__).resolve().parents[2]
_refs = itertools.count(1)
_templates: TemplateSet | None = None


def templates() -> TemplateSet:
    global _templates
    if _templates is None:
        _templates = TemplateSet.load(REPO / "templates")
    return _templates


def make_runtime(engine: Engine, start: datetime, **kwargs: Any) -> tuple[JobRuntime, ManualClock]:
    clock = ManualClock(start)
    rt = JobRuntime(
        engine=engine, clock=clock, templates=templates(), replies=ReplyConfig(), **kwargs
    )
    return rt, clock


def make_ticket(
    engine: Engine,
    *,
    status: str,
    at: datetime,
    queue: str = "cancellation",
    policy: dict[str, Any] | None = None,
    waiting_since: datetime | None = None,
) -> int:
    with session_scope(engine) as session:
        ticket = Ticket(
            ref=f"PK-T{next(_refs):05d}",
            queue=queue,
            status=status,
            subject="Opzegging licentie",
            requester_email="klant@example.be",
            requester_name="An Peeters",
            language="nl",
            contract_numbers=["ML2024001"],
            policy=policy,
            created_at=at,
            updated_at=at,
        )
        session.add(ticket)
        session.flush()
        assert ticket.id is not None
        if waiting_since is not None:
            session.add(
                Event(
                    ticket_id=ticket.id,
                    kind="status",
                    at=waiting_since,
                    data={"from": "new", "to": "waiting_on_customer"},
                )
            )
        return ticket.id


def add_user(
    engine: Engine, email: str, role: str = "owner", queues: list[str] | None = None
) -> None:
    with session_scope(engine) as session:
        session.add(User(email=email, password_hash="x", role=role, queues=queues or []))


def outbox(engine: Engine, ticket_id: int | None = None) -> list[OutboxRow]:
    with Session(engine) as session:
        stmt = select(OutboxRow).order_by(col(OutboxRow.id))
        if ticket_id is not None:
            stmt = stmt.where(col(OutboxRow.ticket_id) == ticket_id)
        return list(session.exec(stmt))


def events(engine: Engine, ticket_id: int | None, kind: str) -> list[Event]:
    with Session(engine) as session:
        stmt = select(Event).where(col(Event.kind) == kind).order_by(col(Event.id))
        if ticket_id is not None:
            stmt = stmt.where(col(Event.ticket_id) == ticket_id)
        return list(session.exec(stmt))


def status_of(engine: Engine, ticket_id: int) -> str:
    with Session(engine) as session:
        ticket = session.get(Ticket, ticket_id)
        assert ticket is not None
        return ticket.status


def wait_for(predicate: Callable[[], bool], seconds: float = 10.0) -> bool:
    """Poll `predicate` until it holds or `seconds` pass (real scheduler threads run)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def termination_job(ticket_id: int, run_at: datetime, effective: str = "2025-12-31") -> JobSpec:
    """The job row a processing transaction writes for an accepted cancellation."""
    return JobSpec(
        f"termination:{ticket_id}",
        "postkamer.scheduler:run_termination",
        run_at,
        (ticket_id, effective),
    )
