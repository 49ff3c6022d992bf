"""Numbers for the statistics page, computed from the tables over a window of days:
mails per queue per day (incoming Message rows), re-routes per queue pair (`rerouted` events),
the automatic-reply rate per policy outcome or disposition (the stored routing decisions), and
the first-response time per queue (first reply a person sent minus the ticket's creation).

Rows are read with plain selects and counted here, so the same code runs on SQLite and
PostgreSQL; the page draws them with `postkamer.web.charts`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from statistics import median, quantiles
from zoneinfo import ZoneInfo

from sqlalchemy import or_
from sqlmodel import Session, col, select

from storage.models import Event, Message, OutboxRow, Ticket

TIMEZONE = ZoneInfo("Europe/Brussels")
NO_QUEUE = "(none)"


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


@dataclass(frozen=True, slots=True)
class DailyCounts:
    days: list[date]
    series: dict[str, list[int]]  # queue -> count per day, in `days` order

    @property
    def total(self) -> int:
        return sum(sum(v) for v in self.series.values())


@dataclass(frozen=True, slots=True)
class ReplyRate:
    key: str  # policy outcome, else disposition
    total: int
    replied: int

    @property
    def rate(self) -> float:
        return self.replied / self.total if self.total else 0.0


@dataclass(frozen=True, slots=True)
class ResponseTimes:
    queue: str
    answered: int
    waiting: int
    median_hours: float | None
    p90_hours: float | None


@dataclass(frozen=True, slots=True)
class Statistics:
    since: datetime
    days: int
    per_day: DailyCounts
    reroutes: list[tuple[str, str, int]]
    replies: list[ReplyRate]
    response: list[ResponseTimes]


def window(days: int, now: datetime | None = None) -> tuple[datetime, list[date]]:
    """The start (midnight in Brussels, `days - 1` days ago) and the days of the window."""
    today = (now or datetime.now(UTC)).astimezone(TIMEZONE).date()
    first = today - timedelta(days=days - 1)
    start = datetime.combine(first, datetime.min.time(), tzinfo=TIMEZONE).astimezone(UTC)
    return start, [first + timedelta(days=i) for i in range(days)]


def _incoming(session: Session, since: datetime) -> list[tuple[Message, str | None]]:
    """Incoming messages received since `since` with their ticket's queue."""
    rows = session.exec(
        select(Message, Ticket.queue)
        .join(Ticket, col(Ticket.id) == col(Message.ticket_id), isouter=True)
        .where(
            col(Message.direction) == "in",
            or_(
                col(Message.received) >= since,
                col(Message.received).is_(None) & (col(Message.created_at) >= since),
            ),
        )
    ).all()
    return [(m, q) for m, q in rows]


def mails_per_day(
    rows: list[tuple[Message, str | None]], days: list[date], queues: tuple[str, ...]
) -> DailyCounts:
    index = {d: i for i, d in enumerate(days)}
    series: dict[str, list[int]] = {q: [0] * len(days) for q in queues}
    for message, queue in rows:
        when = _utc(message.received or message.created_at).astimezone(TIMEZONE).date()
        if when not in index:
            continue
        name = queue or NO_QUEUE
        series.setdefault(name, [0] * len(days))[index[when]] += 1
    return DailyCounts(days, {q: v for q, v in series.items() if q in queues or any(v)})


def reply_rates(rows: list[tuple[Message, str | None]]) -> list[ReplyRate]:
    """Per policy outcome (cancellations) or disposition (everything else): how many mails the
    routing decision answered automatically."""
    totals: Counter[str] = Counter()
    replied: Counter[str] = Counter()
    for message, _queue in rows:
        decision = message.decision or {}
        policy = decision.get("policy") or {}
        key = str(policy.get("outcome") or decision.get("disposition") or message.disposition)
        totals[key] += 1
        if decision.get("reply_template"):
            replied[key] += 1
    return [ReplyRate(k, n, replied[k]) for k, n in totals.most_common()]


def reroutes(session: Session, since: datetime) -> list[tuple[str, str, int]]:
    events = session.exec(
        select(Event).where(col(Event.kind) == "rerouted", col(Event.at) >= since)
    ).all()
    pairs: Counter[tuple[str, str]] = Counter(
        (str(e.data.get("from") or NO_QUEUE), str(e.data.get("to") or NO_QUEUE)) for e in events
    )
    return [(a, b, n) for (a, b), n in sorted(pairs.items(), key=lambda kv: (-kv[1], kv[0]))]


def response_times(
    session: Session, since: datetime, queues: tuple[str, ...]
) -> list[ResponseTimes]:
    """For tickets created in the window: hours from creation to the first reply a person sent
    (automatic acknowledgements do not count); tickets without one are `waiting`."""
    tickets = session.exec(
        select(Ticket.id, Ticket.queue, Ticket.created_at).where(col(Ticket.created_at) >= since)
    ).all()
    created = {tid: (queue, _utc(at)) for tid, queue, at in tickets if tid is not None}
    first: dict[int, datetime] = {}
    if created:
        sent = session.exec(
            select(OutboxRow.ticket_id, OutboxRow.sent_at).where(
                col(OutboxRow.automatic).is_(False),
                col(OutboxRow.sent_at).is_not(None),
                col(OutboxRow.sent_at) >= since,
            )
        ).all()
        for tid, at in sent:
            if tid in created and at is not None:
                at = _utc(at)
                if tid not in first or at < first[tid]:
                    first[tid] = at
    hours: dict[str, list[float]] = defaultdict(list)
    waiting: Counter[str] = Counter()
    for tid, (queue, at) in created.items():
        if tid in first:
            hours[queue].append(max(0.0, (first[tid] - at).total_seconds() / 3600))
        else:
            waiting[queue] += 1
    names = list(queues) + sorted((set(hours) | set(waiting)) - set(queues))
    out = []
    for q in names:
        values = sorted(hours.get(q, []))
        p90 = None
        if len(values) >= 2:
            p90 = quantiles(values, n=10, method="inclusive")[-1]
        elif values:
            p90 = values[0]
        out.append(
            ResponseTimes(q, len(values), waiting[q], median(values) if values else None, p90)
        )
    return out


def compute(
    session: Session, queues: tuple[str, ...], days: int, now: datetime | None = None
) -> Statistics:
    since, day_list = window(days, now)
    rows = _incoming(session, since)
    return Statistics(
        since=since,
        days=days,
        per_day=mails_per_day(rows, day_list, queues),
        reroutes=reroutes(session, since),
        replies=reply_rates(rows),
        response=response_times(session, since, queues),
    )
