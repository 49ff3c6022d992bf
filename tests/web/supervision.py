"""Test data for the supervisor pages: a routing file and template folder for the app, sample
mails stored as processed (raw bytes in the blob store, ledger rows, tickets for some) so a
replay has something to re-decide, quarantined mails, and the registry in the database.
"""

from __future__ import annotations

import dataclasses
import hashlib
import secrets
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import Engine

from postkamer.web import WebConfig
from routing.registry import parse_csv
from storage.blobs import BlobStore
from storage.contracts import import_contracts
from storage.db import session_scope
from storage.models import Event, LedgerEntry, Message, OutboxRow, Ticket

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / ".." / "shared" / "samples"
CONFIG_TEXT = (REPO / "config" / "routing.yaml").read_text(encoding="utf-8")
TEMPLATES = REPO / "templates"
# a keyword weight change that moves four French cancellations out of the cancellation queue
WEIGHT_OLD = "          resili*: 4"
WEIGHT_NEW = "          resili*: 1"


def supervisor_config(base: WebConfig, tmp: Path, processor: object = None) -> WebConfig:
    path = tmp / "routing.yaml"
    path.write_text(CONFIG_TEXT, encoding="utf-8")
    return dataclasses.replace(
        base,
        routing_config=path,
        templates=TEMPLATES,
        processor=processor,  # type: ignore[arg-type]
    )


def store_samples(engine: Engine, blobs: BlobStore, with_tickets: bool = True) -> int:
    """Every sample mail as a processed ledger row; the French cancellations get a ticket.
    Returns how many were stored."""
    with session_scope(engine) as s:
        registry = (SAMPLES / "contracts.csv").read_text(encoding="utf-8-sig")
        import_contracts(s, parse_csv(registry))
    files = sorted(SAMPLES.glob("*.eml"))
    with session_scope(engine) as s:
        for i, path in enumerate(files, start=1):
            data = path.read_bytes()
            digest = blobs.put(data)
            entry = LedgerEntry(
                mailbox="support",
                uidvalidity=1,
                uid=i,
                source_ref=f"INBOX/{i}",
                sha256=digest,
                size=len(data),
                state="processed",
            )
            s.add(entry)
            s.flush()
            if with_tickets and "resiliation" in path.name:
                ticket = Ticket(
                    ref="PK-" + secrets.token_hex(4).upper(),
                    queue="cancellation",
                    subject=path.stem,
                )
                s.add(ticket)
                s.flush()
                s.add(Message(ledger_id=entry.id, ticket_id=ticket.id, subject=path.stem))
    return len(files)


def quarantine_mail(
    engine: Engine, blobs: BlobStore, data: bytes, reason: str, uid: int = 9000
) -> int:
    digest = blobs.put(data)
    with session_scope(engine) as s:
        entry = LedgerEntry(
            mailbox="support",
            uidvalidity=1,
            uid=uid,
            source_ref=f"INBOX/{uid}",
            sha256=digest,
            size=len(data),
            state="quarantined",
            reason=reason,
            attempts=1,
        )
        s.add(entry)
        s.flush()
        assert entry.id is not None
        return entry.id


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def seed_statistics(engine: Engine, now: datetime) -> None:
    """Tickets, incoming mails with decisions, re-routes and replies sent, around `now`."""
    with session_scope(engine) as s:

        def ticket(queue: str, created: datetime) -> int:
            t = Ticket(
                ref=f"PK-{queue[:3].upper()}{created.timestamp():.0f}{len(queue)}",
                queue=queue,
                created_at=created,
            )
            s.add(t)
            s.flush()
            assert t.id is not None
            return t.id

        def mail(
            tid: int | None,
            received: datetime,
            outcome: str | None,
            reply: str | None,
            disposition: str = "ticket",
        ) -> None:
            decision = {
                "disposition": disposition,
                "policy": {"outcome": outcome},
                "reply_template": reply,
            }
            s.add(
                Message(
                    ticket_id=tid,
                    direction="in",
                    received=received,
                    decision=decision,
                    disposition=disposition,
                )
            )

        day = timedelta(days=1)
        hw1 = ticket("hardware", now - 2 * day)
        hw2 = ticket("hardware", now - day)
        can = ticket("cancellation", now - day)
        mail(hw1, now - 2 * day, None, "ack/hardware")
        mail(hw2, now - day, None, "ack/hardware")
        mail(can, now - day, "accepted", "cancellation/accepted")
        mail(can, now - day + timedelta(hours=1), "manual_review", None)
        mail(None, now, None, None, "auto_reply")
        mail(hw1, now - 40 * day, None, "ack/hardware")  # outside a 30-day window
        s.add(
            Event(
                ticket_id=hw1,
                kind="rerouted",
                at=now - day,
                data={"from": "general", "to": "hardware"},
            )
        )
        s.add(
            Event(
                ticket_id=hw2,
                kind="rerouted",
                at=now - day,
                data={"from": "general", "to": "hardware"},
            )
        )
        s.add(
            Event(
                ticket_id=can,
                kind="rerouted",
                at=now - day,
                data={"from": "software", "to": "cancellation"},
            )
        )
        for tid, hours, automatic in ((hw1, 2.0, False), (hw1, 0.1, True), (hw2, 6.0, False)):
            created = now - 2 * day if tid == hw1 else now - day
            s.add(
                OutboxRow(
                    ticket_id=tid,
                    message_id=f"<{tid}-{hours}@x>",
                    raw=b"",
                    automatic=automatic,
                    state="sent",
                    sent_at=created + timedelta(hours=hours),
                )
            )
