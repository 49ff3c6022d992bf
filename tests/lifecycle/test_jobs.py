"""Scheduled work on tickets, run on an injected clock against SQLite and PostgreSQL: each job
does what the desk expects once, and running it again changes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from postkamer import jobs
from postkamer import lifecycle as lc
from storage.db import session_scope
from storage.models import LedgerEntry, Ticket
from tests.lifecycle.support import (
    add_user,
    events,
    make_runtime,
    make_ticket,
    outbox,
    status_of,
)

BXL = ZoneInfo("Europe/Brussels")
# Friday 7 November 2025, 10:00 in Brussels; Tuesday 11 November is Armistice Day
FRIDAY = datetime(2025, 11, 7, 10, 0, tzinfo=BXL)


def body(raw: bytes) -> str:
    msg = message_from_bytes(raw)
    for part in msg.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode("utf-8")
    return ""


def test_waiting_ticket_gets_one_reminder_then_closes(engine: Engine) -> None:
    rt, clock = make_runtime(engine, FRIDAY)
    since = clock.now()
    tid = make_ticket(
        engine,
        status=lc.WAITING,
        at=since,
        policy={"outcome": "needs_destruction_confirmation", "effective_date": None},
        waiting_since=since,
    )
    # 5 business days: Mon 10, Wed 12, Thu 13, Fri 14, Mon 17 (Tuesday is a holiday)
    assert jobs.reminder_at(rt, since) == datetime(2025, 11, 17, 10, 0, tzinfo=BXL)
    clock.set(jobs.reminder_at(rt, since))
    assert jobs.waiting_reminder(rt, tid, since) == "done"
    assert jobs.waiting_reminder(rt, tid, since) == "skipped:done"
    (reminder,) = outbox(engine, tid)
    assert reminder.template == "lifecycle/reminder"
    text = body(reminder.raw)
    assert "vernietig" in text.lower()  # asks again for the destruction confirmation
    assert status_of(engine, tid) == lc.WAITING

    clock.set(jobs.close_at(rt, since))
    assert jobs.auto_close(rt, tid, since) == "done"
    assert jobs.auto_close(rt, tid, since) == "skipped:not_waiting"
    assert status_of(engine, tid) == lc.CLOSED
    templates = [row.template for row in outbox(engine, tid)]
    assert templates == ["lifecycle/reminder", "lifecycle/closed"]
    (closing,) = [e for e in events(engine, tid, "status") if e.data.get("to") == lc.CLOSED]
    assert closing.data == {"from": lc.WAITING, "to": lc.CLOSED, "reason": "no_response"}
    assert closing.actor == "scheduler"


def test_customer_answer_before_the_reminder_stops_both_jobs(engine: Engine) -> None:
    rt, clock = make_runtime(engine, FRIDAY)
    since = clock.now()
    tid = make_ticket(engine, status=lc.WAITING, at=since, waiting_since=since)
    with session_scope(engine) as session:
        ticket = session.get(Ticket, tid)
        assert ticket is not None
        change = lc.on_customer_followup(
            ticket.status, now=since, closed_at=None, reopen_window=timedelta(days=30), actor="k"
        ).change
        ticket.status = change.state
        for event in change.events:
            session.add(event.row(tid, since + timedelta(days=1)))
    clock.set(jobs.close_at(rt, since))
    assert jobs.waiting_reminder(rt, tid, since) == "skipped:not_waiting"
    assert jobs.auto_close(rt, tid, since) == "skipped:not_waiting"
    assert outbox(engine, tid) == []


def test_a_stale_job_of_an_earlier_waiting_period_does_nothing(engine: Engine) -> None:
    rt, clock = make_runtime(engine, FRIDAY)
    first = clock.now()
    second = first + timedelta(days=3)
    tid = make_ticket(engine, status=lc.WAITING, at=first, waiting_since=second)
    clock.set(jobs.close_at(rt, first))
    assert jobs.auto_close(rt, tid, first) == "skipped:not_waiting"
    assert status_of(engine, tid) == lc.WAITING


def test_termination_takes_effect_once_and_never_after_withdrawal(engine: Engine) -> None:
    effective = date(2025, 12, 31)
    policy = {"outcome": "accepted", "effective_date": effective.isoformat()}
    rt, clock = make_runtime(engine, datetime(2025, 12, 31, 8, 30, tzinfo=BXL))
    tid = make_ticket(engine, status=lc.RESOLVED, at=FRIDAY, policy=policy)
    assert jobs.termination_effective(rt, tid, effective) == "done"
    assert jobs.termination_effective(rt, tid, effective) == "skipped:done"
    (row,) = outbox(engine, tid)
    assert row.template == "lifecycle/termination_effective"
    assert "ML2024001" in body(row.raw) and "31 december 2025" in body(row.raw)
    assert status_of(engine, tid) == lc.CLOSED
    (event,) = events(engine, tid, "termination_effective")
    assert event.data == {"effective_date": "2025-12-31", "contract_number": "ML2024001"}

    withdrawn = make_ticket(engine, status=lc.RESOLVED, at=FRIDAY, policy=policy)
    with session_scope(engine) as session:
        ticket = session.get(Ticket, withdrawn)
        assert ticket is not None
        change = lc.withdraw(ticket.status, actor="klant@example.be")
        ticket.status = change.state
        for e in change.events:
            session.add(e.row(withdrawn, clock.now()))
    assert jobs.termination_effective(rt, withdrawn, effective) == "skipped:withdrawn"
    assert outbox(engine, withdrawn) == []

    changed = make_ticket(
        engine, status=lc.RESOLVED, at=FRIDAY, policy=dict(policy, effective_date="2026-01-31")
    )
    assert jobs.termination_effective(rt, changed, effective) == "skipped:policy_changed"


def test_sla_warning_and_breach_are_recorded_once_and_alerts_wait_for_the_morning(
    engine: Engine,
) -> None:
    add_user(engine, "an@desk.example", queues=["hardware"])
    add_user(engine, "sup@desk.example", role="supervisor")
    add_user(engine, "bo@desk.example", queues=["software"])
    monday = datetime(2025, 11, 10, 9, 30, tzinfo=BXL)
    rt, clock = make_runtime(engine, monday)
    tid = make_ticket(engine, status=lc.NEW, at=monday, queue="hardware")
    # first response target 8 business hours: due Wednesday 12 Nov 09:00 (Tuesday is closed)
    clock.set(datetime(2025, 11, 10, 15, 0, tzinfo=BXL))  # 5.5h of 8 used
    assert jobs.sla_tick(rt) == {"warnings": 0, "breaches": 0, "alerts": 0}
    clock.set(datetime(2025, 11, 10, 17, 0, tzinfo=BXL))  # 7.5h of 8 used: warning
    assert jobs.sla_tick(rt)["warnings"] == 1
    assert jobs.sla_tick(rt) == {"warnings": 0, "breaches": 0, "alerts": 0}
    (warning_mail,) = outbox(engine, tid)
    assert warning_mail.recipients == ["an@desk.example"]

    # the breach happens Wednesday 09:00, but the tick that finds it runs at 23:00 on Wednesday
    clock.set(datetime(2025, 11, 12, 23, 0, tzinfo=BXL))
    counts = jobs.sla_tick(rt)
    assert counts == {"warnings": 0, "breaches": 1, "alerts": 0}  # recorded, nobody woken up
    (breach,) = events(engine, tid, "sla_breach")
    assert breach.data["clock"] == "first_response"
    assert breach.data["notify_at"] == "2025-11-13T07:00:00+01:00"
    assert len(outbox(engine, tid)) == 1
    clock.set(datetime(2025, 11, 13, 7, 5, tzinfo=BXL))
    assert jobs.sla_tick(rt)["alerts"] == 1
    assert jobs.sla_tick(rt)["alerts"] == 0
    alert = outbox(engine, tid)[-1]
    assert alert.recipients == ["an@desk.example", "sup@desk.example"]
    assert b"Auto-Submitted: auto-generated" in alert.raw


def test_daily_digest_once_per_business_day(engine: Engine) -> None:
    add_user(engine, "an@desk.example", queues=["hardware"])
    monday = datetime(2025, 11, 10, 7, 45, tzinfo=BXL)
    rt, clock = make_runtime(engine, monday)
    make_ticket(engine, status=lc.NEW, at=datetime(2025, 11, 3, 9, 0, tzinfo=BXL), queue="hardware")
    make_ticket(engine, status=lc.WAITING, at=monday, queue="hardware")
    make_ticket(engine, status=lc.NEW, at=monday, queue="software")
    assert jobs.digest(rt, "an@desk.example") == "done"
    assert jobs.digest(rt, "an@desk.example") == "skipped:done"
    (mail,) = outbox(engine, None)
    assert mail.recipients == ["an@desk.example"] and mail.ticket_id is None
    text = body(mail.raw)
    assert "new: 1" in text and "waiting_on_customer: 1" in text
    assert "Breached: 1" in text  # the hardware ticket from last week
    clock.set(datetime(2025, 11, 11, 7, 45, tzinfo=BXL))  # Armistice Day
    assert jobs.digest(rt, "an@desk.example") == "skipped:closed_day"
    clock.set(datetime(2025, 11, 12, 7, 45, tzinfo=BXL))
    assert jobs.digest(rt, "an@desk.example") == "done"


def test_quarantine_retry_backs_off(engine: Engine) -> None:
    tried: list[int] = []
    t0 = datetime(2025, 11, 12, 10, 0, tzinfo=UTC)
    rt, clock = make_runtime(engine, t0, reprocess=tried.append)
    with session_scope(engine) as session:
        rows = [
            LedgerEntry(
                mailbox="m",
                sha256="a" * 64,
                size=1,
                state="quarantined",
                attempts=1,
                processed_at=t0,
            ),
            LedgerEntry(
                mailbox="m",
                sha256="b" * 64,
                size=1,
                state="quarantined",
                attempts=3,
                processed_at=t0,
            ),
            LedgerEntry(
                mailbox="m",
                sha256="c" * 64,
                size=1,
                state="quarantined",
                attempts=1,
                processed_at=t0,
                reason="oversize: 60 MB",
            ),
            LedgerEntry(
                mailbox="m",
                sha256="d" * 64,
                size=1,
                state="quarantined",
                attempts=6,
                processed_at=t0,
            ),
        ]
        session.add_all(rows)
        session.flush()
        first, third_try = rows[0].id, rows[1].id
    assert jobs.quarantine_tick(rt) == []
    clock.advance(minutes=5)
    assert jobs.quarantine_tick(rt) == [first]
    clock.advance(minutes=15)  # 20 min: the third attempt waits 5 * 2^2 = 20 minutes
    assert jobs.quarantine_tick(rt) == [first, third_try]
    assert tried == [first, first, third_try]
