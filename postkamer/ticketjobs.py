"""Which scheduled jobs a ticket needs, kept in step with the ticket inside its own transaction.

A ticket's jobs follow from what is recorded about it:

- waiting on the customer since T: a reminder after N business days (unless already sent for
  that waiting period) and an automatic close after M (`[lifecycle]`);
- an accepted cancellation with an effective date, not withdrawn and not yet in effect: the
  termination job at that day's opening time (Europe/Brussels).

`wanted_jobs` computes them from plain values (pure). `jobs_for_new_ticket` is the fast path
for processing (a new ticket has no history: no reads), `sync_ticket_jobs` brings a changed
ticket's stored jobs in line (follow-ups, web actions, the job bodies, reconcile) and writes
the difference with `storage.jobstore` in the caller's session. So a job is scheduled in the
transaction that accepts the cancellation or starts the waiting period, whichever process
does it, and removed in the one that withdraws it or gets the customer's answer; the leader's
scheduler (`postkamer.scheduler`) runs it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlmodel import Session, col, select

from outbound.outbox import aware
from postkamer import lifecycle as lc
from postkamer.lifecycle import LifecycleConfig
from postkamer.sla import BusinessCalendar, SlaConfig
from storage.jobstore import JobSpec, drop_jobs, put_jobs, stored_jobs
from storage.models import Event, Ticket

REF = "postkamer.scheduler:"
REMINDER, AUTOCLOSE, TERMINATION = "reminder", "autoclose", "termination"
KINDS = (REMINDER, AUTOCLOSE, TERMINATION)
_FUNCS = {
    REMINDER: REF + "run_waiting_reminder",
    AUTOCLOSE: REF + "run_auto_close",
    TERMINATION: REF + "run_termination",
}


def job_id(kind: str, ticket_id: int) -> str:
    return f"{kind}:{ticket_id}"


def ticket_job_ids(ticket_id: int) -> list[str]:
    return [job_id(kind, ticket_id) for kind in KINDS]


@dataclass(frozen=True)
class TicketJobRules:
    """The calendar and periods the per-ticket jobs are placed with."""

    calendar: BusinessCalendar
    reminder_business_days: int
    close_after_business_days: int

    @classmethod
    def from_configs(cls, sla: SlaConfig, lifecycle: LifecycleConfig) -> TicketJobRules:
        return cls(
            calendar=sla.calendar,
            reminder_business_days=lifecycle.reminder_business_days,
            close_after_business_days=lifecycle.close_after_business_days,
        )

    @classmethod
    def default(cls) -> TicketJobRules:
        return cls.from_configs(SlaConfig(), LifecycleConfig())

    def reminder_at(self, since: datetime) -> datetime:
        return self.calendar.add_business_days(since, self.reminder_business_days)

    def close_at(self, since: datetime) -> datetime:
        return self.calendar.add_business_days(since, self.close_after_business_days)

    def termination_at(self, effective: date) -> datetime:
        """The effective date's opening time: the termination is recorded at a working moment
        of the day it takes effect."""
        return datetime.combine(effective, self.calendar.opens, tzinfo=self.calendar.tz)


@dataclass(frozen=True, slots=True)
class TicketFacts:
    """What the jobs of one ticket depend on."""

    ticket_id: int
    status: str
    policy: Mapping[str, Any]
    waiting_since: datetime | None = None  # start of the current waiting period
    reminded: bool = False  # the reminder of this waiting period went out
    withdrawn: bool = False
    terminated: bool = False  # the termination took effect


def wanted_jobs(facts: TicketFacts, rules: TicketJobRules) -> list[JobSpec]:
    """The jobs the ticket should have now (pure)."""
    out: list[JobSpec] = []
    tid = facts.ticket_id
    if facts.status == lc.WAITING and facts.waiting_since is not None:
        since = facts.waiting_since
        args = (tid, since.isoformat())
        if not facts.reminded:
            out.append(
                JobSpec(job_id(REMINDER, tid), _FUNCS[REMINDER], rules.reminder_at(since), args)
            )
        out.append(JobSpec(job_id(AUTOCLOSE, tid), _FUNCS[AUTOCLOSE], rules.close_at(since), args))
    effective = effective_date(facts.policy)
    if effective is not None and not facts.withdrawn and not facts.terminated:
        out.append(
            JobSpec(
                job_id(TERMINATION, tid),
                _FUNCS[TERMINATION],
                rules.termination_at(effective),
                (tid, effective.isoformat()),
            )
        )
    return out


def effective_date(policy: Mapping[str, Any] | None) -> date | None:
    """The effective date of an accepted cancellation, else None."""
    if not policy or policy.get("outcome") != "accepted" or not policy.get("effective_date"):
        return None
    try:
        return date.fromisoformat(str(policy["effective_date"]))
    except ValueError:
        return None


def status_after(event: Event) -> str | None:
    """The status an audit event put the ticket in, if it is a status change."""
    data = event.data or {}
    if event.kind == "status":
        to = data.get("to")
        return str(to) if to else None
    if event.kind in ("followup", "created"):
        status = data.get("status")
        if isinstance(status, list) and len(status) == 2:
            return str(status[1])
        if isinstance(status, str):
            return status
    return None


def waiting_since(
    events: Iterable[Event], status: str, created_at: datetime
) -> datetime | None:
    """When the current waiting period started: the last change into `waiting_on_customer`
    (a customer's follow-up that leaves the ticket waiting starts a new period). A ticket
    created waiting and never changed since waits from its creation."""
    if status != lc.WAITING:
        return None
    since, before = created_at, None
    for event in events:
        to = status_after(event)
        if to is None:
            continue
        if to == lc.WAITING and (before != lc.WAITING or event.kind == "followup"):
            since = event.at
        before = to
    return _aware(since)


def _aware(moment: datetime) -> datetime:
    """In UTC: the moment a waiting period started is compared and written as UTC."""
    return aware(moment).astimezone(UTC)


def same_moment(text: object, moment: datetime) -> bool:
    """Whether an ISO timestamp written in an event (`reminder_sent.since`) is `moment`."""
    try:
        return _aware(datetime.fromisoformat(str(text))) == _aware(moment)
    except ValueError:
        return False


def ticket_facts(session: Session, ticket: Ticket) -> TicketFacts:
    """Read what the ticket's jobs depend on (its events, in order)."""
    assert ticket.id is not None
    events = list(
        session.exec(
            select(Event).where(col(Event.ticket_id) == ticket.id).order_by(col(Event.id))
        )
    )
    since = waiting_since(events, ticket.status, ticket.created_at)
    kinds = {e.kind for e in events}
    return TicketFacts(
        ticket_id=ticket.id,
        status=ticket.status,
        policy=dict(ticket.policy or {}),
        waiting_since=since,
        reminded=since is not None
        and any(
            e.kind == "reminder_sent" and same_moment((e.data or {}).get("since"), since)
            for e in events
        ),
        withdrawn="withdrawn" in kinds,
        terminated="termination_effective" in kinds,
    )


@dataclass(frozen=True, slots=True)
class JobChanges:
    put: tuple[JobSpec, ...] = ()
    dropped: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.put or self.dropped)


