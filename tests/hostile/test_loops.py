"""RELIABILITY.md items 12-15 end to end: robots, bounces and our own mail get no automatic
reply; a failed DSN fails the outbound reply it reports (a delay does not); an autoresponder
that hides what it is gets stopped by the per-sender limit, with a supervisor alert.
"""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from outbound.compose import LOOP_HEADER
from storage.models import Event, OutboxRow
from tests.hostile.conftest import Pipeline
from tests.hostile.mails import SUPPORT, crlf, headers, plain

LOOP_SIGNS = {
    "auto-submitted": "Auto-Submitted: auto-generated",
    "auto-submitted-replied": "Auto-Submitted: auto-replied; owner-email=x@klant.example.be",
    "auto-submitted-odd": "Auto-Submitted: some-future-value",
    "precedence-bulk": "Precedence: bulk",
    "precedence-junk": "Precedence: junk",
    "precedence-list": "Precedence: list",
    "precedence-auto-reply": "Precedence: auto_reply",
    "list-id": "List-Id: Klanten nieuws <nieuws.klant.example.be>",
    "x-auto-response-suppress": "X-Auto-Response-Suppress: All",
    "x-auto-response-suppress-oof": "X-Auto-Response-Suppress: DR, OOF, AutoReply",
    "x-autoreply": "X-Autoreply: yes",
    "x-autorespond": "X-Autorespond: Vacation",
    "x-loop": "X-Loop: helpdesk@klant.example.be",
    "empty-return-path": "Return-Path: <>",
}
ROBOT_SENDERS = {
    "mailer-daemon": "MAILER-DAEMON@mx.klant.example.be",
    "postmaster": "Postmaster <postmaster@klant.example.be>",
}


def test_no_automatic_reply_to_any_loop_sign(pipeline: Pipeline) -> None:
    mails = {
        f"{name}.eml": plain(extra=line, sender=f"Jan <jan.{i}@klant.example.be>")
        for i, (name, line) in enumerate(LOOP_SIGNS.items())
    }
    mails.update({f"{name}.eml": plain(sender=sender) for name, sender in ROBOT_SENDERS.items()})
    mails["control.eml"] = plain(sender="Jan <jan.control@klant.example.be>")
    pipeline.ingest(mails)
    for name in mails:
        stored = pipeline.stored(name)
        assert stored.ledger.state == "processed", (name, stored.ledger.reason)
        if name == "control.eml":
            assert len(stored.replies) == 1, "a plain customer mail must be acknowledged"
        else:
            assert stored.replies == [], f"{name}: got an automatic reply"
    recipients = {r for row in pipeline.all_replies() for r in row.recipients}
    assert recipients == {"jan.control@klant.example.be"}


def test_loop_signs_on_a_customer_mail_keep_the_ticket(pipeline: Pipeline) -> None:
    """A real request that merely carries X-Loop or an empty Return-Path is not lost: it
    becomes a ticket (visible to a person), only the automatic reply is withheld."""
    pipeline.ingest(
        {
            "x-loop.eml": plain(extra="X-Loop: helpdesk@klant.example.be"),
            "return-path.eml": plain(extra="Return-Path: <>", sender="An <an@klant.example.be>"),
        }
    )
    for name in ("x-loop.eml", "return-path.eml"):
        stored = pipeline.stored(name)
        assert stored.ticket is not None, name
        assert stored.replies == []
        assert any(e.kind == "reply_suppressed" for e in stored.events), name


def _dsn(action: str, returned_id: str, recipient: str, status: str) -> bytes:
    return crlf(
        headers("Mail Delivery System <MAILER-DAEMON@mx.klant.example.be>", "Delivery Status")
        + "\nMIME-Version: 1.0"
        + '\nContent-Type: multipart/report; report-type=delivery-status; boundary="r"'
        + "\n\n--r\nContent-Type: text/plain\n\nYour message could not be delivered (yet).\n"
        + "--r\nContent-Type: message/delivery-status\n\n"
        + "Reporting-MTA: dns; mx.klant.example.be\n\n"
        + f"Final-Recipient: rfc822; {recipient}\nAction: {action}\nStatus: {status}\n"
        + "--r\nContent-Type: text/rfc822-headers\n\n"
        + f"Message-ID: {returned_id}\nFrom: {SUPPORT}\nSubject: Re: Vraag\n"
        + "--r--\n"
    )


