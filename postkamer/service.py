"""The intake loop: the one place that knows the order of the stages.

For each batch a source hands out: raw bytes to the blob store (durable first) -> ledger rows
(a re-delivery is a duplicate and goes no further) -> the processor, inside the same
transaction (a mail whose processing raises is quarantined with the reason; the batch goes
on) -> checkpoint -> COMMIT -> only then the source flags or moves the mails on the server.
A crash anywhere before the commit leaves the mails on the server to be fetched again; a
crash after it leaves duplicates that the ledger recognises. Processed mails continue in
`postkamer.processing` (tickets, replies in the outbox) and `outbound.sender`.

Several `run` processes on one PostgreSQL: each mailbox is drained only by the holder of its
poller lock (`postkamer.coordination`); the others stand by and take over when it dies.

Metrics (`postkamer.metrics`): every committed batch of a mailbox and every successful poll are
recorded (`record_poll`: read/stored/quarantined, last poll time, IMAP lag from the newest
INTERNALDATE), every outbox pass (`record_delivery`), and the credentials' health on each
outbox tick and after `run_once` (`CredentialWatch`, which also logs a warning when a
credential turns expiring or failing).
"""

from __future__ import annotations

import logging
import random
import signal
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.header import decode_header, make_header
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import getaddresses, parseaddr, parsedate_to_datetime
from pathlib import Path
from types import FrameType
from typing import Protocol

from sqlalchemy import insert, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, OperationalError, PendingRollbackError
from sqlmodel import Session, col

from intake.model import RawMail
from intake.sources.base import Batch, Checkpoint, MailSource, SourceUnavailable
from intake.sources.files import FileSource, header_block
from intake.sources.imap import ImapSource
from intake.sources.oauth import CredentialState, ProviderRegistry, default_registry
from outbound.outbox import RetryPolicy, recover_orphaned, set_claim_owner
from outbound.replies import ReplyConfig
from outbound.sender import DeliverySummary, deliver_due, utc_clock
from outbound.transport import transport_from_settings
from postkamer.coordination import MailboxLock, WorkerPresence, owner_alive
from postkamer.credential_alerts import CredentialAlerts
from postkamer.metrics import Metrics, default_metrics
from postkamer.settings import MailboxSettings, Settings
from storage import ledger
from storage.blobs import BlobStore
from storage.db import is_postgresql, make_engine, session_scope
from storage.ledger import NewMail, StoredMail
from storage.migrate import upgrade
from storage.models import LedgerEntry, Message, utcnow

log = logging.getLogger(__name__)


class Processor(Protocol):
    """Turns stored mails into messages/tickets. Runs INSIDE the batch transaction; it may
    quarantine a mail itself (`storage.ledger.quarantine`); raising quarantines the mail."""

    def __call__(self, session: Session, mails: list[StoredMail]) -> None: ...


@dataclass(slots=True)
class IngestSummary:
    read: int = 0
    stored: int = 0
    duplicates: int = 0
    quarantined: int = 0

    def add(self, other: IngestSummary) -> None:
        self.read += other.read
        self.stored += other.stored
        self.duplicates += other.duplicates
        self.quarantined += other.quarantined

    def to_json(self) -> dict[str, int]:
        return {
            "read": self.read,
            "stored": self.stored,
            "duplicates": self.duplicates,
            "quarantined": self.quarantined,
        }


# --- the processor used until/unless postkamer.processing provides one -------------------------


def _header_text(value: str | None) -> str:
    if not value:
        return ""
    try:
        return str(make_header(decode_header(value))).replace("\r", " ").replace("\n", " ")
    except Exception:  # undecodable words: keep the raw text
        return value.replace("\r", " ").replace("\n", " ")


def _addresses(values: list[str]) -> list[str]:
    return [a for _, a in getaddresses([_header_text(v) for v in values]) if a]


