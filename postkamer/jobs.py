"""Scheduled work on tickets: the job bodies that `postkamer.scheduler` runs.

Each job takes explicit arguments (a ticket id, the start of a waiting period, an owner), does
its database work in one transaction and is idempotent: running it twice leaves the same
result, because it first checks the ticket's state and the events already recorded (a
reminder carries the waiting period it belongs to; a termination, digest or SLA alert is
recorded once). Time comes from the runtime's clock, so tests move it instead of sleeping.
Replies go to the outbox (`outbound.replies`), from where `outbound.sender` delivers them.

- `waiting_reminder` / `auto_close`: a ticket waiting on the customer gets a reminder after N
  business days and is closed after M (both skipped once the customer answered).
- `termination_effective`: on an accepted cancellation's effective date, record it, tell the
  customer and close the ticket (never after a withdrawal).
- `sla_tick`: warnings and breaches of the first-response and resolution clocks, recorded at
  once and mailed to queue owners / supervisors only when notifications are allowed.
- `digest`: the daily mail to a queue owner (active, due soon, breached).
- `outbox_tick` and `quarantine_tick`: delivery and retry with backoff.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from typing import Any

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from outbound.outbox import aware, queue_reply
from outbound.replies import Facts, ReplyConfig, queue_template_reply
from outbound.sender import DeliverySummary, deliver_due
from outbound.templates import TemplateSet
from outbound.transport import Transport
from postkamer import lifecycle as lc
from postkamer import ticketjobs as tj
from postkamer.clock import Clock
from postkamer.credential_alerts import staff_mail
from postkamer.sla import SlaConfig, SlaStatus, sla_status
from postkamer.ticketjobs import TicketJobRules
from storage.db import is_postgresql, session_scope
from storage.models import Event, LedgerEntry, OutboxRow, Ticket, User

log = logging.getLogger(__name__)

ACTOR = "scheduler"
WAITING_FOR = {
    "needs_destruction_confirmation": "destruction_confirmation",
    "needs_contract_number": "contract_number",
    "unknown_contract": "contract_check",
    "awaiting_sender_confirmation": "sender_confirmation",
}


@dataclass
class QuarantineRetry:
    """Backoff of `quarantine retry`: base * 2^(attempts-1), capped, at most `max_attempts`."""

    base: timedelta = timedelta(minutes=5)
    cap: timedelta = timedelta(hours=24)
    max_attempts: int = 6

    def due_at(self, last_attempt: datetime, attempts: int) -> datetime:
        step: timedelta = self.base * (2 ** max(0, min(attempts - 1, 20)))
        return last_attempt + min(step, self.cap)


@dataclass
class JobRuntime:
    """What the jobs need besides their arguments; set once per process (`set_runtime`)."""

    engine: Engine
    clock: Clock
    templates: TemplateSet
    replies: ReplyConfig
    sla: SlaConfig = field(default_factory=SlaConfig)
    lifecycle: lc.LifecycleConfig = field(default_factory=lc.LifecycleConfig)
    transport_factory: Callable[[], Transport] | None = None
    reprocess: Callable[[int], object] | None = None  # ledger id -> re-run processing
    quarantine_retry: QuarantineRetry = field(default_factory=QuarantineRetry)

    @property
    def ticket_jobs(self) -> TicketJobRules:
        return TicketJobRules.from_configs(self.sla, self.lifecycle)


_runtime: JobRuntime | None = None


def set_runtime(runtime: JobRuntime | None) -> None:
    global _runtime
    _runtime = runtime


def runtime() -> JobRuntime:
    if _runtime is None:
        raise RuntimeError("no job runtime: start the scheduler with one (set_runtime)")
    return _runtime


# --- helpers ------------------------------------------------------------------------------------


def _lock_ticket(session: Session, engine: Engine, ticket_id: int) -> Ticket | None:
    stmt = select(Ticket).where(col(Ticket.id) == ticket_id)
    if is_postgresql(engine):
        stmt = stmt.with_for_update()
    return session.exec(stmt).first()


def _events(session: Session, ticket_id: int | None, *kinds: str) -> list[Event]:
    stmt = select(Event).where(col(Event.kind).in_(kinds)).order_by(col(Event.id))
    stmt = stmt.where(col(Event.ticket_id) == ticket_id) if ticket_id is not None else stmt
    return list(session.exec(stmt))


def _apply(
    session: Session, ticket: Ticket, change: lc.Change | lc.Assignment, now: datetime
) -> None:
    for event in change.events:
        session.add(event.row(ticket.id, now))
    ticket.status = change.state
    ticket.updated_at = now
    session.add(ticket)


def waiting_since(session: Session, ticket: Ticket) -> datetime | None:
    """When the ticket's current waiting period started (None: it is not waiting)."""
    if ticket.id is None:
        return None
    events = _events(session, ticket.id, "status", "followup", "created")
    return tj.waiting_since(events, ticket.status, ticket.created_at)