@pytest.mark.parametrize(
    ("action", "status", "state"), [("failed", "5.1.1", "failed"), ("delayed", "4.4.7", "queued")]
)
def test_dsn_failed_marks_the_reply_failed_and_delayed_does_not(
    pipeline: Pipeline, action: str, status: str, state: str
) -> None:
    pipeline.ingest({"ask.eml": plain(sender="Gone <gone@klant.example.be>")})
    (reply,) = pipeline.stored("ask.eml").replies
    assert reply.state == "queued"
    pipeline.ingest({"dsn.eml": _dsn(action, reply.message_id, "gone@klant.example.be", status)})
    dsn = pipeline.stored("dsn.eml")
    assert dsn.message is not None and dsn.message.disposition == "bounce"
    with Session(pipeline.engine) as s:
        rows = list(s.exec(select(OutboxRow)))
        assert len(rows) == 1, "a bounce must never be answered"
        assert rows[0].state == state
        failed_events = list(s.exec(select(Event).where(Event.kind == "delivery_failed")))
    if state == "failed":
        assert status in (rows[0].last_error or "")
        assert failed_events and failed_events[0].ticket_id == reply.ticket_id
    else:
        assert failed_events == []


def test_autoresponder_without_headers_is_stopped_by_the_per_sender_limit(
    pipeline: Pipeline,
) -> None:
    """Every acknowledgement we send is answered by a robot that says nothing about being one
    and starts a fresh thread each time (its own subject, no In-Reply-To): threading cannot
    see the loop, so only the per-sender limit can stop it."""
    robot = "Helpdesk Klant <helpdesk@klant.example.be>"
    limit = pipeline.settings.outbound.per_sender_daily_limit
    pipeline.ingest(
        {
            f"robot-{n:03}.eml": plain(
                f"Wij hebben uw bericht goed ontvangen. Uw meldingsnummer is {n}.\n",
                sender=robot,
                subject=f"Melding {n} geregistreerd",
            )
            for n in range(limit + 3)
        }
    )
    sent = [r for r in pipeline.all_replies() if r.recipients == ["helpdesk@klant.example.be"]]
    assert len(sent) == limit, f"{len(sent)} automatic replies to one robot in one day"
    with Session(pipeline.engine) as s:
        alerts = list(s.exec(select(Event).where(Event.kind == "loop_limit")))
        suppressed = list(s.exec(select(Event).where(Event.kind == "reply_suppressed")))
    assert len(alerts) == 1, "one supervisor alert per address and day, not one per mail"
    assert alerts[0].data["audience"] == "supervisor"
    assert alerts[0].data["recipient"] == "helpdesk@klant.example.be"
    assert len([e for e in suppressed if e.data["reason"] == "per_sender_limit"]) == 3


def test_our_own_reply_coming_back_is_not_answered(pipeline: Pipeline) -> None:
    pipeline.ingest({"ask.eml": plain()})
    (reply,) = pipeline.stored("ask.eml").replies
    ours = reply.raw
    # 1: exactly our bytes, as a mailbox that forwards to us (or a BCC to ourselves) shows them
    # 2: without our loop header, but our Message-ID domain
    stripped = b"\r\n".join(
        line for line in ours.split(b"\r\n") if not line.startswith(LOOP_HEADER.encode())
    )
    assert stripped != ours
    # 3: a forwarder that re-sent it from the customer's address, loop header kept
    resent = ours.replace(b"Message-ID: <", b"Message-ID: <fwd-", 1).replace(
        b"From: Contract Support <support@contracts.example.com>",
        b"From: Jan Peeters <jan@klant.example.be>",
        1,
    )
    pipeline.ingest({"back.eml": ours, "no-loop-header.eml": stripped, "resent.eml": resent})
    for name in ("back.eml", "no-loop-header.eml", "resent.eml"):
        stored = pipeline.stored(name)
        assert stored.ledger.state == "processed", (name, stored.ledger.reason)
        assert stored.message is not None and stored.message.disposition == "auto_reply", name
    assert len(pipeline.all_replies()) == 1, "our own mail was answered"
