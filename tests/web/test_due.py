"""First-response due times: the queue list sorts by them and badges what is due soon or overdue,
the overview and the API count them per queue, targets come from the settings or the routing
config, and the SQL cutoff agrees with the business-hours arithmetic of `postkamer.sla`."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from postkamer.sla import QueueSla, SlaConfig
from postkamer.web import WebConfig, create_app
from postkamer.web.due import DueRules, latest_start
from storage.db import session_scope
from storage.models import OutboxRow
from tests.web import factory
from tests.web.conftest import login

BRUSSELS = ZoneInfo("Europe/Brussels")
NOW = datetime(2026, 3, 11, 14, 0, tzinfo=BRUSSELS)  # a Wednesday, desk open 08:30-17:30


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=BRUSSELS)


def human_reply(engine: Engine, ref: str) -> None:
    with session_scope(engine) as s:
        s.add(
            OutboxRow(
                ticket_id=factory.ticket_id(engine, ref),
                message_id=f"<{secrets.token_hex(6)}@contracts.example.com>",
                automatic=False,
                raw=b"",
            )
        )


@pytest.fixture
def due_client(web_config: WebConfig) -> Iterator[TestClient]:
    cfg = WebConfig(
        engine=web_config.engine,
        blobs=web_config.blobs,
        due=DueRules(SlaConfig(), routing_hours={"copy-request": 16}),
        clock=lambda: NOW,
    )
    with TestClient(create_app(cfg), follow_redirects=False) as c:
        yield c


def _seed(engine: Engine) -> dict[str, str]:
    factory.add_user(engine, "els@postkamer.be", "owner", ("hardware", "copy-request"))
    t = {
        # 8 business hours: Tuesday 10:00 is due Wednesday 09:00 -> overdue at 14:00
        "breached": factory.add_ticket(engine, subject="Te laat", created_at=local(10, 10)),
        # Tuesday 16:00 is due Wednesday 15:00, warning from 13:24 -> due soon
        "soon": factory.add_ticket(
            engine, subject="Bijna", status="open", created_at=local(10, 16)
        ),
        "ok": factory.add_ticket(engine, subject="Vers", created_at=local(11, 11)),
        # answered by a person: the clock stopped, however old
        "replied": factory.add_ticket(engine, subject="Beantwoord", created_at=local(9, 9)),
        # waiting on the customer: no first-response clock
        "waiting": factory.add_ticket(
            engine, subject="Wacht", status="waiting_on_customer", created_at=local(9, 10)
        ),
        # copy-request: 16 h from the routing config, Tuesday 10:00 is due Wednesday 17:00
        "copy": factory.add_ticket(
            engine, queue="copy-request", subject="Kopie", created_at=local(10, 10)
        ),
    }
    human_reply(engine, t["replied"])
    return t


def test_list_sorts_by_due_time_with_badges(due_client: TestClient, web_engine: Engine) -> None:
    t = _seed(web_engine)
    login(due_client, "els@postkamer.be")

    body = due_client.get("/api/tickets?queue=hardware&sort=due").json()
    got = [(x["ref"], x["due_state"]) for x in body["tickets"]]
    assert got == [
        (t["breached"], "breached"),
        (t["soon"], "due_soon"),
        (t["ok"], "ok"),
        (t["replied"], None),
        (t["waiting"], None),
    ]
    due_at = datetime.fromisoformat(body["tickets"][0]["due_at"])
    assert due_at == local(11, 9)

    page = due_client.get("/queues/hardware?sort=due").text
    rows = page.split("<tbody>", 1)[1].split("</tr>")
    assert "Te laat" in rows[0] and 'class="badge due-badge breached">Te laat<' in rows[0]
    assert "Bijna" in rows[1] and 'due-badge due_soon">Bijna te laat<' in rows[1]
    assert "Vers" in rows[2] and "due-badge" not in rows[2]
    assert 'option value="due" selected' in page
    # copy-request runs on its own 16-hour target: due soon, not overdue
    copy = due_client.get("/api/tickets?queue=copy-request&sort=due").json()["tickets"]
    assert copy[0]["due_state"] == "due_soon"
    assert datetime.fromisoformat(copy[0]["due_at"]) == local(11, 17)


def test_overview_and_api_count_due_soon_and_breached(
    due_client: TestClient, web_engine: Engine
) -> None:
    _seed(web_engine)
    login(due_client, "els@postkamer.be")
    queues = {q["queue"]: q for q in due_client.get("/api/queues").json()}
    assert (queues["hardware"]["due_soon"], queues["hardware"]["breached"]) == (1, 1)
    assert (queues["copy-request"]["due_soon"], queues["copy-request"]["breached"]) == (1, 0)
    html = due_client.get("/").text
    card = html.split('href="/queues/hardware"', 1)[1].split("</li>", 1)[0]
    assert 'class="count due-soon nonzero">1<' in card
    assert 'class="count due-breached nonzero">1<' in card


def test_settings_target_wins_over_the_routing_config() -> None:
    created = local(10, 10)
    routing_only = DueRules(SlaConfig(), {"copy-request": 16})
    explicit = DueRules(
        SlaConfig(queues={"copy-request": QueueSla(first_response_hours=4)}),
        {"copy-request": 16},
    )
    assert routing_only.state("copy-request", created, NOW) == "due_soon"
    assert explicit.state("copy-request", created, NOW) == "breached"
    assert explicit.due("copy-request", created) == local(10, 14)
    assert routing_only.hours("general") == 8.0  # neither: the [sla] default


def test_cutoff_skips_nights_weekends_and_holidays() -> None:
    cal = SlaConfig().calendar
    # Tuesday 7 April 2026 09:30 minus 8 business hours: one hour on Tuesday, Easter Monday
    # and the weekend closed, the other seven on Friday 3 April (summer time by then)
    now = datetime(2026, 4, 7, 9, 30, tzinfo=BRUSSELS)
    assert latest_start(cal, now, 8) == datetime(2026, 4, 3, 10, 30, tzinfo=BRUSSELS)
    # the evening before a working day: the cutoff is inside that day's opening hours
    assert latest_start(cal, local(10, 22), 2) == local(10, 15, 30)


@settings(max_examples=150, deadline=None)
@given(
    now=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31)),
    minutes=st.integers(min_value=1, max_value=60 * 80),
)
def test_cutoff_is_the_inverse_of_adding_business_hours(now: datetime, minutes: int) -> None:
    cal = SlaConfig().calendar
    moment = now.replace(tzinfo=UTC)
    hours = minutes / 60
    cut = latest_start(cal, moment, hours)
    assert cal.add_business_hours(cut, hours) <= moment
    assert cal.add_business_hours(cut + timedelta(microseconds=1), hours) > moment