def _same_period(session: Session, ticket: Ticket, since: datetime) -> bool:
    if ticket.status != lc.WAITING or ticket.id is None:
        return False
    current = waiting_since(session, ticket)
    return current is None or abs(current - since) < timedelta(seconds=1)


def _policy(ticket: Ticket) -> dict[str, Any]:
    return dict(ticket.policy or {})


def _contract(ticket: Ticket) -> str | None:
    number = _policy(ticket).get("contract_number")
    if isinstance(number, str) and number:
        return number
    return ticket.contract_numbers[0] if ticket.contract_numbers else None


# --- waiting on the customer ----------------------------------------------------------------------


def reminder_at(rt: JobRuntime, since: datetime) -> datetime:
    return rt.ticket_jobs.reminder_at(since)


def close_at(rt: JobRuntime, since: datetime) -> datetime:
    return rt.ticket_jobs.close_at(since)


def waiting_reminder(rt: JobRuntime, ticket_id: int, since: datetime) -> str:
    """Remind the customer we still wait for them (once per waiting period)."""
    now = rt.clock.now()
    with session_scope(rt.engine) as session:
        ticket = _lock_ticket(session, rt.engine, ticket_id)
        if ticket is None:
            return "skipped:missing"
        if not _same_period(session, ticket, since):
            return "skipped:not_waiting"
        key = since.isoformat()
        sent = _events(session, ticket_id, "reminder_sent")
        if any(tj.same_moment(e.data.get("since"), since) for e in sent):
            return "skipped:done"
        days = (close_at(rt, since).date() - rt.sla.calendar.local(now).date()).days
        queued = queue_template_reply(
            session,
            rt.templates,
            rt.replies,
            ticket=ticket,
            template="lifecycle/reminder",
            now=now,
            facts=Facts(
                waiting_for=WAITING_FOR.get(str(_policy(ticket).get("outcome"))),
                close_after_days=max(days, 1),
            ),
        )
        session.add(
            Event(
                ticket_id=ticket_id,
                kind="reminder_sent",
                actor=ACTOR,
                at=now,
                data={"since": key, "outbox_id": queued.row.id if queued.row else None},
            )
        )
        tj.sync_ticket_jobs(session, ticket, rt.ticket_jobs)
        return "done"


def auto_close(rt: JobRuntime, ticket_id: int, since: datetime) -> str:
    """Close a ticket whose customer never answered; tell them how to continue."""
    now = rt.clock.now()
    with session_scope(rt.engine) as session:
        ticket = _lock_ticket(session, rt.engine, ticket_id)
        if ticket is None:
            return "skipped:missing"
        if not _same_period(session, ticket, since):
            return "skipped:not_waiting"
        _apply(
            session,
            ticket,
            lc.transition(ticket.status, lc.CLOSED, actor=ACTOR, reason="no_response"),
            now,
        )
        queue_template_reply(
            session,
            rt.templates,
            rt.replies,
            ticket=ticket,
            template="lifecycle/closed",
            now=now,
            facts=Facts(closed_reason="no_response"),
        )
        tj.sync_ticket_jobs(session, ticket, rt.ticket_jobs)
        return "done"


# --- cancellations --------------------------------------------------------------------------------


