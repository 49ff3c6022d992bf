"""Delivery against a real SMTP server (aiosmtpd on a loopback port): threading headers arrive
intact, an outage is ridden out with backoff and every reply arrives once and in order, a 550
is not retried and alerts the queue owner, a lost final reply is retried once with the same
Message-ID."""

from __future__ import annotations

import random
from collections import defaultdict
from email import message_from_bytes
from email.policy import default
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from outbound.compose import Recipient
from outbound.replies import ReplyConfig, queue_template_reply
from outbound.sender import deliver_due
from outbound.templates import TemplateSet
from outbound.transport import FileTransport, SmtpTransport
from storage.db import session_scope
from storage.models import Event, Message, OutboxRow

from .conftest import FakeClock, SmtpServer, make_ticket


def _inbound(ticket_id: int | None, subject: str, msgid: str) -> Message:
    return Message(
        ticket_id=ticket_id,
        message_id=msgid,
        references=["<root@klant.example.be>"],
        subject=subject,
        from_email="an.peeters@klant.example.be",
    )


def test_reply_arrives_threaded_and_parses_back(
    db: Engine,
    templates: TemplateSet,
    reply_config: ReplyConfig,
    clock: FakeClock,
    smtp_server: SmtpServer,
) -> None:
    with session_scope(db) as session:
        ticket = make_ticket(session, "PK-A1B2C3", language="fr", queue="cancellation")
        queue_template_reply(
            session,
            templates,
            reply_config,
            ticket=ticket,
            template="cancellation/needs_contract_number",
            now=clock(),
            inbound=_inbound(ticket.id, "Résiliation de mon contrat", "<in-1@klant.example.be>"),
            cc=[Recipient("collegue@klant.example.be", "Collègue")],
        )
    summary = deliver_due(db, SmtpTransport(smtp_server.settings()), clock)
    assert (summary.sent, summary.deferred, summary.failed) == (1, 0, 0)
    (got,) = smtp_server.messages
    assert got.mail_from == "bounces@contracts.example.com"
    assert got.rcpt_tos == ["an.peeters@klant.example.be", "collegue@klant.example.be"]
    msg = got.parsed()
    assert msg["Subject"] == "Re: Résiliation de mon contrat [PK-A1B2C3]"
    assert msg["In-Reply-To"] == "<in-1@klant.example.be>"
    assert msg["References"].split() == ["<root@klant.example.be>", "<in-1@klant.example.be>"]
    assert msg["Auto-Submitted"] == "auto-replied"
    assert msg["Content-Language"] == "fr"
    assert msg["Cc"].addresses[0].addr_spec == "collegue@klant.example.be"
    body = msg.get_body(("plain",))
    assert body is not None and "numéro de contrat" in body.get_content()
    html = msg.get_body(("html",))
    assert html is not None and "<li>le numéro de contrat ;</li>" in html.get_content()
    with Session(db) as session:
        row = session.exec(select(OutboxRow)).one()
        assert row.state == "sent" and row.attempts == 1 and row.sent_at == clock()
        assert msg["Message-ID"] == row.message_id
        sent = session.exec(select(Event).where(Event.kind == "reply_sent")).one()
        assert sent.ticket_id == row.ticket_id and sent.at == clock()
        assert sent.data["outbox_id"] == row.id and sent.data["message_id"] == row.message_id
        assert sent.data["recipients"] == row.recipients and row.claim_token is None


def test_outage_then_recovery_delivers_each_reply_once_in_order(
    db: Engine,
    templates: TemplateSet,
    reply_config: ReplyConfig,
    clock: FakeClock,
    smtp_server: SmtpServer,
) -> None:
    order: dict[str, list[str]] = defaultdict(list)  # ticket -> message ids in queue order
    with session_scope(db) as session:
        tickets = [
            make_ticket(session, f"PK-OUT{i:03d}", email=f"k{i}@klant.example.be")
            for i in range(50)
        ]
        for round_ in range(4):
            for ticket in tickets:
                result = queue_template_reply(
                    session,
                    templates,
                    reply_config,
                    ticket=ticket,
                    template=[
                        "ack/general",
                        "lifecycle/reminder",
                        "lifecycle/reminder",
                        "lifecycle/closed",
                    ][round_],
                    now=clock(),
                )
                assert result.row is not None
                order[ticket.ref].append(result.row.message_id)
    smtp_server.stop()
    rng = random.Random(5)
    down = deliver_due(db, SmtpTransport(smtp_server.settings()), clock, rng=rng)
    assert down.sent == 0 and down.deferred == 50 and down.errors  # one per ticket was due
    assert smtp_server.messages == []
    clock.advance(seconds=30)
    still_down = deliver_due(db, SmtpTransport(smtp_server.settings()), clock, rng=rng)
    assert still_down.attempted == 0  # backoff: not due yet
    smtp_server.start()
    clock.advance(hours=2)
    up = deliver_due(db, SmtpTransport(smtp_server.settings()), clock, rng=rng)
    assert (up.sent, up.deferred, up.failed, up.unknown) == (200, 0, 0, 0)
    assert deliver_due(db, SmtpTransport(smtp_server.settings()), clock).attempted == 0
    received = [m.parsed() for m in smtp_server.messages]
    ids = [str(m["Message-ID"]) for m in received]
    assert len(ids) == 200 and len(set(ids)) == 200  # all arrived, none twice
    per_ticket: dict[str, list[str]] = defaultdict(list)
    for m in received:
        ref = str(m["Subject"]).rsplit("[", 1)[1].rstrip("]")
        per_ticket[ref].append(str(m["Message-ID"]))
    assert per_ticket == order
    with Session(db) as session:
        assert {r.state for r in session.exec(select(OutboxRow)).all()} == {"sent"}


