"""classify_disposition on the labelled samples and on hand-made edge cases."""

from __future__ import annotations

import json

import pytest

from intake.disposition import bounce_failed_message_ids, bounce_failure, classify_disposition
from intake.dsn import untrusted_excerpt
from intake.model import Disposition
from intake.parse import parse_mail
from tests.intake.helpers import SAMPLES, mail, sample

OWN = "contracts.example.com"


def classify(data: bytes) -> tuple[Disposition, tuple[str, ...]]:
    result = classify_disposition(parse_mail(data), own_domains=[OWN], own_message_id_domain=OWN)
    return result.disposition, result.reasons


def test_sample_dispositions_match_the_labels() -> None:
    labels = json.loads((SAMPLES / "labels.json").read_text(encoding="utf-8"))
    wrong = []
    for name, label in sorted(labels.items()):
        disposition, reasons = classify((SAMPLES / name).read_bytes())
        if disposition.value != label["disposition"]:
            wrong.append(f"{name}: {disposition.value} != {label['disposition']} {reasons}")
    accuracy = 1 - len(wrong) / len(labels)
    print(f"\ndisposition accuracy on samples: {accuracy:.1%} ({len(labels) - len(wrong)}/45)")
    assert accuracy >= 0.97, "\n".join(wrong)


def test_outlook_tickets_stay_tickets() -> None:
    for prefix in ("007", "028", "033"):
        assert classify(sample(prefix))[0] is Disposition.TICKET


def test_reasons_are_readable() -> None:
    disposition, reasons = classify(sample("014"))
    assert disposition is Disposition.AUTO_REPLY
    assert any("X-MS-Exchange-Generated-Message-Source" in r for r in reasons)


BASE = "From: Jan Peeters <jan@klant.example.be>\nTo: support@contracts.example.com\n"


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ("Subject: vraag\nAuto-Submitted: auto-generated", Disposition.AUTO_REPLY),
        ("Subject: vraag\nAuto-Submitted: no", Disposition.TICKET),
        ("Subject: vraag\nX-Autoreply: yes", Disposition.AUTO_REPLY),
        ("Subject: vraag\nX-Autorespond: 1", Disposition.AUTO_REPLY),
        ("Subject: vraag\nPrecedence: auto_reply", Disposition.AUTO_REPLY),
        ("Subject: Afwezigheidsmelding: uw vraag", Disposition.AUTO_REPLY),
        ("Subject: Automatic reply: your request", Disposition.AUTO_REPLY),
        ("Subject: Réponse automatique : votre demande", Disposition.AUTO_REPLY),
        ("Subject: Absence de réponse sur mon contrat", Disposition.TICKET),
        ("Subject: Out of office", Disposition.AUTO_REPLY),
        ("Subject: vraag\nList-Id: <nieuws.example.org>", Disposition.BULK),
        ("Subject: vraag\nList-Unsubscribe: <mailto:x@example.org>", Disposition.BULK),
        ("Subject: vraag\nPrecedence: junk", Disposition.BULK),
        ("Subject: vraag\nPrecedence: list", Disposition.BULK),
        ("Subject: Undeliverable: uw vraag", Disposition.BOUNCE),
        ("Subject: Onbestelbaar: uw vraag", Disposition.BOUNCE),
        ("Subject: Non remis : votre demande", Disposition.BOUNCE),
        ("Subject: Mail delivery failed: returning message to sender", Disposition.BOUNCE),
        ("Subject: Delivery Status Notification (Failure)", Disposition.BOUNCE),
        ("Subject: Fwd: Undeliverable: mijn mail kwam niet aan", Disposition.TICKET),
        ("Subject: vraag\nX-Postkamer-Loop: contracts.example.com", Disposition.AUTO_REPLY),
        ("Subject: vraag\nMessage-ID: <ack-1@contracts.example.com>", Disposition.AUTO_REPLY),
        ("Subject: vraag\nMessage-ID: <x@mail.contracts.example.com>", Disposition.TICKET),
        ("Subject: vraag\nX-Auto-Response-Suppress: All", Disposition.TICKET),
        ("Subject: vraag\nAuto-Submitted: auto-replied\nPrecedence: bulk", Disposition.AUTO_REPLY),
    ],
)
def test_header_and_subject_rules(headers: str, expected: Disposition) -> None:
    assert classify(mail(BASE + headers))[0] is expected


def test_customer_mentioning_an_automatic_reply_is_a_ticket() -> None:
    body = "Beste,\n\nIk kreeg een automatisch antwoord maar nog geen reactie op mijn opzegging.\n"
    assert classify(mail(BASE + "Subject: opzegging", body))[0] is Disposition.TICKET


def test_self_declared_automatic_text_is_an_auto_reply() -> None:
    body = "Dit is een automatisch antwoord. Ik ben afwezig tot 12 augustus.\n"
    assert classify(mail(BASE + "Subject: Re: uw vraag", body))[0] is Disposition.AUTO_REPLY


