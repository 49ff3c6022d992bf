"""The outbox: replies written in the caller's transaction, delivered later by `sender`.

`queue_reply` stores the composed bytes (Message-ID fixed) in the same transaction as the
ticket change, so a reply exists if and only if the ticket change does. The sender then claims
due rows — `SELECT ... FOR UPDATE SKIP LOCKED` on PostgreSQL, one atomic
`UPDATE ... WHERE state IN (...)` on SQLite — so that two workers never send the same row. A
row is not claimed while an earlier reply of the same ticket is still pending: replies of a
ticket arrive in the order they were written.

States: queued -> sending -> sent | queued (retry later) | failed | unknown. `unknown` means
the connection broke after the message data went out and before the server confirmed it:
such a row is retried once (same bytes, same Message-ID), never more.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from typing import Any

from sqlalchemy import and_, bindparam, exists, insert, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col

from outbound.compose import ComposedReply, envelope_recipients
from outbound.limits import note_automatic_reply
from storage import rows
from storage.db import is_postgresql
from storage.models import Event, Message, OutboxRow

MAX_UNCERTAIN = 2  # a second unknown outcome is final: one retry at most
_T = OutboxRow.__table__  # type: ignore[attr-defined]
_claim_owner: str | None = None  # this process's worker id (postkamer.coordination), if any


def set_claim_owner(owner: str | None) -> None:
    """Write `owner` into the claim token of every row this process claims from now on, so
    that other processes can recover its rows as soon as it is gone (`recover_orphaned`)."""
    global _claim_owner
    if owner is not None and ":" in owner:
        raise ValueError("a claim owner cannot contain ':'")
    _claim_owner = owner


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff with jitter, giving up `horizon` after the reply was queued."""

    base: timedelta = timedelta(minutes=1)
    cap: timedelta = timedelta(hours=1)
    horizon: timedelta = timedelta(hours=48)

    @classmethod
    def from_hours(cls, horizon_hours: float) -> RetryPolicy:
        """`RetryPolicy.from_hours(settings.outbound.retry_horizon_hours)`."""
        return cls(horizon=timedelta(hours=horizon_hours))

    def delay(self, attempts: int, rng: random.Random) -> timedelta:
        """Wait before attempt `attempts + 1`: base * 2^(attempts-1), capped, half of it jitter."""
        exponent = max(0, attempts - 1)
        full = min(self.cap.total_seconds(), self.base.total_seconds() * (2 ** min(exponent, 30)))
        return timedelta(seconds=full / 2 + rng.uniform(0, full / 2))


def aware(value: datetime) -> datetime:
    """Datetimes from the database are UTC; some drivers hand them back naive."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def queue_reply(
    session: Session,
    message: EmailMessage | ComposedReply,
    *,
    ticket_id: int | None,
    envelope_sender: str,
    now: datetime,
    template: str | None = None,
    automatic: bool = True,
    record_message: bool = True,
) -> OutboxRow:
    """Write `message` to the outbox in the caller's transaction (nothing is committed here).

    With `record_message`, the reply is also stored as an outgoing `Message` of the ticket, so
    the ticket history shows it and a customer's answer to its Message-ID threads back.
    Returns the row, loaded in `session`.
    """
    row_id = insert_reply(
        session,
        message if isinstance(message, ComposedReply) else _from_email_message(message),
        ticket_id=ticket_id,
        envelope_sender=envelope_sender,
        now=now,
        template=template,
        automatic=automatic,
        record_message=record_message,
    )
    return _load(session, row_id)


def insert_reply(
    session: Session,
    reply: ComposedReply,
    *,
    ticket_id: int | None,
    envelope_sender: str,
    now: datetime,
    template: str | None = None,
    automatic: bool = True,
    record_message: bool = True,
) -> int:
    """`queue_reply` without loading the row back: plain inserts of the outbox row, the
    outgoing `Message` and the `reply_queued` event. Returns the outbox row's id."""
    if not reply.recipients:
        raise ValueError("a reply without recipients cannot be queued")
    session.flush()  # the caller's pending rows first, as the ORM would order them
    recipients = list(reply.recipients)
    if automatic:
        note_automatic_reply(session)
    row_id = rows.insert_one(
        session,
        OutboxRow,
        ticket_id=ticket_id,
        message_id=reply.message_id,
        sender=envelope_sender,
        recipients=recipients,
        to_address=recipients[0],
        template=template,
        automatic=automatic,
        raw=reply.raw,
        state="queued",
        next_attempt_at=now,
        created_at=now,
    )
    if record_message:
        rows.insert_one(
            session,
            Message,
            ticket_id=ticket_id,
            direction="out",
            message_id=reply.message_id,
            in_reply_to=[reply.in_reply_to] if reply.in_reply_to else [],
            references=list(reply.references),
            subject=reply.subject,
            from_email=envelope_sender,
            to=recipients,
            date=now,
            received=now,
            disposition="reply",
            language=reply.language or None,
            text=reply.text,
            new_text=reply.text,
            created_at=now,
        )
    rows.insert_one(
        session,
        Event,
        ticket_id=ticket_id,
        kind="reply_queued",
        at=now,
        data={"message_id": reply.message_id, "template": template, "automatic": automatic},
    )
    return row_id


