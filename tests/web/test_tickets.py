"""Working with tickets: the list's filters, search, sorting and paging; the ticket page's
conversation, facts, policy and routing; and every action, by form and by the JSON API."""

from __future__ import annotations

import email
from datetime import timedelta
from email.policy import default

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from postkamer.web import WebConfig, create_app
from storage.blobs import BlobStore
from storage.db import session_scope
from storage.models import Event, Message, OutboxRow, Ticket, utcnow
from tests.web import factory
from tests.web.conftest import login


def _refs(client: TestClient, query: str) -> list[str]:
    r = client.get(f"/api/tickets?queue=hardware&{query}")
    assert r.status_code == 200, r.text
    return [t["ref"] for t in r.json()["tickets"]]


def test_list_filters_searches_sorts_and_pages(client: TestClient, web_engine: Engine) -> None:
    factory.add_user(web_engine, "els@postkamer.be", "owner", ("hardware",))
    now = utcnow()
    old = factory.add_ticket(
        web_engine,
        subject="Printer 100%_kapot",
        created_at=now - timedelta(days=3),
        priority="low",
        requester_email="an@drukkerij.be",
        contract_numbers=["MA1234567"],
    )
    mid = factory.add_ticket(
        web_engine,
        subject="Dekking plooimachine",
        created_at=now - timedelta(days=2),
        priority="urgent",
        status="open",
        requester_name="Sophie Dubois",
    )
    new = factory.add_ticket(web_engine, subject="Offerte", created_at=now - timedelta(days=1))
    factory.add_ticket(web_engine, queue="software", subject="Printer licentie")
    login(client, "els@postkamer.be")

    assert _refs(client, "") == [new, mid, old]
    assert _refs(client, "sort=created") == [old, mid, new]
    assert _refs(client, "sort=priority") == [mid, new, old]
    assert _refs(client, "status=open") == [mid]
    assert _refs(client, "q=printer") == [old]  # not the software queue's ticket
    assert _refs(client, "q=100%25_") == [old]  # LIKE wildcards are literal
    assert _refs(client, "q=100%25x") == []
    assert _refs(client, "q=ma-123%204567") == [old]  # contract number as people type it
    assert _refs(client, "q=DRUKKERIJ") == [old]
    assert _refs(client, "q=sophie") == [mid]

    page = client.get("/queues/hardware?q=printer")
    assert "Printer 100%_kapot" in page.text and "Offerte" not in page.text


def test_paging(web_config: WebConfig, web_engine: Engine) -> None:
    factory.add_user(web_engine, "els@postkamer.be", "owner", ("hardware",))
    for i in range(5):
        factory.add_ticket(web_engine, subject=f"Vraag {i}", created_at=utcnow() + timedelta(i))
    cfg = WebConfig(engine=web_config.engine, blobs=web_config.blobs, page_size=2)
    with TestClient(create_app(cfg), follow_redirects=False) as c:
        login(c, "els@postkamer.be")
        body = c.get("/api/tickets?queue=hardware&page=3").json()
        assert (body["total"], body["page"], body["pages"]) == (5, 3, 3)
        assert [t["subject"] for t in body["tickets"]] == ["Vraag 0"]
        html = c.get("/queues/hardware?page=2").text
        assert "Vraag 2" in html and "Vraag 4" not in html
        assert 'href="/queues/hardware?page=3"' in html and 'rel="prev"' in html


