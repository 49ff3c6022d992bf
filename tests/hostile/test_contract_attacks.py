"""Attacks on a contract, end to end (issue "Only proven senders and proven facts change a
contract"; SECURITY.md *Forged senders* and *Ticket injection*).

Each mail arrives in a private Dovecot mailbox; `run_once` (what `postkamer run --once` runs)
takes it in with the production processor on SQLite and PostgreSQL; the replies go to a real
SMTP server (aiosmtpd). The desk's settings believe its own mail server (`[trust]
authserv_ids = [MX]`), so a mail that MX stamped (`tests/support/mx.py`) has a proven sender,
and any other Authentication-Results header is only the sender's claim. Each test checks what
a user would notice: the ticket's outcome and status, its scheduled jobs, the facts on the
ticket and which mail reached the SMTP server, for whom.

- a forger's own Authentication-Results (an authserv-id the settings do not list) claiming
  `dmarc=pass` for a registered contact: no acceptance, the confirmation request to the
  registered contact only (not the Reply-To, not the Cc), no termination job;
- "we have NOT destroyed the copies" beside an empty `vernietigingsverklaring.pdf`: the reply
  still asks for the confirmation;
- a scanned (image-only) signed certificate is read and the cancellation accepted; an
  unreadable scan named as a certificate goes to a person, and nobody is told it was accepted;
- "Het gaat om contractnummer 0032-4471-09" (a phone number's shape) is the contract number
  the registry knows, and the reply does not ask for a number;
- a stranger's auto-reply, out-of-office and bounce naming a proven customer's ticket (proven
  themselves, for their own domains) change nothing there: her next mail is judged without
  them, and her own confirmation later completes it with her dates, not theirs.

The forged delivery report and the phishing display name run on a desk that believes no mail
server in `test_injection.py`; the forged contact answering with the code in
`tests/pipeline/test_confirmation_live.py`.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from postkamer.settings import SmtpSettings, TrustSettings
from routing.dates import add_months, local_date
from routing.registry import Contract, Registry
from storage.models import Ticket
from tests.hostile.conftest import Received
from tests.hostile.desk import Desk, open_desk
from tests.hostile.mails import attachment_part, delivery_report, plain, text_part, with_parts
from tests.support.dovecot import Account
from tests.support.mx import MX, stamped
from tests.support.ocr import certificate, encoded, noise, require_tesseract

#: the registered contact of maintenance contracts HW-2207-4418 (2021) and HW-2207-5120 (2023)
JAN = "Jan Deprez <jan.deprez@zevenlinden.example.be>"
JAN_ADDRESS = "jan.deprez@zevenlinden.example.be"
#: the registered contact of the monthly licence ML 402-118
SOFIE = "Sofie Vanacker <sofie.vanacker@kmw.example.be>"
SOFIE_ADDRESS = "sofie.vanacker@kmw.example.be"
#: a maintenance contract whose number has the shape of a Belgian phone number
PHONE_SHAPED = Contract(
    "0032447109",
    "0032-4471-09",
    "maintenance",
    "hardware",
    "Verhuur Claes BV",
    frozenset({"piet.claes@verhuur-claes.example.be"}),
    date(2020, 1, 1),
    "nl",
)
ACCEPTANCE = "cancellation/accepted"
#: the one-time code of a confirmation request, on a line of its own
CODE = re.compile(r"^\s+[0-9A-Z]{4}-[0-9A-Z]{4}\s*$", re.MULTILINE)


@pytest.fixture
def desk(
    imap_account: Account,
    engine: Engine,
    tmp_path: Path,
    smtp_inbox: tuple[SmtpSettings, list[Received]],
    sample_registry: Registry,
) -> Desk:
    """The desk believing its own mail server, with the sample contracts and PHONE_SHAPED."""
    smtp, inbox = smtp_inbox
    contracts = [*sample_registry.values(), PHONE_SHAPED]
    trust = TrustSettings(authserv_ids=[MX])
    return open_desk(imap_account, engine, tmp_path, smtp, inbox, contracts, trust=trust)


def _arrival() -> datetime:
    """A minute ago: when the test's mail reached the mailbox (INTERNALDATE)."""
    return datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)


def _ticket(desk: Desk, ref: str | None) -> tuple[Ticket, int]:
    ticket = desk.ticket_by_ref(ref)
    assert ticket.id is not None
    return ticket, ticket.id


