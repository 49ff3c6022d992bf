"""The whole pipeline in the database: samples become the tickets, messages and replies their
labels call for; follow-ups join their ticket (or not, for strangers) and complete requests."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from postkamer.processing import ProcessingContext, Processor
from postkamer.service import ingest_paths
from postkamer.settings import (
    DatabaseSettings,
    OutboundSettings,
    Settings,
    StorageSettings,
    TrustSettings,
)
from postkamer.ticketjobs import TicketJobRules, ticket_job_ids
from routing.registry import Registry, normalize_number
from storage.contracts import import_contracts
from storage.db import session_scope
from storage.jobstore import stored_jobs
from storage.models import Event, LedgerEntry, Message, OutboxRow, Participant, Ticket
from tests.intake.helpers import pdf_with_text

NOW = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
MX = "mx.contracts.example.com"
# a signed certificate the desk can read (an attachment only named like one is unreadable)
CERTIFICATE = pdf_with_text("Wij bevestigen dat alle kopieen van de software vernietigd zijn.")


@pytest.fixture
def settings(migrated_db_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database=DatabaseSettings(url=migrated_db_url),
        storage=StorageSettings(blobs=tmp_path / "blobs"),
        outbound=OutboundSettings(folder=tmp_path / "outbox"),
        trust=TrustSettings(authserv_ids=[MX]),  # the samples' MX (samples README)
    )


@pytest.fixture
def registered(engine: Engine, samples_dir: Path) -> Registry:
    registry = Registry.from_csv(samples_dir / "contracts.csv")
    with session_scope(engine) as session:
        import_contracts(session, registry.values())
    return registry


def _ingest(settings: Settings, engine: Engine, paths: list[Path]) -> Processor:
    processor = Processor(ProcessingContext.from_settings(settings), now=NOW)
    ingest_paths(settings, paths, processor, engine=engine)
    return processor


def test_samples_become_tickets_and_replies(
    settings: Settings, engine: Engine, registered: Registry, samples_dir: Path
) -> None:
    labels = json.loads((samples_dir / "labels.json").read_text(encoding="utf-8"))
    files = sorted(samples_dir.glob("*.eml"))
    _ingest(settings, engine, files)
    with Session(engine) as session:
        by_ref = {
            Path(entry.source_ref).name: entry
            for entry in session.exec(select(LedgerEntry)).all()
        }
        assert set(by_ref) == {f.name for f in files}
        assert all(e.state == "processed" for e in by_ref.values())
        for name, label in labels.items():
            message = session.exec(
                select(Message).where(Message.ledger_id == by_ref[name].id)
            ).one()
            assert message.disposition == label["disposition"], name
            replies = []
            if message.ticket_id is not None:
                ticket = session.get(Ticket, message.ticket_id)
                assert ticket is not None
                assert ticket.queue == label["queue"], name
                replies = session.exec(
                    select(OutboxRow).where(OutboxRow.ticket_id == ticket.id)
                ).all()
                outcome = (ticket.policy or {}).get("outcome")
                assert outcome == label["policy"]["outcome"], name
            else:
                assert label["queue"] is None, name
            if label["disposition"] == "ticket":
                assert len(replies) == 1, name
                decision = message.decision or {}
                assert replies[0].template == decision["reply_template"], name
                reply = message_from_bytes(replies[0].raw, policy=policy.default)
                assert str(reply["In-Reply-To"]).strip() == message.message_id, name
                assert reply["Auto-Submitted"] == "auto-replied"
                assert reply["Content-Language"] == label["language"], name
            else:
                assert replies == [], f"{name}: a robot or list got an automatic reply"
        # where each fact was read is stored with the message and its decision (the ticket
        # page and the API show it)
        ref = by_ref["017-cancel-licence-certificate.eml"]
        cert = session.exec(select(Message).where(Message.ledger_id == ref.id)).one()
        found = (cert.extraction or {})["found"]
        assert [e["source"] for e in found["destruction_confirmation"]] == [
            "attachment:certificate_of_destruction.pdf",
            "body",
        ]
        assert (cert.decision or {})["evidence"]["contract_numbers"][0] == {
            "value": "T2118660",
            "source": "subject",
            "text": "Termination monthly licence T2-118-660",
        }


def _mail(
    sender: str,
    subject: str,
    body: str,
    *,
    in_reply_to: str | None = None,
    attachment: tuple[str, bytes] | None = None,
) -> bytes:
    msg = EmailMessage()
    # what the desk's MX stamps on a mail whose From domain passes DMARC
    domain = sender.rsplit("@", 1)[-1].strip(">")
    msg["Authentication-Results"] = f"{MX}; dmarc=pass header.from={domain}"
    msg["From"] = sender
    msg["To"] = "support@contracts.example.com"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(NOW)
    msg["Message-ID"] = make_msgid(domain="customer.example.be")
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    msg.set_content(body)
    if attachment is not None:
        msg.add_attachment(
            attachment[1], maintype="application", subtype="pdf", filename=attachment[0]
        )
    return bytes(msg)


def _write(folder: Path, name: str, data: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    return path


def _monthly_licence(registry: Registry) -> tuple[str, str]:
    contract = next(c for c in registry.values() if c.kind == "monthly_license")
    return contract.display_number, sorted(contract.contacts)[0]


def test_followup_completes_a_cancellation(
    settings: Settings, engine: Engine, registered: Registry, tmp_path: Path
) -> None:
    number, contact = _monthly_licence(registered)
    first = _write(
        tmp_path / "in",
        "1.eml",
        _mail(
            contact,
            f"Opzegging maandelijkse licentie {number}",
            f"Beste,\n\nHierbij zeggen wij de maandelijkse licentie {number} op.\n\nGroeten\n",
        ),
    )
    _ingest(settings, engine, [first])
    with Session(engine) as session:
        ticket = session.exec(select(Ticket)).one()
        assert ticket.queue == "cancellation"
        assert (ticket.policy or {})["outcome"] == "needs_destruction_confirmation"
        assert ticket.status == "waiting_on_customer"
        ask = session.exec(select(OutboxRow)).one()
        assert ask.template == "cancellation/needs_destruction_confirmation"
        ref, ask_id, tid = ticket.ref, ask.message_id, ticket.id
        # the waiting period's jobs were written with the ticket (no scheduler runs here)
        rules = TicketJobRules.default()
        waiting = stored_jobs(session, ticket_job_ids(tid))
        assert set(waiting) == {f"reminder:{tid}", f"autoclose:{tid}"}
        assert waiting[f"reminder:{tid}"].run_at == rules.reminder_at(NOW)
        assert waiting[f"autoclose:{tid}"].run_at == rules.close_at(NOW)

    answer = _write(
        tmp_path / "in",
        "2.eml",
        _mail(
            contact,
            f"RE: Opzegging maandelijkse licentie {number} [{ref}]",
            "Beste,\n\nIn bijlage de vernietigingsverklaring.\n\nGroeten\n",
            in_reply_to=ask_id,
            attachment=("vernietigingsverklaring.pdf", CERTIFICATE),
        ),
    )
    _ingest(settings, engine, [answer])
    with Session(engine) as session:
        tickets = session.exec(select(Ticket)).all()
        assert len(tickets) == 1, "the answer must join the ticket, not open a new one"
        ticket = tickets[0]
        assert (ticket.policy or {})["outcome"] == "accepted"
        assert (ticket.policy or {})["effective_date"] is not None
        messages = session.exec(
            select(Message).where(Message.ticket_id == ticket.id).order_by(col(Message.id))
        ).all()
        assert [m.disposition for m in messages if m.direction == "in"] == ["ticket", "followup"]
        templates = [
            r.template
            for r in session.exec(select(OutboxRow).order_by(col(OutboxRow.id))).all()
        ]
        assert templates == [
            "cancellation/needs_destruction_confirmation",
            "cancellation/accepted",
        ]
        kinds = [e.kind for e in session.exec(select(Event).where(Event.ticket_id == ticket.id))]
        assert "followup" in kinds
        # accepted in this transaction: the termination is scheduled on the effective date's
        # opening time, and the waiting jobs are gone
        effective = date.fromisoformat((ticket.policy or {})["effective_date"])
        after = stored_jobs(session, ticket_job_ids(tid))
        assert list(after) == [f"termination:{tid}"]
        assert after[f"termination:{tid}"].run_at == rules.termination_at(effective)
        assert after[f"termination:{tid}"].args == (tid, effective.isoformat())


def test_stranger_with_a_valid_tag_gets_a_new_unverified_ticket(
    settings: Settings, engine: Engine, registered: Registry, tmp_path: Path
) -> None:
    number, contact = _monthly_licence(registered)
    first = _write(
        tmp_path / "in",
        "1.eml",
        _mail(contact, f"Opzegging licentie {number}", f"Wij zeggen licentie {number} op.\n"),
    )
    _ingest(settings, engine, [first])
    with Session(engine) as session:
        original = session.exec(select(Ticket)).one()
    hijack = _write(
        tmp_path / "in",
        "2.eml",
        _mail(
            "mallory@elsewhere.example.org",
            f"Re: Opzegging licentie [{original.ref}]",
            "Wij bevestigen dat alle kopieën vernietigd werden.\n",
        ),
    )
    _ingest(settings, engine, [hijack])
    with Session(engine) as session:
        tickets = session.exec(select(Ticket).order_by(col(Ticket.id))).all()
        assert len(tickets) == 2
        stranger = tickets[1]
        assert "sender_unverified" in stranger.flags
        assert stranger.linked_ticket_id == original.id
        assert (tickets[0].policy or {})["outcome"] == "needs_destruction_confirmation"
        people = session.exec(
            select(Participant.email).where(Participant.ticket_id == original.id)
        ).all()
        assert "mallory@elsewhere.example.org" not in people
        for row in session.exec(select(OutboxRow).where(OutboxRow.ticket_id == stranger.id)):
            assert number not in row.raw.decode("utf-8", "replace")


def test_unparseable_mail_is_quarantined_and_the_batch_goes_on(
    settings: Settings, engine: Engine, registered: Registry, tmp_path: Path
) -> None:
    good = _write(tmp_path / "in", "good.eml", _mail("a@b.example.be", "Vraag", "Hallo\n"))
    bad = _write(tmp_path / "in", "bad.eml", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64)
    processor = _ingest(settings, engine, [good, bad])
    outcomes = {Path(r.source_ref).name: r.disposition for r in processor.context.results}
    assert outcomes == {"good.eml": "ticket", "bad.eml": "quarantine"}
    with Session(engine) as session:
        states = {Path(e.source_ref).name: e for e in session.exec(select(LedgerEntry)).all()}
        assert states["bad.eml"].state == "quarantined"
        assert "unparseable" in (states["bad.eml"].reason or "")
        assert states["good.eml"].state == "processed"


def test_bounce_marks_the_reply_failed(
    settings: Settings, engine: Engine, registered: Registry, tmp_path: Path
) -> None:
    first = _write(tmp_path / "in", "1.eml", _mail("gone@old.example.be", "Vraag", "Hallo\n"))
    _ingest(settings, engine, [first])
    with Session(engine) as session:
        reply = session.exec(select(OutboxRow)).one()
    dsn = (
        "From: MAILER-DAEMON@mx.example.com\r\nTo: support@contracts.example.com\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        f"Date: {format_datetime(NOW)}\r\nMessage-ID: <dsn-1@mx.example.com>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain\r\n\r\nUser unknown\r\n"
        "--b\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.com\r\n\r\n"
        "Final-Recipient: rfc822; gone@old.example.be\r\nAction: failed\r\n"
        "Status: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 User unknown\r\n"
        "--b\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"Message-ID: {reply.message_id}\r\nSubject: Re: Vraag\r\n"
        "--b--\r\n"
    ).encode()
    _ingest(settings, engine, [_write(tmp_path / "in", "dsn.eml", dsn)])
    with Session(engine) as session:
        row = session.exec(select(OutboxRow)).one()
        assert row.state == "failed"
        assert "5.1.1" in (row.last_error or "")
        assert session.exec(select(OutboxRow)).all() == [row], "no reply to a bounce"
        events = session.exec(
            select(Event).where(Event.ticket_id == row.ticket_id, Event.kind == "delivery_failed")
        ).all()
        assert events


def test_a_reply_naming_a_merged_duplicate_joins_the_ticket_it_was_merged_into(
    settings: Settings, engine: Engine, registered: Registry, tmp_path: Path
) -> None:
    from postkamer.web.access import Principal
    from postkamer.web.merge import merge

    first = _write(tmp_path / "in", "1.eml", _mail("ann@klant.example.be", "Printer", "Kapot.\n"))
    second = _write(
        tmp_path / "in", "2.eml", _mail("ann@klant.example.be", "Printer (2)", "Nog steeds.\n")
    )
    _ingest(settings, engine, [first, second])
    with Session(engine) as session:
        keeper, duplicate = session.exec(select(Ticket).order_by(col(Ticket.id))).all()
        supervisor = Principal(
            user_id=1,
            email="sup@desk.example",
            role="supervisor",
            queues=frozenset(),
            language=None,
            csrf_token="x",
        )
        merge(session, duplicate, keeper, supervisor)
        session.commit()
        keeper_id, duplicate_ref = keeper.id, duplicate.ref
    answer = _write(
        tmp_path / "in",
        "3.eml",
        _mail("ann@klant.example.be", f"Re: Printer (2) [{duplicate_ref}]", "Opgelost.\n"),
    )
    _ingest(settings, engine, [answer])
    with Session(engine) as session:
        assert len(session.exec(select(Ticket)).all()) == 2, "no new ticket for the answer"
        message = session.exec(
            select(Message).where(col(Message.new_text).contains("Opgelost"))
        ).one()
        assert message.ticket_id == keeper_id
        assert message.disposition == "followup"


def _contacts(registry: Registry) -> tuple[str, str, str]:
    """A monthly licence with two registered contacts: number, first and second contact."""
    contract = next(
        c for c in registry.values() if c.kind == "monthly_license" and len(c.contacts) > 1
    )
    first, second = sorted(contract.contacts)[:2]
    return contract.display_number, first, second


def test_a_registered_contact_of_the_tickets_contract_may_follow_up(
    settings: Settings, engine: Engine, registered: Registry, tmp_path: Path
) -> None:
    """DOMAIN.md 4a: the registered contacts of a ticket's contract are its participants,
    even when they were not in the thread before."""
    number, requester, colleague = _contacts(registered)
    first = _mail(requester, f"Opzegging licentie {number}", f"Wij zeggen licentie {number} op.\n")
    _ingest(settings, engine, [_write(tmp_path / "in", "1.eml", first)])
    with Session(engine) as session:
        ticket = session.exec(select(Ticket)).one()
        assert (ticket.policy or {})["outcome"] == "needs_destruction_confirmation"
        ref, tid = ticket.ref, ticket.id
        assert colleague not in session.exec(select(Participant.email)).all()
    answer = _mail(
        colleague,
        f"Re: Opzegging licentie {number} [{ref}]",
        "Wij bevestigen dat alle kopieën van de software vernietigd werden.\n",
    )
    _ingest(settings, engine, [_write(tmp_path / "in", "2.eml", answer)])
    with Session(engine) as session:
        assert len(session.exec(select(Ticket)).all()) == 1, "the contact got a ticket of their own"
        message = session.exec(select(Message).where(Message.from_email == colleague)).one()
        assert message.ticket_id == tid and message.disposition == "followup" and message.counts
        ticket = session.exec(select(Ticket)).one()
        assert (ticket.policy or {})["outcome"] != "needs_destruction_confirmation"


def test_the_requesters_own_out_of_office_does_not_count_either(
    settings: Settings, engine: Engine, registered: Registry, tmp_path: Path
) -> None:
    """Which mail counts does not depend on who sent it: an auto-reply from the requester's
    own address, with the tag and the words that would complete the request, is linked only."""
    number, contact = _monthly_licence(registered)
    first = _mail(contact, f"Opzegging licentie {number}", f"Wij zeggen licentie {number} op.\n")
    _ingest(settings, engine, [_write(tmp_path / "in", "1.eml", first)])
    with Session(engine) as session:
        ticket = session.exec(select(Ticket)).one()
        ref, tid = ticket.ref, ticket.id
    away = EmailMessage()
    away["From"] = contact
    away["To"] = "support@contracts.example.com"
    away["Subject"] = f"Out of office: Re: Opzegging licentie [{ref}]"
    away["Auto-Submitted"] = "auto-replied"
    away["Date"] = format_datetime(NOW)
    away["Message-ID"] = make_msgid(domain="customer.example.be")
    away.set_content("Alle kopieën van de software werden vernietigd. Opzegging per 31/03/2027.\n")
    again = _mail(contact, f"Re: Opzegging licentie [{ref}]", "Hebben jullie mijn mail gekregen?\n")
    _ingest(settings, engine, [_write(tmp_path / "in", "2.eml", bytes(away))])
    _ingest(settings, engine, [_write(tmp_path / "in", "3.eml", again)])
    with Session(engine) as session:
        messages = session.exec(
            select(Message).where(Message.ticket_id == tid).order_by(col(Message.id))
        ).all()
        inbound = [(m.disposition, m.counts) for m in messages if m.direction == "in"]
        assert inbound == [("ticket", True), ("auto_reply", False), ("followup", True)]
        ticket = session.exec(select(Ticket)).one()
        assert (ticket.policy or {})["outcome"] == "needs_destruction_confirmation"
        assert ticket.contract_numbers == [normalize_number(number)]


def test_a_contact_of_another_contract_naming_a_ticket_gets_a_generic_reply_not_quarantine(
    settings: Settings, engine: Engine, registered: Registry, tmp_path: Path
) -> None:
    """A registered contact of one contract who writes with another customer's ticket tag is
    not a participant of that ticket: a new ticket flagged sender_unverified. Its own request
    may be complete, but the reply to an unverified ticket says nothing about a contract:
    the generic template (rendering the acceptance without its facts crashed, and the mail
    was quarantined)."""
    number, contact = _monthly_licence(registered)
    other = next(
        c for c in registered.values() if c.kind == "monthly_license" and contact not in c.contacts
    )
    outsider = sorted(other.contacts)[0]
    first = _mail(contact, f"Opzegging licentie {number}", f"Wij zeggen licentie {number} op.\n")
    _ingest(settings, engine, [_write(tmp_path / "in", "1.eml", first)])
    with Session(engine) as session:
        original = session.exec(select(Ticket)).one()
    complete = _mail(
        outsider,
        f"Re: opzegging [{original.ref}]",
        f"Hierbij zeggen wij de maandelijkse licentie {other.display_number} op. Wij bevestigen"
        " dat alle kopieën van de software vernietigd werden.\n",
    )
    _ingest(settings, engine, [_write(tmp_path / "in", "2.eml", complete)])
    with Session(engine) as session:
        assert all(e.state == "processed" for e in session.exec(select(LedgerEntry))), [
            e.reason for e in session.exec(select(LedgerEntry))
        ]
        flagged = session.exec(select(Ticket).where(Ticket.id != original.id)).one()
        assert "sender_unverified" in flagged.flags and flagged.linked_ticket_id == original.id
        (reply,) = session.exec(select(OutboxRow).where(OutboxRow.ticket_id == flagged.id)).all()
        assert reply.template == "cancellation/sender_unverified"
        assert other.display_number not in reply.raw.decode("utf-8", "replace")
