"""Confirmation by reply in the database (SQLite and PostgreSQL): a registered contact's
cancellation whose sender is not proven gets a confirmation request at the contact address
and no termination job; only the contact's reply threaded to that request and carrying its
one-time code makes it accepted, judged on the reply's arrival (DOMAIN.md 4a)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
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
from postkamer.ticketjobs import ticket_job_ids
from routing.registry import Registry
from storage.contracts import import_contracts
from storage.db import session_scope
from storage.jobstore import stored_jobs
from storage.models import Event, Message, OutboxRow, SenderConfirmation, Ticket

MX = "mx.contracts.example.com"
CONTACT = "jan.deprez@zevenlinden.example.be"
NUMBER = "HW-2207-4418"  # maintenance since 2021: a proven request is accepted
ASKED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CODE = re.compile(r"^\s+([0-9A-Z]{4}-[0-9A-Z]{4})\s*$", re.MULTILINE)


def _settings(url: str, tmp: Path, days: int = 14) -> Settings:
    return Settings(
        database=DatabaseSettings(url=url),
        storage=StorageSettings(blobs=tmp / "blobs"),
        outbound=OutboundSettings(folder=tmp / "outbox"),
        trust=TrustSettings(authserv_ids=[MX], confirmation_days=days),
    )


@pytest.fixture
def registered(engine: Engine, samples_dir: Path) -> Registry:
    registry = Registry.from_csv(samples_dir / "contracts.csv")
    with session_scope(engine) as session:
        import_contracts(session, registry.values())
    return registry


def mail(
    sender: str,
    subject: str,
    body: str,
    *,
    when: datetime = ASKED,
    results: tuple[str, ...] = (),
    in_reply_to: str | None = None,
    extra: dict[str, str] | None = None,
) -> bytes:
    msg = EmailMessage()
    for value in results:
        msg["Authentication-Results"] = value
    msg["From"] = sender
    msg["To"] = "support@contracts.example.com"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = make_msgid(domain="zevenlinden.example.be")
    for key, value in (extra or {}).items():
        msg[key] = value
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    msg.set_content(body)
    return bytes(msg)


REQUEST = (
    "Beste,\n\nHierbij zeggen wij het onderhoudscontract "
    + NUMBER
    + " op.\n\nMet vriendelijke groeten,\nJan Deprez\n"
)


def ingest(
    settings: Settings, engine: Engine, tmp: Path, name: str, data: bytes, now: datetime
) -> None:
    folder = tmp / "in"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    ingest_paths(
        settings,
        [path],
        Processor(ProcessingContext.from_settings(settings), now=now),
        engine=engine,
    )


def the_ticket(session: Session) -> Ticket:
    return session.exec(select(Ticket).order_by(col(Ticket.id))).first()  # type: ignore[return-value]


def events(session: Session, ticket_id: int, kind: str) -> list[dict[str, object]]:
    found = session.exec(
        select(Event)
        .where(Event.ticket_id == ticket_id)
        .where(Event.kind == kind)
        .order_by(col(Event.id))
    )
    return [e.data for e in found]


def request_sent(session: Session) -> tuple[OutboxRow, str]:
    """The confirmation request in the outbox and the code the contact reads in it."""
    row = session.exec(
        select(OutboxRow).where(OutboxRow.template == "cancellation/awaiting_sender_confirmation")
    ).one()
    parsed = message_from_bytes(row.raw, policy=policy.default)
    body = parsed.get_body(("plain",))
    assert body is not None
    found = CODE.search(body.get_content())
    assert found is not None, body.get_content()
    return row, found.group(1)


def test_forged_contact_gets_the_request_and_only_the_code_accepts(
    migrated_db_url: str, engine: Engine, registered: Registry, tmp_path: Path
) -> None:
    settings = _settings(migrated_db_url, tmp_path)
    forged = mail(
        f"Jan Deprez <{CONTACT}>",
        f"Opzegging onderhoudscontract {NUMBER}",
        REQUEST,
        # the forger's own claim: not from a believed server
        results=(
            "mx.forger.example.net; dkim=pass header.d=zevenlinden.example.be; "
            "dmarc=pass header.from=zevenlinden.example.be",
        ),
        extra={"Reply-To": "mallory@forger.example.net", "Cc": "mallory@forger.example.net"},
    )
    ingest(settings, engine, tmp_path, "1.eml", forged, ASKED)
    with Session(engine) as session:
        ticket = the_ticket(session)
        assert ticket.id is not None
        tid, ref = ticket.id, ticket.ref
        assert (ticket.policy or {})["outcome"] == "awaiting_sender_confirmation"
        assert ticket.status == "waiting_on_customer"
        assert "possibly_forged" not in ticket.flags
        row, code = request_sent(session)
        # to the registered contact only: never the forger's Reply-To or Cc
        assert row.recipients == [CONTACT]
        sent = message_from_bytes(row.raw, policy=policy.default)
        assert sent["Cc"] is None and "mallory" not in row.raw.decode("utf-8", "replace")
        assert NUMBER in str(sent["Subject"]) and "2 april 2026" in row.raw.decode()
        # the code is stored hashed, and the history shows the request with the code masked
        stored = session.exec(select(SenderConfirmation)).one()
        assert stored.contact == CONTACT and stored.request_message_id == row.message_id
        assert code.replace("-", "") not in stored.code_hash and stored.code_hash.startswith(
            "$argon2"
        )
        out = session.exec(select(Message).where(Message.message_id == row.message_id)).one()
        assert code not in out.text and "****-****" in out.text
        assert not stored_jobs(session, [f"termination:{tid}"]), "no termination before the reply"
        inbound = session.exec(select(Message).where(Message.direction == "in")).one()
        proof = (inbound.decision or {})["sender_proof"]
        assert proof["status"] == "unproven"
        assert any("mx.forger.example.net ignored" in r for r in proof["reasons"])
        request_id = row.message_id

    later = ASKED + timedelta(days=3)
    # a wrong code, threaded to the request: nothing
    ingest(
        settings,
        engine,
        tmp_path,
        "2.eml",
        mail(
            CONTACT,
            f"RE: Opzegging [{ref}]",
            "Bevestigd, code ZZ7Z-ZZZZ.\n",
            when=later,
            in_reply_to=request_id,
        ),
        later,
    )
    # the right code, but not a reply to the request (only the ticket tag): nothing
    ingest(
        settings,
        engine,
        tmp_path,
        "3.eml",
        mail(CONTACT, f"RE: Opzegging [{ref}]", f"Bevestigd: {code}\n", when=later),
        later,
    )
    # the right code only in the quoted request, not in the contact's own words: nothing
    ingest(
        settings,
        engine,
        tmp_path,
        "4.eml",
        mail(
            CONTACT,
            f"RE: Opzegging [{ref}]",
            f"Dit heb ik nooit gevraagd!\n\n> Om te bevestigen:\n>     {code}\n",
            when=later,
            in_reply_to=request_id,
        ),
        later,
    )
    with Session(engine) as session:
        ticket = the_ticket(session)
        assert (ticket.policy or {})["outcome"] == "awaiting_sender_confirmation"
        assert not stored_jobs(session, [f"termination:{tid}"])
        reasons = [e["reason"] for e in events(session, tid, "confirmation_refused")]
        assert reasons == [
            "wrong code",
            "not a reply to the confirmation request (In-Reply-To/References do not name it)",
            "no code in the reply's own text",
        ]
        assert len(session.exec(select(OutboxRow)).all()) == 1, "no new mail for a refused reply"

    confirmed_at = ASKED + timedelta(days=4)
    ingest(
        settings,
        engine,
        tmp_path,
        "5.eml",
        mail(
            CONTACT,
            f"RE: Graag uw bevestiging [{ref}]",
            f"Goedemorgen,\n\nik bevestig de opzegging. {code.lower()}\n\nJan\n",
            when=confirmed_at,
            in_reply_to=request_id,
        ),
        confirmed_at,
    )
    with Session(engine) as session:
        ticket = the_ticket(session)
        # judged again on the reply's arrival: 6 March + 1 month
        assert ticket.policy == {
            "outcome": "accepted",
            "effective_date": "2026-04-06",
            "earliest_notice_date": None,
        }
        assert ticket.status == "resolved"
        assert ticket.contract_numbers == ["HW22074418"]  # the code is not a contract number
        jobs = stored_jobs(session, ticket_job_ids(tid))
        assert list(jobs) == [f"termination:{tid}"]
        accepted = session.exec(
            select(OutboxRow).where(OutboxRow.template == "cancellation/accepted")
        ).one()
        assert accepted.recipients == [CONTACT]
        reply = session.exec(
            select(Message).where(Message.direction == "in").order_by(col(Message.id).desc())
        ).first()
        assert reply is not None
        assert (reply.decision or {})["sender_proof"]["method"] == "confirmation"
        assert events(session, tid, "sender_confirmed")[0]["request"] == request_id
        assert session.exec(select(SenderConfirmation)).one().state == "confirmed"

    # the code is spent, and a later unproven follow-up does not undo the acceptance
    after = ASKED + timedelta(days=5)
    ingest(
        settings,
        engine,
        tmp_path,
        "6.eml",
        mail(
            CONTACT,
            f"RE: Bevestiging [{ref}]",
            f"Dank u. {code}\n",
            when=after,
            in_reply_to=request_id,
        ),
        after,
    )
    with Session(engine) as session:
        ticket = the_ticket(session)
        assert (ticket.policy or {})["outcome"] == "accepted"
        assert list(stored_jobs(session, ticket_job_ids(tid))) == [f"termination:{tid}"]
        assert len(session.exec(select(SenderConfirmation)).all()) == 1


def test_a_proven_contact_is_accepted_at_once(
    migrated_db_url: str, engine: Engine, registered: Registry, tmp_path: Path
) -> None:
    settings = _settings(migrated_db_url, tmp_path)
    data = mail(
        CONTACT,
        f"Opzegging onderhoudscontract {NUMBER}",
        REQUEST,
        results=(
            f"{MX}; spf=pass smtp.mailfrom=zevenlinden.example.be; "
            "dmarc=pass header.from=zevenlinden.example.be",
        ),
    )
    ingest(settings, engine, tmp_path, "1.eml", data, ASKED)
    with Session(engine) as session:
        ticket = the_ticket(session)
        assert (ticket.policy or {})["outcome"] == "accepted"
        assert ticket.id is not None and stored_jobs(session, [f"termination:{ticket.id}"])
        assert not session.exec(select(SenderConfirmation)).all()


def test_believed_dmarc_fail_flags_the_ticket_and_confirms_nothing(
    migrated_db_url: str, engine: Engine, registered: Registry, tmp_path: Path
) -> None:
    settings = _settings(migrated_db_url, tmp_path)
    data = mail(
        CONTACT,
        f"Opzegging onderhoudscontract {NUMBER}",
        REQUEST,
        results=(
            f"{MX}; spf=fail smtp.mailfrom=forger.example.net; dkim=none; "
            "dmarc=fail (p=none) header.from=zevenlinden.example.be",
        ),
    )
    ingest(settings, engine, tmp_path, "1.eml", data, ASKED)
    with Session(engine) as session:
        ticket = the_ticket(session)
        assert "possibly_forged" in ticket.flags
        assert (ticket.policy or {})["outcome"] == "awaiting_sender_confirmation"
        row, _ = request_sent(session)
        assert row.recipients == [CONTACT]
        inbound = session.exec(select(Message).where(Message.direction == "in")).one()
        assert (inbound.decision or {})["sender_proof"]["status"] == "failed"
        assert "sender proof failed: possibly forged" in (inbound.decision or {})["explanation"]


@pytest.mark.parametrize(
    ("days", "outcome"), [(14, "accepted"), (3, "awaiting_sender_confirmation")]
)
def test_the_code_expires_after_confirmation_days(
    migrated_db_url: str,
    engine: Engine,
    registered: Registry,
    tmp_path: Path,
    days: int,
    outcome: str,
) -> None:
    settings = _settings(migrated_db_url, tmp_path, days=days)
    ingest(
        settings, engine, tmp_path, "1.eml", mail(CONTACT, f"Opzegging {NUMBER}", REQUEST), ASKED
    )
    with Session(engine) as session:
        row, code = request_sent(session)
        ref = the_ticket(session).ref
    late = ASKED + timedelta(days=5)
    ingest(
        settings,
        engine,
        tmp_path,
        "2.eml",
        mail(CONTACT, f"RE: [{ref}]", f"Akkoord: {code}\n", when=late, in_reply_to=row.message_id),
        late,
    )
    with Session(engine) as session:
        ticket = the_ticket(session)
        assert ticket.id is not None
        assert (ticket.policy or {})["outcome"] == outcome
        if outcome != "accepted":
            (refused,) = events(session, ticket.id, "confirmation_refused")
            assert str(refused["reason"]).startswith("the code expired on")
            # the expired request is replaced by a fresh one with a new code
            requests = session.exec(
                select(SenderConfirmation).order_by(col(SenderConfirmation.id))
            ).all()
            assert [r.state for r in requests] == ["superseded", "open"]
