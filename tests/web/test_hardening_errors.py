"""Numbers that are no row id (too large for a 64-bit column, not digits) are refused as bad
input, never a 500; and every response, an unhandled error's 500 included, carries the
security headers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from postkamer.web import WebConfig, create_app, queries
from tests.web import factory
from tests.web.conftest import login
from tests.web.supervision import CONFIG_TEXT, supervisor_config

HUGE = "9" * 20  # past 2**63 - 1: SQLite cannot bind it, PostgreSQL has no such id


def _has_security_headers(r: Response) -> bool:
    h = r.headers
    return (
        h.get("content-security-policy", "").startswith("default-src 'self'")
        and h.get("x-content-type-options") == "nosniff"
        and h.get("x-frame-options") == "DENY"
        and h.get("referrer-policy") == "no-referrer"
    )


@pytest.fixture
def boss(web_config: WebConfig, tmp_path: Path) -> Iterator[tuple[TestClient, str, str]]:
    cfg = supervisor_config(web_config, tmp_path)
    factory.add_user(cfg.engine, "boss@postkamer.be", "supervisor")
    ref = factory.add_ticket(cfg.engine)
    factory.add_message(cfg.engine, ref)
    with TestClient(create_app(cfg), follow_redirects=False, raise_server_exceptions=False) as c:
        csrf = login(c, "boss@postkamer.be")
        yield c, csrf, ref


def test_out_of_range_ids_are_bad_input_with_headers(boss: tuple[TestClient, str, str]) -> None:
    c, csrf, ref = boss
    answers = {
        "attachment": c.get(f"/attachments/{HUGE}"),
        "quarantine": c.get(f"/quarantine/{HUGE}"),
        "quarantine retry": c.post(f"/quarantine/{HUGE}/retry", data={"csrf_token": csrf}),
        "quarantine discard": c.post(
            f"/quarantine/{HUGE}/discard", data={"csrf_token": csrf, "reason": "x"}
        ),
        "routing version": c.get(f"/routing/versions/{HUGE}"),
        "rollback": c.post(f"/routing/versions/{HUGE}/rollback", data={"csrf_token": csrf}),
        "routing ?version": c.get(f"/routing?done=applied&version={HUGE}"),
        "api seen_message_id": c.post(
            f"/api/tickets/{ref}/replies",
            json={"text": "Dag Jan", "seen_message_id": int(HUGE)},
            headers={"X-CSRF-Token": csrf},
        ),
    }
    for what, r in answers.items():
        assert 400 <= r.status_code < 500, (what, r.status_code)
        assert _has_security_headers(r), what


def test_a_form_number_that_is_no_id_is_ignored(boss: tuple[TestClient, str, str]) -> None:
    c, csrf, ref = boss
    for seen in (HUGE, "²", "-1", " 12 "):
        r = c.post(f"/tickets/{ref}/reply", data={"csrf_token": csrf, "text": "x", "seen": seen})
        assert r.status_code in (303, 409), (seen, r.status_code)
        assert _has_security_headers(r)
    r = c.post(
        "/routing",
        data={"csrf_token": csrf, "content": CONFIG_TEXT, "action": "apply", "base_version": HUGE},
    )
    assert r.status_code in (303, 409), r.status_code
    assert _has_security_headers(r)


def test_an_unhandled_error_is_a_500_with_the_headers(
    boss: tuple[TestClient, str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    c, _csrf, ref = boss

    def broken(*_args: object, **_kwargs: object) -> object:
        raise RuntimeError("a bug")

    monkeypatch.setattr(queries, "ticket_detail", broken)
    for path in (f"/tickets/{ref}", f"/api/tickets/{ref}"):
        r = c.get(path)
        assert r.status_code == 500, path
        assert _has_security_headers(r), path
        assert "a bug" not in r.text
