"""First-response due times for the ticket lists and the queue overview, computed when read.

A ticket's first-response clock runs while it is `new` or `open` and nobody has written a
reply yet (an outbox row that is not automatic stops it, as in `postkamer.jobs.ticket_sla`);
it is due `first_response_hours` business hours (`postkamer.sla` calendar) after the ticket
was created. Nothing is stored: within one queue the due moment only grows with the creation
time, so "breached" and "due soon" are `created_at <= cutoff`, where the cutoff is the latest
creation time whose due moment (or warning moment) has passed. `latest_start` computes it by
walking the opening hours backwards; the queries in `postkamer.web.queries` use it in SQL.

Which target applies to a queue: an explicit `[sla.queues.<name>]` in the settings, else the
routing config's `first_response_sla_hours` for that queue, else `[sla.default]`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal

from sqlalchemy import exists, false
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select

from postkamer import lifecycle
from postkamer.sla import BusinessCalendar, SlaConfig
from storage.models import OutboxRow, Ticket

DueState = Literal["ok", "due_soon", "breached"]
CLOCK_STATES = (lifecycle.NEW, lifecycle.OPEN)  # the states in which the clock runs
_MAX_DAYS = 366 * 20


def latest_start(calendar: BusinessCalendar, now: datetime, hours: float) -> datetime:
    """The latest moment `s` with `calendar.add_business_hours(s, hours) <= now` (UTC).

    Every moment at or before it is due by `now`; every moment after it is not yet.
    """
    remaining = timedelta(hours=hours)
    cursor = _utc(now)
    if remaining <= timedelta(0):
        return cursor
    day = calendar.local(cursor).date()
    for offset in range(_MAX_DAYS):
        found = calendar.window(day - timedelta(days=offset))
        if found is None:
            continue
        opens, closes = found
        if opens >= cursor:
            continue
        end = min(closes, cursor)
        available = end - opens
        if remaining <= available:
            return end - remaining
        remaining -= available
        cursor = opens
    raise ValueError("no business day in twenty years")


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Cutoffs:
    """Created at or before `breached`: breached; at or before `warning`: due soon (or worse)."""

    breached: datetime
    warning: datetime


@dataclass(frozen=True)
class DueRules:
    """The SLA settings and the routing config's per-queue first-response targets."""

    sla: SlaConfig = field(default_factory=SlaConfig)
    routing_hours: Mapping[str, float] = field(default_factory=dict)

    def hours(self, queue: str) -> float:
        if queue in self.sla.queues:
            return self.sla.queues[queue].first_response_hours
        if queue in self.routing_hours:
            return self.routing_hours[queue]
        return self.sla.default.first_response_hours

    def due(self, queue: str, created: datetime) -> datetime:
        return self.sla.calendar.add_business_hours(_utc(created), self.hours(queue))

    def cutoffs(self, queue: str, now: datetime) -> Cutoffs:
        hours = self.hours(queue)
        cal = self.sla.calendar
        return Cutoffs(
            breached=latest_start(cal, now, hours),
            warning=latest_start(cal, now, hours * self.sla.warning_ratio),
        )

    def state(self, queue: str, created: datetime, now: datetime) -> DueState:
        cut = self.cutoffs(queue, now)
        at = _utc(created)
        if at <= cut.breached:
            return "breached"
        if at <= cut.warning:
            return "due_soon"
        return "ok"


@dataclass(frozen=True, slots=True)
class Due:
    """Where one ticket's first-response clock stands, for a badge."""

    state: DueState
    at: datetime  # the due moment


def clock_running() -> ColumnElement[bool]:
    """SQL: the ticket's first-response clock runs (new/open, no reply written by a person)."""
    replied = exists(
        select(OutboxRow.id).where(
            col(OutboxRow.ticket_id) == col(Ticket.id), col(OutboxRow.automatic) == false()
        )
    )
    return col(Ticket.status).in_(CLOCK_STATES) & ~replied
