"""Ticket injection (SECURITY.md): mail that names a ticket without counting toward it.

A stranger needs only a ticket's 6-character tag (it is in every reply subject) or one of our
Message-IDs to make a mail land next to someone else's ticket. These tests run the whole way
between real servers: the mails arrive in a private Dovecot mailbox, `run_once` (what
`postkamer run --once` runs) takes them in with the real processor on SQLite and PostgreSQL,
and our replies go to a real SMTP server (aiosmtpd), where the test reads them.

- a stranger's auto-reply, out-of-office or bounce carrying the victim ticket's tag or naming
  our Message-ID is linked to the ticket but changes nothing there (facts, status, policy,
  jobs), and the customer's next mail is judged without it;
- a forged delivery report naming our Message-ID but another recipient leaves the reply sent;
  a genuine one fails it, and its text is only ever quoted as the remote server's words;
- an automatic reply never echoes a display name that is a message (a phishing line);
- a colleague in Cc of a proven mail joins the ticket, one in Cc of an unproven mail does not.

The desk here believes no mail server, so every mail is unproven; the Cc test makes the
requester's mails proven by handing the processor a routing decision that says so. The same
desk believing its MX runs the contract attacks in `test_contract_attacks.py`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from intake.model import ParsedMail, SenderProof
from postkamer import processing
from postkamer.settings import SmtpSettings
from postkamer.web.queries import alerts
from routing.decide import decide as real_decide
from routing.model import RoutingDecision
from routing.registry import Registry
from storage.models import Ticket
from tests.hostile.conftest import Received
from tests.hostile.desk import Desk, open_desk
from tests.hostile.mails import delivery_report, plain
from tests.support.dovecot import Account

VICTIM = "Sofie Vanacker <sofie.vanacker@kmw.example.be>"  # contact of ML 402-118 (monthly)
VICTIM_ADDRESS = "sofie.vanacker@kmw.example.be"
STRANGER = "Mallory <mallory@elders.example.org>"
#: what the strangers write: enough to complete the cancellation if it counted
CANCELLATION_FACTS = (
    "Wij bevestigen dat alle kopieën van de software vernietigd werden.\n"
    "Gelieve de licentie ML 402-118 op te zeggen per 31 maart 2027.\n"
)
PHISHING = "Your account is suspended, log in at https://evil.test/login"


@pytest.fixture
def desk(
    imap_account: Account,
    engine: Engine,
    tmp_path: Path,
    smtp_inbox: tuple[SmtpSettings, list[Received]],
    sample_registry: Registry,
) -> Desk:
    """The desk believing no mail server: every mail is unproven."""
    smtp, inbox = smtp_inbox
    return open_desk(imap_account, engine, tmp_path, smtp, inbox, sample_registry.values())


def _dsn(returned_id: str, recipient: str, diagnostic: str, sender: str) -> bytes:
    return delivery_report(returned_id, recipient, diagnostic, sender, CANCELLATION_FACTS)


def test_a_strangers_auto_reply_bounce_or_out_of_office_naming_a_ticket_changes_nothing(
    desk: Desk,
) -> None:
    (opened,) = desk.receive(
        plain(
            "Beste,\n\nHierbij zeggen wij de maandelijkse licentie ML 402-118 op.\n\nSofie\n",
            sender=VICTIM,
            subject="Opzegging licentie ML 402-118",
        )
    )
    assert opened.outcome == "needs_destruction_confirmation" and opened.ticket_ref
    assert desk.send() == 1
    (ask,) = desk.outbox()
    assert ask.recipients == [VICTIM_ADDRESS] and ask.ticket_id is not None
    victim = ask.ticket_id
    tag = f"[{opened.ticket_ref}]"
    assert tag in str(desk.inbox[0].parsed()["Subject"])  # what any reader of the reply sees
    before = desk.state(victim)
    assert before["jobs"] == {f"reminder:{victim}", f"autoclose:{victim}"}

    robots = {
        "auto-reply": plain(
            CANCELLATION_FACTS,
            sender=STRANGER,
            subject=f"Automatisch antwoord: Re: Opzegging licentie {tag}",
            message_id=make_msgid(domain="elders.example.org"),
            extra="Auto-Submitted: auto-replied",
        ),
        "out-of-office": plain(
            "Thank you for your message.\n" + CANCELLATION_FACTS,
            sender="Trudy <trudy@elders.example.org>",
            subject="Out of office: Re: Opzegging licentie",
            message_id=make_msgid(domain="elders.example.org"),
            extra=f"In-Reply-To: {ask.message_id}\nReferences: {ask.message_id}",
        ),
        "bounce": _dsn(
            ask.message_id,
            "mallory@elders.example.org",
            "550 5.1.1 user unknown",
            "Mail Delivery System <MAILER-DAEMON@mx.elders.example.org>",
        ),
    }
    done = desk.receive(*robots.values())
    assert sorted(r.disposition for r in done) == ["auto_reply", "auto_reply", "bounce"]
    assert {r.ticket_ref for r in done} == {opened.ticket_ref}, "linked to the ticket they name"
    linked = desk.messages(victim)[1:]
    assert len(linked) == 3 and not any(m.counts for m in linked)
    assert desk.state(victim) == before, "a linked mail changed the ticket"
    assert [r.state for r in desk.outbox()] == ["sent"], "a robot got an answer or failed ours"
    assert desk.events("delivery_failed") == []

    (asked,) = desk.receive(
        plain(
            "Beste,\n\nHebben jullie mijn mail goed ontvangen?\n\nSofie\n",
            sender=VICTIM,
            subject=f"Re: Opzegging licentie ML 402-118 {tag}",
            extra=f"In-Reply-To: {ask.message_id}\nReferences: {ask.message_id}",
        )
    )
    assert asked.disposition == "followup" and asked.ticket_ref == opened.ticket_ref
    after = desk.ticket(victim)
    assert after.policy == before["policy"], "judged on the strangers' words"
    assert f"termination:{victim}" not in desk.jobs(victim)
    desk.send()
    assert [r.template for r in desk.outbox()] == ["cancellation/needs_destruction_confirmation"]
    assert len(desk.inbox) == 1, "an acceptance (or anything else) went out"


def test_a_forged_delivery_report_leaves_our_reply_sent_and_a_real_one_is_only_quoted(
    desk: Desk,
) -> None:
    (opened,) = desk.receive(
        plain("Goedendag,\n\nMijn printer drukt niet meer af.\n\nAn\n", sender="An <an@kl.be>")
    )
    assert desk.send() == 1
    (reply,) = desk.outbox()
    forged = _dsn(
        reply.message_id,
        "mallory@elders.example.org",
        f"550 mailbox full. {PHISHING}",
        "MAILER-DAEMON@mx.elders.example.org",
    )
    (report,) = desk.receive(forged)
    assert report.disposition == "bounce" and report.ticket_ref == opened.ticket_ref
    assert [r.state for r in desk.outbox()] == ["sent"], "a forged report failed our reply"
    assert desk.events("delivery_failed") == []
    (bounce_event,) = desk.events("bounce")
    assert bounce_event.data["marked_failed"] is None
    assert "evil.test" not in str(bounce_event.data["reason"])

    genuine = _dsn(
        reply.message_id,
        "an@kl.be",
        f"550 5.1.1 <an@kl.be>: Recipient address rejected. {PHISHING}",
        "MAILER-DAEMON@mx.kl.be",
    )
    desk.receive(genuine)
    (row,) = desk.outbox()
    assert row.state == "failed"
    assert row.last_error == "delivery report: delivery to an@kl.be failed (5.1.1)"
    (failed,) = desk.events("delivery_failed")
    assert "evil.test" not in failed.data["reason"]
    assert "evil.test/login" in failed.data["report"] and len(failed.data["report"]) <= 300
    with Session(desk.engine) as s:
        (alert,) = alerts(s, [], True, datetime.now(UTC) - timedelta(days=1))
    assert "evil.test" not in alert.detail, "the report's words presented as ours"
    assert "evil.test/login" in alert.quoted
    assert all(not m.counts for m in desk.messages(failed.ticket_id or -1)[1:])


GREETINGS = {"nl": "Geachte klant,", "fr": "Madame, Monsieur,", "en": "Dear customer,"}
QUESTIONS = {
    "nl": "Goedendag,\n\nOnze printer drukt niet meer af. Kunnen jullie een technieker sturen?\n",
    "fr": "Bonjour,\n\nNotre imprimante n'imprime plus. Pouvez-vous envoyer un technicien ?\n",
    "en": "Hello,\n\nOur printer does not print any more. Could you send a technician?\n",
}


def _reply_parts(msg: EmailMessage) -> tuple[str, str]:
    text = msg.get_body(("plain",))
    html = msg.get_body(("html",))
    assert text is not None and html is not None
    return str(text.get_content()), str(html.get_content())


def test_a_phishing_display_name_or_subject_is_not_echoed_in_the_reply(desk: Desk) -> None:
    mails = [
        plain(
            body,
            sender=f'"{PHISHING}" <victim.{language}@kmw.example.be>',
            subject="Printer: log in at https://evil.test/login or mail help@evil.test",
        )
        for language, body in QUESTIONS.items()
    ]
    control = plain(QUESTIONS["nl"], sender="Jan Peeters <jan@kl.be>", subject="Printer kapot")
    desk.receive(*mails, control)
    assert desk.send() == 4
    by_recipient = {got.rcpt_tos[0]: got.parsed() for got in desk.inbox}
    for language, greeting in GREETINGS.items():
        msg = by_recipient[f"victim.{language}@kmw.example.be"]
        text, html = _reply_parts(msg)
        assert msg["Content-Language"] == language
        assert text.startswith(greeting), text[:80]
        for seen in (text, html, str(msg["Subject"]), str(msg["To"])):
            assert "evil.test" not in seen and "suspended" not in seen, seen[:200]
        assert str(msg["Subject"]).startswith("Re: Printer: log in at")
    text, _ = _reply_parts(by_recipient["jan@kl.be"])
    assert text.startswith("Geachte Jan Peeters,"), "a plain name is still used"


def _proving(addresses: set[str]) -> Callable[..., RoutingDecision]:
    """`decide` whose decision says the sender is proven (DMARC) for these addresses."""

    def decide(parsed: ParsedMail, *args: Any, **kwargs: Any) -> RoutingDecision:
        decision = real_decide(parsed, *args, **kwargs)
        if parsed.from_ is not None and parsed.from_.email in addresses:
            proof = SenderProof("proven", "dmarc", ("dmarc=pass (test)",))
            return replace(decision, sender_proof=proof)
        return decision

    return decide


def test_a_cc_colleague_of_a_proven_mail_joins_and_of_an_unproven_mail_does_not(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(processing, "decide", _proving({"an@kl.be"}))
    question = "Goedendag,\n\nDe printer op de tweede verdieping is stuk.\n"
    proven, unproven = desk.receive(
        plain(question, sender="An <an@kl.be>", subject="Printer", extra="Cc: Bert <bert@kl.be>"),
        plain(question, sender="Carl <carl@ander.be>", subject="Scanner", extra="Cc: d@ander.be"),
    )
    assert proven.ticket_ref and unproven.ticket_ref
    desk.send()
    tickets = {t.requester_email: t for t in map(desk.ticket, _ticket_ids(desk))}
    an, carl = tickets["an@kl.be"], tickets["carl@ander.be"]
    assert an.id is not None and carl.id is not None
    assert desk.participants(an.id) == {"an@kl.be", "bert@kl.be"}
    assert desk.participants(carl.id) == {"carl@ander.be"}

    extra = "Goedendag,\n\nHet toestel geeft foutcode E-214.\n"
    bert, dirk = desk.receive(
        plain(extra, sender="Bert <bert@kl.be>", subject=f"Re: Printer [{an.ref}]"),
        plain(extra, sender="Dirk <d@ander.be>", subject=f"Re: Scanner [{carl.ref}]"),
    )
    assert bert.disposition == "followup" and bert.ticket_ref == an.ref
    assert dirk.disposition == "ticket" and dirk.ticket_ref != carl.ref
    flagged = next(t for t in map(desk.ticket, _ticket_ids(desk)) if t.ref == dirk.ticket_ref)
    assert "sender_unverified" in flagged.flags and flagged.linked_ticket_id == carl.id
    assert [m.from_email for m in desk.messages(carl.id)] == ["carl@ander.be"]

    # a participant's unproven follow-up brings nobody in either
    (again,) = desk.receive(
        plain(
            "Nog steeds stuk.\n",
            sender="Carl <carl@ander.be>",
            subject=f"Re: Scanner [{carl.ref}]",
            extra="Cc: Eve <eve@elders.example.org>",
        )
    )
    assert again.disposition == "followup"
    assert desk.participants(carl.id) == {"carl@ander.be"}


def _ticket_ids(desk: Desk) -> list[int]:
    with Session(desk.engine) as s:
        return [i for i in s.exec(select(Ticket.id).order_by(col(Ticket.id))) if i is not None]