class BasicProcessor:
    """Stores one `Message` per mail with its basic headers; no tickets, no replies.
    Reads only the header block, so it is cheap and bounded for any mail size."""

    def __call__(self, session: Session, mails: list[StoredMail]) -> None:
        rows: list[dict[str, object]] = []
        now = utcnow()
        for mail in mails:
            head = BytesHeaderParser(policy=compat32).parsebytes(header_block(iter([mail.data])))
            name, email = parseaddr(_header_text(head.get("From")))
            try:
                date = parsedate_to_datetime(head["Date"]) if head.get("Date") else None
            except (TypeError, ValueError, IndexError):
                date = None
            rows.append(
                {
                    "ledger_id": mail.ledger_id,
                    "direction": "in",
                    "message_id": (head.get("Message-ID") or "").strip() or None,
                    "in_reply_to": [],
                    "references": [],
                    "subject": _header_text(head.get("Subject")),
                    "from_name": name,
                    "from_email": email.lower(),
                    "to": _addresses(head.get_all("To", [])),
                    "cc": _addresses(head.get_all("Cc", [])),
                    "date": date if date is None or date.tzinfo else None,
                    "received": mail.internaldate,
                    "disposition": "ticket",
                    "text": "",
                    "new_text": "",
                    "defects": [],
                    "created_at": now,
                }
            )
        session.execute(insert(Message), rows)  # one bulk INSERT for the batch


def load_processor(settings: Settings) -> Processor:
    """`postkamer.processing.default_processor(settings)` when that exists, else BasicProcessor."""
    try:
        from postkamer import processing
    except ModuleNotFoundError as exc:
        if exc.name != "postkamer.processing":
            raise
        return BasicProcessor()
    factory: Callable[[Settings], Processor] | None = getattr(processing, "default_processor", None)
    return factory(settings) if factory is not None else BasicProcessor()


# --- one batch --------------------------------------------------------------------------------


def open_engine(settings: Settings) -> Engine:
    """The settings' database, migrated to the newest schema."""
    engine = make_engine(settings.database.url)
    upgrade(engine)
    return engine


def _new_mail(mail: RawMail, sha256: str, size: int, reason: str | None = None) -> NewMail:
    return NewMail(
        mailbox=mail.source,
        sha256=sha256,
        size=size,
        source_ref=mail.ref,
        uidvalidity=mail.uidvalidity,
        uid=mail.uid,
        internaldate=mail.internaldate,
        quarantine_reason=reason,
    )


def _database_lost(exc: BaseException) -> bool:
    """The database connection broke (server restarted, network): retry, never quarantine."""
    if isinstance(exc, OperationalError | PendingRollbackError):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


def _run_processor(session: Session, processor: Processor, mails: list[StoredMail]) -> None:
    """The whole batch in one savepoint; if that raises, mail by mail, each in its own
    savepoint, and a mail that raises goes to quarantine with the error."""
    if not mails:
        return
    try:
        with session.begin_nested():
            processor(session, mails)
        return
    except Exception as exc:
        if _database_lost(exc):  # not the mails' fault: the whole batch is retried later
            raise
        log.info("batch of %d raised during processing: retrying mail by mail", len(mails))
    for mail in mails:
        try:
            with session.begin_nested():
                processor(session, [mail])
        except Exception as exc:
            if _database_lost(exc):
                raise
            log.warning("ledger %s (%s) quarantined: %s", mail.ledger_id, mail.source_ref, exc)
            ledger.quarantine(
                session, mail.ledger_id, f"processing failed: {type(exc).__name__}: {exc}"
            )


def _finish(session: Session, ledger_ids: Sequence[int]) -> int:
    """Mark as processed what the processor left `stored`; return how many were quarantined."""
    ledger.mark_processed_if_stored(session, ledger_ids)
    return ledger.count_states(session, ledger_ids).get(ledger.QUARANTINED, 0)


