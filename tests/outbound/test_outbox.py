"""The outbox on SQLite and PostgreSQL: queued with the ticket change, claimed once, kept in
order per ticket, retried with backoff up to a horizon."""

from __future__ import annotations

import random
import threading
from datetime import timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from outbound.outbox import (
    RetryPolicy,
    claim_due,
    mark_retry,
    mark_sent,
    mark_unknown,
    recover_stale,
)
from outbound.replies import ReplyConfig, queue_template_reply
from outbound.templates import TemplateSet
from storage.db import session_scope
from storage.models import Event, Message, OutboxRow, Ticket

from .conftest import FakeClock, make_ticket


def _queue(
    db: Engine,
    templates: TemplateSet,
    config: ReplyConfig,
    clock: FakeClock,
    tickets: int,
    per_ticket: int,
) -> list[int]:
    ids: list[int] = []
    with session_scope(db) as session:
        made = [
            make_ticket(session, f"PK-T{i:05d}", email=f"c{i}@klant.example.be")
            for i in range(tickets)
        ]
        for round_ in range(per_ticket):
            for ticket in made:
                result = queue_template_reply(
                    session,
                    templates,
                    config,
                    ticket=ticket,
                    template="ack/general" if round_ == 0 else "lifecycle/reminder",
                    now=clock(),
                )
                assert result.row is not None and result.row.id is not None
                ids.append(result.row.id)
    return ids


def test_queue_is_part_of_the_caller_transaction(
    db: Engine, templates: TemplateSet, reply_config: ReplyConfig, clock: FakeClock
) -> None:
    try:
        with session_scope(db) as session:
            ticket = make_ticket(session, "PK-ROLLBK")
            queue_template_reply(
                session, templates, reply_config, ticket=ticket, template="ack/general", now=clock()
            )
            raise RuntimeError("the ticket change fails")
    except RuntimeError:
        pass
    with Session(db) as session:
        assert session.exec(select(OutboxRow)).all() == []
        assert session.exec(select(Ticket)).all() == []
    _queue(db, templates, reply_config, clock, 1, 1)
    with Session(db) as session:
        row = session.exec(select(OutboxRow)).one()
        assert row.state == "queued" and row.automatic and row.template == "ack/general"
        assert row.recipients == ["c0@klant.example.be"] and row.to_address == row.recipients[0]
        assert row.sender == "bounces@contracts.example.com"
        assert row.message_id.encode() in row.raw
        out = session.exec(select(Message).where(Message.direction == "out")).one()
        assert out.message_id == row.message_id and out.ticket_id == row.ticket_id
        kinds = [e.kind for e in session.exec(select(Event)).all()]
        assert kinds == ["reply_queued"]


def test_claims_one_reply_per_ticket_at_a_time_in_order(
    db: Engine, templates: TemplateSet, reply_config: ReplyConfig, clock: FakeClock
) -> None:
    ids = _queue(db, templates, reply_config, clock, tickets=3, per_ticket=3)
    first = claim_due(db, clock(), limit=50)
    assert [r.id for r in first] == ids[:3]  # the first reply of each ticket only
    assert claim_due(db, clock(), limit=50) == []  # the rest waits for them
    with Session(db) as session:
        for row in first[:2]:
            assert row.id is not None
            mark_sent(session, row.id, clock())
        session.commit()
    second = claim_due(db, clock(), limit=50)
    assert [r.id for r in second] == [ids[3], ids[4]]  # ticket 3 still has one in flight


def test_a_deferred_reply_holds_back_the_later_ones_of_its_ticket(
    db: Engine, templates: TemplateSet, reply_config: ReplyConfig, clock: FakeClock
) -> None:
    ids = _queue(db, templates, reply_config, clock, tickets=1, per_ticket=2)
    rng = random.Random(1)
    (row,) = claim_due(db, clock())
    with Session(db) as session:
        assert row.id is not None
        assert mark_retry(session, row.id, clock(), "451 later", RetryPolicy(), rng) == "queued"
        session.commit()
    assert claim_due(db, clock()) == []  # the second is due but must not overtake the first
    clock.advance(minutes=5)
    assert [r.id for r in claim_due(db, clock())] == [ids[0]]


def test_backoff_grows_with_jitter_and_gives_up_at_the_horizon(
    db: Engine, templates: TemplateSet, reply_config: ReplyConfig, clock: FakeClock
) -> None:
    policy = RetryPolicy(
        base=timedelta(minutes=1), cap=timedelta(hours=1), horizon=timedelta(hours=6)
    )
    rng = random.Random(7)
    delays = [policy.delay(n, rng) for n in range(1, 10)]
    assert timedelta(seconds=30) <= delays[0] <= timedelta(minutes=1)
    assert timedelta(minutes=2) <= delays[2] <= timedelta(minutes=4)
    assert all(timedelta(minutes=30) <= d <= timedelta(hours=1) for d in delays[6:])
    _queue(db, templates, reply_config, clock, 1, 1)
    attempts = 0
    while True:
        rows = claim_due(db, clock())
        if not rows:
            clock.advance(minutes=61)
            rows = claim_due(db, clock())
        if not rows:
            break
        attempts += 1
        with Session(db) as session:
            assert rows[0].id is not None
            state = mark_retry(session, rows[0].id, clock(), "421 busy", policy, rng)
            session.commit()
        if state == "failed":
            break
    with Session(db) as session:
        row = session.exec(select(OutboxRow)).one()
        assert row.state == "failed" and row.attempts == attempts
        assert 5 <= attempts <= 20
        event = session.exec(select(Event).where(Event.kind == "delivery_failed")).one()
        assert event.ticket_id == row.ticket_id and "gave up" in event.data["error"]
        assert clock() - row.created_at <= timedelta(hours=8)


def test_unknown_outcome_is_retried_once_and_stale_claims_become_unknown(
    db: Engine, templates: TemplateSet, reply_config: ReplyConfig, clock: FakeClock
) -> None:
    _queue(db, templates, reply_config, clock, 1, 1)
    rng = random.Random(3)
    (row,) = claim_due(db, clock())
    # the worker dies while sending: after the lease the outcome counts as unknown
    assert recover_stale(db, clock(), timedelta(minutes=15), RetryPolicy(), rng) == 0
    clock.advance(minutes=16)
    assert recover_stale(db, clock(), timedelta(minutes=15), RetryPolicy(), rng) == 1
    clock.advance(minutes=5)
    (again,) = claim_due(db, clock())
    assert again.id == row.id and again.message_id == row.message_id
    with Session(db) as session:
        assert again.id is not None
        mark_unknown(session, again.id, clock(), "lost after DATA", RetryPolicy(), rng)
        session.commit()
    clock.advance(hours=5)
    assert claim_due(db, clock()) == []  # a second unknown outcome is final
    with Session(db) as session:
        final = session.exec(select(OutboxRow)).one()
        assert final.state == "unknown" and final.uncertain == 2
        assert session.exec(select(Event).where(Event.kind == "delivery_unknown")).one()


def test_concurrent_workers_never_claim_a_row_twice(
    db: Engine, templates: TemplateSet, reply_config: ReplyConfig, clock: FakeClock
) -> None:
    ids = _queue(db, templates, reply_config, clock, tickets=60, per_ticket=1)
    claimed: list[int] = []
    lock = threading.Lock()
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            while True:
                rows = claim_due(db, clock(), limit=4)
                if not rows:
                    return
                with lock:
                    claimed.extend(r.id for r in rows if r.id is not None)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(claimed) == sorted(ids)