def test_out_of_office_text_with_suppress_header_is_an_auto_reply() -> None:
    body = "Je suis absente du bureau jusqu'au 20 août.\n"
    data = mail(BASE + "Subject: Re: votre demande\nX-Auto-Response-Suppress: All", body)
    assert classify(data)[0] is Disposition.AUTO_REPLY


def test_mailer_daemon_sender_is_a_bounce() -> None:
    data = mail("From: MAILER-DAEMON (Mail Delivery System)\nSubject: Warning\nTo: a@b.be")
    assert classify(data)[0] is Disposition.BOUNCE


def test_null_return_path_needs_dsn_like_content() -> None:
    spam = mail("Return-Path: <>\nFrom: promo@spam.example\nSubject: Darlehen", "Angebot\n")
    assert classify(spam)[0] is Disposition.TICKET
    ndr = mail(
        "Return-Path: <>\nFrom: mail@relay.example.net\nSubject: Problem",
        "Your message could not be delivered to x@y.example.\n",
    )
    assert classify(ndr)[0] is Disposition.BOUNCE


def _dsn(action: str, status: str) -> bytes:
    return (
        "Return-Path: <>\r\nFrom: MAILER-DAEMON@mx.example.net\r\n"
        "To: support@contracts.example.com\r\n"
        "Subject: Delivery Status Notification\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nDelivery to x@y.example is delayed.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.net\r\n\r\n"
        f"Final-Recipient: rfc822; x@y.example\r\nAction: {action}\r\nStatus: {status}\r\n"
        "Diagnostic-Code: smtp; 451 try later\r\n\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        "Message-ID: <reply-7@contracts.example.com>\r\nSubject: Re: x\r\n\r\n"
        "--B--\r\n"
    ).encode()


def test_failed_dsn_names_the_failed_message() -> None:
    parsed = parse_mail(_dsn("failed", "5.1.1"))
    assert classify_disposition(parsed).disposition is Disposition.BOUNCE
    assert bounce_failed_message_ids(parsed) == ["<reply-7@contracts.example.com>"]


def test_delayed_dsn_is_a_bounce_but_not_a_failure() -> None:
    parsed = parse_mail(_dsn("delayed", "4.4.1"))
    assert classify_disposition(parsed).disposition is Disposition.BOUNCE
    assert bounce_failed_message_ids(parsed) == []


def test_sample_bounces_name_our_acknowledgements() -> None:
    assert bounce_failed_message_ids(parse_mail(sample("009"))) == [
        "<ack-20260616-0830-5f21c9@contracts.example.com>"
    ]
    assert bounce_failed_message_ids(parse_mail(sample("031"))) == [
        "<ack-20261020-0814-a03e77@contracts.example.com>"
    ]


def test_plain_text_bounce_is_understood() -> None:
    body = (
        "Hi. This is the qmail-send program at relay.example.net.\n"
        "I'm afraid I wasn't able to deliver your message to the following addresses.\n\n"
        "<w.desmedt@klant.example.be>:\n"
        "550 5.1.1 mailbox unavailable\n\n"
        "--- Below this line is a copy of the message.\n\n"
        "Message-ID: <ack-99@contracts.example.com>\nSubject: Ontvangstbevestiging\n"
    )
    data = mail(
        "Return-Path: <>\nFrom: MAILER-DAEMON@relay.example.net\nSubject: failure notice", body
    )
    parsed = parse_mail(data)
    assert classify_disposition(parsed).disposition is Disposition.BOUNCE
    (report,) = parsed.delivery_reports
    assert report.recipient == "w.desmedt@klant.example.be" and report.action == "failed"
    assert bounce_failed_message_ids(parsed) == ["<ack-99@contracts.example.com>"]


def test_a_failure_names_the_recipients_the_report_gives() -> None:
    parsed = parse_mail(_dsn("failed", "5.1.1"))
    failure = bounce_failure(parsed)
    assert failure is not None
    assert failure.message_id == "<reply-7@contracts.example.com>"
    assert failure.recipients == ("x@y.example",)
    assert [r.status for r in failure.reports] == ["5.1.1"]
    assert bounce_failure(parse_mail(_dsn("delayed", "4.4.1"))) is None


def test_report_text_is_kept_only_as_a_capped_single_line_excerpt() -> None:
    hostile = "550 user unknown\r\nSubject: forged\u202eevil\u2028" + "x" * 500
    excerpt = untrusted_excerpt(hostile, limit=60)
    assert excerpt.startswith("550 user unknown Subject: forged evil")
    assert "\n" not in excerpt and "\u202e" not in excerpt and "\u2028" not in excerpt
    assert len(excerpt) == 60 and excerpt.endswith("…")
    assert untrusted_excerpt("  short  text ") == "short text"