def termination_effective(rt: JobRuntime, ticket_id: int, effective: date) -> str:
    """The accepted termination takes effect today: record it, confirm it, close the ticket."""
    now = rt.clock.now()
    with session_scope(rt.engine) as session:
        ticket = _lock_ticket(session, rt.engine, ticket_id)
        if ticket is None:
            return "skipped:missing"
        if _events(session, ticket_id, "withdrawn"):
            return "skipped:withdrawn"
        if _events(session, ticket_id, "termination_effective"):
            return "skipped:done"
        policy = _policy(ticket)
        if (
            policy.get("outcome") != "accepted"
            or policy.get("effective_date") != effective.isoformat()
        ):
            return "skipped:policy_changed"
        session.add(
            Event(
                ticket_id=ticket_id,
                kind="termination_effective",
                actor=ACTOR,
                at=now,
                data={
                    "effective_date": effective.isoformat(),
                    "contract_number": _contract(ticket),
                },
            )
        )
        queue_template_reply(
            session,
            rt.templates,
            rt.replies,
            ticket=ticket,
            template="lifecycle/termination_effective",
            now=now,
            facts=Facts(contract_number=_contract(ticket), effective_date=effective),
        )
        if ticket.status != lc.CLOSED:
            change = lc.transition(
                ticket.status, lc.CLOSED, actor=ACTOR, reason="termination_effective"
            )
            _apply(session, ticket, change, now)
        tj.sync_ticket_jobs(session, ticket, rt.ticket_jobs)
        return "done"


# --- SLA ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TicketSla:
    ticket_id: int
    ref: str
    queue: str
    first_response: SlaStatus | None
    resolution: SlaStatus

    @property
    def worst(self) -> str:
        states = {self.resolution.state}
        if self.first_response is not None:
            states.add(self.first_response.state)
        for state in ("breached", "warning"):
            if state in states:
                return state
        return "ok"


def _first_human_reply(session: Session, ticket_id: int) -> datetime | None:
    stmt = (
        select(OutboxRow.created_at)
        .where(col(OutboxRow.ticket_id) == ticket_id, col(OutboxRow.automatic).is_(False))
        .order_by(col(OutboxRow.created_at))
        .limit(1)
    )
    found = session.exec(stmt).first()
    return aware(found) if found is not None else None


def _first_human_replies(session: Session, ticket_ids: Sequence[int]) -> dict[int, datetime]:
    """The first reply a person wrote on each of the tickets (one query per 500 tickets)."""
    out: dict[int, datetime] = {}
    for start in range(0, len(ticket_ids), 500):
        chunk = list(ticket_ids[start : start + 500])
        stmt = (
            select(OutboxRow.ticket_id, func.min(OutboxRow.created_at))
            .where(col(OutboxRow.ticket_id).in_(chunk), col(OutboxRow.automatic).is_(False))
            .group_by(col(OutboxRow.ticket_id))
        )
        for ticket_id, first in session.exec(stmt):
            if ticket_id is not None and first is not None:
                out[ticket_id] = aware(first)
    return out


def _sla_events(session: Session, ticket_ids: Sequence[int]) -> dict[int, set[tuple[str, str]]]:
    """(kind, clock) of the SLA warnings and breaches already recorded, per ticket."""
    out: dict[int, set[tuple[str, str]]] = {}
    for start in range(0, len(ticket_ids), 500):
        chunk = list(ticket_ids[start : start + 500])
        stmt = select(Event.ticket_id, Event.kind, Event.data).where(
            col(Event.kind).in_(("sla_warning", "sla_breach")), col(Event.ticket_id).in_(chunk)
        )
        for ticket_id, kind, data in session.exec(stmt):
            if ticket_id is not None:
                out.setdefault(ticket_id, set()).add((kind, str((data or {}).get("clock"))))
    return out


def ticket_sla(
    rt: JobRuntime,
    session: Session,
    ticket: Ticket,
    now: datetime,
    replies: Mapping[int, datetime] | None = None,
) -> TicketSla:
    """The ticket's SLA clocks now; `replies` (first human reply per ticket) saves a query
    per ticket when many are judged at once."""
    assert ticket.id is not None
    targets = rt.sla.for_queue(ticket.queue)
    created = aware(ticket.created_at)
    replied = (
        replies.get(ticket.id) if replies is not None else _first_human_reply(session, ticket.id)
    )
    first = None
    if replied is None:
        first = sla_status(
            rt.sla.calendar,
            started=created,
            target_hours=targets.first_response_hours,
            now=now,
            warning_ratio=rt.sla.warning_ratio,
        )
    resolution = sla_status(
        rt.sla.calendar,
        started=created,
        target_hours=targets.resolution_hours,
        now=now,
        warning_ratio=rt.sla.warning_ratio,
    )
    return TicketSla(ticket.id, ticket.ref, ticket.queue, first, resolution)


def _active_tickets(session: Session, queues: Sequence[str] | None = None) -> list[Ticket]:
    stmt = select(Ticket).where(col(Ticket.status).in_((lc.NEW, lc.OPEN)))
    if queues is not None:
        stmt = stmt.where(col(Ticket.queue).in_(list(queues)))
    return list(session.exec(stmt.order_by(col(Ticket.id))))


