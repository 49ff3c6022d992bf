"""Loop protection: no automatic reply to auto-replies, bounces, bulk mail, robots or
ourselves; an autoresponder that hides what it is gets at most the per-sender limit of replies
a day, and a supervisor is alerted once."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from outbound.limits import LoopLimits, ReplyCounts, block_reason, count_recent, is_robot_address
from outbound.replies import ReplyConfig, queue_template_reply
from outbound.sender import deliver_due
from outbound.templates import TemplateSet
from outbound.transport import SmtpTransport
from storage.db import session_scope
from storage.models import Event, OutboxRow

from .conftest import FakeClock, SmtpServer, make_ticket

ZERO = ReplyCounts(0, 0)
OWN = ["support@contracts.example.com"]


@pytest.mark.parametrize("disposition", ["auto_reply", "bounce", "bulk", "quarantine"])
def test_no_automatic_reply_to_machines(disposition: str) -> None:
    reason = block_reason(disposition=disposition, recipient="a@b.example", counts=ZERO)
    assert reason == f"disposition:{disposition}"


@pytest.mark.parametrize(
    "address",
    [
        "noreply@x.example",
        "no-reply@x.example",
        "NoReply+abc@x.example",
        "MAILER-DAEMON@x.example",
        "postmaster@x.example",
        "do-not-reply@x.example",
    ],
)
def test_no_automatic_reply_to_robot_addresses(address: str) -> None:
    assert is_robot_address(address)
    assert block_reason(disposition="ticket", recipient=address, counts=ZERO) == "robot_address"


def test_no_automatic_reply_to_ourselves() -> None:
    reason = block_reason(
        disposition="ticket",
        recipient="Support@Contracts.example.com",
        counts=ZERO,
        own_addresses=OWN,
    )
    assert reason == "own_address"
    assert not is_robot_address("noreen@x.example")
    assert (
        block_reason(
            disposition="followup", recipient="jan@x.example", counts=ZERO, own_addresses=OWN
        )
        is None
    )


def test_limits_trip_at_the_configured_counts() -> None:
    limits = LoopLimits(per_sender_daily=3, global_hourly=10)
    ok = block_reason(
        disposition="ticket", recipient="a@b.example", counts=ReplyCounts(2, 9), limits=limits
    )
    assert ok is None
    assert (
        block_reason(
            disposition="ticket", recipient="a@b.example", counts=ReplyCounts(3, 0), limits=limits
        )
        == "per_sender_limit"
    )
    assert (
        block_reason(
            disposition="ticket", recipient="a@b.example", counts=ReplyCounts(0, 10), limits=limits
        )
        == "global_limit"
    )


def test_autoresponder_ping_pong_stops_at_the_per_sender_limit(
    db: Engine,
    templates: TemplateSet,
    reply_config: ReplyConfig,
    clock: FakeClock,
    smtp_server: SmtpServer,
) -> None:
    """An autoresponder without any auto-reply header answers every acknowledgement; each of
    its mails looks like a new ticket. 100 rounds in 10 hours: 40 replies, then silence."""
    loop = "robot-without-headers@klant.example.be"
    results = []
    for i in range(100):
        with session_scope(db) as session:
            ticket = make_ticket(session, f"PK-LOOP{i:02d}", email=loop, name="Auto")
            results.append(
                queue_template_reply(
                    session,
                    templates,
                    reply_config,
                    ticket=ticket,
                    template="ack/general",
                    now=clock(),
                ).blocked
            )
        if i % 10 == 9:
            deliver_due(db, SmtpTransport(smtp_server.settings()), clock)
        clock.advance(minutes=6)
    assert results[:40] == [None] * 40
    assert set(results[40:]) == {"per_sender_limit"}
    assert len(smtp_server.messages) == 40
    with Session(db) as session:
        alerts = session.exec(select(Event).where(Event.kind == "loop_limit")).all()
        assert len(alerts) == 1 and alerts[0].data["recipient"] == loop
        assert alerts[0].data["audience"] == "supervisor"
        suppressed = session.exec(select(Event).where(Event.kind == "reply_suppressed")).all()
        assert len(suppressed) == 60
        assert count_recent(session, loop, clock()).to_sender_last_day == 40
        # a day after the 40th reply (sent in the first 4 hours), the window has moved on
        later = clock() + timedelta(hours=18)
        assert count_recent(session, loop, later).to_sender_last_day == 0
        assert len(session.exec(select(OutboxRow)).all()) == 40


def test_replies_written_by_a_person_are_not_limited(
    db: Engine,
    templates: TemplateSet,
    reply_config: ReplyConfig,
    clock: FakeClock,
) -> None:
    config = ReplyConfig(limits=LoopLimits(per_sender_daily=1))
    with session_scope(db) as session:
        ticket = make_ticket(session, "PK-HUMAN1", email="noreply@klant.example.be")
        auto = queue_template_reply(
            session, templates, config, ticket=ticket, template="ack/general", now=clock()
        )
        manual = queue_template_reply(
            session,
            templates,
            config,
            ticket=ticket,
            template="lifecycle/closed",
            now=clock(),
            automatic=False,
        )
    assert auto.blocked == "robot_address" and auto.row is None
    assert manual.blocked is None and manual.row is not None


def test_a_flood_past_the_global_limit_raises_one_alert_an_hour(
    db: Engine, templates: TemplateSet, reply_config: ReplyConfig, clock: FakeClock
) -> None:
    """Past the global hourly ceiling every new sender is refused, but supervisors get one
    alert for the flood, not one per address."""
    config = replace(reply_config, limits=LoopLimits(per_sender_daily=40, global_hourly=5))
    blocked = []
    for i in range(30):
        with session_scope(db) as session:
            ticket = make_ticket(session, f"PK-FLD{i:03d}", email=f"c{i}@klant.example.be")
            blocked.append(
                queue_template_reply(
                    session, templates, config, ticket=ticket, template="ack/general", now=clock()
                ).blocked
            )
        clock.advance(seconds=30)
    assert blocked[:5] == [None] * 5
    assert set(blocked[5:]) == {"global_limit"}
    with Session(db) as session:
        alerts = session.exec(select(Event).where(Event.kind == "loop_limit")).all()
        assert len(alerts) == 1 and alerts[0].data["reason"] == "global_limit"
    clock.advance(hours=1)  # the five replies have left the hourly window
    with session_scope(db) as session:
        ticket = make_ticket(session, "PK-FLD999", email="late@klant.example.be")
        late = queue_template_reply(
            session, templates, config, ticket=ticket, template="ack/general", now=clock()
        )
    assert late.blocked is None


def test_one_batch_counts_its_own_replies_against_the_hourly_limit(
    db: Engine, templates: TemplateSet, reply_config: ReplyConfig, clock: FakeClock
) -> None:
    """The hour's count is read once per transaction and carried: the replies a batch queues
    itself count, so a batch of eight mails under a limit of five sends five."""
    config = replace(reply_config, limits=LoopLimits(per_sender_daily=40, global_hourly=5))
    with session_scope(db) as session:  # two replies already in the last hour
        for i in range(2):
            ticket = make_ticket(session, f"PK-EARL{i:02d}", email=f"e{i}@klant.example.be")
            queue_template_reply(
                session, templates, config, ticket=ticket, template="ack/general", now=clock()
            )
    clock.advance(seconds=10)
    with session_scope(db) as session:  # one intake batch
        blocked = []
        for i in range(8):
            ticket = make_ticket(session, f"PK-BAT{i:03d}", email=f"b{i}@klant.example.be")
            blocked.append(
                queue_template_reply(
                    session, templates, config, ticket=ticket, template="ack/general", now=clock()
                ).blocked
            )
    assert blocked == [None] * 3 + ["global_limit"] * 5
    with Session(db) as session:
        queued = session.exec(select(OutboxRow).where(OutboxRow.automatic)).all()
        alerts = session.exec(select(Event).where(Event.kind == "loop_limit")).all()
    assert len(queued) == 5 and len(alerts) == 1
