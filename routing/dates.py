"""Calendar arithmetic for the cancellation policy (DOMAIN.md section 4).

All dates the desk reasons about are calendar dates in Europe/Brussels: the moment a mail
arrived is converted there first, then cut to its date. "+N calendar months" clamps to the end
of the month (31 January + 1 month = 28/29 February); "+N days" is plain days. Month and
quarter ends and starts serve the end dates customers write in words ("eind volgende maand",
"fin du trimestre", "end of Q2"; `intake.extract.dates`). Used by `routing.policy`; pure
functions only.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

BRUSSELS = ZoneInfo("Europe/Brussels")


def local_date(moment: datetime, tz: ZoneInfo = BRUSSELS) -> date:
    """The calendar date of `moment` in `tz`. A naive datetime is taken to be UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(tz).date()


def add_months(day: date, months: int) -> date:
    """`day` + `months` calendar months; a day past the end of the target month clamps to it."""
    result: date = day + relativedelta(months=months)
    return result


def add_days(day: date, days: int) -> date:
    """`day` + `days` plain days."""
    return day + timedelta(days=days)


def latest(first: date, *others: date | None) -> date:
    """The latest of the dates given, ignoring missing ones."""
    return max([first, *(d for d in others if d is not None)])


def month_end(year: int, month: int) -> date:
    """The last day of `month` in `year` (28/29 February by the leap-year rule)."""
    return date(year, month, calendar.monthrange(year, month)[1])


def end_of_month(day: date, months_ahead: int = 0) -> date:
    """The last day of the month `months_ahead` months after `day`'s month."""
    first = day.replace(day=1) + relativedelta(months=months_ahead)
    return month_end(first.year, first.month)


def start_of_month(day: date, months_ahead: int = 0) -> date:
    """The first day of the month `months_ahead` months after `day`'s month."""
    result: date = day.replace(day=1) + relativedelta(months=months_ahead)
    return result


def quarter_of(day: date) -> int:
    """1 to 4: January-March is the first quarter."""
    return (day.month - 1) // 3 + 1


def quarter_end(year: int, quarter: int) -> date:
    """The last day of `quarter` (1-4) of `year`: 31 March, 30 June, 30 September, 31 December."""
    return month_end(year, quarter * 3)


def end_of_quarter(day: date, quarters_ahead: int = 0) -> date:
    """The last day of the quarter `quarters_ahead` quarters after the one holding `day`."""
    return end_of_month(day, 3 * quarters_ahead + (3 - day.month) % 3)


def start_of_quarter(day: date, quarters_ahead: int = 0) -> date:
    """The first day of the quarter `quarters_ahead` quarters after the one holding `day`."""
    return start_of_month(day, 3 * quarters_ahead - (day.month - 1) % 3)


def next_quarter_end(reference: date, quarter: int) -> date:
    """The end of `quarter` (1-4) that comes first on or after `reference`."""
    this_year = quarter_end(reference.year, quarter)
    return this_year if this_year >= reference else quarter_end(reference.year + 1, quarter)
