"""Quarantine for people: the mails that could not be processed, a safe look at their headers,
and discarding one for good with a recorded reason (state `discarded` + an Event).

Retrying a quarantined mail is `postkamer.service.retry_quarantined`; a discarded mail keeps
its ledger row (a re-delivery stays a duplicate) and its raw bytes in the blob store.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, func, select

from intake.sources.files import header_block
from storage import ledger
from storage.blobs import BlobStore
from storage.models import Event, LedgerEntry, utcnow

DISCARDED = "discarded"
HEADER_CAP = 16_384  # characters of the header block shown to a person
MAX_REASON = 2000


class NotQuarantined(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class HeaderView:
    text: str  # the header block, decoded for display (replacement characters, no body)
    truncated: bool
    missing: bool  # the raw bytes are not in the blob store


def entries(session: Session, state: str, limit: int = 200, offset: int = 0) -> list[LedgerEntry]:
    """Ledger rows in `state` (quarantined or discarded), newest first."""
    query = (
        select(LedgerEntry)
        .where(col(LedgerEntry.state) == state)
        .order_by(col(LedgerEntry.id).desc())
        .offset(offset)
        .limit(limit)
    )
    return list(session.exec(query).all())


def count(session: Session, state: str) -> int:
    query = select(func.count()).select_from(LedgerEntry).where(col(LedgerEntry.state) == state)
    return int(session.exec(query).one())


def headers(blobs: BlobStore, entry: LedgerEntry, cap: int = HEADER_CAP) -> HeaderView:
    """Only the header block of the raw mail, capped: the body never reaches the page."""
    if not blobs.exists(entry.sha256):
        return HeaderView("", False, True)
    with blobs.open(entry.sha256) as fh:
        block = header_block(iter(lambda: fh.read(8192), b""), limit=cap * 4)
    text = block.decode("utf-8", errors="replace").replace("\r\n", "\n").rstrip("\n")
    truncated = len(text) > cap or (len(block) >= cap * 4)
    return HeaderView(text[:cap], truncated, False)


def discard(session: Session, ledger_id: int, actor: str, reason: str) -> LedgerEntry:
    """Take a quarantined mail out of the quarantine for good; who and why go in an Event."""
    reason = " ".join(reason.split())[:MAX_REASON]
    if not reason:
        raise ValueError("a reason is required")
    entry = session.get(LedgerEntry, ledger_id)
    if entry is None or entry.state != ledger.QUARANTINED:
        raise NotQuarantined(f"ledger {ledger_id} is not in quarantine")
    session.add(
        Event(
            kind="discarded",
            actor=actor,
            at=utcnow(),
            data={
                "ledger_id": ledger_id,
                "reason": reason,
                "quarantine_reason": entry.reason,
                "source_ref": entry.source_ref,
            },
        )
    )
    entry.state = DISCARDED
    entry.processed_at = utcnow()
    session.add(entry)
    session.flush()
    return entry


def discard_event(session: Session, ledger_id: int) -> Event | None:
    """The event that discarded this mail (who, when, why)."""
    for event in session.exec(
        select(Event).where(Event.kind == "discarded").order_by(col(Event.id).desc())
    ).all():
        if event.data.get("ledger_id") == ledger_id:
            return event
    return None
