"""Metrics and the health report, as an operator sees them: the scrape text and the JSON."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine

from intake.sources.oauth import CredentialHealth
from outbound.sender import DeliverySummary
from postkamer import lifecycle as lc
from postkamer.health import PollTracker, collect_health, health_json
from postkamer.metrics import Metrics, metrics_asgi_app
from storage.db import session_scope
from storage.models import Event, LedgerEntry, MailboxState, OutboxRow
from tests.lifecycle.support import make_ticket

NOW = datetime(2025, 11, 12, 10, 0, tzinfo=UTC)


def sample(metrics: Metrics, name: str, labels: dict[str, str] | None = None) -> float | None:
    return metrics.registry.get_sample_value(name, labels or {})


def outbox_row(state: str, n: int) -> OutboxRow:
    return OutboxRow(message_id=f"<{state}{n}@x>", raw=b"x", state=state, recipients=["a@b.c"])


def test_counters_and_database_gauges(engine: Engine) -> None:
    m = Metrics()
    m.record_poll(
        "support",
        read=5,
        stored=4,
        quarantined=1,
        at=NOW,
        newest_internaldate=NOW - timedelta(seconds=42),
    )
    m.record_decision("cancellation", "accepted")
    m.record_decision("cancellation", "accepted")
    m.record_decision(None, "bounce")
    m.record_delivery(DeliverySummary(sent=3, failed=1, unknown=1))
    assert sample(m, "postkamer_mails_read_total", {"mailbox": "support"}) == 5
    assert sample(m, "postkamer_mails_stored_total", {"mailbox": "support"}) == 4
    assert sample(m, "postkamer_mails_quarantined_total", {"mailbox": "support"}) == 1
    assert sample(m, "postkamer_imap_lag_seconds", {"mailbox": "support"}) == 42
    assert (
        sample(m, "postkamer_decisions_total", {"queue": "cancellation", "outcome": "accepted"})
        == 2
    )
    assert sample(m, "postkamer_decisions_total", {"queue": "none", "outcome": "bounce"}) == 1
    assert sample(m, "postkamer_replies_total", {"result": "sent"}) == 3
    assert sample(m, "postkamer_replies_total", {"result": "unknown"}) == 1

    breached = make_ticket(engine, status=lc.OPEN, at=NOW, queue="hardware")
    make_ticket(engine, status=lc.NEW, at=NOW, queue="hardware")
    make_ticket(engine, status=lc.CLOSED, at=NOW, queue="hardware")
    with session_scope(engine) as session:
        session.add_all([outbox_row("queued", 1), outbox_row("queued", 2), outbox_row("sent", 3)])
        session.add(LedgerEntry(mailbox="support", sha256="f" * 64, size=1, state="quarantined"))
        session.add(Event(ticket_id=breached, kind="sla_breach", data={"clock": "resolution"}))
    m.refresh(engine)
    assert sample(m, "postkamer_outbox_depth", {"state": "queued"}) == 2
    assert sample(m, "postkamer_outbox_depth", {"state": "unknown"}) == 0
    assert sample(m, "postkamer_quarantined_mails") == 1
    assert sample(m, "postkamer_tickets", {"queue": "hardware", "status": "open"}) == 1
    assert sample(m, "postkamer_tickets", {"queue": "hardware", "status": "closed"}) is None
    assert sample(m, "postkamer_sla_breached_tickets", {"queue": "hardware"}) == 1


def test_metrics_app_serves_the_text_format() -> None:
    m = Metrics()
    m.record_decision("general", "ticket")

    async def scrape() -> httpx.Response:
        transport = httpx.ASGITransport(app=metrics_asgi_app(m))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            return await client.get("/")

    response = asyncio.run(scrape())
    assert response.status_code == 200
    assert 'postkamer_decisions_total{outcome="ticket",queue="general"} 1.0' in response.text


def test_health_names_the_mailbox_that_stopped_and_the_credential_that_expires(
    engine: Engine,
) -> None:
    tracker = PollTracker()
    tracker.success("support", NOW - timedelta(minutes=1))
    tracker.success("m365", NOW - timedelta(hours=2))
    tracker.failure("m365", NOW - timedelta(minutes=1), "login refused: AUTHENTICATIONFAILED")
    with session_scope(engine) as session:
        session.add(MailboxState(name="archive", updated_at=NOW - timedelta(minutes=3)))
        session.add(outbox_row("queued", 1))
    creds = {
        "support": CredentialHealth(
            "support", "expiring", credential_expires_at=NOW + timedelta(days=5)
        ),
        "m365": CredentialHealth("m365", "failing", last_error="invalid_client"),
    }
    report = collect_health(
        engine, ["support", "m365", "archive", "new"], NOW, tracker=tracker, credentials=creds
    )
    assert report.database_reachable
    states = {m.name: m.status for m in report.mailboxes}
    assert states == {"support": "ok", "m365": "failing", "archive": "ok", "new": "unknown"}
    assert report.status == "failing"
    data = json.loads(health_json(report))
    assert data["outbox"] == {"queued": 1}
    m365 = next(m for m in data["mailboxes"] if m["name"] == "m365")
    assert m365["last_error"].startswith("login refused")
    assert m365["credential"]["last_error"] == "invalid_client"
    support = next(m for m in data["mailboxes"] if m["name"] == "support")
    assert support["credential"]["state"] == "expiring"
    assert support["seconds_since_success"] == 60

    healthy = collect_health(engine, ["support"], NOW, tracker=tracker)
    assert healthy.status == "ok"
    expiring = collect_health(
        engine, ["support"], NOW, tracker=tracker, credentials={"support": creds["support"]}
    )
    assert expiring.status == "degraded"


def test_health_says_when_the_database_is_unreachable() -> None:
    dead = create_engine(
        "postgresql+psycopg://nobody@127.0.0.1:1/none", connect_args={"connect_timeout": 2}
    )
    report = collect_health(dead, [], NOW)
    assert report.status == "failing" and not report.database_reachable
    assert report.database_error and "OperationalError" in report.database_error
