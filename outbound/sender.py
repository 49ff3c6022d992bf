"""Delivery loop: claim due outbox rows, hand their stored bytes to a transport, record outcomes.

Nothing is rendered or composed here: the bytes written by `outbound.outbox.queue_reply` are
sent as they are, so a retry carries the same Message-ID. Each outcome is committed right
after its message, so a crash loses at most the knowledge about one message (that row stays
`sending` and is treated as `unknown` after the lease). When the server cannot be reached, the
rest of the claimed batch goes back to the queue untried and the run ends; backoff decides
when the next run tries again. Called by `postkamer run` (and `run --once` before it exits).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from outbound.outbox import (
    RetryPolicy,
    claim_due,
    delivery_event,
    mark_failed,
    mark_retry,
    mark_sent,
    mark_unknown,
    record_sent,
    recover_stale,
)
from outbound.transport import Envelope, Outcome, SendResult, Transport
from storage.models import OutboxRow

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def utc_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class DeliverySummary:
    """What one `deliver_due` run did."""

    sent: int = 0
    deferred: int = 0  # back in the queue for a later attempt
    failed: int = 0
    unknown: int = 0
    recovered: int = 0  # stale `sending` rows found at the start
    errors: list[str] = field(default_factory=list)

    @property
    def attempted(self) -> int:
        return self.sent + self.deferred + self.failed + self.unknown


def _envelope(row: OutboxRow) -> Envelope:
    assert row.id is not None
    return Envelope(
        outbox_id=row.id,
        message_id=row.message_id,
        sender=row.sender,
        recipients=tuple(row.recipients),
        raw=row.raw,
    )


def _record(
    engine: Engine,
    row: OutboxRow,
    result: SendResult,
    now: datetime,
    retry: RetryPolicy,
    rng: random.Random,
    summary: DeliverySummary,
) -> None:
    assert row.id is not None
    if result.outcome is Outcome.SENT and not result.refused and record_sent(engine, row, now):
        summary.sent += 1
        return
    with Session(engine, expire_on_commit=False) as session:
        if result.outcome is Outcome.SENT:
            note = None
            if result.refused:
                note = "some recipients refused: " + "; ".join(
                    f"{r}: {why}" for r, why in result.refused.items()
                )
            mark_sent(session, row.id, now, note)
            if result.refused:
                delivery_event(session, row, "delivery_failed", now, error=note, partial=True)
            summary.sent += 1
        elif result.outcome is Outcome.PERMANENT:
            mark_failed(session, row.id, now, result.detail)
            summary.failed += 1
        elif result.outcome is Outcome.UNKNOWN:
            mark_unknown(session, row.id, now, result.detail, retry, rng)
            summary.unknown += 1
        else:
            state = mark_retry(session, row.id, now, result.detail, retry, rng)
            if state == "failed":
                summary.failed += 1
            else:
                summary.deferred += 1
        session.commit()


def _release(
    engine: Engine,
    rows: list[OutboxRow],
    now: datetime,
    reason: str,
    retry: RetryPolicy,
    rng: random.Random,
    summary: DeliverySummary,
) -> None:
    """Put claimed rows back untried (their attempt counts stay)."""
    with Session(engine, expire_on_commit=False) as session:
        for row in rows:
            assert row.id is not None
            state = mark_retry(session, row.id, now, reason, retry, rng, counted=False)
            if state == "failed":
                summary.failed += 1
            else:
                summary.deferred += 1
        session.commit()


async def deliver_due_async(
    engine: Engine,
    transport: Transport,
    clock: Clock = utc_clock,
    *,
    batch_size: int = 50,
    retry: RetryPolicy | None = None,
    lease: timedelta = timedelta(minutes=15),
    rng: random.Random | None = None,
    max_messages: int | None = None,
) -> DeliverySummary:
    """Deliver every reply that is due now; return what happened. Closes the transport."""
    retry = retry or RetryPolicy()
    rng = rng or random.Random()
    summary = DeliverySummary()
    summary.recovered = recover_stale(engine, clock(), lease, retry, rng)
    try:
        while max_messages is None or summary.attempted < max_messages:
            limit = batch_size
            if max_messages is not None:
                limit = min(limit, max_messages - summary.attempted)
            rows = claim_due(engine, clock(), limit)
            if not rows:
                break
            for index, row in enumerate(rows):
                result = await transport.send(_envelope(row))
                now = clock()
                _record(engine, row, result, now, retry, rng, summary)
                fields = {
                    "outbox_id": row.id,
                    "message_id": row.message_id,
                    "ticket_id": row.ticket_id,
                    "template": row.template,
                    "delivery": result.outcome.value,
                }
                if result.outcome is not Outcome.SENT:
                    log.warning(
                        "outbox %s (%s): %s: %s",
                        row.id,
                        row.message_id,
                        result.outcome.value,
                        result.detail,
                        extra=fields,
                    )
                else:
                    log.info("outbox %s (%s): sent", row.id, row.message_id, extra=fields)
                if result.connection_error:
                    summary.errors.append(result.detail)
                    _release(engine, rows[index + 1 :], now, result.detail, retry, rng, summary)
                    return summary
    finally:
        await transport.close()
    return summary


def deliver_due(
    engine: Engine,
    transport: Transport,
    clock: Clock = utc_clock,
    *,
    batch_size: int = 50,
    retry: RetryPolicy | None = None,
    lease: timedelta = timedelta(minutes=15),
    rng: random.Random | None = None,
    max_messages: int | None = None,
) -> DeliverySummary:
    """Synchronous `deliver_due_async`, for `postkamer run --once` and other plain callers."""
    return asyncio.run(
        deliver_due_async(
            engine,
            transport,
            clock,
            batch_size=batch_size,
            retry=retry,
            lease=lease,
            rng=rng,
            max_messages=max_messages,
        )
    )
