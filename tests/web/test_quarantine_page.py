"""The quarantine page: supervisors list quarantined mails with the reason, look at the header
block only (escaped, capped), retry through the processor and discard with a recorded reason."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from postkamer.web import WebConfig, create_app
from storage import ledger
from storage.db import session_scope
from storage.ledger import StoredMail
from storage.models import Event, LedgerEntry
from tests.web import factory
from tests.web.conftest import login
from tests.web.supervision import quarantine_mail
from tests.web.supervision import supervisor_config as make_config

HOSTILE = (
    b"From: <script>alert(1)</script> <x@example.org>\r\n"
    b"Subject: =?UTF-8?Q?caf=C3=A9?= {{7*7}}\r\n"
    b"X-Odd: \xff\xfe bytes\r\n"
    b"\r\n"
    b"SECRET BODY TEXT that must not be shown\r\n"
)


class Recorder:
    """A processor that does nothing (the mail ends processed) or fails when told to."""

    def __init__(self) -> None:
        self.fail = False
        self.seen: list[int] = []

    def __call__(self, session: Session, mails: list[StoredMail]) -> None:
        self.seen.extend(m.ledger_id for m in mails)
        if self.fail:
            raise RuntimeError("parser still broken")


@pytest.fixture
def processor() -> Recorder:
    return Recorder()


@pytest.fixture
def setup(web_config: WebConfig, tmp_path: Path, processor: Recorder) -> Iterator[TestClient]:
    cfg = make_config(web_config, tmp_path, processor)
    factory.add_user(cfg.engine, "boss@postkamer.be", "supervisor")
    factory.add_user(cfg.engine, "hw@postkamer.be", "owner", ("hardware",))
    with TestClient(create_app(cfg), follow_redirects=False) as c:
        yield c


def test_list_and_safe_headers(setup: TestClient, web_config: WebConfig) -> None:
    qid = quarantine_mail(web_config.engine, web_config.blobs, HOSTILE, "parse: <b>too deep</b>")
    login(setup, "boss@postkamer.be")
    page = setup.get("/quarantine").text
    assert f'href="/quarantine/{qid}"' in page
    assert "parse: &lt;b&gt;too deep&lt;/b&gt;" in page and "<b>too deep" not in page
    assert "In quarantaine (1)" in page
    mail = setup.get(f"/quarantine/{qid}").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in mail and "<script>alert" not in mail
    assert "{{7*7}}" in mail and "Subject: =?UTF-8?Q?caf=C3=A9?=" in mail
    assert "\ufffd" in mail  # undecodable bytes shown as replacement characters
    assert "SECRET BODY TEXT" not in mail  # the body never reaches the page


def test_headers_are_capped(setup: TestClient, web_config: WebConfig) -> None:
    big = b"X-Long: " + b"a" * 100_000 + b"\r\n\r\nbody\r\n"
    qid = quarantine_mail(web_config.engine, web_config.blobs, big, "header too long")
    login(setup, "boss@postkamer.be")
    mail = setup.get(f"/quarantine/{qid}").text
    assert "Afgekapt na 16384 tekens." in mail
    assert mail.count("a" * 1000) <= 17


def test_discard_needs_a_reason_and_is_recorded(setup: TestClient, web_config: WebConfig) -> None:
    qid = quarantine_mail(web_config.engine, web_config.blobs, HOSTILE, "not mail")
    csrf = login(setup, "boss@postkamer.be")
    assert setup.post(f"/quarantine/{qid}/discard", data={"reason": "spam"}).status_code == 403
    r = setup.post(f"/quarantine/{qid}/discard", data={"csrf_token": csrf, "reason": "  "})
    assert r.headers["location"] == f"/quarantine/{qid}?error=reason_required"
    assert "Geef een reden op." in setup.get(r.headers["location"]).text
    r = setup.post(f"/quarantine/{qid}/discard", data={"csrf_token": csrf, "reason": "spam run"})
    assert r.status_code == 303 and r.headers["location"] == "/quarantine?done=discarded"
    with session_scope(web_config.engine) as s:
        entry = s.get(LedgerEntry, qid)
        assert entry is not None and entry.state == "discarded"
        event = s.exec(select(Event).where(Event.kind == "discarded")).one()
        assert event.actor == "boss@postkamer.be"
        assert event.data["ledger_id"] == qid and event.data["reason"] == "spam run"
        assert event.data["quarantine_reason"] == "not mail"
    page = setup.get("/quarantine").text
    assert "De quarantaine is leeg." in page
    discarded = setup.get("/quarantine?state=discarded").text
    assert f'href="/quarantine/{qid}"' in discarded
    assert "Verwijderd door boss@postkamer.be" in setup.get(f"/quarantine/{qid}").text
    r = setup.post(f"/quarantine/{qid}/discard", data={"csrf_token": csrf, "reason": "again"})
    assert r.headers["location"] == f"/quarantine/{qid}?error=not_quarantined"


def test_retry_runs_the_processor(
    setup: TestClient, web_config: WebConfig, processor: Recorder
) -> None:
    qid = quarantine_mail(web_config.engine, web_config.blobs, HOSTILE, "processing failed: X")
    csrf = login(setup, "boss@postkamer.be")
    processor.fail = True
    r = setup.post(f"/quarantine/{qid}/retry", data={"csrf_token": csrf})
    assert r.headers["location"] == f"/quarantine/{qid}?done=retry_failed"
    with session_scope(web_config.engine) as s:
        entry = s.get(LedgerEntry, qid)
        assert entry is not None and entry.state == ledger.QUARANTINED
        assert entry.reason is not None and "parser still broken" in entry.reason
    assert "parser still broken" in setup.get(r.headers["location"]).text
    processor.fail = False
    r = setup.post(f"/quarantine/{qid}/retry", data={"csrf_token": csrf})
    assert r.headers["location"] == "/quarantine?done=retried"
    assert set(processor.seen) == {qid} and len(processor.seen) >= 2
    with session_scope(web_config.engine) as s:
        entry = s.get(LedgerEntry, qid)
        assert entry is not None and entry.state == ledger.PROCESSED
        kinds = [
            (e.data["ok"], e.actor)
            for e in s.exec(select(Event).where(Event.kind == "quarantine_retry")).all()
        ]
        assert kinds == [(False, "boss@postkamer.be"), (True, "boss@postkamer.be")]
    assert setup.get(f"/quarantine/{qid}").status_code == 404  # no longer in quarantine


def test_oversize_and_no_processor(web_config: WebConfig, tmp_path: Path) -> None:
    cfg = make_config(web_config, tmp_path, None)
    factory.add_user(cfg.engine, "boss@postkamer.be", "supervisor")
    qid = quarantine_mail(cfg.engine, cfg.blobs, HOSTILE, "oversize: 80 MB over the limit")
    with TestClient(create_app(cfg), follow_redirects=False) as c:
        csrf = login(c, "boss@postkamer.be")
        page = c.get(f"/quarantine/{qid}").text
        assert "enkel de headers" in page and f"/quarantine/{qid}/retry" not in page
        assert c.post(f"/quarantine/{qid}/retry", data={"csrf_token": csrf}).status_code == 409
