"""Loop protection: may this mail get an automatic reply at all?

Asked before an automatic reply is queued (replies a person writes are not limited). The
decision is a pure function of the disposition, the recipient and counts of recent automatic
replies; `count_recent` queries those counts from the outbox. A tripped limit returns a reason
that the caller records on the ticket; `record_loop_limit` writes the supervisor alert (an
Event of kind `loop_limit`). Headers-based detection of auto-replies, bounces and bulk mail
happened earlier, in intake's disposition: this is the safety net for the autoresponder that
sets none of those headers [RELIABILITY 12, 14, 15].
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, func, select
from sqlmodel import Session, col
from sqlmodel import select as model_select

from storage.models import Event, OutboxRow

#: dispositions that may be answered automatically
ANSWERABLE = frozenset({"ticket", "followup"})

_ROBOT_LOCAL = re.compile(
    r"^(?:no-?reply|do-?not-?reply|donotreply|mailer-daemon|postmaster|bounces?|"
    r"listserv|majordomo|daemon)(?:[+\-._].*)?$",
    re.IGNORECASE,
)

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class LoopLimits:
    """Per-sender and global ceilings for automatic replies (Znuny's default is 40 a day)."""

    per_sender_daily: int = 40
    global_hourly: int = 2000


@dataclass(frozen=True, slots=True)
class ReplyCounts:
    """Automatic replies already queued or sent: to this address in the last 24 hours, and to
    anyone in the last hour."""

    to_sender_last_day: int
    all_last_hour: int


def is_robot_address(address: str) -> bool:
    """noreply@, no-reply@, mailer-daemon@, postmaster@ and their kin."""
    local = address.rsplit("@", 1)[0]
    return bool(_ROBOT_LOCAL.match(local))


def block_reason(
    *,
    disposition: str,
    recipient: str | None,
    counts: ReplyCounts,
    limits: LoopLimits = LoopLimits(),
    own_addresses: Collection[str] = (),
) -> str | None:
    """Why no automatic reply may go to `recipient`, or None when it may.

    Reasons: `disposition:<name>`, `no_recipient`, `own_address`, `robot_address`,
    `per_sender_limit`, `global_limit`. The last two are the ones that alert a supervisor.
    """
    if disposition not in ANSWERABLE:
        return f"disposition:{disposition}"
    if not recipient or "@" not in recipient:
        return "no_recipient"
    address = recipient.strip().lower()
    if address in {a.strip().lower() for a in own_addresses}:
        return "own_address"
    if is_robot_address(address):
        return "robot_address"
    if counts.to_sender_last_day >= limits.per_sender_daily:
        return "per_sender_limit"
    if counts.all_last_hour >= limits.global_hourly:
        return "global_limit"
    return None


def is_alert(reason: str | None) -> bool:
    """Reasons a supervisor must hear about (a loop or a flood, not an ordinary auto-reply)."""
    return reason in ("per_sender_limit", "global_limit")


_T = OutboxRow.__table__  # type: ignore[attr-defined]
_ANSWERED = and_(_T.c.automatic.is_(True), _T.c.state != "failed")
_PER_SENDER = (
    select(func.count())
    .select_from(_T)
    .where(_ANSWERED, _T.c.to_address == bindparam("address"), _T.c.created_at > bindparam("day"))
)
_OVERALL = (
    select(func.count()).select_from(_T).where(_ANSWERED, _T.c.created_at > bindparam("hour"))
)

_HOUR_KEY = "pk_loop_hour_count"  # session.info: the last hour's count, kept for the batch
_FLOOD_KEY = "pk_loop_flood_alerted"  # session.info: the flood alert of this hour is raised
#: how long a transaction reuses the hour's count it read (a batch takes well under this)
HOUR_COUNT_REUSE = timedelta(minutes=1)


@dataclass(slots=True)
class _HourCount:
    read_at: datetime
    count: int  # automatic replies in the hour before `read_at`, plus those added since


def count_recent(session: Session, recipient: str, now: datetime) -> ReplyCounts:
    """Automatic replies in the outbox (any state but failed) to `recipient` in the last day
    and to anyone in the last hour (indexes `ix_outbox_to_address_created_at` and
    `ix_outbox_created_at`).

    The hour's count is read once per transaction (per intake batch) and then carried in
    memory: each automatic reply this transaction queues adds one (`note_automatic_reply`).
    Counting the hour for every reply cost a range scan over every reply of the hour, the
    largest single cost of intake at a high rate. Replies other processes queue meanwhile are
    counted at the next batch."""
    address = recipient.strip().lower()
    session.flush()  # replies this transaction holds as objects count too
    per_sender = session.execute(_PER_SENDER, {"address": address, "day": now - DAY}).scalar()
    cached = session.info.get(_HOUR_KEY)
    if (
        not isinstance(cached, _HourCount)
        or not timedelta(0) <= now - cached.read_at <= HOUR_COUNT_REUSE
    ):
        overall = session.execute(_OVERALL, {"hour": now - HOUR}).scalar()
        cached = _HourCount(now, int(overall or 0))
        session.info[_HOUR_KEY] = cached
    return ReplyCounts(to_sender_last_day=int(per_sender or 0), all_last_hour=cached.count)


def note_automatic_reply(session: Session) -> None:
    """An automatic reply was just written in this transaction: the carried hour count grows."""
    cached = session.info.get(_HOUR_KEY)
    if isinstance(cached, _HourCount):
        cached.count += 1


def record_loop_limit(
    session: Session, *, ticket_id: int | None, reason: str, recipient: str, now: datetime
) -> Event | None:
    """Alert a supervisor that automatic replies stopped: once per address and day for the
    per-sender limit, once an hour for the global limit (a flood reaches many addresses, and
    one alert says it).

    Returns the new Event, or None when an alert for the same thing was raised already.
    """
    address = recipient.strip().lower()
    flood = reason == "global_limit"
    alerted = session.info.get(_FLOOD_KEY)
    if flood and isinstance(alerted, datetime) and timedelta(0) <= now - alerted < HOUR:
        return None  # this transaction raised or saw the hour's flood alert already
    recent = session.exec(
        model_select(Event).where(
            col(Event.kind) == "loop_limit", col(Event.at) > now - (HOUR if flood else DAY)
        )
    ).all()
    for e in recent:
        if e.data.get("reason") == reason and (flood or e.data.get("recipient") == address):
            if flood:
                session.info[_FLOOD_KEY] = now
            return None
    if flood:
        session.info[_FLOOD_KEY] = now
    event = Event(
        ticket_id=ticket_id,
        kind="loop_limit",
        at=now,
        data={"reason": reason, "recipient": address, "audience": "supervisor"},
    )
    session.add(event)
    return event