def test_ticket_page_shows_conversation_facts_policy_and_routing(
    client: TestClient, web_engine: Engine, blobs: BlobStore
) -> None:
    factory.add_user(web_engine, "els@postkamer.be", "supervisor")
    factory.add_contract(web_engine, "MA1234567", kind="monthly_license")
    ref = factory.add_ticket(
        web_engine,
        queue="cancellation",
        subject="Opzegging maandlicentie",
        contract_numbers=["MA1234567", "XX999"],
        policy={
            "outcome": "accepted",
            "effective_date": "2026-12-31",
            "earliest_notice_date": None,
        },
    )
    factory.add_message(
        web_engine,
        ref,
        text="Graag opzeggen.\n\n> Vorige mail\n> met citaat",
        new_text="Graag opzeggen.",
        explanation=["matched 'opzeggen' (cancellation, weight 3)"],
        extraction={
            "language": "nl",
            "destruction_confirmation": True,
            "found": {
                "contract_numbers": [
                    {
                        "value": "MA1234567",
                        "source": "body",
                        "text": "Graag opzeggen: contract MA-123 4567.",
                    },
                    {
                        "value": "3235412280",
                        "source": "signature",
                        "text": "Tel. +32 3 541 22 80",
                        "dropped": "phone number",
                    },
                ],
                "destruction_confirmation": [
                    {
                        "value": True,
                        "source": "attachment:attest <1>.pdf",
                        "text": "Alle kopieën werden vernietigd.",
                    }
                ],
            },
        },
    )
    login(client, "els@postkamer.be")
    html = client.get(f"/tickets/{ref}", headers={"accept-language": "en"}).text
    assert "Graag opzeggen." in html
    assert '<details class="quoted"><summary>Quoted history</summary>' in html
    assert "&gt; Vorige mail" in html
    assert "MA-1234567" in html and "Monthly licence" in html  # registry entry
    assert "XX999" in html and "not in the registry" in html
    assert "Destruction confirmed" in html
    # where each fact was read, beside it; the dropped look-alike apart
    facts = html[html.index('id="facts-h"') : html.index('id="policy-h"')]
    contract = facts[facts.index("MA-1234567") : facts.index("XX999")]
    assert '<span class="source">mail text</span> <q>Graag opzeggen: contract MA-123 4567.</q>' in (
        contract
    )
    assert "attachment attest &lt;1&gt;.pdf" in facts
    assert "<q>Alle kopieën werden vernietigd.</q>" in facts
    not_taken = facts[facts.index('class="not-taken"') :]
    assert "Numbers not taken as contract numbers (1)" in not_taken
    assert "3235412280" in not_taken and "phone number" in not_taken and "signature" in not_taken
    assert "3235412280" not in contract
    api = client.get(f"/api/tickets/{ref}").json()
    assert api["evidence"]["contract_numbers"][1] == {
        "value": "3235412280",
        "source": "signature",
        "text": "Tel. +32 3 541 22 80",
        "dropped": "phone number",
    }
    assert api["evidence"]["destruction_confirmation"][0]["source"] == "attachment:attest <1>.pdf"
    assert "accepted" in html and "31 Dec 2026" in html
    assert "matched &#39;opzeggen&#39; (cancellation, weight 3)" in html


def test_ticket_page_and_api_say_how_each_sender_was_proven(
    client: TestClient, web_engine: Engine
) -> None:
    factory.add_user(web_engine, "els@postkamer.be", "owner", ("cancellation",))
    ref = factory.add_ticket(
        web_engine,
        queue="cancellation",
        subject="Opzegging",
        flags=["possibly_forged"],
        policy={"outcome": "awaiting_sender_confirmation", "effective_date": "2026-04-02"},
    )
    forged = "mx.example: dmarc=fail header.from=klant.be: possibly forged"
    factory.add_message(
        web_engine,
        ref,
        text="Wij zeggen op.",
        sender_proof={"status": "failed", "method": None, "reasons": [forged]},
        received=utcnow() - timedelta(hours=2),
    )
    confirmed = "reply <r1@klant.be> to the confirmation request carries its one-time code"
    factory.add_message(
        web_engine,
        ref,
        text="Bevestigd: 7FK3-9QXA",
        sender_proof={"status": "proven", "method": "confirmation", "reasons": [confirmed]},
    )
    factory.add_message(web_engine, ref, text="Oude mail zonder controle")  # older rows
    login(client, "els@postkamer.be")
    html = client.get(f"/tickets/{ref}", headers={"accept-language": "en"}).text
    assert "possibly forged" in html  # the flag
    assert "possibly forged sender" in html and "sender proven (confirmed by reply)" in html
    assert "How the sender was checked" in html and "dmarc=fail header.from=klant.be" in html
    assert "awaiting the sender&#39;s confirmation" in html
    nl = client.get(f"/tickets/{ref}", headers={"accept-language": "nl"}).text
    assert "afzender mogelijk vervalst" in nl and "afzender bewezen (bevestigd per antwoord)" in nl
    messages = client.get(f"/api/tickets/{ref}").json()["messages"]
    assert [m["sender_proof"] for m in messages] == [
        {"status": "failed", "method": None, "reasons": [forged]},
        {"status": "proven", "method": "confirmation", "reasons": [confirmed]},
        None,
    ]