def process_batch(
    engine: Engine,
    blobs: BlobStore,
    batch: Batch,
    processor: Processor,
    *,
    mailbox: str | None = None,
    folder: str = "",
) -> IngestSummary:
    """Store and process one batch in ONE transaction; the caller acknowledges it afterwards."""
    summary = IngestSummary(read=batch.size)
    entries: list[tuple[NewMail, RawMail]] = []
    digests = blobs.put_many([m.data for m in batch.mails] + [o.mail.data for o in batch.oversize])
    for mail, digest in zip(batch.mails, digests, strict=False):
        entries.append((_new_mail(mail, digest, len(mail.data)), mail))
    for big, digest in zip(batch.oversize, digests[len(batch.mails) :], strict=True):
        reason = (
            f"{ledger.OVERSIZE}: {big.size} bytes is over the limit; only the header block "
            "was fetched and kept"
        )
        entries.append((_new_mail(big.mail, digest, big.size, reason), big.mail))
    data_by_hash = {new.sha256: raw.data for new, raw in entries}
    with session_scope(engine) as session:
        record = ledger.record_batch(session, [new for new, _ in entries])
        stored = [
            StoredMail(
                ledger_id=ident,
                mailbox=new.mailbox,
                sha256=new.sha256,
                size=new.size,
                source_ref=new.source_ref,
                uidvalidity=new.uidvalidity,
                uid=new.uid,
                internaldate=new.internaldate,
                data=data_by_hash[new.sha256],
            )
            for ident, new in record.new
            if new.quarantine_reason is None
        ]
        _run_processor(session, processor, stored)
        quarantined = _finish(session, [m.ledger_id for m in stored])
        born_quarantined = sum(1 for _, new in record.new if new.quarantine_reason)
        if mailbox is not None and batch.checkpoint is not None:
            ledger.write_checkpoint(session, mailbox, folder, batch.checkpoint)
    summary.duplicates = len(record.duplicates)
    summary.quarantined = quarantined + born_quarantined
    summary.stored = len(record.new) - summary.quarantined
    return summary


def drain(
    engine: Engine,
    blobs: BlobStore,
    source: MailSource,
    processor: Processor,
    stop: threading.Event | None = None,
    progress: Callable[[IngestSummary], None] | None = None,
    checkpointed: bool = True,
    total: IngestSummary | None = None,
    metrics: Metrics | None = None,
) -> IngestSummary:
    """Process batches from `source` until it has nothing more (or `stop` is set).

    Committed batches are added to `total` (a fresh summary when None) as they go, so a caller
    that retries after a broken connection keeps the count of what was done before it. With
    `metrics`, each committed batch and the poll that found the source empty are recorded."""
    total = total if total is not None else IngestSummary()
    checkpoint: Checkpoint | None = None
    if checkpointed:
        with session_scope(engine) as session:
            checkpoint = ledger.read_checkpoint(session, source.name)
    while not (stop and stop.is_set()):
        batch = source.fetch_batch(checkpoint)
        fetched_at = utcnow()
        if batch.empty:
            if metrics is not None:
                metrics.record_poll(source.name, read=0, stored=0, at=fetched_at)
            if checkpointed:
                with session_scope(engine) as session:
                    ledger.touch_checkpoint(session, source.name)
            break
        summary = process_batch(
            engine,
            blobs,
            batch,
            processor,
            mailbox=source.name if checkpointed else None,
            folder=source.folder,
        )
        if batch.checkpoint is not None:
            checkpoint = batch.checkpoint
        source.acknowledge(batch)
        total.add(summary)
        if metrics is not None:
            metrics.record_poll(
                source.name,
                read=summary.read,
                stored=summary.stored,
                quarantined=summary.quarantined,
                at=fetched_at,
                newest_internaldate=newest_internaldate(batch),
            )
        if progress is not None:
            progress(total)
        log.debug("%s: batch %s", source.name, summary)
    return total


# --- entry points -----------------------------------------------------------------------------


