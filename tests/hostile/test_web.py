"""RELIABILITY.md items 7, 8, 9, 10 and 19 in the web app: hostile mail goes through the real
pipeline first, then the test reads the HTML and the downloads the app serves (TestClient).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from postkamer.web import WebConfig, create_app
from storage import users
from storage.db import session_scope
from storage.models import AttachmentRow, LedgerEntry
from tests.hostile.conftest import SQLITE_ONLY, Pipeline
from tests.hostile.mails import attachment_part, plain, text_part, with_parts

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _cheap_hashing() -> Iterator[None]:
    previous = users.use_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    try:
        yield
    finally:
        users.use_hasher(previous)


@pytest.fixture
def app(pipeline: Pipeline) -> Iterator[TestClient]:
    with session_scope(pipeline.engine) as s:
        users.create_user(s, "hw@desk.example.com", PASSWORD, "owner", ("hardware",))
        users.create_user(s, "cx@desk.example.com", PASSWORD, "owner", ("cancellation",))
        users.create_user(s, "boss@desk.example.com", PASSWORD, "supervisor", ())
    config = WebConfig(engine=pipeline.engine, blobs=pipeline.context.blobs)
    with TestClient(create_app(config), follow_redirects=False) as client:
        yield client


def login(client: TestClient, email: str) -> str:
    page = client.get("/login")
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    r = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 303, r.text
    csrf: str = client.get("/api/me").json()["csrf_token"]
    return csrf


HOSTILE_HTML = """<html><body>
<p>Mijn printer is kapot.</p>
<script>alert('script')</script>
<img src="https://tracker.example.net/pixel.gif" onerror="alert('img')">
<a href="javascript:alert('link')">klik</a>
<a href="https://klant.example.be/handleiding">handleiding</a>
<svg onload="alert('svg')"><circle r="5"/></svg>
<div style="background: url('https://tracker.example.net/bg.png')" onclick="alert('div')">x</div>
<style>body { background: url(https://tracker.example.net/css.png) }</style>
<iframe src="https://evil.example.net/"></iframe>
<form action="https://evil.example.net/"><input name="password"></form>
<img src="cid:logo@klant">
<body onload="alert('body')">
</body></html>"""


@SQLITE_ONLY
def test_hostile_html_bodies_are_sanitized_and_the_page_forbids_remote_loads(
    pipeline: Pipeline, app: TestClient
) -> None:
    parts = [text_part(HOSTILE_HTML, "text/html; charset=utf-8")]
    pipeline.ingest({"html.eml": with_parts(parts, subject="printer kapot", subtype="alternative")})
    stored = pipeline.stored("html.eml")
    assert stored.ticket is not None and stored.ticket.queue == "hardware"
    login(app, "hw@desk.example.com")
    page = app.get(f"/tickets/{stored.ticket.ref}")
    assert page.status_code == 200
    html = page.text
    assert "Mijn printer is kapot" in html
    for bad in (
        "<script>alert",
        "onerror",
        "onload",
        "onclick",
        "javascript:",
        "<svg",
        "<iframe",
        '<form action="https',
        "tracker.example.net",
        "url(",
        "cid:logo",
    ):
        assert bad not in html, f"{bad!r} reached the page"
    assert 'href="https://klant.example.be/handleiding"' in html
    assert "noopener" in html
    csp = page.headers["content-security-policy"]
    assert "img-src 'self' data:" in csp
    assert "default-src 'self'" in csp and "object-src 'none'" in csp
    assert "script-src" not in csp or "'unsafe-inline'" not in csp
    assert page.headers["x-content-type-options"] == "nosniff"


NAMES = {
    'attachment; filename="../../x"': "x",
    'attachment; filename="/etc/passwd"': "passwd",
    "attachment; filename*=utf-8''%2e%2e%2f%2e%2e%2fevil.sh": "evil.sh",
    'attachment; filename="\\"><svg onload=alert(1)>.pdf"': '"><svg onload=alert(1)>.pdf',
    'attachment; filename="=?utf-8?q?=3Cimg_src=3Dx_onerror=3Dalert=281=29=3E.txt?="': (
        "<img src=x onerror=alert(1)>.txt"
    ),
}


def test_hostile_attachment_names_are_escaped_and_downloads_are_inert(
    pipeline: Pipeline, app: TestClient
) -> None:
    parts = [text_part("Printer kapot, zie bijlagen.\n")]
    for i, disposition in enumerate(NAMES):
        parts.append(attachment_part(f"bijlage {i}\n".encode(), disposition))
    parts.append(
        attachment_part(
            b"<html><body><script>alert(document.cookie)</script></body></html>",
            'attachment; filename="factuur.html"',
            "text/html",
        )
    )
    parts.append(
        attachment_part(
            b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
            'attachment; filename="logo.svg"',
            "image/svg+xml",
        )
    )
    pipeline.ingest({"names.eml": with_parts(parts, subject="printer bijlagen")})
    stored = pipeline.stored("names.eml")
    assert stored.ticket is not None and stored.ticket.queue == "hardware"
    by_name = {a.filename: a for a in stored.attachments}
    assert set(NAMES.values()) <= set(by_name)
    login(app, "hw@desk.example.com")
    page = app.get(f"/tickets/{stored.ticket.ref}").text
    assert "<svg onload" not in page and "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;.txt" in page
    assert "&lt;svg onload=alert(1)&gt;.pdf" in page
    for name, row in by_name.items():
        r = app.get(f"/attachments/{row.id}")
        assert r.status_code == 200, name
        disposition = r.headers["content-disposition"]
        assert disposition.startswith("attachment;"), disposition
        assert "/" not in disposition.split("filename*=", 1)[0], disposition
        assert "\r" not in disposition and "\n" not in disposition
        assert r.headers["content-type"] == "application/octet-stream", name
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.content == pipeline.context.blobs.get(row.sha256)
    html_row = by_name["factuur.html"]
    assert html_row.sniffed_type == "text/html"
    svg_row = by_name["logo.svg"]
    assert svg_row.sniffed_type == "image/svg+xml"


@SQLITE_ONLY
def test_oversized_part_shows_a_notice_and_the_rest_of_the_mail(
    pipeline: Pipeline, app: TestClient
) -> None:
    from postkamer.processing import ProcessingContext
    from postkamer.settings import LimitSettings

    pipeline.context = ProcessingContext.from_settings(
        pipeline.settings.model_copy(update={"limits": LimitSettings(max_attachment_bytes=1000)})
    )
    parts = [
        text_part("De printer maakt lawaai, zie filmpje.\n"),
        attachment_part(b"x" * 5000, 'attachment; filename="filmpje.mp4"', "video/mp4"),
    ]
    pipeline.ingest({"big.eml": with_parts(parts, subject="printer lawaai")})
    stored = pipeline.stored("big.eml")
    assert stored.ticket is not None
    login(app, "boss@desk.example.com")
    page = app.get(f"/tickets/{stored.ticket.ref}").text
    assert "De printer maakt lawaai" in page
    assert "filmpje.mp4" in page
    assert '<a href="/attachments/' not in page.split("filmpje.mp4")[0].rsplit("<li>", 1)[-1]
    (row,) = stored.attachments
    assert app.get(f"/attachments/{row.id}").status_code == 410


def test_queue_owners_are_kept_to_their_queues_and_state_changes_need_csrf(
    pipeline: Pipeline, app: TestClient
) -> None:
    pipeline.ingest(
        {
            "hw.eml": with_parts(
                [
                    text_part("Printer kapot.\n"),
                    attachment_part(b"foto", 'attachment; filename="foto.jpg"', "image/jpeg"),
                ],
                subject="printer kapot",
            ),
            "cx.eml": with_parts(
                [
                    text_part("Wij zeggen het onderhoudscontract HW-2207-4418 op.\n"),
                    attachment_part(b"brief", 'attachment; filename="brief.pdf"'),
                ],
                sender="Jan Deprez <jan.deprez@zevenlinden.example.be>",
                subject="opzegging",
            ),
            "bad.eml": b"From: x@y.example\r\nSubject: <script>alert('q')</script>\r\n\r\n"
            + b"\x01\x02\x03\x04\x05\x06\x07\x08" * 20,
        }
    )
    hw, cx = pipeline.stored("hw.eml"), pipeline.stored("cx.eml")
    assert hw.ticket is not None and hw.ticket.queue == "hardware"
    assert cx.ticket is not None and cx.ticket.queue == "cancellation"
    csrf = login(app, "hw@desk.example.com")
    assert app.get(f"/tickets/{hw.ticket.ref}").status_code == 200
    assert app.get(f"/tickets/{cx.ticket.ref}").status_code == 404
    assert app.get(f"/api/tickets/{cx.ticket.ref}").status_code == 404
    assert app.get(f"/attachments/{hw.attachments[0].id}").status_code == 200
    assert app.get(f"/attachments/{cx.attachments[0].id}").status_code == 404
    assert app.get("/queues/cancellation").status_code == 404
    assert app.get("/queues/cancellation/export.csv").status_code == 404
    assert app.get("/quarantine").status_code == 403
    # state changes on the own queue: refused without the token, accepted with it
    note = {"text": "gezien"}
    assert app.post(f"/tickets/{hw.ticket.ref}/note", data=note).status_code == 403
    assert (
        app.post(f"/tickets/{hw.ticket.ref}/note", data={**note, "csrf_token": "wrong"}).status_code
        == 403
    )
    assert app.post(f"/api/tickets/{hw.ticket.ref}/notes", json=note).status_code == 403
    ok = app.post(f"/tickets/{hw.ticket.ref}/note", data={**note, "csrf_token": csrf})
    assert ok.status_code == 303
    # and never on another queue's ticket, token or not
    moved = app.post(
        f"/tickets/{cx.ticket.ref}/status", data={"status": "closed", "csrf_token": csrf}
    )
    assert moved.status_code == 404
    with Session(pipeline.engine) as s:
        entries = list(s.exec(select(LedgerEntry).where(LedgerEntry.state == "quarantined")))
        attachment_ids = [a.id for a in s.exec(select(AttachmentRow))]
    assert len(attachment_ids) == 2
    # the supervisor sees the quarantined mail, its hostile subject escaped
    app.post("/logout", data={"csrf_token": csrf})
    login(app, "boss@desk.example.com")
    assert app.get(f"/tickets/{cx.ticket.ref}").status_code == 200
    for entry in entries:
        page = app.get(f"/quarantine/{entry.id}")
        assert page.status_code == 200
        assert "<script>alert" not in page.text


def test_csv_export_neutralizes_formula_cells(pipeline: Pipeline, app: TestClient) -> None:
    hostile = {
        "eq.eml": (
            '"=HYPERLINK(""http://evil.example/"",""x"")" <a@klant.example.be>',
            "=1+2 printer",
        ),
        "plus.eml": ("\"+cmd|' /C calc'!A0\" <b@klant.example.be>", "+SUM(A1) printer"),
        "minus.eml": ('"-2+3" <c@klant.example.be>', "-10 printer"),
        "at.eml": ('"@SUM(1+1)" <d@klant.example.be>', "@import printer"),
        "tab.eml": ("Jan <e@klant.example.be>", "=?utf-8?q?=09=3D1+1_printer?="),
    }
    pipeline.ingest(
        {
            name: plain("Mijn printer is kapot.\n", sender=s, subject=subj)
            for name, (s, subj) in hostile.items()
        }
    )
    login(app, "hw@desk.example.com")
    r = app.get("/queues/hardware/export.csv")
    assert r.status_code == 200
    assert r.headers["content-disposition"].startswith("attachment")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == len(hostile)
    for row in rows:
        for column, value in row.items():
            assert not re.match(r"^[=+\-@\t\r]", value), (column, value)
    subjects = {row["subject"] for row in rows}
    assert "'=1+2 printer" in subjects and "'+SUM(A1) printer" in subjects
    names = {row["requester_name"] for row in rows}
    assert "'-2+3" in names and "'@SUM(1+1)" in names


@SQLITE_ONLY
def test_linked_mail_is_marked_adds_no_facts_and_its_links_and_attachments_are_inert(
    pipeline: Pipeline, app: TestClient
) -> None:
    """A stranger's auto-reply with the ticket's tag: shown on the ticket as linked mail that
    does not count, its links not clickable, its attachments with a warning, and the facts
    card still says what the customer said (DOMAIN.md 4a)."""
    pipeline.ingest(
        {
            "ask.eml": plain(
                "Hierbij zeggen wij de maandelijkse licentie ML 402-118 op.\n",
                sender="Sofie Vanacker <sofie.vanacker@kmw.example.be>",
                subject="Opzegging licentie",
            )
        }
    )
    ticket = pipeline.stored("ask.eml").ticket
    assert ticket is not None and ticket.queue == "cancellation"
    html_part = text_part(
        "<p>Wij bevestigen dat alle kopieën van de software vernietigd werden.</p>"
        '<p><a href="https://evil.test/login">Bekijk het attest</a></p>',
        "text/html; charset=utf-8",
    )
    certificate = attachment_part(
        b"%PDF-1.4\n%%EOF\n",
        'attachment; filename="vernietigingsverklaring.pdf"',
        "application/pdf",
    )
    pipeline.ingest(
        {
            "auto.eml": with_parts(
                [html_part, certificate],
                sender="Mallory <mallory@elders.example.org>",
                subject=f"Automatic reply: Re: Opzegging licentie [{ticket.ref}]",
                extra="Auto-Submitted: auto-replied",
            )
        }
    )
    auto = pipeline.stored("auto.eml")
    assert auto.message is not None and auto.message.ticket_id == ticket.id
    assert auto.message.counts is False
    login(app, "cx@desk.example.com")
    page = app.get(f"/tickets/{ticket.ref}", headers={"Accept-Language": "en"}).text
    assert "automatic reply: does not count" in page
    assert "Linked to this ticket for the record only" in page
    assert "Bekijk het attest" in page and 'href="https://evil.test' not in page
    assert "Attachments from an unverified sender" in page
    assert 'download class="untrusted"' in page
    facts = page.split('id="facts-h"', 1)[1].split("</section>", 1)[0]
    assert re.search(r"<dt>Destruction confirmed</dt><dd>no\s*</dd>", facts), facts
    api = app.get(f"/api/tickets/{ticket.ref}").json()
    assert [m["linked"] for m in api["messages"] if m["direction"] == "in"] == [None, "auto_reply"]
