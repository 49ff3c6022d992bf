"""The overview lists what people must look at: a loop breaker that stopped automatic replies,
a reply that bounced or whose delivery is uncertain. Owners see their queues' alerts only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from storage.models import Event, Ticket
from tests.web import factory
from tests.web.conftest import login


def _event(engine: Engine, ref: str, kind: str, data: dict[str, object], age: timedelta) -> None:
    with Session(engine) as session:
        ticket = session.exec(select(Ticket).where(Ticket.ref == ref)).one()
        session.add(Event(ticket_id=ticket.id, kind=kind, at=datetime.now(UTC) - age, data=data))
        session.commit()


def test_alerts_on_the_overview(client: TestClient, web_engine: Engine) -> None:
    factory.add_user(web_engine, "hw@postkamer.be", "owner", ("hardware",))
    factory.add_user(web_engine, "boss@postkamer.be", "supervisor")
    mine = factory.add_ticket(web_engine, queue="hardware", subject="Printer")
    theirs = factory.add_ticket(web_engine, queue="software", subject="Licentie")
    _event(web_engine, str(mine), "delivery_failed", {"reason": "550 5.1.1 unknown <x>"},
           timedelta(hours=1))
    _event(web_engine, str(theirs), "loop_limit", {"reason": "per_sender_limit",
           "recipient": "bot@elsewhere.example"}, timedelta(hours=2))
    _event(web_engine, str(theirs), "delivery_unknown", {"reason": "old"}, timedelta(days=9))
    _event(web_engine, str(mine), "note", {"text": "not an alert"}, timedelta(minutes=5))

    csrf = login(client, "hw@postkamer.be")
    page = client.get("/").text
    assert "550 5.1.1 unknown &lt;x&gt;" in page  # escaped
    assert f"/tickets/{mine}" in page
    assert "per_sender_limit" not in page, "another queue's alert"
    assert client.post("/logout", data={"csrf_token": csrf}).status_code == 303

    login(client, "boss@postkamer.be")
    page = client.get("/").text
    assert "per_sender_limit" in page and "550 5.1.1" in page
    assert page.index("550 5.1.1") < page.index("per_sender_limit"), "newest first"
    assert "old" not in page.split("alerts-title", 1)[1], "older than a week is left out"
    assert "not an alert" not in page