def ingest_paths(
    settings: Settings,
    paths: Sequence[str | Path],
    processor: Processor,
    progress: Callable[[IngestSummary], None] | None = None,
    engine: Engine | None = None,
) -> IngestSummary:
    """Ingest .eml files, directories, maildirs and mbox files; re-ingesting is a no-op."""
    own = engine is None
    engine = engine or open_engine(settings)
    source = FileSource(paths, settings.limits.max_message_bytes)
    try:
        return drain(
            engine,
            BlobStore(settings.storage.blobs),
            source,
            processor,
            progress=progress,
            checkpointed=False,
        )
    finally:
        source.close()
        if own:
            engine.dispose()


def make_source(settings: Settings, mailbox: MailboxSettings) -> ImapSource:
    return ImapSource(mailbox, settings.limits.max_message_bytes)


def _with_retries(
    action: Callable[[], IngestSummary], name: str, stop: threading.Event | None, attempts: int
) -> IngestSummary:
    """Run `action`; a lost mail server or database connection (PostgreSQL restarted,
    SQLite still locked after its busy timeout) is retried with backoff, `attempts` in all."""
    delay = 1.0
    for attempt in range(1, attempts + 1):
        try:
            return action()
        except (SourceUnavailable, OperationalError) as exc:
            if attempt == attempts or (stop and stop.is_set()):
                raise
            log.warning("mailbox %s: %s; retrying in %.0f s", name, exc, delay)
            if stop is not None:
                stop.wait(delay)
            else:
                time.sleep(delay)
            delay = min(delay * 2, 60.0)
    raise AssertionError("unreachable")


def run_once(
    settings: Settings,
    processor: Processor,
    engine: Engine | None = None,
    attempts: int = 4,
    metrics: Metrics | None = None,
) -> IngestSummary:
    """Fetch and process everything waiting in every configured mailbox, then return.
    Polls and credential health go to `metrics` (the process-wide `default_metrics()`)."""
    own = engine is None
    engine = engine or open_engine(settings)
    metrics = metrics or default_metrics()
    blobs = BlobStore(settings.storage.blobs)
    total = IngestSummary()
    try:
        for mailbox in settings.mailboxes:
            source = make_source(settings, mailbox)
            done = IngestSummary()  # what committed before a retry counts too
            try:
                _with_retries(
                    lambda s=source, d=done: drain(  # type: ignore[misc]
                        engine, blobs, s, processor, total=d, metrics=metrics
                    ),
                    mailbox.name,
                    None,
                    attempts,
                )
            finally:
                source.close()
                total.add(done)
    finally:
        check_credentials(metrics)
        if own:
            engine.dispose()
    return total


def deliver_outbox(
    settings: Settings, engine: Engine, metrics: Metrics | None = None
) -> DeliverySummary:
    """Deliver every reply that is due now (SMTP, or .eml files without `[smtp]`); the
    outcome counts go to `metrics` (the process-wide `default_metrics()`)."""
    summary = deliver_due(
        engine,
        transport_from_settings(settings),
        retry=RetryPolicy.from_hours(settings.outbound.retry_horizon_hours),
    )
    (metrics or default_metrics()).record_delivery(summary)
    return summary


class CredentialWatch:
    """Puts the OAuth2 credentials' health (every mailbox's and `smtp`'s, as far as this
    process has used them) into the metrics, and logs a warning once each time a credential
    turns expiring or failing, and once when it is ok again."""

    def __init__(
        self, registry: ProviderRegistry | None = None, alerts: CredentialAlerts | None = None
    ) -> None:
        self._registry = registry
        self._states: dict[str, CredentialState] = {}
        self._lock = threading.Lock()
        self.alerts = alerts  # where expiring/failing credentials are recorded and mailed

    def check(self, metrics: Metrics | None = None) -> None:
        health = (self._registry or default_registry()).health()
        (metrics or default_metrics()).record_credentials(health)
        with self._lock:
            for name, cred in health.items():
                before = self._states.get(name)
                self._states[name] = cred.state
                if cred.state == before:
                    continue
                if cred.state == "failing":
                    log.warning(
                        "credential %s is failing (%d in a row): %s",
                        name,
                        cred.consecutive_failures,
                        cred.last_error,
                    )
                elif cred.state == "expiring":
                    ends = cred.credential_expires_at
                    log.warning(
                        "credential %s expires %s: renew it before intake stops",
                        name,
                        ends.isoformat() if ends else "soon",
                    )
                elif cred.state == "ok" and before in ("failing", "expiring"):
                    log.info("credential %s is ok again", name)
                if self.alerts is not None and cred.state in ("failing", "expiring"):
                    try:
                        self.alerts.raise_alert(name, cred, utcnow())
                    except Exception:  # an alert that cannot be written is logged above
                        log.exception("credential alert for %s could not be recorded", name)


