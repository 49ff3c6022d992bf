"""The intake ledger: one row per raw mail received, written in the batch transaction.

`record_batch` inserts the rows of a batch in bulk; the unique keys (mailbox, uidvalidity, uid)
and (sha256) make a re-delivery a no-op, and the caller learns which mails are new. The new
mails then go to the processor (`postkamer.service`), and end `processed` or `quarantined`
(reason kept, raw bytes stay in the blob store) in the same transaction. Checkpoints (up to
which UID a mailbox folder is committed) are read and advanced here too.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from intake.sources.base import Checkpoint
from storage.models import LedgerEntry, MailboxState, utcnow

STORED = "stored"
PROCESSED = "processed"
QUARANTINED = "quarantined"
OVERSIZE = "oversize"  # reason prefix of mails whose raw bytes were not fetched whole

_CHUNK = 500  # rows per IN (...) lookup: well inside every backend's parameter limit


@dataclass(frozen=True, slots=True)
class NewMail:
    """What the ledger needs to know about one received mail (its bytes are in the blob store)."""

    mailbox: str
    sha256: str
    size: int
    source_ref: str = ""
    uidvalidity: int | None = None
    uid: int | None = None
    internaldate: datetime | None = None
    quarantine_reason: str | None = None  # set: the row is born quarantined (e.g. oversize)


@dataclass(frozen=True, slots=True)
class StoredMail:
    """A mail that has a ledger row and raw bytes: what a processor gets."""

    ledger_id: int
    mailbox: str
    sha256: str
    size: int
    source_ref: str
    uidvalidity: int | None
    uid: int | None
    internaldate: datetime | None
    data: bytes


@dataclass(frozen=True, slots=True)
class BatchRecord:
    """Outcome of `record_batch`: ledger ids of the new rows, in input order, and duplicates."""

    new: list[tuple[int, NewMail]]
    duplicates: list[NewMail]


def _chunks(items: Sequence[object], size: int = _CHUNK) -> Iterable[Sequence[object]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _existing_hashes(session: Session, hashes: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(hashes):
        stmt = select(col(LedgerEntry.sha256)).where(col(LedgerEntry.sha256).in_(chunk))
        found.update(session.execute(stmt).scalars())
    return found


def _existing_uids(
    session: Session, keys: Sequence[tuple[str, int | None, int | None]]
) -> set[tuple[str, int, int]]:
    found: set[tuple[str, int, int]] = set()
    for chunk in _chunks(keys):
        stmt = select(
            col(LedgerEntry.mailbox), col(LedgerEntry.uidvalidity), col(LedgerEntry.uid)
        ).where(
            tuple_(
                col(LedgerEntry.mailbox), col(LedgerEntry.uidvalidity), col(LedgerEntry.uid)
            ).in_(chunk)
        )
        for mailbox, uidvalidity, uid in session.execute(stmt):
            found.add((mailbox, int(uidvalidity), int(uid)))
    return found


def record_batch(session: Session, mails: Sequence[NewMail]) -> BatchRecord:
    """Insert ledger rows for `mails`, skipping any already known by hash or by mailbox UID.

    Two lookups and one bulk INSERT ... ON CONFLICT DO NOTHING per batch, whatever its size;
    a row that a concurrent writer inserted first also counts as a duplicate.
    """
    if not mails:
        return BatchRecord([], [])
    known_hashes = _existing_hashes(session, sorted({m.sha256 for m in mails}))
    uid_keys = sorted(
        {
            (m.mailbox, m.uidvalidity, m.uid)
            for m in mails
            if m.uid is not None and m.uidvalidity is not None
        }
    )
    known_uids = _existing_uids(session, uid_keys) if uid_keys else set()
    fresh: list[NewMail] = []
    duplicates: list[NewMail] = []
    seen: set[str] = set()
    for mail in mails:
        key = (mail.mailbox, mail.uidvalidity, mail.uid)
        if mail.sha256 in known_hashes or mail.sha256 in seen or key in known_uids:
            duplicates.append(mail)
            continue
        seen.add(mail.sha256)
        fresh.append(mail)
    if not fresh:
        return BatchRecord([], duplicates)
    now = utcnow()
    rows = [
        {
            "mailbox": m.mailbox,
            "uidvalidity": m.uidvalidity,
            "uid": m.uid,
            "source_ref": m.source_ref,
            "sha256": m.sha256,
            "size": m.size,
            "internaldate": m.internaldate,
            "state": QUARANTINED if m.quarantine_reason else STORED,
            "reason": m.quarantine_reason,
            "attempts": 0,
            "created_at": now,
            "processed_at": now if m.quarantine_reason else None,
        }
        for m in fresh
    ]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (
        insert(LedgerEntry)
        .on_conflict_do_nothing()
        .returning(col(LedgerEntry.id), col(LedgerEntry.sha256))
    )
    ids: dict[str, int] = {}
    for sha, ident in ((r.sha256, r.id) for r in session.execute(stmt, rows)):
        ids[sha] = int(ident)
    new: list[tuple[int, NewMail]] = []
    for mail in fresh:
        if mail.sha256 in ids:
            new.append((ids[mail.sha256], mail))
        else:
            duplicates.append(mail)
    return BatchRecord(new, duplicates)


def mark_processed(session: Session, ledger_ids: Sequence[int]) -> None:
    """Set the rows to `processed` (one UPDATE per chunk of ids)."""
    now = utcnow()
    for chunk in _chunks(ledger_ids):
        session.execute(
            update(LedgerEntry)
            .where(col(LedgerEntry.id).in_(chunk))
            .values(state=PROCESSED, processed_at=now, reason=None)
        )


def mark_processed_if_stored(session: Session, ledger_ids: Sequence[int]) -> None:
    """Set to `processed` the rows still `stored` (a processor may have quarantined some)."""
    now = utcnow()
    for chunk in _chunks(ledger_ids):
        session.execute(
            update(LedgerEntry)
            .where(col(LedgerEntry.id).in_(chunk), col(LedgerEntry.state) == STORED)
            .values(state=PROCESSED, processed_at=now, reason=None)
        )


def count_states(session: Session, ledger_ids: Sequence[int]) -> dict[str, int]:
    """How many of these rows are in each state."""
    counts: dict[str, int] = {}
    for chunk in _chunks(ledger_ids):
        stmt = (
            select(col(LedgerEntry.state), func.count())
            .where(col(LedgerEntry.id).in_(chunk))
            .group_by(col(LedgerEntry.state))
        )
        for state, n in session.execute(stmt):
            counts[str(state)] = counts.get(str(state), 0) + int(n)
    return counts


def quarantine(session: Session, ledger_id: int, reason: str) -> None:
    """Put one row in quarantine with a reason a person can act on; its raw bytes stay."""
    session.execute(
        update(LedgerEntry)
        .where(col(LedgerEntry.id) == ledger_id)
        .values(
            state=QUARANTINED,
            reason=reason[:4000],
            processed_at=utcnow(),
            attempts=LedgerEntry.attempts + 1,
        )
    )


def list_quarantined(session: Session, limit: int | None = None) -> list[LedgerEntry]:
    stmt = (
        select(LedgerEntry)
        .where(col(LedgerEntry.state) == QUARANTINED)
        .order_by(col(LedgerEntry.id))
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.execute(stmt).scalars())


def get_entry(session: Session, ledger_id: int) -> LedgerEntry | None:
    return session.get(LedgerEntry, ledger_id)


def is_oversize(entry: LedgerEntry) -> bool:
    """True when only the header block of the mail was kept (it was over the size limit)."""
    return bool(entry.reason and entry.reason.startswith(OVERSIZE))


def count_by_state(session: Session) -> dict[str, int]:
    stmt = select(col(LedgerEntry.state), func.count()).group_by(LedgerEntry.state)
    return {str(state): int(n) for state, n in session.execute(stmt)}


def read_checkpoint(session: Session, mailbox: str) -> Checkpoint | None:
    state = session.execute(
        select(MailboxState).where(col(MailboxState.name) == mailbox)
    ).scalar_one_or_none()
    if state is None:
        return None
    return Checkpoint(state.uidvalidity, state.last_uid)


def write_checkpoint(session: Session, mailbox: str, folder: str, checkpoint: Checkpoint) -> None:
    """Advance the checkpoint of `mailbox`, in the caller's (batch) transaction."""
    state = session.execute(
        select(MailboxState).where(col(MailboxState.name) == mailbox)
    ).scalar_one_or_none()
    if state is None:
        state = MailboxState(name=mailbox, folder=folder)
        session.add(state)
    state.folder = folder
    state.uidvalidity = checkpoint.uidvalidity
    state.last_uid = checkpoint.last_uid
    state.updated_at = utcnow()
    session.flush()


def touch_checkpoint(session: Session, mailbox: str) -> None:
    """Record a successful poll that found nothing new (`updated_at` = last good poll), so a
    quiet mailbox does not look stalled to the health check."""
    session.execute(
        update(MailboxState).where(col(MailboxState.name) == mailbox).values(updated_at=utcnow())
    )


def mailbox_states(session: Session) -> list[MailboxState]:
    return list(session.execute(select(MailboxState).order_by(col(MailboxState.name))).scalars())
