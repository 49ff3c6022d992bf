"""Scheduled work on the ticket page: the upcoming reminder, automatic close or termination is
shown; a person records that the customer withdrew the request and the termination is
cancelled in the same transaction; putting a ticket on waiting schedules its reminder."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from postkamer.ticketjobs import TicketJobRules, jobs_for_new_ticket, ticket_job_ids
from storage.db import session_scope
from storage.jobstore import stored_jobs
from storage.models import Event, Ticket
from tests.web import factory
from tests.web.conftest import login

ACCEPTED = {"outcome": "accepted", "effective_date": "2027-01-31"}


def _accepted(engine: Engine) -> tuple[str, int]:
    ref = factory.add_ticket(
        engine,
        queue="cancellation",
        subject="Opzegging licentie ML-2024001",
        status="resolved",
        policy=ACCEPTED,
    )
    tid = factory.ticket_id(engine, ref)
    with session_scope(engine) as s:
        jobs_for_new_ticket(
            s, tid, "resolved", ACCEPTED, factory.utcnow(), TicketJobRules.default()
        )
    return ref, tid


def _jobs(engine: Engine, tid: int) -> list[str]:
    with Session(engine) as s:
        return sorted(stored_jobs(s, ticket_job_ids(tid)))


def test_withdrawal_by_form_cancels_the_termination(client: TestClient, web_engine: Engine) -> None:
    factory.add_user(web_engine, "els@postkamer.be", "owner", ("cancellation",))
    ref, tid = _accepted(web_engine)
    csrf = login(client, "els@postkamer.be")

    page = client.get(f"/tickets/{ref}").text
    assert "Opzegging gaat in" in page and "31 jan 2027" in page  # the page speaks Dutch
    assert client.post(f"/tickets/{ref}/withdraw", data={"reason": "x"}).status_code == 403
    empty = client.post(f"/tickets/{ref}/withdraw", data={"reason": " ", "csrf_token": csrf})
    assert empty.headers["location"].endswith("error=error.reason_required")
    assert _jobs(web_engine, tid) == [f"termination:{tid}"]

    r = client.post(
        f"/tickets/{ref}/withdraw",
        data={"reason": "Klant belde: licentie blijft lopen.", "csrf_token": csrf},
    )
    assert r.status_code == 303 and r.headers["location"] == f"/tickets/{ref}?done=withdrawn"
    assert _jobs(web_engine, tid) == []
    with session_scope(web_engine) as s:
        ticket = s.get(Ticket, tid)
        assert ticket is not None and ticket.status == "closed"
        withdrawn = s.exec(
            select(Event).where(Event.ticket_id == tid, col(Event.kind) == "withdrawn")
        ).one()
        assert withdrawn.actor == "els@postkamer.be"
        assert withdrawn.data["reason"] == "Klant belde: licentie blijft lopen."
    page = client.get(f"/tickets/{ref}?done=withdrawn").text
    assert "Opzegging gaat in" not in page and "aanvraag ingetrokken" in page
    assert 'action="/tickets/' + ref + '/withdraw"' not in page  # only once
    again = client.post(f"/tickets/{ref}/withdraw", data={"reason": "nogmaals", "csrf_token": csrf})
    assert again.headers["location"].endswith("error=error.cannot_withdraw")


def test_withdrawal_by_api_and_waiting_schedules_the_reminder(
    client: TestClient, web_engine: Engine
) -> None:
    factory.add_user(web_engine, "els@postkamer.be", "owner", ("cancellation", "hardware"))
    ref, _ = _accepted(web_engine)
    csrf = login(client, "els@postkamer.be")
    before = client.get(f"/api/tickets/{ref}").json()
    assert [(s["kind"], s["at"][:10]) for s in before["scheduled"]] == [
        ("termination", "2027-01-31")
    ]
    r = client.post(
        f"/api/tickets/{ref}/withdraw",
        json={"reason": "Per mail ingetrokken"},
        headers={"X-CSRF-Token": csrf},
    )
    assert r.status_code == 200
    assert r.json()["status"] == "closed" and r.json()["scheduled"] == []

    other = factory.add_ticket(web_engine, status="open")
    other_id = factory.ticket_id(web_engine, other)
    waiting = client.post(
        f"/api/tickets/{other}/status",
        json={"status": "waiting_on_customer"},
        headers={"X-CSRF-Token": csrf},
    )
    assert waiting.status_code == 200
    kinds = [s["kind"] for s in waiting.json()["scheduled"]]
    assert kinds == ["reminder", "autoclose"]
    assert _jobs(web_engine, other_id) == [f"autoclose:{other_id}", f"reminder:{other_id}"]
    reopened = client.post(
        f"/api/tickets/{other}/status", json={"status": "open"}, headers={"X-CSRF-Token": csrf}
    )
    assert reopened.json()["scheduled"] == [] and _jobs(web_engine, other_id) == []