_credential_watch = CredentialWatch()


def alert_credentials_to(alerts: CredentialAlerts | None) -> None:
    """Send the process-wide watch's alerts to the database and supervisors (`run`)."""
    _credential_watch.alerts = alerts


def check_credentials(metrics: Metrics | None = None) -> None:
    """The process-wide `CredentialWatch`: credential health into the metrics, with warnings."""
    try:
        _credential_watch.check(metrics)
    except Exception:  # the watch never stops intake or delivery
        log.exception("credential health could not be recorded")


def newest_internaldate(batch: Batch) -> datetime | None:
    """The newest INTERNALDATE in `batch` (for the IMAP lag), if the source gave any."""
    dates = [m.internaldate for m in batch.mails if m.internaldate is not None]
    dates += [o.mail.internaldate for o in batch.oversize if o.mail.internaldate is not None]
    return max(dates, default=None)


def _outbox_loop(
    settings: Settings,
    engine: Engine,
    stop: threading.Event,
    interval: float = 2.0,
    metrics: Metrics | None = None,
) -> None:
    """Deliver due replies every `interval` seconds until stopped. On PostgreSQL, rows that
    another (dead) process had claimed are recovered first (`coordination.owner_alive`).
    Each tick also records the credentials' health (`check_credentials`)."""
    delay = interval
    rng = random.Random()
    retry = RetryPolicy.from_hours(settings.outbound.retry_horizon_hours)
    while not stop.wait(delay):
        check_credentials(metrics)
        try:
            if is_postgresql(engine):
                recovered = recover_orphaned(
                    engine, utc_clock(), lambda owner: owner_alive(engine, owner), retry, rng
                )
                if recovered:
                    log.warning(
                        "outbox: %d reply(s) of a stopped worker: outcome unknown", recovered
                    )
            summary = deliver_outbox(settings, engine, metrics)
            if summary.attempted:
                log.info("outbox: %s", summary)
            delay = interval
        except Exception:
            log.exception("outbox delivery failed; retrying in %.0f s", delay)
            delay = min(delay * 2, 300.0)


def _mailbox_loop(
    settings: Settings,
    mailbox: MailboxSettings,
    engine: Engine,
    processor: Processor,
    stop: threading.Event,
    source_factory: Callable[[Settings, MailboxSettings], MailSource],
    lock_retry_seconds: float = 5.0,
    metrics: Metrics | None = None,
) -> None:
    """Drain one mailbox whenever new mail may be there, while this process holds its poller
    lock (`postkamer.coordination`); otherwise retry the lock every `lock_retry_seconds`."""
    blobs = BlobStore(settings.storage.blobs)
    source = source_factory(settings, mailbox)
    lock = MailboxLock(engine, mailbox.name, retry_seconds=lock_retry_seconds)
    delay = 1.0
    waiting = False
    try:
        while not stop.is_set():
            if not lock.ensure():  # another process polls this mailbox: wait to take over
                if not waiting:
                    log.info("mailbox %s: polled by another process; standing by", mailbox.name)
                    waiting = True
                    source.close()
                stop.wait(lock.retry_seconds)
                continue
            waiting = False
            try:
                summary = drain(
                    engine, blobs, source, processor, stop, metrics=metrics or default_metrics()
                )
                if summary.read:
                    log.info("mailbox %s: %s", mailbox.name, summary.to_json())
                delay = 1.0
                source.wait_for_new(mailbox.poll_seconds, stop)
            except SourceUnavailable as exc:
                log.warning("mailbox %s: %s; retrying in %.0f s", mailbox.name, exc, delay)
                stop.wait(delay)
                delay = min(delay * 2, 300.0)
            except Exception:
                log.exception("mailbox %s: batch failed; retrying in %.0f s", mailbox.name, delay)
                stop.wait(delay)
                delay = min(delay * 2, 300.0)
    finally:
        source.close()
        lock.release()


