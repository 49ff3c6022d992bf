"""HTML is sanitized once, at intake, with bounds on nesting and size: a mail whose HTML body is
100,000 `<div>` deep (1.1 MB, which made the ticket page take 82 s) is stored with its text and
a notice, and its ticket page and API answer stay under 100 ms. Mail stored before keeps working:
its HTML is sanitized and stored the first time its page is shown, never again."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from httpx import Response
from sqlmodel import Session, select

from intake import safehtml
from postkamer.web import WebConfig, create_app
from storage import users
from storage.db import session_scope
from storage.models import Message
from tests.hostile.conftest import SQLITE_ONLY, Pipeline
from tests.hostile.mails import text_part, with_parts

PASSWORD = "correct horse battery staple"
LEVELS = 100_000


@pytest.fixture
def app(pipeline: Pipeline) -> Iterator[TestClient]:
    previous = users.use_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    with session_scope(pipeline.engine) as s:
        users.create_user(s, "boss@desk.example.com", PASSWORD, "supervisor")
    config = WebConfig(engine=pipeline.engine, blobs=pipeline.context.blobs)
    try:
        with TestClient(create_app(config), follow_redirects=False) as client:
            page = client.get("/login")
            token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
            data = {"email": "boss@desk.example.com", "password": PASSWORD, "csrf_token": token}
            assert client.post("/login", data=data).status_code == 303
            yield client
    finally:
        users.use_hasher(previous)


def _fastest(call: Callable[[], Response], times: int = 10) -> tuple[float, Response]:
    best, response = float("inf"), None
    for _ in range(times):
        started = time.perf_counter()
        response = call()
        best = min(best, time.perf_counter() - started)
    assert response is not None
    return best, response


def _deep_mail() -> bytes:
    body = (
        "<html><body><p>De etiketteerprinter geeft foutcode E42.</p>"
        + "<div>" * LEVELS
        + "diep"
        + "</div>" * LEVELS
        + "</body></html>"
    )
    assert len(body) > 1_100_000
    parts = [text_part(body, "text/html; charset=utf-8")]
    return with_parts(parts, subject="storing printer", subtype="alternative")


@SQLITE_ONLY
def test_a_100000_level_mail_shows_its_text_with_a_notice_in_under_100_ms(
    pipeline: Pipeline, app: TestClient
) -> None:
    pipeline.ingest({"deep.eml": _deep_mail()})
    stored = pipeline.stored("deep.eml")
    assert stored.ticket is not None and stored.message is not None
    assert stored.message.html_withheld == safehtml.TOO_DEEP and stored.message.safe_html is None
    ref = stored.ticket.ref
    page_time, page = _fastest(lambda: app.get(f"/tickets/{ref}"))
    api_time, api = _fastest(lambda: app.get(f"/api/tickets/{ref}"))
    assert page.status_code == 200 and api.status_code == 200
    assert "foutcode E42" in page.text
    assert "te diep genest" in page.text
    assert "<div><div>" not in page.text
    assert page_time < 0.1, f"ticket page {page_time * 1000:.0f} ms"
    assert api_time < 0.1, f"API {api_time * 1000:.0f} ms"


@SQLITE_ONLY
def test_html_is_sanitized_at_intake_and_never_on_a_page_view(
    pipeline: Pipeline, app: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    html = '<p>Zie <a href="https://klant.example.be/x">bijlage</a></p><script>x()</script>'
    parts = [text_part(html, "text/html; charset=utf-8")]
    pipeline.ingest({"ok.eml": with_parts(parts, subject="printer", subtype="alternative")})
    stored = pipeline.stored("ok.eml")
    assert stored.message is not None and stored.ticket is not None
    assert stored.message.safe_html is not None and "<script>" not in stored.message.safe_html
    calls: list[str] = []
    monkeypatch.setattr(safehtml, "sanitize_html", lambda h, *a: calls.append(h))
    page = app.get(f"/tickets/{stored.ticket.ref}")
    assert 'href="https://klant.example.be/x"' in page.text and "x()" not in page.text
    assert calls == []


@SQLITE_ONLY
def test_mail_stored_before_is_sanitized_once_on_its_first_view(
    pipeline: Pipeline, app: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    parts = [text_part("<p>Oud <b>bericht</b></p><img src=x onerror=alert(1)>", "text/html")]
    pipeline.ingest({"old.eml": with_parts(parts, subject="printer", subtype="alternative")})
    stored = pipeline.stored("old.eml")
    assert stored.ticket is not None and stored.message is not None
    message_id = stored.message.id
    with Session(pipeline.engine) as s:  # as an older version left it: raw HTML only
        m = s.exec(select(Message).where(Message.id == message_id)).one()
        m.safe_html, m.html_blocked, m.html_withheld = None, 0, None
        s.add(m)
        s.commit()
    real = safehtml.sanitize_html
    calls: list[str] = []

    def counted(html: str, *args: int) -> safehtml.SafeHtml:
        calls.append(html)
        return real(html, *args)

    monkeypatch.setattr(safehtml, "sanitize_html", counted)
    for _ in range(3):
        page = app.get(f"/tickets/{stored.ticket.ref}")
        assert "<b>bericht</b>" in page.text and "onerror" not in page.text
    assert len(calls) == 1
    with Session(pipeline.engine) as s:
        m = s.exec(select(Message).where(Message.id == message_id)).one()
        assert m.safe_html is not None and "<b>bericht</b>" in m.safe_html
        assert m.html_blocked == 1


def test_nesting_is_measured_in_linear_time_and_never_underestimated() -> None:
    assert safehtml.nesting_depth("<p>a<p>b<p>c<br><img src=x>", 10) == 1
    assert safehtml.nesting_depth("<div><ul><li>a<li>b</ul></div>", 10) == 3
    # list items inside list items are real nesting, whatever closes them
    nested_lists = "<li><ul>" * 500
    assert safehtml.nesting_depth(nested_lists, safehtml.MAX_DEPTH) > safehtml.MAX_DEPTH
    started = time.perf_counter()
    flat = "<p>tekst <b>vet</b></p>" * 50_000  # ~1 MB, depth 2
    assert safehtml.nesting_depth(flat, safehtml.MAX_DEPTH) == 2
    assert time.perf_counter() - started < 1.0
    big = safehtml.sanitize_html("<p>x</p>" * 200_000)
    assert big.withheld == safehtml.TOO_LARGE and big.html == ""