def _delivered(desk: Desk, ticket_id: int) -> list[tuple[str | None, list[str], str]]:
    """What reached the SMTP server for the ticket: (template, envelope recipients, text)."""
    rows = {r.message_id: r for r in desk.outbox() if r.ticket_id == ticket_id}
    out = []
    for got in desk.inbox:
        msg = got.parsed()
        row = rows.get(str(msg["Message-ID"]))
        if row is not None:
            body = msg.get_body(("plain",))
            assert isinstance(body, EmailMessage)
            out.append((row.template, got.rcpt_tos, str(body.get_content())))
    return out


def _facts(desk: Desk, ticket_id: int) -> dict[str, Any]:
    """What was read from the ticket's one incoming mail, as stored with it."""
    (message,) = desk.messages(ticket_id)
    assert message.counts and message.extraction is not None
    return message.extraction


def _termination(desk: Desk, ticket_id: int) -> date | None:
    """The effective date the ticket's termination job is scheduled for, if any."""
    job = desk.scheduled(ticket_id).get(f"termination:{ticket_id}")
    if job is None:
        return None
    assert job.run_at.date() == date.fromisoformat(job.args[1])
    return date.fromisoformat(job.args[1])


def test_a_forgers_own_authentication_results_prove_nothing(desk: Desk) -> None:
    claims = (
        # the forger's own server, and a name that is only the desk's domain
        "Authentication-Results: mx.forger.example.net; dkim=pass"
        " header.d=zevenlinden.example.be; dmarc=pass header.from=zevenlinden.example.be\n"
        "Authentication-Results: contracts.example.com;"
        " dmarc=pass header.from=zevenlinden.example.be\n"
        "Reply-To: Jan Deprez <jan.deprez@forger.example.net>\n"
        "Cc: mallory@forger.example.net"
    )
    forged = plain(
        "Goedendag,\n\nWij zeggen het onderhoudscontract HW-2207-4418 op.\n\nJan Deprez\n",
        sender=JAN,
        subject="Opzegging onderhoudscontract HW-2207-4418",
        extra=claims,
    )
    # the same request for his other contract, stamped by the desk's MX: the trust works
    genuine = stamped(
        plain(
            "Goedendag,\n\nWij zeggen het onderhoudscontract HW-2207-5120 op.\n\nJan Deprez\n",
            sender=JAN,
            subject="Opzegging onderhoudscontract HW-2207-5120",
        )
    )
    arrived = _arrival()
    done = desk.receive(forged, genuine, arrived=arrived)
    assert desk.send() == 2
    tickets = {
        tuple(t.contract_numbers): (t, t.id or 0)
        for t in (desk.ticket_by_ref(r.ticket_ref) for r in done)
    }
    (forged_ticket, forged_id) = tickets[("HW22074418",)]
    (genuine_ticket, genuine_id) = tickets[("HW22075120",)]

    assert (genuine_ticket.policy or {})["outcome"] == "accepted"
    assert _termination(desk, genuine_id) == add_months(local_date(arrived), 1)

    assert (forged_ticket.policy or {})["outcome"] == "awaiting_sender_confirmation"
    assert forged_ticket.status == "waiting_on_customer"
    assert _termination(desk, forged_id) is None, "a termination on a forger's word"
    (message,) = desk.messages(forged_id)
    proof = (message.decision or {})["sender_proof"]
    assert proof["status"] == "unproven"
    assert any("mx.forger.example.net ignored" in why for why in proof["reasons"])
    assert any("contracts.example.com ignored" in why for why in proof["reasons"])

    ((template, rcpt, text),) = _delivered(desk, forged_id)
    assert template == "cancellation/awaiting_sender_confirmation"
    assert rcpt == [JAN_ADDRESS], "the request goes to the registered contact only"
    assert "HW-2207-4418" in text and CODE.search(text), text
    assert [t for t, _, _ in _delivered(desk, genuine_id)] == [ACCEPTANCE]
    assert all(a.endswith("@zevenlinden.example.be") for got in desk.inbox for a in got.rcpt_tos)