def plan_changes(
    wanted: Sequence[JobSpec], stored: Mapping[str, JobSpec], candidates: Iterable[str]
) -> JobChanges:
    """What to write so that the stored jobs among `candidates` become `wanted` (pure)."""
    want = {spec.id: spec for spec in wanted}
    put = tuple(s for s in wanted if stored.get(s.id) != s)
    dropped = tuple(i for i in candidates if i in stored and i not in want)
    return JobChanges(put, dropped)


def jobs_for_new_ticket(
    session: Session,
    ticket_id: int,
    status: str,
    policy: Mapping[str, Any] | None,
    created_at: datetime,
    rules: TicketJobRules,
) -> list[JobSpec]:
    """Schedule what a just-created ticket needs (no reads: it has no history yet)."""
    facts = TicketFacts(
        ticket_id=ticket_id,
        status=status,
        policy=dict(policy or {}),
        waiting_since=_aware(created_at) if status == lc.WAITING else None,
    )
    specs = wanted_jobs(facts, rules)
    put_jobs(session, specs)
    return specs


def sync_ticket_jobs(session: Session, ticket: Ticket, rules: TicketJobRules) -> JobChanges:
    """Bring the ticket's stored jobs in line with the ticket, in the caller's transaction.
    Pending ORM changes are flushed first so the events just added count."""
    assert ticket.id is not None
    session.flush()
    wanted = wanted_jobs(ticket_facts(session, ticket), rules)
    candidates = ticket_job_ids(ticket.id)
    changes = plan_changes(wanted, stored_jobs(session, candidates), candidates)
    put_jobs(session, changes.put)
    drop_jobs(session, changes.dropped)
    return changes