def test_550_is_not_retried_and_alerts_the_queue_owner(
    db: Engine,
    templates: TemplateSet,
    reply_config: ReplyConfig,
    clock: FakeClock,
    smtp_server: SmtpServer,
) -> None:
    smtp_server.handler.rcpt_replies["gone@klant.example.be"] = "550 5.1.1 No such user"
    with session_scope(db) as session:
        bad = make_ticket(session, "PK-BAD550", email="gone@klant.example.be")
        good = make_ticket(session, "PK-GOOD01", email="ok@klant.example.be")
        for ticket in (bad, good):
            queue_template_reply(
                session,
                templates,
                reply_config,
                ticket=ticket,
                template="ack/hardware",
                now=clock(),
            )
        bad_id = bad.id
    summary = deliver_due(db, SmtpTransport(smtp_server.settings()), clock)
    assert (summary.sent, summary.failed) == (1, 1)
    clock.advance(hours=3)
    again = deliver_due(db, SmtpTransport(smtp_server.settings()), clock)
    assert again.attempted == 0
    assert smtp_server.handler.rcpt_seen.count("gone@klant.example.be") == 1
    with Session(db) as session:
        row = session.exec(select(OutboxRow).where(OutboxRow.ticket_id == bad_id)).one()
        assert row.state == "failed" and row.attempts == 1 and "550" in (row.last_error or "")
        event = session.exec(select(Event).where(Event.kind == "delivery_failed")).one()
        assert event.ticket_id == bad_id and event.data["audience"] == "queue_owner"
        assert "550" in event.data["error"] and event.data["message_id"] == row.message_id


def test_4xx_is_retried_with_backoff(
    db: Engine,
    templates: TemplateSet,
    reply_config: ReplyConfig,
    clock: FakeClock,
    smtp_server: SmtpServer,
) -> None:
    smtp_server.handler.data_replies.append("451 4.3.0 Try again later")
    with session_scope(db) as session:
        ticket = make_ticket(session, "PK-RETRY1")
        for name in ("ack/general", "lifecycle/reminder"):
            queue_template_reply(
                session, templates, reply_config, ticket=ticket, template=name, now=clock()
            )
    first = deliver_due(db, SmtpTransport(smtp_server.settings()), clock)
    assert (first.sent, first.deferred) == (0, 1)  # the reminder waits behind the ack
    clock.advance(minutes=2)
    second = deliver_due(db, SmtpTransport(smtp_server.settings()), clock)
    assert second.sent == 2
    subjects = [m.parsed().get_body(("plain",)) for m in smtp_server.messages]
    texts = [s.get_content() for s in subjects if s is not None]
    assert "Wij hebben uw vraag goed ontvangen" in texts[0]
    assert "Herinnering" not in texts[0] and "nog geen antwoord" in texts[1]


def test_connection_lost_after_data_is_unknown_and_retried_once_with_same_id(
    db: Engine,
    templates: TemplateSet,
    reply_config: ReplyConfig,
    clock: FakeClock,
    smtp_server: SmtpServer,
) -> None:
    smtp_server.handler.drop_after_data = 1
    with session_scope(db) as session:
        queue_template_reply(
            session,
            templates,
            reply_config,
            ticket=make_ticket(session, "PK-UNKNW1"),
            template="ack/general",
            now=clock(),
        )
    first = deliver_due(db, SmtpTransport(smtp_server.settings()), clock)
    assert first.unknown == 1
    with Session(db) as session:
        row = session.exec(select(OutboxRow)).one()
        assert row.state == "unknown" and row.uncertain == 1
    clock.advance(minutes=5)
    second = deliver_due(db, SmtpTransport(smtp_server.settings()), clock)
    assert second.sent == 1
    ids = {str(m.parsed()["Message-ID"]) for m in smtp_server.messages}
    assert len(smtp_server.messages) == 2 and ids == {row.message_id}


