"""The routing config page: supervisors see the YAML in force, get problems at their lines,
replay a candidate over stored mail and see what changes, apply it as a new version and roll
back; queue owners get 403 and every POST needs the CSRF token."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy.engine import Engine

from postkamer.web import WebConfig, create_app
from storage import routing_versions as rv
from storage.db import session_scope
from tests.web import factory
from tests.web.conftest import login
from tests.web.supervision import CONFIG_TEXT, WEIGHT_NEW, WEIGHT_OLD, store_samples
from tests.web.supervision import supervisor_config as make_config


@pytest.fixture
def sup_config(web_config: WebConfig, tmp_path: Path) -> WebConfig:
    return make_config(web_config, tmp_path)


@pytest.fixture
def sup(sup_config: WebConfig) -> Iterator[TestClient]:
    factory.add_user(sup_config.engine, "boss@postkamer.be", "supervisor")
    factory.add_user(sup_config.engine, "hw@postkamer.be", "owner", ("hardware",))
    with TestClient(create_app(sup_config), follow_redirects=False) as c:
        yield c


def _post(client: TestClient, csrf: str, content: str, action: str, **extra: str) -> Response:
    data = {"csrf_token": csrf, "content": content, "action": action, **extra}
    response: Response = client.post("/routing", data=data)
    return response


def test_owner_is_refused_every_supervisor_page(sup: TestClient) -> None:
    csrf = login(sup, "hw@postkamer.be")
    for path in ("/routing", "/routing/versions/1", "/quarantine", "/quarantine/1", "/stats"):
        assert sup.get(path).status_code == 403, path
    r = _post(sup, csrf, CONFIG_TEXT, "apply")
    assert r.status_code == 403
    assert sup.post("/routing/versions/1/rollback", data={"csrf_token": csrf}).status_code == 403
    assert (
        sup.post("/quarantine/1/discard", data={"csrf_token": csrf, "reason": "x"}).status_code
        == 403
    )
    home = sup.get("/").text
    assert 'href="/routing"' not in home and 'href="/stats"' not in home


def test_supervisor_sees_nav_and_the_current_yaml(sup: TestClient, sup_config: WebConfig) -> None:
    login(sup, "boss@postkamer.be")
    home = sup.get("/").text
    assert 'href="/routing"' in home and 'href="/quarantine"' in home and 'href="/stats"' in home
    page = sup.get("/routing")
    assert page.status_code == 200
    assert "Routeringsconfiguratie" in page.text
    assert "cancellation_queue: cancellation" in page.text
    assert 'name="base_version" value="1"' in page.text  # the file was stored as version 1
    with session_scope(sup_config.engine) as s:
        [base] = rv.history(s)
        assert base.content == CONFIG_TEXT


def test_post_without_csrf_is_refused(sup: TestClient, sup_config: WebConfig) -> None:
    login(sup, "boss@postkamer.be")
    edited = CONFIG_TEXT.replace(WEIGHT_OLD, WEIGHT_NEW)
    r = sup.post("/routing", data={"content": edited, "action": "apply"})
    assert r.status_code == 403
    r = sup.post("/routing", data={"content": edited, "action": "apply", "csrf_token": "nope"})
    assert r.status_code == 403
    assert sup_config.routing_config is not None
    assert sup_config.routing_config.read_text(encoding="utf-8") == CONFIG_TEXT


def test_problems_are_shown_at_their_lines_and_nothing_is_applied(
    sup: TestClient, sup_config: WebConfig
) -> None:
    csrf = login(sup, "boss@postkamer.be")
    broken = CONFIG_TEXT.replace("fallback_queue: general", "fallback_queue: generaal", 1)
    lines = broken.split("\n")
    bad1 = lines.index("  fallback_queue: generaal") + 1
    for action in ("check", "apply"):
        r = _post(sup, csrf, broken, action)
        text = r.text
        assert r.status_code == (422 if action == "apply" else 200), action
        assert f'<a href="#L{bad1}" data-line="{bad1}">regel {bad1}</a>' in text
        assert (
            "classification.fallback_queue" in text and "unknown queue &#39;generaal&#39;" in text
        )
        assert f'<li id="L{bad1}" class="bad">' in text  # highlighted in the numbered listing
        assert "fallback_queue: generaal" in text  # the edited text is kept in the editor
    # a type error is shown at its line too
    wrong = CONFIG_TEXT.replace("threshold: 4    #", "threshold: veel    #", 1)
    bad2 = next(i for i, x in enumerate(wrong.split("\n"), 1) if "threshold: veel" in x)
    r = _post(sup, csrf, wrong, "check")
    assert f'data-line="{bad2}"' in r.text
    assert "classification.queues.copy-request.threshold" in r.text
    assert sup_config.routing_config is not None
    assert sup_config.routing_config.read_text(encoding="utf-8") == CONFIG_TEXT
    with session_scope(sup_config.engine) as s:
        assert len(rv.history(s)) == 1


def test_unknown_template_is_a_problem(sup: TestClient) -> None:
    csrf = login(sup, "boss@postkamer.be")
    bad = CONFIG_TEXT.replace("reply_template: copy-request/received", "reply_template: nope/x")
    r = _post(sup, csrf, bad, "apply")
    assert r.status_code == 422
    assert "unknown reply template &#39;nope/x&#39;" in r.text


def test_replay_shows_the_changes_table(sup: TestClient, sup_config: WebConfig) -> None:
    stored = store_samples(sup_config.engine, sup_config.blobs)
    csrf = login(sup, "boss@postkamer.be")
    r = _post(sup, csrf, CONFIG_TEXT.replace(WEIGHT_OLD, WEIGHT_NEW), "replay")
    assert r.status_code == 200
    text = r.text
    assert f"{stored} opgeslagen mails opnieuw beslist, 4 beslissingen veranderen." in text
    rows = re.findall(
        r"<tr><td><code>([^<]+)</code></td><td aria-hidden=\"true\">→</td>"
        r"<td><code>([^<]+)</code></td><td class=\"num\">(\d+)</td>",
        text,
    )
    assert ("cancellation/needs_contract_number", "hardware", "1") in rows
    assert ("cancellation/pa_no_cancellation_needed", "software", "1") in rows
    assert len(rows) == 4
    assert "003-resiliation-passport-advantage" in text and 'href="/tickets/PK-' in text
    # a replay applies nothing
    assert sup_config.routing_config is not None
    assert sup_config.routing_config.read_text(encoding="utf-8") == CONFIG_TEXT
    # the same config changes nothing
    r = _post(sup, csrf, CONFIG_TEXT, "replay")
    assert "0 beslissingen veranderen" in r.text
    assert "Geen enkele beslissing verandert." in r.text


def test_apply_history_and_rollback(sup: TestClient, sup_config: WebConfig) -> None:
    csrf = login(sup, "boss@postkamer.be")
    sup.get("/routing")  # baseline = version 1
    edited = CONFIG_TEXT.replace(WEIGHT_OLD, WEIGHT_NEW)
    r = _post(
        sup,
        csrf,
        edited.replace("\n", "\r\n"),
        "apply",
        comment="résilier weegt minder",
        base_version="1",
    )
    assert r.status_code == 303
    assert r.headers["location"] == "/routing?done=applied&version=2"
    path = sup_config.routing_config
    assert path is not None and path.read_text(encoding="utf-8") == edited
    page = sup.get("/routing?done=applied&version=2").text
    assert "Versie 2 is toegepast" in page
    assert 'data-version="2"' in page and "résilier weegt minder" in page
    assert "boss@postkamer.be" in page
    version = sup.get("/routing/versions/2").text
    assert "<del>-          resili*: 4 " in version and "<ins>+          resili*: 1 " in version
    # applying from a stale editor (started at version 1) is refused, the text kept
    r = _post(sup, csrf, CONFIG_TEXT.replace("defect: 1", "defect: 2"), "apply", base_version="1")
    assert r.status_code == 409
    assert "defect: 2" in r.text
    # roll back to version 1: a new version 3 with the old text
    r = sup.post("/routing/versions/1/rollback", data={"csrf_token": csrf})
    assert r.status_code == 303
    assert r.headers["location"] == "/routing?done=rolled_back&version=3&source=1"
    assert path.read_text(encoding="utf-8") == CONFIG_TEXT
    with session_scope(sup_config.engine) as s:
        versions = rv.history(s)
        assert [v.id for v in versions] == [3, 2, 1]
        assert versions[0].author == "boss@postkamer.be"
        assert versions[0].comment == "rollback to version 1"
    # the same text again is no new version
    r = _post(sup, csrf, CONFIG_TEXT, "apply")
    assert r.headers["location"] == "/routing?done=unchanged&version=3"
    assert sup.get("/routing/versions/99").status_code == 404


def test_not_configured_is_404(client: TestClient, web_engine: Engine) -> None:
    factory.add_user(web_engine, "boss@postkamer.be", "supervisor")
    login(client, "boss@postkamer.be")
    assert client.get("/routing").status_code == 404
    assert client.get("/quarantine").status_code == 200
