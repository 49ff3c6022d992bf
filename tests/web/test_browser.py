"""The web app in a real browser: headless Chromium (Debian's, driven by Playwright) against the
app served by uvicorn on a free loopback port. A queue owner logs in, opens a queue and a ticket,
adds a note and moves the ticket. Screenshots go to test-artifacts/ for people to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from postkamer.web import WebConfig
from storage.blobs import BlobStore
from storage.db import session_scope
from storage.models import Event, Ticket
from tests.web import factory
from tests.web.conftest import ARTIFACTS, serve


@pytest.fixture
def served(web_config: WebConfig) -> Iterator[str]:
    """The app served by uvicorn in a thread; yields its base URL."""
    with serve(web_config) as url:
        yield url


def _seed(engine: Engine, blobs: BlobStore) -> str:
    factory.add_user(engine, "els@postkamer.be", "owner", ("hardware", "software"))
    factory.add_contract(engine, "MA1234567")
    for i in range(3):
        factory.add_ticket(engine, subject=f"Offerte onderhoud plooimachine {i}", priority="low")
    ref = factory.add_ticket(
        engine,
        subject="Storing etiketteermachine <script>alert(1)</script>",
        priority="high",
        contract_numbers=["MA1234567"],
        tags=["storing"],
    )
    mid = factory.add_message(
        engine,
        ref,
        text=(
            "Goedendag,\n\nOnze etiketteermachine (contract MA-123 4567) geeft foutcode E42.\n"
            "Kan er een technieker langskomen?\n\nMet vriendelijke groeten,\nJan Peeters\n\n"
            "> Op 2 maart schreef Support:\n> Uw ticket werd aangemaakt."
        ),
        new_text=(
            "Goedendag,\n\nOnze etiketteermachine (contract MA-123 4567) geeft foutcode E42.\n"
            "Kan er een technieker langskomen?\n\nMet vriendelijke groeten,\nJan Peeters"
        ),
        html='<p>Goedendag,</p><p>Foutcode <b>E42</b>.</p><img src="https://tracker.example/p.gif">',
        explanation=[
            "matched 'etiketteermachine' (hardware, weight 2)",
            "contract MA1234567 in the registry: scope hardware",
        ],
        extraction={
            "language": "nl",
            "phone": "+32 3 123 45 67",
            "found": {
                "contract_numbers": [
                    {
                        "value": "MA1234567",
                        "source": "body",
                        "text": "Onze etiketteermachine (contract MA-123 4567) geeft foutcode E42.",
                    },
                    {
                        "value": "3231234567",
                        "source": "signature",
                        "text": "Tel. +32 3 123 45 67",
                        "dropped": "phone number",
                    },
                ],
                "phone": [
                    {
                        "value": "+32 3 123 45 67",
                        "source": "signature",
                        "text": "Tel. +32 3 123 45 67",
                    }
                ],
            },
        },
    )
    factory.add_attachment(engine, blobs, mid, b"%PDF-1.4 foto", "foutcode-E42.pdf")
    return ref


def test_owner_works_a_ticket_in_the_browser(
    served: str, browser: Any, web_config: WebConfig
) -> None:
    ref = _seed(web_config.engine, web_config.blobs)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="nl-BE")
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("dialog", lambda d: errors.append(f"dialog: {d.message}"))

    page.goto(served + "/")
    assert "/login" in page.url
    page.screenshot(path=str(ARTIFACTS / "01-login.png"))
    page.get_by_label("E-mailadres").fill("els@postkamer.be")
    page.get_by_label("Wachtwoord").fill(factory.PASSWORD)
    page.get_by_role("button", name="Aanmelden").click()
    page.wait_for_url(served + "/")
    assert page.get_by_role("heading", name="Uw wachtrijen").is_visible()
    page.screenshot(path=str(ARTIFACTS / "02-overview.png"), full_page=True)

    page.get_by_role("link", name="Hardware").click()
    page.wait_for_url("**/queues/hardware")
    rows = page.locator("table.tickets tbody tr")
    assert rows.count() == 4
    page.get_by_label("Zoeken").fill("MA-123 4567")
    page.get_by_role("button", name="Filteren").click()
    page.wait_for_url("**/queues/hardware?*")
    assert rows.count() == 1
    page.screenshot(path=str(ARTIFACTS / "03-queue.png"), full_page=True)

    page.get_by_role("link", name=ref).click()
    page.wait_for_url(f"**/tickets/{ref}")
    heading = page.locator("h1.ticket-title")
    assert "<script>alert(1)</script>" in heading.inner_text()  # shown as text, not run
    assert page.get_by_text("foutcode E42", exact=False).first.is_visible()
    assert not page.get_by_text("Uw ticket werd aangemaakt").is_visible()  # quoted, collapsed
    assert page.get_by_role("link", name="foutcode-E42.pdf").is_visible()
    # beside the contract number: where it was read; the phone number not taken, folded
    contract = page.locator("ul.contracts li", has_text="MA-1234567")
    assert contract.locator(".evidence .source").inner_text() == "tekst van de mail"
    assert (
        "(contract MA-123 4567) geeft foutcode E42" in contract.locator(".evidence q").inner_text()
    )
    not_taken = page.locator("details.not-taken")
    assert not not_taken.locator("li").is_visible()
    not_taken.locator("summary").click()
    assert "telefoonnummer" in not_taken.locator("li").inner_text()
    page.screenshot(path=str(ARTIFACTS / "04-ticket.png"), full_page=True)

    page.get_by_label("Notitie (niet naar de klant)").fill("Technieker ingepland voor donderdag.")
    page.get_by_role("button", name="Notitie toevoegen").click()
    page.wait_for_url("**done=note")
    assert page.get_by_role("status").inner_text() == "Notitie toegevoegd."
    assert page.locator(".events .note", has_text="Technieker ingepland").is_visible()

    page.get_by_label("Nieuwe wachtrij").select_option("software")
    page.get_by_label("Reden").fill("Het gaat om de software van de machine.")
    page.get_by_role("button", name="Ticket verplaatsen").click()
    page.wait_for_url("**done=moved")
    crumbs = page.locator("nav.crumbs")
    assert "Software" in crumbs.inner_text()
    page.screenshot(path=str(ARTIFACTS / "05-moved.png"), full_page=True)
    assert errors == []

    with session_scope(web_config.engine) as s:
        ticket = s.exec(select(Ticket).where(Ticket.ref == ref)).one()
        assert ticket.queue == "software"
        moved = s.exec(
            select(Event).where(Event.ticket_id == ticket.id, Event.kind == "rerouted")
        ).one()
        assert moved.actor == "els@postkamer.be"
        assert moved.data == {
            "from": "hardware",
            "to": "software",
            "reason": "Het gaat om de software van de machine.",
        }