def test_a_certificate_named_but_negated_still_asks_for_the_confirmation(desk: Desk) -> None:
    mail = stamped(
        with_parts(
            [
                text_part(
                    "Beste,\n\nHierbij zeggen wij de maandelijkse licentie ML 402-118 op.\n"
                    "We hebben de kopieën NOG NIET vernietigd, het attest is nog niet "
                    "ondertekend.\n\nSofie Vanacker\n"
                ),
                attachment_part(
                    b"", 'attachment; filename="vernietigingsverklaring.pdf"', "application/pdf"
                ),
            ],
            sender=SOFIE,
            subject="Opzegging licentie ML 402-118",
        )
    )
    (done,) = desk.receive(mail, arrived=_arrival())
    assert desk.send() == 1
    ticket, tid = _ticket(desk, done.ticket_ref)
    assert (ticket.policy or {})["outcome"] == "needs_destruction_confirmation"
    assert ticket.status == "waiting_on_customer"
    assert ticket.contract_numbers == ["ML402118"]
    assert _termination(desk, tid) is None
    facts = _facts(desk, tid)
    assert facts["destruction_confirmation"] is False
    dropped = {e["dropped"] for e in facts["found"]["destruction_confirmation"]}
    assert {"negated", "file name only"} <= dropped
    ((template, rcpt, text),) = _delivered(desk, tid)
    assert (template, rcpt) == ("cancellation/needs_destruction_confirmation", [SOFIE_ADDRESS])
    assert "ondertekende vernietigingsverklaring" in text, "the reply asks for the certificate"
    assert not any(t == ACCEPTANCE for t in (r.template for r in desk.outbox()))


def _scan_mail(image: bytes, filename: str, body: str) -> bytes:
    return stamped(
        with_parts(
            [
                text_part(f"Beste,\n\n{body}\n\nMet vriendelijke groeten,\nSofie Vanacker\n"),
                attachment_part(image, f'attachment; filename="{filename}"', "image/png"),
            ],
            sender=SOFIE,
            subject="Opzegging licentie ML 402-118",
        )
    )


SIGNED_CERTIFICATE = (
    "VERNIETIGINGSVERKLARING",
    "",
    "Hierbij verklaren wij dat alle kopieën van de software",
    "onder licentie ML 402-118 werden vernietigd.",
    "",
    "Kortrijk, 3 maart 2026",
    "Naam: Sofie Vanacker, IT-verantwoordelijke",
    "Handtekening:",
)


def test_a_scanned_signed_certificate_is_read_and_the_cancellation_accepted(desk: Desk) -> None:
    require_tesseract()
    scan = encoded(certificate(SIGNED_CERTIFICATE), "PNG")
    arrived = _arrival()
    (done,) = desk.receive(
        _scan_mail(scan, "scan_0001.png", "Wij zeggen de maandelijkse licentie ML 402-118 op."),
        arrived=arrived,
    )
    assert desk.send() == 1
    ticket, tid = _ticket(desk, done.ticket_ref)
    effective = local_date(arrived) + timedelta(days=30)
    assert ticket.policy == {
        "outcome": "accepted",
        "effective_date": effective.isoformat(),
        "earliest_notice_date": None,
    }
    assert ticket.status == "resolved"
    assert _termination(desk, tid) == effective
    facts = _facts(desk, tid)
    assert facts["destruction_confirmation"] is True and facts["certificate_unreadable"] is False
    kept = [e for e in facts["found"]["destruction_confirmation"] if "dropped" not in e]
    assert {e["source"] for e in kept} == {"attachment:scan_0001.png"}, "not the name: the scan"
    ((template, rcpt, text),) = _delivered(desk, tid)
    assert (template, rcpt) == (ACCEPTANCE, [SOFIE_ADDRESS])
    assert "ML 402-118" in text


def test_an_unreadable_scan_named_as_a_certificate_goes_to_a_person(desk: Desk) -> None:
    require_tesseract()
    (done,) = desk.receive(
        _scan_mail(
            encoded(noise(), "PNG"),
            "vernietigingsverklaring.png",
            "Wij zeggen de maandelijkse licentie ML 402-118 op. In bijlage het attest.",
        ),
        arrived=_arrival(),
    )
    assert desk.send() == 1
    ticket, tid = _ticket(desk, done.ticket_ref)
    assert (ticket.policy or {})["outcome"] == "manual_review"
    assert ticket.status == "open"
    assert _termination(desk, tid) is None
    facts = _facts(desk, tid)
    assert facts["certificate_unreadable"] is True
    ((template, rcpt, text),) = _delivered(desk, tid)
    assert (template, rcpt) == ("cancellation/manual_review", [SOFIE_ADDRESS])
    assert "persoonlijk bekeken" in text and "Wij bevestigen de opzegging" not in text


