"""Health report: is the database reachable, which mailboxes poll and which credentials work.

`PollTracker` is told by the poller about each successful or failed poll (in memory, per
process); `collect_health` combines it with the database (reachability, outbox depth,
quarantine, the mailbox checkpoints as a fallback for the last successful poll) and the
credential health from `intake.sources.oauth`. The result is a `HealthReport` dataclass and
its JSON (`health_json`); the web app serves it (this module exposes nothing over HTTP).

Status: `failing` when the database is unreachable or a mailbox cannot poll (its credential
fails, or it has not polled successfully for `stale_after`); `degraded` when a credential is
about to expire or replies are stuck (`unknown`/`failed` outbox rows); else `ok`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from intake.sources.oauth import CredentialHealth
from outbound.outbox import aware
from storage.models import LedgerEntry, MailboxState, OutboxRow

Status = Literal["ok", "degraded", "failing"]
MailboxStatus = Literal["ok", "stale", "failing", "unknown"]


@dataclass(frozen=True, slots=True)
class PollRecord:
    last_success_at: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None


class PollTracker:
    """What the pollers of this process saw, per mailbox. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: dict[str, PollRecord] = {}

    def success(self, mailbox: str, at: datetime) -> None:
        with self._lock:
            old = self._records.get(mailbox, PollRecord())
            self._records[mailbox] = PollRecord(at, old.last_error, old.last_error_at)

    def failure(self, mailbox: str, at: datetime, error: str) -> None:
        with self._lock:
            old = self._records.get(mailbox, PollRecord())
            self._records[mailbox] = PollRecord(old.last_success_at, error[:300], at)

    def snapshot(self) -> dict[str, PollRecord]:
        with self._lock:
            return dict(self._records)


@dataclass(frozen=True, slots=True)
class MailboxHealth:
    name: str
    status: MailboxStatus
    last_success_at: datetime | None
    seconds_since_success: float | None
    last_error: str | None
    last_error_at: datetime | None
    credential: CredentialHealth | None


@dataclass(frozen=True, slots=True)
class HealthReport:
    status: Status
    checked_at: datetime
    database_reachable: bool
    database_error: str | None
    outbox: dict[str, int] = field(default_factory=dict)
    quarantined: int = 0
    mailboxes: list[MailboxHealth] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["mailboxes"] = [
            dict(
                asdict(m),
                credential=m.credential.to_dict() if m.credential is not None else None,
            )
            for m in self.mailboxes
        ]
        return _iso(data)  # type: ignore[no-any-return]


def _iso(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _iso(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_iso(v) for v in value]
    return value


def collect_health(
    engine: Engine,
    mailboxes: Sequence[str],
    now: datetime,
    *,
    tracker: PollTracker | None = None,
    credentials: Mapping[str, CredentialHealth] | None = None,
    stale_after: timedelta = timedelta(minutes=15),
) -> HealthReport:
    """The health of the service as seen from this process at `now`."""
    credentials = credentials or {}
    polls = tracker.snapshot() if tracker is not None else {}
    outbox: dict[str, int] = {}
    quarantined = 0
    checkpoints: dict[str, datetime] = {}
    db_error: str | None = None
    try:
        with Session(engine) as session:
            for state, n in session.exec(
                select(OutboxRow.state, func.count()).group_by(col(OutboxRow.state))
            ):
                outbox[str(state)] = int(n)
            quarantined = int(
                session.exec(
                    select(func.count()).where(col(LedgerEntry.state) == "quarantined")
                ).one()
            )
            for row in session.exec(select(MailboxState)):
                checkpoints[row.name] = aware(row.updated_at)
    except Exception as exc:  # any failure to talk to the database is the finding itself
        db_error = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"

    boxes = []
    for name in mailboxes:
        poll = polls.get(name, PollRecord())
        last = poll.last_success_at or checkpoints.get(name)
        since = (now - last).total_seconds() if last is not None else None
        cred = credentials.get(name)
        status: MailboxStatus
        if cred is not None and cred.state == "failing":
            status = "failing"
        elif last is None:
            status = "failing" if poll.last_error else "unknown"
        elif since is not None and since > stale_after.total_seconds():
            status = "failing" if poll.last_error else "stale"
        else:
            status = "ok"
        boxes.append(
            MailboxHealth(name, status, last, since, poll.last_error, poll.last_error_at, cred)
        )

    overall: Status = "ok"
    stuck = outbox.get("unknown", 0) + outbox.get("failed", 0)
    if any(b.status in ("stale", "unknown") for b in boxes) or stuck:
        overall = "degraded"
    if any(c.state == "expiring" for c in credentials.values()):
        overall = "degraded"
    if db_error is not None or any(b.status == "failing" for b in boxes):
        overall = "failing"
    return HealthReport(
        status=overall,
        checked_at=now,
        database_reachable=db_error is None,
        database_error=db_error,
        outbox=outbox,
        quarantined=quarantined,
        mailboxes=boxes,
    )


def health_json(report: HealthReport) -> str:
    """The report as JSON (what the web app's health endpoint returns)."""
    return json.dumps(report.to_dict(), sort_keys=True)
