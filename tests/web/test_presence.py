"""Two people on one ticket: each sees the other (viewing, then writing a reply), and a reply
written after something was added to the ticket is held back with what changed until the
writer confirms; by form and by API."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import select

from postkamer.clock import ManualClock
from postkamer.web import WebConfig, create_app
from storage.db import session_scope
from storage.models import OutboxRow, Presence
from tests.web import factory
from tests.web.conftest import login


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 3, 11, 13, 0, tzinfo=UTC))


@pytest.fixture
def two(web_config: WebConfig, clock: ManualClock) -> Iterator[tuple[TestClient, TestClient]]:
    """Two browsers (Els and Tom, both owners of hardware) on one app."""
    factory.add_user(web_config.engine, "els@postkamer.be", "owner", ("hardware",))
    factory.add_user(web_config.engine, "tom@postkamer.be", "owner", ("hardware",))
    cfg = WebConfig(engine=web_config.engine, blobs=web_config.blobs, clock=clock)
    app = create_app(cfg)
    with (
        TestClient(app, follow_redirects=False) as els,
        TestClient(app, follow_redirects=False) as tom,
    ):
        yield els, tom


def _seen(page: str) -> str:
    return page.split('name="seen" value="', 1)[1].split('"', 1)[0]


def _present(page: str) -> list[str]:
    """The presence lines the server rendered."""
    parts = page.split('class="alert warn presence-entry">')[1:]
    return [p.split("</p>", 1)[0] for p in parts]


def _outbox(engine: Engine) -> list[OutboxRow]:
    with session_scope(engine) as s:
        return list(s.exec(select(OutboxRow)))


def test_two_people_see_each_other(
    two: tuple[TestClient, TestClient], clock: ManualClock, web_engine: Engine
) -> None:
    els, tom = two
    ref = factory.add_ticket(web_engine)
    els_csrf = login(els, "els@postkamer.be")
    tom_csrf = login(tom, "tom@postkamer.be")

    assert _present(els.get(f"/tickets/{ref}").text) == []  # alone so far
    clock.advance(timedelta(seconds=3))
    page = tom.get(f"/tickets/{ref}").text
    assert _present(page) == ["els@postkamer.be bekijkt dit ticket"]  # works without JS

    # Tom starts writing: Els's page poll says so
    r = tom.post(
        f"/api/tickets/{ref}/presence",
        json={"activity": "replying"},
        headers={"X-CSRF-Token": tom_csrf},
    )
    assert r.status_code == 200 and r.json()["others"][0]["email"] == "els@postkamer.be"
    clock.advance(timedelta(seconds=10))
    r = els.post(f"/api/tickets/{ref}/presence", json={}, headers={"X-CSRF-Token": els_csrf})
    assert r.json()["others"] == [
        {"email": "tom@postkamer.be", "activity": "replying", "seconds_ago": 10}
    ]
    assert _present(els.get(f"/tickets/{ref}").text) == ["tom@postkamer.be schrijft een antwoord"]

    # Tom leaves: after the window he is no longer shown
    clock.advance(timedelta(seconds=31))
    r = els.post(f"/api/tickets/{ref}/presence", json={}, headers={"X-CSRF-Token": els_csrf})
    assert r.json()["others"] == []
    # presence needs the CSRF token and access to the queue
    assert els.post(f"/api/tickets/{ref}/presence", json={}).status_code == 403
    other = factory.add_ticket(web_engine, queue="software")
    denied = els.post(f"/api/tickets/{other}/presence", json={}, headers={"X-CSRF-Token": els_csrf})
    assert denied.status_code == 404
    with session_scope(web_engine) as s:  # one row per person and ticket
        assert len(s.exec(select(Presence)).all()) == 2


def test_reply_after_a_new_message_is_held_until_confirmed(
    two: tuple[TestClient, TestClient], web_engine: Engine
) -> None:
    els, tom = two
    ref = factory.add_ticket(web_engine)
    factory.add_message(web_engine, ref, text="De machine drukt niet meer af.")
    els_csrf = login(els, "els@postkamer.be")
    tom_csrf = login(tom, "tom@postkamer.be")

    els_seen = _seen(els.get(f"/tickets/{ref}").text)  # both open the reply form
    tom_seen = _seen(tom.get(f"/tickets/{ref}").text)
    assert els_seen == tom_seen != "0"

    sent = tom.post(
        f"/tickets/{ref}/reply",
        data={"text": "Een technieker komt morgen.", "seen": tom_seen, "csrf_token": tom_csrf},
    )
    assert sent.status_code == 303 and len(_outbox(web_engine)) == 1
    factory.add_message(web_engine, ref, text="Intussen werkt hij weer, bedankt!")

    held = els.post(
        f"/tickets/{ref}/reply",
        data={
            "text": "Wij sturen een technieker.",
            "then_status": "open",
            "seen": els_seen,
            "csrf_token": els_csrf,
        },
    )
    assert held.status_code == 409 and len(_outbox(web_engine)) == 1  # not sent
    page = held.text
    warning = page.split('id="conflict"', 1)[1].split("</div>", 1)[0]
    assert "Uw antwoord werd niet verzonden" in warning
    assert "Een technieker komt morgen." in warning  # Tom's reply
    assert "Intussen werkt hij weer, bedankt!" in warning  # the customer's new mail
    assert ">Wij sturen een technieker.</textarea>" in page  # the text is kept
    assert '<option value="open" selected>' in page
    assert 'name="confirm" value="1"' in page and "Toch verzenden" in page

    confirmed = els.post(
        f"/tickets/{ref}/reply",
        data={
            "text": "Wij sturen een technieker.",
            "then_status": "open",
            "seen": _seen(page),
            "confirm": "1",
            "csrf_token": els_csrf,
        },
    )
    assert confirmed.status_code == 303 and len(_outbox(web_engine)) == 2


def test_api_reply_conflict(two: tuple[TestClient, TestClient], web_engine: Engine) -> None:
    els, _tom = two
    ref = factory.add_ticket(web_engine)
    first = factory.add_message(web_engine, ref, text="Vraag een.")
    csrf = login(els, "els@postkamer.be")
    head = {"X-CSRF-Token": csrf}
    latest = els.post(f"/api/tickets/{ref}/presence", json={}, headers=head)
    assert latest.json()["latest_message_id"] == first
    second = factory.add_message(web_engine, ref, text="Vraag twee, dringend.")

    body = {"text": "Antwoord.", "seen_message_id": first}
    r = els.post(f"/api/tickets/{ref}/replies", json=body, headers=head)
    assert r.status_code == 409
    detail = r.json()["detail"]
    assert detail["latest_message_id"] == second
    assert [(c["id"], c["text"]) for c in detail["changes"]] == [(second, "Vraag twee, dringend.")]
    assert _outbox(web_engine) == []

    ok = els.post(f"/api/tickets/{ref}/replies", json={**body, "confirm": True}, headers=head)
    assert ok.status_code == 201 and ok.json()["status"] == "waiting_on_customer"
    assert len(_outbox(web_engine)) == 1
    fresh = {"text": "Nog iets.", "seen_message_id": ok.json()["messages"][-1]["id"]}
    assert els.post(f"/api/tickets/{ref}/replies", json=fresh, headers=head).status_code == 201