def test_a_contract_number_shaped_like_a_phone_number_is_found(desk: Desk) -> None:
    mail = stamped(
        plain(
            "Goedendag,\n\nWij zeggen ons onderhoudscontract op.\n"
            "Het gaat om contractnummer 0032-4471-09\n\nPiet Claes\nVerhuur Claes BV\n",
            sender="Piet Claes <piet.claes@verhuur-claes.example.be>",
            subject="Opzegging onderhoud",
        )
    )
    arrived = _arrival()
    (done,) = desk.receive(mail, arrived=arrived)
    assert desk.send() == 1
    ticket, tid = _ticket(desk, done.ticket_ref)
    assert ticket.contract_numbers == ["0032447109"]
    assert (ticket.policy or {})["outcome"] == "accepted"
    assert _termination(desk, tid) == add_months(local_date(arrived), 1)
    [number] = [e for e in _facts(desk, tid)["found"]["contract_numbers"] if "dropped" not in e]
    assert number["text"] == "Het gaat om contractnummer 0032-4471-09"
    ((template, rcpt, text),) = _delivered(desk, tid)
    assert (template, rcpt) == (ACCEPTANCE, ["piet.claes@verhuur-claes.example.be"])
    assert "contract 0032-4471-09" in text and "contractnummer nodig" not in text


#: what the strangers write: enough to complete the cancellation, with a later end date
STRANGERS_FACTS = (
    "Wij bevestigen dat alle kopieën van de software vernietigd werden.\n"
    "Gelieve de licentie ML 402-118 op te zeggen per 31 maart 2027.\n"
)


def test_strangers_robots_on_a_proven_customers_ticket_change_nothing(desk: Desk) -> None:
    """The injection attack where it would have bitten: the customer is proven, so her own
    words can complete the request; the robots are proven too (for their own domains)."""
    (opened,) = desk.receive(
        stamped(
            plain(
                "Beste,\n\nHierbij zeggen wij de maandelijkse licentie ML 402-118 op.\n\nSofie\n",
                sender=SOFIE,
                subject="Opzegging licentie ML 402-118",
            )
        ),
        arrived=_arrival(),
    )
    assert opened.outcome == "needs_destruction_confirmation"
    assert desk.send() == 1
    (ask,) = desk.outbox()
    victim, tag = ask.ticket_id or 0, f"[{opened.ticket_ref}]"
    before = desk.state(victim)
    robots = [
        plain(
            STRANGERS_FACTS,
            sender="Mallory <mallory@elders.example.org>",
            subject=f"Automatisch antwoord: Re: Opzegging licentie {tag}",
            extra="Auto-Submitted: auto-replied",
        ),
        plain(
            "Thank you for your message.\n" + STRANGERS_FACTS,
            sender="Trudy <trudy@elders.example.org>",
            subject="Out of office: Re: Opzegging licentie",
            extra=f"In-Reply-To: {ask.message_id}\nReferences: {ask.message_id}",
        ),
        delivery_report(
            ask.message_id,
            "mallory@elders.example.org",
            "550 5.1.1 user unknown",
            "Mail Delivery System <MAILER-DAEMON@mx.elders.example.org>",
            STRANGERS_FACTS,
        ),
    ]
    done = desk.receive(*map(stamped, robots), arrived=_arrival())
    assert {r.ticket_ref for r in done} == {opened.ticket_ref}, "linked to the ticket they name"
    assert desk.state(victim) == before
    assert desk.send() == 0, "a robot got an answer"

    def from_sofie(body: str) -> bytes:
        return stamped(
            plain(
                body,
                sender=SOFIE,
                subject=f"Re: Opzegging licentie ML 402-118 {tag}",
                extra=f"In-Reply-To: {ask.message_id}\nReferences: {ask.message_id}",
            )
        )

    (asked,) = desk.receive(
        from_sofie("Beste,\n\nHebben jullie mijn mail goed ontvangen?\n\nSofie\n"),
        arrived=_arrival(),
    )
    assert asked.disposition == "followup" and asked.ticket_ref == opened.ticket_ref
    assert desk.ticket(victim).policy == before["policy"], "judged on the strangers' words"
    assert _termination(desk, victim) is None
    desk.send()
    assert ACCEPTANCE not in [r.template for r in desk.outbox()]

    # her own confirmation completes it, with her dates: nothing of the strangers' remains
    arrived = _arrival()
    (confirmed,) = desk.receive(
        from_sofie("Alle kopieën van de software werden vernietigd.\n\nSofie\n"),
        arrived=arrived,
    )
    assert confirmed.outcome == "accepted"
    effective = local_date(arrived) + timedelta(days=30)
    assert (desk.ticket(victim).policy or {})["effective_date"] == effective.isoformat()
    assert _termination(desk, victim) == effective
    desk.send()
    assert [t for t, _, _ in _delivered(desk, victim)][-1] == ACCEPTANCE
    assert all(got.rcpt_tos == [SOFIE_ADDRESS] for got in desk.inbox)