def sla_tick(rt: JobRuntime) -> dict[str, int]:
    """Record new SLA warnings and breaches; mail the alerts that may go out now."""
    now = rt.clock.now()
    counts = {"warnings": 0, "breaches": 0, "alerts": 0}
    with session_scope(rt.engine) as session:
        notify_at = rt.sla.notify_window.next_allowed(now, rt.sla.calendar)
        active = _active_tickets(session)
        ids = [t.id for t in active if t.id is not None]
        replies = _first_human_replies(session, ids)
        recorded = _sla_events(session, ids)
        for ticket in active:
            status = ticket_sla(rt, session, ticket, now, replies)
            seen = recorded.get(status.ticket_id, set())
            clocks = [("resolution", status.resolution)]
            if status.first_response is not None:
                clocks.insert(0, ("first_response", status.first_response))
            for name, clock in clocks:
                kind = {"warning": "sla_warning", "breached": "sla_breach"}.get(clock.state)
                if kind is None or (kind, name) in seen:
                    continue
                audience = ["queue_owner"] + (["supervisor"] if kind == "sla_breach" else [])
                session.add(
                    Event(
                        ticket_id=status.ticket_id,
                        kind=kind,
                        actor=ACTOR,
                        at=now,
                        data={
                            "clock": name,
                            "due": clock.due.isoformat(),
                            "audience": audience,
                            "notify_at": notify_at.isoformat(),
                            "notified": False,
                        },
                    )
                )
                counts["warnings" if kind == "sla_warning" else "breaches"] += 1
        session.flush()
        counts["alerts"] = _send_alerts(rt, session, now)
    return counts


def _people(session: Session, queue: str, supervisors: bool) -> list[str]:
    users = session.exec(select(User).where(col(User.active).is_(True))).all()
    out = []
    for user in users:
        if (user.role == "owner" and queue in (user.queues or [])) or (
            supervisors and user.role in ("supervisor", "admin")
        ):
            out.append(user.email)
    return sorted(set(out))


def internal_mail(
    rt: JobRuntime, to: Sequence[str], subject: str, text: str, now: datetime
) -> EmailMessage:
    """A notification to desk staff: automatic, loop-safe, plain text."""
    return staff_mail(rt.replies, to, subject, text, now)


def _send_alerts(rt: JobRuntime, session: Session, now: datetime) -> int:
    if not rt.sla.notify_window.allows(now, rt.sla.calendar):
        return 0
    pending = session.exec(
        select(Event).where(
            col(Event.kind).in_(("sla_warning", "sla_breach")),
            col(Event.at) >= now - timedelta(days=30),
            col(Event.data)["notified"].as_boolean().is_(False),
        )
    ).all()
    sent = 0
    ticket_ids = sorted({e.ticket_id for e in pending if e.ticket_id is not None})
    tickets: dict[int, Ticket] = {}
    for start in range(0, len(ticket_ids), 500):
        chunk = ticket_ids[start : start + 500]
        for found in session.exec(select(Ticket).where(col(Ticket.id).in_(chunk))):
            if found.id is not None:
                tickets[found.id] = found
    people_of: dict[tuple[str, bool], list[str]] = {}
    for event in pending:
        if event.data.get("notified") or event.ticket_id is None:
            continue
        ticket = tickets.get(event.ticket_id)
        data = dict(event.data)
        data["notified"] = True
        data["notified_at"] = now.isoformat()
        if ticket is not None:
            breach = event.kind == "sla_breach"
            key = (ticket.queue, breach)
            if key not in people_of:
                people_of[key] = _people(session, ticket.queue, supervisors=breach)
            people = people_of[key]
            data["recipients"] = people
            if people:
                what = "breached" if breach else "close to its deadline"
                clock = "first response" if data.get("clock") == "first_response" else "resolution"
                due = rt.sla.calendar.local(datetime.fromisoformat(str(data["due"])))
                text = (
                    f"Ticket {ticket.ref} in queue {ticket.queue}: the {clock} target is {what}.\n"
                    f"Due: {due:%Y-%m-%d %H:%M} ({rt.sla.timezone}).\n"
                    f"Subject: {ticket.subject}\n"
                )
                subject = f"[{ticket.ref}] SLA {'breach' if breach else 'warning'}: {clock}"
                queue_reply(
                    session,
                    internal_mail(rt, people, subject, text, now),
                    ticket_id=ticket.id,
                    envelope_sender=rt.replies.envelope_sender,
                    now=now,
                    template=f"internal/{event.kind}",
                    record_message=False,
                )
                sent += 1
        event.data = data
        session.add(event)
    return sent


