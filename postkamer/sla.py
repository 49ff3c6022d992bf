"""Business-hours arithmetic and SLA states, in Europe/Brussels, with Belgian public holidays.

Pure: a `BusinessCalendar` (working days, opening hours, time zone, holidays from the
`holidays` package plus extra closing days from config) answers "when is N business hours
after this moment", "how many business hours between these two", "when is N business days
later" and "is this a moment to send a notification" (never at night, unless configured).
`sla_status` turns a started clock, a target and now into ok / warning / breached.

Arithmetic happens on real (UTC) time inside each day's opening window, so a day that changes
to or from summer time still counts its opening hours exactly. Used by the scheduled jobs in
`postkamer.scheduler` (reminders, automatic close, SLA ticks, digests) and by the web pages.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from typing import Any, Literal
from zoneinfo import ZoneInfo

import holidays
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

BRUSSELS = ZoneInfo("Europe/Brussels")
_MAX_DAYS = 366 * 20  # arithmetic gives up past 20 years of closed days (a calendar with none)

SlaState = Literal["ok", "warning", "breached", "met"]


@dataclass(frozen=True)
class BusinessCalendar:
    """When the desk works. Defaults: Monday-Friday 08:30-17:30 Brussels, Belgian holidays."""

    tz: ZoneInfo = BRUSSELS
    workdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})  # Monday = 0
    opens: time = time(8, 30)
    closes: time = time(17, 30)
    country: str | None = "BE"
    extra_closed: frozenset[date] = frozenset()
    _holidays: Any = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.workdays:
            raise ValueError("a business calendar needs at least one working day")
        if self.closes <= self.opens:
            raise ValueError("closing time must be after opening time")
        if self.country:
            object.__setattr__(self, "_holidays", holidays.country_holidays(self.country))

    # --- days -------------------------------------------------------------------------------

    def holiday_name(self, day: date) -> str | None:
        if day in self.extra_closed:
            return "closed"
        if self._holidays is not None:
            name = self._holidays.get(day)
            return str(name) if name else None
        return None

    def is_business_day(self, day: date) -> bool:
        return day.weekday() in self.workdays and self.holiday_name(day) is None

    def window(self, day: date) -> tuple[datetime, datetime] | None:
        """The opening hours of `day` as aware UTC datetimes (None: closed all day)."""
        if not self.is_business_day(day):
            return None
        start = datetime.combine(day, self.opens, tzinfo=self.tz).astimezone(UTC)
        end = datetime.combine(day, self.closes, tzinfo=self.tz).astimezone(UTC)
        return start, end

    def _windows_from(self, day: date) -> Iterator[tuple[datetime, datetime]]:
        for offset in range(_MAX_DAYS):
            found = self.window(day + timedelta(days=offset))
            if found is not None:
                yield found
        raise ValueError("no business day in twenty years")

    def _windows_back(self, day: date) -> Iterator[tuple[datetime, datetime]]:
        for offset in range(_MAX_DAYS):
            found = self.window(day - timedelta(days=offset))
            if found is not None:
                yield found
        raise ValueError("no business day in twenty years")

    def local(self, moment: datetime) -> datetime:
        return _utc(moment).astimezone(self.tz)

    # --- hours ------------------------------------------------------------------------------

    def is_open(self, moment: datetime) -> bool:
        at = _utc(moment)
        found = self.window(self.local(at).date())
        return found is not None and found[0] <= at < found[1]

    def add_business_hours(self, start: datetime, hours: float | timedelta) -> datetime:
        """The moment `hours` business hours after `start` (in the calendar's time zone).

        Zero hours is `start` itself; work that ends exactly at closing time is due at
        closing time, not at the next opening.
        """
        remaining = hours if isinstance(hours, timedelta) else timedelta(hours=hours)
        if remaining < timedelta(0):
            raise ValueError("hours must not be negative")
        cursor = _utc(start)
        if not remaining:
            return cursor.astimezone(self.tz)
        for opens, closes in self._windows_from(self.local(cursor).date()):
            if cursor >= closes:
                continue
            begin = max(cursor, opens)
            available = closes - begin
            if remaining <= available:
                return (begin + remaining).astimezone(self.tz)
            remaining -= available
            cursor = closes
        raise AssertionError("unreachable")  # pragma: no cover

    def business_hours_between(self, a: datetime, b: datetime) -> timedelta:
        """Business time from `a` to `b` (negative when `b` is before `a`)."""
        start, end = _utc(a), _utc(b)
        if end < start:
            return -self.business_hours_between(b, a)
        total = timedelta(0)
        for opens, closes in self._windows_from(self.local(start).date()):
            if opens >= end:
                break
            overlap = min(closes, end) - max(opens, start)
            if overlap > timedelta(0):
                total += overlap
        return total

    def add_business_days(self, start: datetime, days: int) -> datetime:
        """The same local time of day `days` business days later (at least the next opening).

        Counting starts from the next business day; a start outside opening hours counts from
        its day as if it came in at opening (a mail on Saturday + 5 business days = Friday's
        opening time).
        """
        if days < 0:
            raise ValueError("days must not be negative")
        local = self.local(start)
        today = self.window(local.date())
        if today is None or _utc(start) < today[0]:
            moment_of_day = self.opens
        elif _utc(start) >= today[1]:
            moment_of_day = self.closes
        else:
            moment_of_day = local.time().replace(tzinfo=None)
        count = 0
        day = local.date()
        for offset in range(1, _MAX_DAYS):
            candidate = day + timedelta(days=offset)
            if self.is_business_day(candidate):
                count += 1
                if count >= days:
                    return _at(candidate, moment_of_day, self.tz)
        raise ValueError("no business day in twenty years")

    def next_opening(self, moment: datetime) -> datetime:
        """`moment` itself if the desk is open then, else the next opening."""
        at = _utc(moment)
        for opens, closes in self._windows_from(self.local(at).date()):
            if at < closes:
                return max(at, opens).astimezone(self.tz)
        raise AssertionError("unreachable")  # pragma: no cover


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("business-hours arithmetic needs aware datetimes")
    return moment.astimezone(UTC)


def _at(day: date, moment_of_day: time, tz: ZoneInfo) -> datetime:
    """`day` at `moment_of_day` local time; a wall time skipped by DST moves past the gap."""
    local = datetime.combine(day, moment_of_day, tzinfo=tz)
    return local.astimezone(UTC).astimezone(tz)


# --- notifications: never at night ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NotifyWindow:
    """When people may be notified (alerts, digests, escalations): not at night by default."""

    start: time = time(7, 0)
    end: time = time(21, 0)
    at_night: bool = False  # True: any time of day
    business_days_only: bool = True

    def allows(self, moment: datetime, calendar: BusinessCalendar) -> bool:
        return self.next_allowed(moment, calendar) == calendar.local(moment)

    def next_allowed(self, moment: datetime, calendar: BusinessCalendar) -> datetime:
        """`moment` if a notification may go out then, else the first moment it may."""
        local = calendar.local(moment)
        if self.at_night and not self.business_days_only:
            return local
        for offset in range(_MAX_DAYS):
            day = local.date() + timedelta(days=offset)
            if self.business_days_only and not calendar.is_business_day(day):
                continue
            if self.at_night:
                begin, end = (
                    _at(day, time(0), calendar.tz),
                    _at(day + timedelta(days=1), time(0), calendar.tz),
                )
            else:
                begin, end = _at(day, self.start, calendar.tz), _at(day, self.end, calendar.tz)
            if local < end:
                return max(local, begin)
        raise ValueError("no moment to notify in twenty years")


# --- SLA states -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SlaStatus:
    """Where one SLA clock stands."""

    state: SlaState
    due: datetime
    warn_at: datetime
    used: timedelta  # business time used so far (until `stopped_at` when given)
    target: timedelta

    @property
    def remaining(self) -> timedelta:
        return self.target - self.used


def sla_status(
    calendar: BusinessCalendar,
    *,
    started: datetime,
    target_hours: float,
    now: datetime,
    warning_ratio: float = 0.8,
    stopped_at: datetime | None = None,
) -> SlaStatus:
    """ok / warning (past `warning_ratio` of the target) / breached, or `met` once stopped in time.

    A clock stopped after its due moment (`stopped_at`, e.g. the first response) stays breached.
    """
    target = timedelta(hours=target_hours)
    due = calendar.add_business_hours(started, target)
    warn_at = calendar.add_business_hours(started, target * warning_ratio)
    end = stopped_at if stopped_at is not None else now
    used = calendar.business_hours_between(started, end)
    state: SlaState
    if stopped_at is not None:
        state = "met" if _utc(stopped_at) <= _utc(due) else "breached"
    elif _utc(now) >= _utc(due):
        state = "breached"
    elif _utc(now) >= _utc(warn_at):
        state = "warning"
    else:
        state = "ok"
    return SlaStatus(state=state, due=due, warn_at=warn_at, used=used, target=target)


# --- configuration ----------------------------------------------------------------------------


class QueueSla(BaseModel):
    model_config = ConfigDict(extra="forbid")

    first_response_hours: float = Field(default=8.0, gt=0)
    resolution_hours: float = Field(default=40.0, gt=0)


_DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class SlaConfig(BaseModel):
    """Settings section `[sla]`: the working week, holidays, targets per queue, notifications."""

    model_config = ConfigDict(extra="forbid")

    timezone: str = "Europe/Brussels"
    workdays: list[str] = ["mon", "tue", "wed", "thu", "fri"]
    opens: time = time(8, 30)
    closes: time = time(17, 30)
    holidays_country: str | None = "BE"
    closed_days: list[date] = []  # extra closing days (bridge days, company holidays)
    warning_ratio: float = Field(default=0.8, gt=0, lt=1)
    default: QueueSla = QueueSla()
    queues: dict[str, QueueSla] = {}
    notify_from: time = time(7, 0)
    notify_until: time = time(21, 0)
    notify_at_night: bool = False
    notify_business_days_only: bool = True

    @field_validator("workdays")
    @classmethod
    def _days(cls, value: list[str]) -> list[str]:
        days = [d.strip().lower()[:3] for d in value]
        unknown = [d for d in days if d not in _DAY_NAMES]
        if unknown or not days:
            raise ValueError(f"workdays: use {', '.join(_DAY_NAMES)}")
        return days

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        ZoneInfo(value)
        return value

    @model_validator(mode="after")
    def _hours(self) -> SlaConfig:
        if self.closes <= self.opens:
            raise ValueError("closes must be after opens")
        return self

    @cached_property
    def calendar(self) -> BusinessCalendar:
        return BusinessCalendar(
            tz=ZoneInfo(self.timezone),
            workdays=frozenset(_DAY_NAMES.index(d) for d in self.workdays),
            opens=self.opens,
            closes=self.closes,
            country=self.holidays_country,
            extra_closed=frozenset(self.closed_days),
        )

    @property
    def notify_window(self) -> NotifyWindow:
        return NotifyWindow(
            start=self.notify_from,
            end=self.notify_until,
            at_night=self.notify_at_night,
            business_days_only=self.notify_business_days_only,
        )

    def for_queue(self, queue: str) -> QueueSla:
        return self.queues.get(queue, self.default)

    def with_queue_targets(self, targets: Mapping[str, QueueSla]) -> SlaConfig:
        """These settings with `targets` (e.g. the routing config's per-queue SLA) for the
        queues `[sla.queues]` does not name: the settings win, then `targets`, then the
        default. The web app's due badges apply the same order."""
        merged = {**targets, **self.queues}
        return self.model_copy(update={"queues": merged})
