"""Calendar arithmetic for the cancellation policy (DOMAIN.md section 4).

All dates the desk reasons about are calendar dates in Europe/Brussels: the moment a mail
arrived is converted there first, then cut to its date. "+N calendar months" clamps to the end
of the month (31 January + 1 month = 28/29 February); "+N days" is plain days. Used by
`routing.policy`; pure functions only.
"""

from __future__ import annotations

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