def test_actions_by_form_are_recorded(client: TestClient, web_engine: Engine) -> None:
    factory.add_user(web_engine, "els@postkamer.be", "owner", ("hardware",))
    factory.add_user(web_engine, "piet@postkamer.be", "owner", ("hardware",))
    factory.add_user(web_engine, "sw@postkamer.be", "owner", ("software",))
    ref = factory.add_ticket(web_engine)
    csrf = login(client, "els@postkamer.be")

    def post(action: str, **data: str) -> str:
        r = client.post(f"/tickets/{ref}/{action}", data={**data, "csrf_token": csrf})
        assert r.status_code == 303
        return str(r.headers["location"])

    assert post("note", text="Gebeld met klant").endswith("done=note")
    assert post("note", text="   ").endswith("error=error.empty_note")
    assert post("status", status="open").endswith("done=status")
    assert post("status", status="bogus").endswith("error=error.bad_status")
    assert post("priority", priority="high").endswith("done=priority")
    assert post("tags", tags="Storing, e42 ,storing").endswith("done=tags")
    assert post("status", status="new").endswith("error=error.bad_transition")
    assert post("claim").endswith("done=assigned")
    assert post("assign", assignee="sw@postkamer.be").endswith("error=error.assignee_invalid")
    assert post("assign", assignee="piet@postkamer.be").endswith("done=assigned")
    assert post("move", queue="software", reason="").endswith("error=error.reason_required")
    assert post("move", queue="nowhere", reason="x").endswith("error=error.bad_queue")

    with session_scope(web_engine) as s:
        ticket = s.exec(select(Ticket).where(Ticket.ref == ref)).one()
        assert (ticket.status, ticket.priority, ticket.tags, ticket.assignee) == (
            "open",
            "high",
            ["storing", "e42"],
            "piet@postkamer.be",
        )
        events = s.exec(
            select(Event).where(Event.ticket_id == ticket.id).order_by(col(Event.id))
        ).all()
        assert [(e.kind, e.actor) for e in events[1:]] == [
            ("note", "els@postkamer.be"),
            ("status", "els@postkamer.be"),
            ("priority", "els@postkamer.be"),
            ("tags", "els@postkamer.be"),
            ("assigned", "els@postkamer.be"),
            ("assigned", "els@postkamer.be"),
        ]
        assert events[2].data == {"from": "new", "to": "open"}
    page = client.get(f"/tickets/{ref}?done=note")
    assert "Gebeld met klant" in page.text


def test_reply_goes_to_the_outbox(client: TestClient, web_engine: Engine) -> None:
    factory.add_user(web_engine, "els@postkamer.be", "owner", ("hardware",))
    subject = "Re: Storing\r\nBcc: evil@example.org"
    ref = factory.add_ticket(web_engine, subject=subject)
    factory.add_message(web_engine, ref, subject=subject)
    csrf = login(client, "els@postkamer.be")
    r = client.post(
        f"/tickets/{ref}/reply",
        data={"text": "Beste Jan,\r\n\r\nWe komen donderdag.", "csrf_token": csrf},
    )
    assert r.headers["location"].endswith("done=reply")
    with session_scope(web_engine) as s:
        row = s.exec(select(OutboxRow)).one()
        ticket = s.exec(select(Ticket).where(Ticket.ref == ref)).one()
        inbound = s.exec(select(Message).where(Message.direction == "in")).one()
        out = s.exec(select(Message).where(Message.direction == "out")).one()
        queued = s.exec(select(Event).where(Event.kind == "reply_queued")).one()
    assert row.recipients == ["jan@klant.be"] and not row.automatic and row.state == "queued"
    assert queued.actor == "els@postkamer.be" and queued.data["automatic"] is False
    msg = email.message_from_bytes(row.raw, policy=default)
    assert msg["Auto-Submitted"] is None  # a person wrote it
    assert msg["Message-ID"] == row.message_id == out.message_id
    assert msg["In-Reply-To"] == inbound.message_id
    assert msg["Subject"] == f"Re: Storing Bcc: evil@example.org [{ref}]"
    assert msg["Bcc"] is None
    assert msg["To"] == "Jan Peeters <jan@klant.be>"
    plain = msg.get_body(("plain",))
    assert plain is not None
    assert plain.get_content().replace("\r\n", "\n").strip() == "Beste Jan,\n\nWe komen donderdag."
    assert ticket.status == "waiting_on_customer"
    assert "We komen donderdag." in client.get(f"/tickets/{ref}").text