def test_unknown_twice_is_final(
    db: Engine,
    templates: TemplateSet,
    reply_config: ReplyConfig,
    clock: FakeClock,
    smtp_server: SmtpServer,
) -> None:
    smtp_server.handler.drop_after_data = 10
    with session_scope(db) as session:
        queue_template_reply(
            session,
            templates,
            reply_config,
            ticket=make_ticket(session, "PK-UNKNW2"),
            template="ack/general",
            now=clock(),
        )
    for _ in range(4):
        deliver_due(db, SmtpTransport(smtp_server.settings()), clock)
        clock.advance(hours=1)
    assert len(smtp_server.messages) == 2  # the first try and exactly one retry
    with Session(db) as session:
        row = session.exec(select(OutboxRow)).one()
        assert row.state == "unknown" and row.uncertain == 2
        assert session.exec(select(Event).where(Event.kind == "delivery_unknown")).one()


def test_one_connection_for_a_batch(
    db: Engine,
    templates: TemplateSet,
    reply_config: ReplyConfig,
    clock: FakeClock,
    smtp_server: SmtpServer,
) -> None:
    sessions: set[int] = set()
    original = smtp_server.handler.handle_DATA

    async def spy(server, session, envelope):  # type: ignore[no-untyped-def]
        sessions.add(id(session))
        return await original(server, session, envelope)

    smtp_server.handler.handle_DATA = spy  # type: ignore[method-assign]
    with session_scope(db) as session:
        for i in range(5):
            queue_template_reply(
                session,
                templates,
                reply_config,
                ticket=make_ticket(session, f"PK-CONN{i:02d}"),
                template="ack/general",
                now=clock(),
            )
    assert deliver_due(db, SmtpTransport(smtp_server.settings()), clock).sent == 5
    assert len(sessions) == 1


def test_file_transport_writes_eml_files(
    db: Engine,
    templates: TemplateSet,
    reply_config: ReplyConfig,
    clock: FakeClock,
    tmp_path: Path,
) -> None:
    with session_scope(db) as session:
        queue_template_reply(
            session,
            templates,
            reply_config,
            ticket=make_ticket(session, "PK-FILE01", language="en"),
            template="general/view-online",
            now=clock(),
        )
    summary = deliver_due(db, FileTransport(tmp_path / "outbox"), clock)
    assert summary.sent == 1
    with Session(db) as session:
        row = session.exec(select(OutboxRow)).one()
    path = tmp_path / "outbox" / f"{row.id}.eml"
    msg = message_from_bytes(path.read_bytes(), policy=default)
    assert msg["Message-ID"] == row.message_id
    assert msg["Subject"] == "Re: Vraag over mijn contract [PK-FILE01]"
    body = msg.get_body(("plain",))
    assert body is not None and "view and manage your contracts online" in body.get_content()
    assert [p.name for p in (tmp_path / "outbox").iterdir()] == [path.name]


def test_injection_attempts_and_template_code_arrive_harmless(
    db: Engine,
    templates: TemplateSet,
    reply_config: ReplyConfig,
    clock: FakeClock,
    smtp_server: SmtpServer,
) -> None:
    evil = "=?UTF-8?Q?=0A?=Bcc: victim@evil.example"
    with session_scope(db) as session:
        ticket = make_ticket(
            session, "PK-EVIL01", name="{{7*7}} " + evil, subject="x\r\nBcc: victim@evil.example"
        )
        queue_template_reply(
            session,
            templates,
            reply_config,
            ticket=ticket,
            template="ack/general",
            now=clock(),
            inbound=_inbound(ticket.id, evil, "<in-9@klant.example.be>\r\nBcc: v@evil.example"),
        )
    assert deliver_due(db, SmtpTransport(smtp_server.settings()), clock).sent == 1
    (got,) = smtp_server.messages
    assert got.rcpt_tos == ["an.peeters@klant.example.be"]
    msg = got.parsed()
    assert "Bcc" not in msg and b"\nBcc:" not in got.data
    # an address in the subject or the name is never repeated (outbound.echo)
    assert msg["Subject"] == "Re: Bcc [PK-EVIL01]"
    assert [a.addr_spec for a in msg["To"].addresses] == ["an.peeters@klant.example.be"]
    assert msg["To"].addresses[0].display_name == ""
    body = msg.get_body(("plain",))
    assert body is not None
    assert body.get_content().startswith("Geachte klant,")
    assert "victim@evil.example" not in body.get_content() and "49" not in body.get_content()