def run_forever(
    settings: Settings,
    processor: Processor,
    stop_event: threading.Event,
    engine: Engine | None = None,
    source_factory: Callable[[Settings, MailboxSettings], MailSource] = make_source,
    metrics: Metrics | None = None,
) -> None:
    """Serve every mailbox (one thread each) until `stop_event` is set; SIGTERM and SIGINT
    set it when called from the main thread. The batch in progress is finished first.
    Polls, deliveries and credential health go to `metrics` (default: `default_metrics()`)."""
    metrics = metrics or default_metrics()
    own = engine is None
    engine = engine or open_engine(settings)
    alert_credentials_to(CredentialAlerts(engine, ReplyConfig.from_settings(settings)))
    presence = WorkerPresence(engine)  # our outbox claims name us; others see when we are gone
    if presence.ensure():
        set_claim_owner(presence.owner if is_postgresql(engine) else None)
    if threading.current_thread() is threading.main_thread():

        def _stop(signum: int, _frame: FrameType | None) -> None:
            log.info("signal %s: finishing the current batch, then stopping", signum)
            stop_event.set()

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
    threads = [
        threading.Thread(
            target=_mailbox_loop,
            args=(settings, mailbox, engine, processor, stop_event, source_factory, 5.0, metrics),
            name=f"mailbox-{mailbox.name}",
            daemon=True,
        )
        for mailbox in settings.mailboxes
    ]
    threads.append(
        threading.Thread(
            target=_outbox_loop,
            args=(settings, engine, stop_event, 2.0, metrics),
            name="outbox",
            daemon=True,
        )
    )
    for thread in threads:
        thread.start()
    try:
        while not stop_event.wait(0.5):
            pass
    finally:
        stop_event.set()
        for thread in threads:
            thread.join()
        set_claim_owner(None)
        alert_credentials_to(None)
        presence.release()
        if own:
            engine.dispose()


# --- quarantine -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RetryResult:
    ledger_id: int
    ok: bool
    reason: str | None


def retry_quarantined(
    engine: Engine, blobs: BlobStore, processor: Processor, ledger_ids: Sequence[int]
) -> list[RetryResult]:
    """Run quarantined mails through the processor again, each in its own transaction.
    Oversize mails are refused: only their header block was kept."""
    results = []
    for ident in ledger_ids:
        with session_scope(engine) as session:
            entry = ledger.get_entry(session, ident)
            if entry is None or entry.state != ledger.QUARANTINED:
                results.append(RetryResult(ident, False, "not in quarantine"))
                continue
            if ledger.is_oversize(entry):
                results.append(RetryResult(ident, False, entry.reason))
                continue
            if not blobs.exists(entry.sha256):
                results.append(RetryResult(ident, False, "raw mail missing from the blob store"))
                continue
            session.execute(
                update(LedgerEntry).where(col(LedgerEntry.id) == ident).values(state=ledger.STORED)
            )
            mail = StoredMail(
                ledger_id=ident,
                mailbox=entry.mailbox,
                sha256=entry.sha256,
                size=entry.size,
                source_ref=entry.source_ref,
                uidvalidity=entry.uidvalidity,
                uid=entry.uid,
                internaldate=entry.internaldate,
                data=blobs.get(entry.sha256),
            )
            _run_processor(session, processor, [mail])
            quarantined = _finish(session, [ident])
            session.flush()
            session.refresh(entry)
            results.append(
                RetryResult(ident, not quarantined, entry.reason if quarantined else None)
            )
    return results
