"""The statistics page: mails per queue per day, re-routes per queue pair, automatic replies by
outcome and first-response times, computed from the tables and drawn as inline SVG."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from postkamer.web import charts, stats
from storage.db import session_scope
from tests.web import factory
from tests.web.conftest import login
from tests.web.supervision import seed_statistics

NOW = datetime(2025, 3, 12, 11, 0, tzinfo=UTC)


def test_compute(web_engine: Engine) -> None:
    seed_statistics(web_engine, NOW)
    with session_scope(web_engine) as s:
        numbers = stats.compute(s, ("hardware", "software", "cancellation"), 30, now=NOW)
    assert len(numbers.per_day.days) == 30
    hw = numbers.per_day.series["hardware"]
    assert sum(hw) == 2 and hw[-3:] == [1, 1, 0]
    assert sum(numbers.per_day.series["cancellation"]) == 2
    assert numbers.per_day.series["(none)"][-1] == 1
    assert numbers.per_day.total == 5
    assert numbers.reroutes == [("general", "hardware", 2), ("software", "cancellation", 1)]
    rates = {r.key: (r.total, r.replied) for r in numbers.replies}
    assert rates == {
        "ticket": (2, 2),
        "accepted": (1, 1),
        "manual_review": (1, 0),
        "auto_reply": (1, 0),
    }
    times = {r.queue: r for r in numbers.response}
    assert times["hardware"].answered == 2 and times["hardware"].median_hours == 4.0
    assert times["cancellation"].answered == 0 and times["cancellation"].waiting == 1
    assert times["software"].median_hours is None


def test_page_draws_svg_charts(client: TestClient, web_engine: Engine) -> None:
    seed_statistics(web_engine, datetime.now(UTC))
    factory.add_user(web_engine, "boss@postkamer.be", "admin")
    login(client, "boss@postkamer.be")
    page = client.get("/stats?days=7")
    assert page.status_code == 200
    text = page.text
    assert text.count('<svg class="chart"') == 4
    assert "style=" not in text and "<script>" not in text.split("<main", 1)[1]
    assert "Herrouteringen per paar wachtrijen" in text
    assert re.search(r"<td>Algemeen</td><td>Hardware</td><td class=\"num\">2</td>", text)
    assert "100% (2/2)" in text  # acknowledgements for new tickets
    assert "4.0 u" in text  # median first response for hardware
    assert client.get("/stats?days=12345").status_code == 200  # unknown period: the default


def test_chart_text_is_escaped() -> None:
    svg = charts.stacked_bars(["1/3"], [("<script>x</script>", [3])], "a & b")
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "a &amp; b" in svg
    bars = charts.horizontal_bars([('"><img src=x>', 5, "5")], "t")
    assert "<img" not in bars
    assert charts.horizontal_bars([], "empty").startswith("<svg")