# --- digest ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Digest:
    owner: str
    day: date
    counts: dict[str, int]  # status -> active tickets
    due_soon: list[TicketSla]
    breached: list[TicketSla]

    def text(self) -> str:
        lines = [f"Daily overview for {self.owner}, {self.day.isoformat()}", ""]
        lines += [f"{status}: {n}" for status, n in sorted(self.counts.items())]
        for title, items in (("Breached", self.breached), ("Due soon", self.due_soon)):
            lines += ["", f"{title}: {len(items)}"]
            lines += [f"- {t.ref} ({t.queue}) due {t.resolution.due:%Y-%m-%d %H:%M}" for t in items]
        return "\n".join(lines) + "\n"


def build_digest(rt: JobRuntime, session: Session, owner: User, now: datetime) -> Digest:
    queues = None if owner.role in ("supervisor", "admin") else list(owner.queues or [])
    stmt = select(Ticket).where(col(Ticket.status).in_(tuple(lc.ACTIVE_STATES)))
    if queues is not None:
        stmt = stmt.where(col(Ticket.queue).in_(queues))
    counts: dict[str, int] = {}
    for ticket in session.exec(stmt):
        counts[ticket.status] = counts.get(ticket.status, 0) + 1
    due_soon, breached = [], []
    active = _active_tickets(session, queues)
    replies = _first_human_replies(session, [t.id for t in active if t.id is not None])
    for ticket in active:
        status = ticket_sla(rt, session, ticket, now, replies)
        if status.worst == "breached":
            breached.append(status)
        elif status.worst == "warning":
            due_soon.append(status)
    return Digest(owner.email, rt.sla.calendar.local(now).date(), counts, due_soon, breached)


def digest(rt: JobRuntime, owner_email: str) -> str:
    """The daily digest of one queue owner (once a day, business days only)."""
    now = rt.clock.now()
    today = rt.sla.calendar.local(now).date()
    if not rt.sla.calendar.is_business_day(today):
        return "skipped:closed_day"
    with session_scope(rt.engine) as session:
        owner = session.exec(select(User).where(col(User.email) == owner_email)).first()
        if owner is None or not owner.active:
            return "skipped:no_owner"
        for event in _events(session, None, "digest"):
            if (
                event.data.get("owner") == owner_email
                and event.data.get("day") == today.isoformat()
            ):
                return "skipped:done"
        built = build_digest(rt, session, owner, now)
        row = queue_reply(
            session,
            internal_mail(
                rt, [owner.email], f"Daily overview {today.isoformat()}", built.text(), now
            ),
            ticket_id=None,
            envelope_sender=rt.replies.envelope_sender,
            now=now,
            template="internal/digest",
            record_message=False,
        )
        session.add(
            Event(
                ticket_id=None,
                kind="digest",
                actor=ACTOR,
                at=now,
                data={"owner": owner_email, "day": today.isoformat(), "outbox_id": row.id},
            )
        )
        return "done"


# --- outbox and quarantine ------------------------------------------------------------------------


def outbox_tick(rt: JobRuntime) -> DeliverySummary | None:
    if rt.transport_factory is None:
        return None
    return deliver_due(rt.engine, rt.transport_factory(), rt.clock)


def quarantine_tick(rt: JobRuntime) -> list[int]:
    """Re-run processing for quarantined mails whose backoff has passed (not oversize ones)."""
    if rt.reprocess is None:
        return []
    now = rt.clock.now()
    policy = rt.quarantine_retry
    with Session(rt.engine) as session:
        rows = session.exec(
            select(LedgerEntry).where(
                col(LedgerEntry.state) == "quarantined",
                col(LedgerEntry.attempts) < policy.max_attempts,
            )
        ).all()
        due = [
            r.id
            for r in rows
            if r.id is not None
            and not (r.reason or "").startswith("oversize")
            and policy.due_at(aware(r.processed_at or r.created_at), max(r.attempts, 1)) <= now
        ]
    for ledger_id in due:
        try:
            rt.reprocess(ledger_id)
        except Exception:
            log.exception("quarantine retry of ledger row %s failed", ledger_id)
    return due
