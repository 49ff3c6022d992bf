"""Replay for the routing config page: the last N processed mails of the ledger (raw bytes from
the blob store, received = the IMAP internal date, else the mail's Date header) re-decided with
the running config and with the candidate (`routing.replay`), and the examples of each change
described for people (subject, ticket). Nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import Session, col, select

from intake.proof import NO_TRUST, TrustConfig
from routing.config import RoutingConfig
from routing.replay import ReplayItem, ReplayReport, replay
from storage import ledger
from storage.blobs import BlobStore
from storage.contracts import load_registry
from storage.models import LedgerEntry, Message, Ticket


@dataclass(frozen=True, slots=True)
class Example:
    ledger_id: int
    subject: str
    ticket_ref: str | None


@dataclass(frozen=True, slots=True)
class ChangeRow:
    before: str
    after: str
    count: int
    examples: list[Example]


@dataclass(frozen=True, slots=True)
class ReplayView:
    report: ReplayReport
    rows: list[ChangeRow]
    missing: int  # processed mails whose raw bytes are not in the blob store


def _utc(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def recent_items(session: Session, blobs: BlobStore, limit: int) -> tuple[list[ReplayItem], int]:
    """The newest `limit` processed mails as replay items, oldest first, and how many were
    skipped because their raw bytes are gone."""
    rows = session.exec(
        select(LedgerEntry)
        .where(col(LedgerEntry.state) == ledger.PROCESSED)
        .order_by(col(LedgerEntry.id).desc())
        .limit(limit)
    ).all()
    items: list[ReplayItem] = []
    missing = 0
    for row in reversed(rows):
        if not blobs.exists(row.sha256):
            missing += 1
            continue
        items.append(
            ReplayItem(
                ref=str(row.id),
                data=blobs.get(row.sha256),
                received=_utc(row.internaldate),  # None: replay uses the Date header
                mailbox=row.mailbox,
            )
        )
    return items, missing


def describe(session: Session, ledger_ids: list[int]) -> dict[int, Example]:
    """Subject and ticket of the stored mails with these ledger ids."""
    if not ledger_ids:
        return {}
    found = session.exec(
        select(Message.ledger_id, Message.subject, Ticket.ref)
        .join(Ticket, col(Ticket.id) == col(Message.ticket_id), isouter=True)
        .where(col(Message.ledger_id).in_(ledger_ids))
    ).all()
    out = {i: Example(i, "", None) for i in ledger_ids}
    for ledger_id, subject, ref in found:
        if ledger_id is not None:
            out[int(ledger_id)] = Example(int(ledger_id), subject or "", ref)
    return out


def run_replay(
    session: Session,
    blobs: BlobStore,
    current: RoutingConfig,
    candidate: RoutingConfig,
    limit: int,
    trust: TrustConfig = NO_TRUST,
) -> ReplayView:
    items, missing = recent_items(session, blobs, limit)
    report = replay(items, current, candidate, load_registry(session), trust=trust)
    rows = report.rows()
    ids = sorted({int(ref) for _, _, _, refs in rows for ref in refs})
    known = describe(session, ids)
    return ReplayView(
        report=report,
        rows=[
            ChangeRow(before, after, n, [known[int(ref)] for ref in refs])
            for before, after, n, refs in rows
        ],
        missing=missing,
    )