def test_api_reads_and_changes(client: TestClient, web_engine: Engine) -> None:
    factory.add_user(web_engine, "boss@postkamer.be", "supervisor")
    ref = factory.add_ticket(web_engine)
    factory.add_message(web_engine, ref)
    csrf = login(client, "boss@postkamer.be")
    h = {"X-CSRF-Token": csrf}
    detail = client.get(f"/api/tickets/{ref}").json()
    assert detail["messages"][0]["from_email"] == "jan@klant.be"
    r = client.post(f"/api/tickets/{ref}/notes", json={"text": "nagekeken"}, headers=h)
    assert r.status_code == 201
    assert r.json()["events"][-1]["data"] == {"text": "nagekeken"}
    r = client.post(f"/api/tickets/{ref}/status", json={"status": "resolved"}, headers=h)
    assert r.json()["status"] == "resolved"
    r = client.post(f"/api/tickets/{ref}/status", json={"status": "weird"}, headers=h)
    assert r.status_code == 422 and r.json()["detail"] == "error.bad_status"
    r = client.post(
        f"/api/tickets/{ref}/move", json={"queue": "general", "reason": "vaag"}, headers=h
    )
    assert r.json()["queue"] == "general"
    counts = {q["queue"]: q["counts"] for q in client.get("/api/queues").json()}
    assert counts["general"] == {"new": 0, "open": 0, "waiting_on_customer": 0}
    spec = client.get("/api/openapi.json").json()
    assert {"/api/tickets", "/api/tickets/{ref}", "/api/tickets/{ref}/move"} <= set(spec["paths"])


@pytest.mark.parametrize("language,heading", [("fr", "Vos files"), ("en", "Your queues")])
def test_language_from_browser_then_from_setting(
    client: TestClient, web_engine: Engine, language: str, heading: str
) -> None:
    factory.add_user(web_engine, "els@postkamer.be", "owner", ("hardware",))
    csrf = login(client, "els@postkamer.be")
    page = client.get("/", headers={"accept-language": f"de-DE,{language};q=0.8,nl;q=0.5"})
    assert heading in page.text and f'<html lang="{language}">' in page.text
    client.post("/language", data={"language": "nl", "csrf_token": csrf, "next": "/"})
    page = client.get("/", headers={"accept-language": language})
    assert "Uw wachtrijen" in page.text


def test_list_queries_on_sqlite_and_postgresql(engine: Engine) -> None:
    """The search (JSON contract numbers, escaped LIKE) and priority order on both databases."""
    from postkamer.web.queries import TicketFilter, list_tickets, queue_counts

    now = utcnow()
    a = factory.add_ticket(
        engine,
        subject="50% korting?",
        contract_numbers=["MA1234567"],
        priority="low",
        created_at=now - timedelta(hours=2),
    )
    b = factory.add_ticket(
        engine,
        subject="Dringend",
        priority="urgent",
        status="open",
        created_at=now - timedelta(hours=1),
    )
    with session_scope(engine) as s:

        def refs(**kw: object) -> list[str]:
            page = list_tickets(s, TicketFilter(queue="hardware", **kw), 25)  # type: ignore[arg-type]
            return [t.ref for t in page.tickets]

        assert refs() == [b, a]
        assert refs(sort="priority") == [b, a]
        assert refs(sort="created") == [a, b]
        assert refs(text="ma 1234567") == [a]
        assert refs(text="50%") == [a]
        assert refs(text="0%k") == []
        assert refs(status="open") == [b]
        counts = queue_counts(s, ["hardware", "general"])
        assert counts[0].counts == {"new": 1, "open": 1, "waiting_on_customer": 0}
        assert counts[1].total_active == 0
