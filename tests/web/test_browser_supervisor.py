"""The supervisor pages in a real browser (Debian's Chromium driven by Playwright, the app served
by uvicorn): a supervisor finds a problem at its line, changes a keyword weight, replays the
candidate over stored mail and reads the changes table, applies it, sees the new version in the
history and rolls back. Also the quarantine and statistics pages. Screenshots go to
test-artifacts/web/ for people to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from postkamer.web import WebConfig
from storage import routing_versions as rv
from storage.db import session_scope
from tests.web import factory
from tests.web.conftest import ARTIFACTS, serve
from tests.web.supervision import (
    CONFIG_TEXT,
    WEIGHT_NEW,
    WEIGHT_OLD,
    quarantine_mail,
    seed_statistics,
    store_samples,
    supervisor_config,
)


@pytest.fixture
def sup_config(web_config: WebConfig, tmp_path: Path) -> WebConfig:
    return supervisor_config(web_config, tmp_path)


@pytest.fixture
def site(sup_config: WebConfig) -> Iterator[str]:
    with serve(sup_config) as url:
        yield url


@pytest.fixture
def chromium(browser: Any) -> Any:
    return browser


def test_supervisor_changes_replays_applies_and_rolls_back(
    site: str, chromium: Any, sup_config: WebConfig
) -> None:
    engine, blobs = sup_config.engine, sup_config.blobs
    factory.add_user(engine, "chef@postkamer.be", "supervisor")
    stored = store_samples(engine, blobs)
    seed_statistics(engine, datetime.now(UTC))
    quarantine_mail(
        engine,
        blobs,
        b"From: <b>x</b>@example.org\r\nSubject: kapot\r\n\r\nbody",
        "parse: nesting depth 201 over the limit 100",
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = chromium.new_page(viewport={"width": 1280, "height": 900}, locale="nl-BE")
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("dialog", lambda d: errors.append(f"dialog: {d.message}"))

    page.goto(site + "/login")
    page.get_by_label("E-mailadres").fill("chef@postkamer.be")
    page.get_by_label("Wachtwoord").fill(factory.PASSWORD)
    page.get_by_role("button", name="Aanmelden").click()
    page.wait_for_url(site + "/")
    page.get_by_role("link", name="Routering").click()
    page.wait_for_url("**/routing")
    editor = page.get_by_label("Configuratie (YAML)")
    assert "cancellation_queue: cancellation" in editor.input_value()

    # a mistake first: shown at its line, and a click on the line puts the cursor there
    broken = CONFIG_TEXT.replace("fallback_queue: general", "fallback_queue: generaal", 1)
    line = broken.split("\n").index("  fallback_queue: generaal") + 1
    editor.fill(broken)
    page.get_by_role("button", name="Controleren").click()
    page.wait_for_load_state()
    link = page.get_by_role("link", name=f"regel {line}")
    assert link.is_visible()
    assert page.locator(f"li#L{line}.bad").is_visible()
    assert "unknown queue 'generaal'" in page.locator(".problem-list").inner_text()
    link.click()
    selected = page.evaluate(
        "() => { const e = document.getElementById('config-text');"
        " return e.value.substring(e.selectionStart, e.selectionEnd); }"
    )
    assert selected == "  fallback_queue: generaal"
    page.screenshot(path=str(ARTIFACTS / "10-routing-problem.png"), full_page=False)

    # the weight change, replayed over the stored mail
    editor = page.get_by_label("Configuratie (YAML)")
    editor.fill(CONFIG_TEXT.replace(WEIGHT_OLD, WEIGHT_NEW))
    page.get_by_label("Opmerking (wat en waarom)").fill("résilier alleen weegt minder")
    page.get_by_role("button", name="Replay op opgeslagen mail").click()
    page.wait_for_selector("table.changes")
    summary = page.locator(".replay-summary").inner_text()
    assert f"{stored} opgeslagen mails opnieuw beslist, 4 beslissingen veranderen." in summary
    rows = page.locator("table.changes tbody tr")
    assert rows.count() == 4
    first = rows.nth(0).inner_text()
    assert "cancellation/" in first and "PK-" in first
    page.locator("section.replay").screenshot(path=str(ARTIFACTS / "11-routing-replay.png"))

    page.get_by_role("button", name="Toepassen als nieuwe versie").click()
    page.wait_for_url("**/routing?done=applied&version=2")
    assert "Versie 2 is toegepast" in page.get_by_role("status").inner_text()
    history = page.locator("table.history tbody tr")
    assert history.count() == 2
    assert "résilier alleen weegt minder" in history.nth(0).inner_text()
    assert "in gebruik" in history.nth(0).inner_text()
    page.screenshot(path=str(ARTIFACTS / "12-routing-applied.png"), full_page=True)
    assert sup_config.routing_config is not None
    assert WEIGHT_NEW in sup_config.routing_config.read_text(encoding="utf-8")

    page.get_by_role("link", name="Versie 2").first.click()
    page.wait_for_url("**/routing/versions/2")
    assert page.locator("pre.diff ins", has_text="resili*: 1").is_visible()
    page.screenshot(path=str(ARTIFACTS / "13-routing-version.png"), full_page=False)
    page.go_back()

    page.get_by_role("button", name="Terugzetten naar versie 1").click()
    page.wait_for_url("**/routing?done=rolled_back&version=3&source=1")
    assert page.locator("table.history tbody tr").count() == 3
    page.screenshot(path=str(ARTIFACTS / "14-routing-rolled-back.png"), full_page=False)
    assert sup_config.routing_config.read_text(encoding="utf-8") == CONFIG_TEXT
    with session_scope(engine) as s:
        assert [v.author for v in rv.history(s)] == [
            "chef@postkamer.be",
            "chef@postkamer.be",
            "system",
        ]

    page.get_by_role("link", name="Quarantaine").first.click()
    page.wait_for_url("**/quarantine")
    page.get_by_role("link", name="#").first.click()
    page.wait_for_url("**/quarantine/*")
    assert "<b>x</b>@example.org" in page.locator("pre.raw-headers").inner_text()
    page.screenshot(path=str(ARTIFACTS / "15-quarantine-mail.png"), full_page=True)

    page.get_by_role("link", name="Statistieken").click()
    page.wait_for_url("**/stats")
    assert page.locator("svg.chart").count() == 4
    page.screenshot(path=str(ARTIFACTS / "16-stats.png"), full_page=True)
    assert errors == []
