"""Test data for the supervisor pages: a routing file and template folder for the app, sample
mails stored as processed (raw bytes in the blob store, ledger rows, tickets for some) so a
replay has something to re-decide, quarantined mails, and the registry in the database.
"""

from __future__ import annotations

import dataclasses
import hashlib
import secrets
from pathlib import Path

from sqlalchemy.engine import Engine

from postkamer.web import WebConfig
from routing.registry import parse_csv
from storage.blobs import BlobStore
from storage.contracts import import_contracts
from storage.db import session_scope
from storage.models import LedgerEntry, Message, Ticket

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