def _from_email_message(message: EmailMessage) -> ComposedReply:
    """What `queue_reply` needs from a message built with the stdlib (internal mail)."""
    body = message.get_body(("plain",))
    text = body.get_content().replace("\r\n", "\n") if body is not None else ""
    return ComposedReply(
        raw=message.as_bytes(policy=SMTP),
        message_id=str(message["Message-ID"]),
        recipients=tuple(envelope_recipients(message)),
        subject=str(message["Subject"] or ""),
        in_reply_to=str(message["In-Reply-To"]) if message["In-Reply-To"] else None,
        references=tuple(str(message["References"] or "").split()),
        language=str(message["Content-Language"] or ""),
        text=text,
    )


def _pending(table: Any) -> ColumnElement[bool]:
    """Rows that still hold back later replies of their ticket."""
    return or_(
        table.c.state.in_(("queued", "sending")),
        and_(table.c.state == "unknown", table.c.uncertain < MAX_UNCERTAIN),
    )


def _due(now: datetime) -> ColumnElement[bool]:
    earlier = _T.alias("earlier")
    blocked = exists().where(
        earlier.c.ticket_id == _T.c.ticket_id,
        earlier.c.id < _T.c.id,
        _pending(earlier),
    )
    claimable = or_(
        _T.c.state == "queued",
        and_(_T.c.state == "unknown", _T.c.uncertain < MAX_UNCERTAIN),
    )
    return and_(claimable, _T.c.next_attempt_at <= now, ~blocked)


def claim_due(engine: Engine, now: datetime, limit: int = 50) -> list[OutboxRow]:
    """Claim up to `limit` due rows (committed as `sending`) and return them, oldest first.

    At most one row per ticket is due at a time (the earliest pending one), which keeps the
    per-ticket order even with several workers.
    """
    token = uuid.uuid4().hex
    if _claim_owner is not None:
        token = f"{_claim_owner}:{token}"
    with Session(engine, expire_on_commit=False) as session:
        if is_postgresql(engine):
            ids = list(
                session.execute(
                    select(_T.c.id)
                    .where(_due(now))
                    .order_by(_T.c.id)
                    .limit(limit)
                    .with_for_update(skip_locked=True, of=_T)
                ).scalars()
            )
            if not ids:
                session.rollback()
                return []
            target = _T.c.id.in_(ids)
        else:
            target = _T.c.id.in_(
                select(_T.c.id).where(_due(now)).order_by(_T.c.id).limit(limit).scalar_subquery()
            )
        session.execute(
            update(_T)
            .where(target)
            .values(state="sending", claim_token=token, claimed_at=now)
            .execution_options(synchronize_session=False)
        )
        session.commit()
        rows = session.execute(
            select(OutboxRow).where(OutboxRow.claim_token == token).order_by(OutboxRow.id)  # type: ignore[arg-type]
        ).scalars()
        return [r for r in rows if r.state == "sending"]


def _load(session: Session, row_id: int) -> OutboxRow:
    row = session.get(OutboxRow, row_id)
    if row is None:
        raise LookupError(f"outbox row {row_id} vanished")
    return row


def delivery_event(session: Session, row: OutboxRow, kind: str, now: datetime, **data: Any) -> None:
    payload: dict[str, Any] = {
        "outbox_id": row.id,
        "message_id": row.message_id,
        "recipients": list(row.recipients),
        "template": row.template,
    }
    payload.update(data)
    if kind in ("delivery_failed", "delivery_unknown"):
        payload["audience"] = "queue_owner"
    session.add(Event(ticket_id=row.ticket_id, kind=kind, at=now, data=payload))


def mark_sent(session: Session, row_id: int, now: datetime, note: str | None = None) -> None:
    row = _load(session, row_id)
    row.state = "sent"
    row.attempts += 1
    row.sent_at = now
    row.last_error = note
    row.claim_token = None
    delivery_event(session, row, "reply_sent", now, note=note)


_OUTBOX = OutboxRow.__table__  # type: ignore[attr-defined]
_SENT = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id == bindparam("row_id"))
    .values(
        state="sent",
        attempts=_OUTBOX.c.attempts + 1,
        sent_at=bindparam("now"),
        last_error=None,
        claim_token=None,
    )
)
_EVENT = insert(Event.__table__)  # type: ignore[attr-defined]


