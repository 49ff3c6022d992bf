"""Merging a duplicate ticket: the messages and participants move, the duplicate is closed with
a link, both audit trails say so; by form and by API, with CSRF and queue access checked."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from storage.db import session_scope
from storage.models import Event, Message, Participant, Ticket
from tests.web import factory
from tests.web.conftest import login


def _participants(engine: Engine, ref: str) -> set[str]:
    tid = factory.ticket_id(engine, ref)
    with session_scope(engine) as s:
        return {p.email for p in s.exec(select(Participant).where(Participant.ticket_id == tid))}


def _add_participants(engine: Engine, ref: str, *emails: str) -> None:
    tid = factory.ticket_id(engine, ref)
    with session_scope(engine) as s:
        for i, e in enumerate(emails):
            s.add(Participant(ticket_id=tid, email=e, role="requester" if i == 0 else "cc"))


def _pair(engine: Engine) -> tuple[str, str]:
    keeper = factory.add_ticket(engine, subject="Storing etiketteermachine", status="open")
    dup = factory.add_ticket(
        engine,
        subject="Storing etiketteermachine (nogmaals)",
        contract_numbers=["MA1234567"],
        tags=["storing"],
    )
    factory.add_message(engine, keeper, text="De machine drukt niet meer af.")
    factory.add_message(engine, dup, text="Nog een keer: de machine staat stil.")
    factory.add_message(
        engine, dup, text="Mijn collega schrijft ook.", from_email="an@klant.be", from_name="An"
    )
    _add_participants(engine, keeper, "jan@klant.be")
    _add_participants(engine, dup, "jan@klant.be", "an@klant.be")
    return keeper, dup


def test_owner_merges_a_duplicate_by_form(client: TestClient, web_engine: Engine) -> None:
    factory.add_user(web_engine, "els@postkamer.be", "owner", ("hardware",))
    keeper, dup = _pair(web_engine)
    csrf = login(client, "els@postkamer.be")

    assert client.post(f"/tickets/{dup}/merge", data={"into": keeper}).status_code == 403
    r = client.post(f"/tickets/{dup}/merge", data={"into": keeper.lower(), "csrf_token": csrf})
    assert r.status_code == 303 and r.headers["location"] == f"/tickets/{keeper}?done=merged"

    with session_scope(web_engine) as s:
        k = s.exec(select(Ticket).where(Ticket.ref == keeper)).one()
        d = s.exec(select(Ticket).where(Ticket.ref == dup)).one()
        texts = [m.text for m in s.exec(select(Message).where(Message.ticket_id == k.id))]
        assert d.status == "closed" and d.linked_ticket_id == k.id
        assert k.contract_numbers == ["MA1234567"] and k.tags == ["storing"]
        assert s.exec(select(Message).where(Message.ticket_id == d.id)).all() == []
        events = {
            e.kind: e
            for e in s.exec(
                select(Event).where(col(Event.ticket_id).in_([k.id, d.id])).order_by(col(Event.id))
            )
        }
    assert sorted(texts) == sorted(
        [
            "De machine drukt niet meer af.",
            "Nog een keer: de machine staat stil.",
            "Mijn collega schrijft ook.",
        ]
    )
    assert _participants(web_engine, keeper) == {"jan@klant.be", "an@klant.be"}
    assert _participants(web_engine, dup) == set()
    assert events["merged_into"].data == {
        "target": keeper,
        "messages": 2,
        "participants": ["an@klant.be"],
    }
    assert events["merged_into"].actor == "els@postkamer.be"
    assert events["merged"].data["source"] == dup
    assert events["status"].data == {"from": "new", "to": "closed", "reason": "merged"}

    page = client.get(f"/tickets/{keeper}?done=merged").text
    assert "Ticket samengevoegd." in page and "Mijn collega schrijft ook." in page
    assert f'<a href="/tickets/{dup}">{dup}</a>' in page  # the audit line links the duplicate
    old = client.get(f"/tickets/{dup}").text
    assert "Dit ticket werd samengevoegd met" in old and f'href="/tickets/{keeper}"' in old
    assert 'action="/tickets/' + dup + '/merge"' not in old  # no second merge offered

    again = client.post(f"/tickets/{dup}/merge", data={"into": keeper, "csrf_token": csrf})
    assert again.headers["location"] == f"/tickets/{dup}?error=error.already_merged"


def test_merge_refusals(client: TestClient, web_engine: Engine) -> None:
    factory.add_user(web_engine, "els@postkamer.be", "owner", ("hardware",))
    keeper, dup = _pair(web_engine)
    foreign = factory.add_ticket(web_engine, queue="software", subject="Licentie")
    closed = factory.add_ticket(web_engine, subject="Oud", status="closed")
    csrf = login(client, "els@postkamer.be")

    def merge(ref: str, into: str) -> str:
        r = client.post(f"/tickets/{ref}/merge", data={"into": into, "csrf_token": csrf})
        assert r.status_code in (303, 404), r.text
        return str(r.headers.get("location", r.status_code))

    assert merge(dup, dup).endswith("error=error.merge_self")
    assert merge(dup, "PK-NOPE").endswith("error=error.merge_unknown")
    assert merge(dup, foreign).endswith("error=error.merge_unknown")  # one answer for both
    assert merge(dup, closed).endswith("error=error.merge_into_closed")
    assert merge(foreign, keeper) == "404"  # the duplicate itself is in another queue
    with session_scope(web_engine) as s:
        d = s.exec(select(Ticket).where(Ticket.ref == dup)).one()
        assert d.status == "new" and d.linked_ticket_id is None
    assert _participants(web_engine, dup) == {"jan@klant.be", "an@klant.be"}
    assert (
        "Er is in uw wachtrijen geen ticket met die referentie."
        in client.get(f"/tickets/{dup}?error=error.merge_unknown").text
    )


def test_merge_by_api(client: TestClient, web_engine: Engine) -> None:
    factory.add_user(web_engine, "sup@postkamer.be", "supervisor")
    factory.add_user(web_engine, "els@postkamer.be", "owner", ("hardware",))
    keeper, dup = _pair(web_engine)
    other = factory.add_ticket(web_engine, queue="software", subject="Licentie")

    csrf = login(client, "els@postkamer.be")
    assert client.post(f"/api/tickets/{dup}/merge", json={"into": keeper}).status_code == 403
    refused = client.post(
        f"/api/tickets/{dup}/merge", json={"into": other}, headers={"X-CSRF-Token": csrf}
    )
    assert refused.status_code == 404  # the owner may not see the software queue

    csrf = login(client, "sup@postkamer.be")
    r = client.post(
        f"/api/tickets/{dup}/merge", json={"into": other}, headers={"X-CSRF-Token": csrf}
    )
    assert r.status_code == 200 and r.json()["ref"] == other
    assert r.json()["contract_numbers"] == ["MA1234567"]
    detail = client.get(f"/api/tickets/{other}").json()
    assert len(detail["messages"]) == 2
    assert [e["kind"] for e in detail["events"]] == ["created", "merged"]
    old = client.get(f"/api/tickets/{dup}").json()
    assert old["status"] == "closed" and old["events"][-1]["data"]["target"] == other
    twice = client.post(
        f"/api/tickets/{dup}/merge", json={"into": keeper}, headers={"X-CSRF-Token": csrf}
    )
    assert twice.status_code == 422 and twice.json()["detail"] == "error.already_merged"