def record_sent(engine: Engine, row: OutboxRow, now: datetime) -> bool:
    """`mark_sent` for the common case (every recipient accepted), without loading the row:
    one UPDATE and the `reply_sent` event in one short transaction, both statements built
    once. Delivery commits every outcome on its own (a crash forgets at most one), so this is
    its hottest path. Returns False when the row is not there (then nothing is written)."""
    assert row.id is not None
    payload: dict[str, Any] = {
        "outbox_id": row.id,
        "message_id": row.message_id,
        "recipients": list(row.recipients),
        "template": row.template,
        "note": None,
    }
    with engine.begin() as conn:
        done = conn.execute(_SENT, {"row_id": row.id, "now": now})
        if done.rowcount != 1:
            return False
        conn.execute(
            _EVENT, {"ticket_id": row.ticket_id, "kind": "reply_sent", "at": now, "data": payload}
        )
    return True


def mark_failed(session: Session, row_id: int, now: datetime, error: str) -> None:
    """Permanent failure (5xx, or retries exhausted): no more attempts; the queue owner sees it."""
    row = _load(session, row_id)
    row.state = "failed"
    row.attempts += 1
    row.last_error = error
    row.claim_token = None
    delivery_event(session, row, "delivery_failed", now, error=error)


def mark_retry(
    session: Session,
    row_id: int,
    now: datetime,
    error: str,
    retry: RetryPolicy,
    rng: random.Random,
    counted: bool = True,
) -> str:
    """A temporary failure: back to `queued` with backoff, or `failed` past the horizon.

    `counted=False` puts back a row that was claimed but not tried (the server was down);
    it keeps its attempt count. Returns the new state.
    """
    row = _load(session, row_id)
    if counted:
        row.attempts += 1
    delay = retry.delay(max(row.attempts, 1), rng)
    row.last_error = error
    row.claim_token = None
    if now + delay > aware(row.created_at) + retry.horizon:
        row.state = "failed"
        delivery_event(
            session,
            row,
            "delivery_failed",
            now,
            error=f"gave up after {row.attempts} attempts: {error}",
        )
        return "failed"
    row.state = "unknown" if row.uncertain else "queued"
    row.next_attempt_at = now + delay
    return row.state


def mark_unknown(
    session: Session, row_id: int, now: datetime, error: str, retry: RetryPolicy, rng: random.Random
) -> str:
    """The server may or may not have the message. Retry once; the second time is final."""
    row = _load(session, row_id)
    row.attempts += 1
    row.uncertain += 1
    row.state = "unknown"
    row.last_error = error
    row.claim_token = None
    if row.uncertain >= MAX_UNCERTAIN:
        delivery_event(session, row, "delivery_unknown", now, error=error)
        return "unknown"
    row.next_attempt_at = now + retry.delay(1, rng)
    return "unknown"


def recover_stale(
    engine: Engine, now: datetime, lease: timedelta, retry: RetryPolicy, rng: random.Random
) -> int:
    """Rows left in `sending` by a worker that died: their outcome is unknown."""
    with Session(engine, expire_on_commit=False) as session:
        stale = (
            session.execute(
                select(OutboxRow).where(
                    OutboxRow.state == "sending",  # type: ignore[arg-type]
                    OutboxRow.claimed_at < now - lease,  # type: ignore[operator,arg-type]
                )
            )
            .scalars()
            .all()
        )
        for row in stale:
            assert row.id is not None
            mark_unknown(session, row.id, now, "worker stopped while sending", retry, rng)
        session.commit()
        return len(stale)


def recover_orphaned(
    engine: Engine,
    now: datetime,
    alive: Callable[[str], bool],
    retry: RetryPolicy,
    rng: random.Random,
) -> int:
    """Rows left in `sending` by a worker that `alive(owner)` says is gone: unknown outcome
    (retried once, same Message-ID), without waiting for the lease. Returns how many."""
    with Session(engine, expire_on_commit=False) as session:
        rows = (
            session.execute(
                select(OutboxRow).where(
                    OutboxRow.state == "sending",  # type: ignore[arg-type]
                    col(OutboxRow.claim_token).contains(":"),
                )
            )
            .scalars()
            .all()
        )
        verdict: dict[str, bool] = {}
        recovered = 0
        for row in rows:
            owner = str(row.claim_token).split(":", 1)[0]
            if owner not in verdict:
                verdict[owner] = alive(owner)
            if verdict[owner]:
                continue
            assert row.id is not None
            mark_unknown(session, row.id, now, f"worker {owner} stopped while sending", retry, rng)
            row.next_attempt_at = now  # nothing is wrong with the server: retry (once) now
            recovered += 1
        session.commit()
        return recovered


def states(session: Session, ids: Sequence[int]) -> dict[int, str]:
    rows = session.execute(select(_T.c.id, _T.c.state).where(_T.c.id.in_(ids))).all()
    return {int(r[0]): str(r[1]) for r in rows}
