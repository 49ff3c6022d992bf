"""Calendar arithmetic: month ends clamp, days are plain days, dates are Brussels dates."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from routing.dates import (
    add_days,
    add_months,
    end_of_month,
    end_of_quarter,
    latest,
    local_date,
    month_end,
    next_quarter_end,
    quarter_end,
    quarter_of,
    start_of_month,
    start_of_quarter,
)

BRUSSELS = ZoneInfo("Europe/Brussels")
days = st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31))


def test_one_month_after_31_january_is_end_of_february() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)  # leap year
    assert add_months(date(2026, 3, 31), 1) == date(2026, 4, 30)
    assert add_months(date(2025, 8, 31), 6) == date(2026, 2, 28)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)


def test_thirty_days_are_plain_days() -> None:
    assert add_days(date(2026, 2, 3), 30) == date(2026, 3, 5)
    assert add_days(date(2024, 2, 1), 30) == date(2024, 3, 2)


@given(days, st.integers(min_value=0, max_value=48))
def test_add_months_lands_in_the_right_month_and_clamps(day: date, months: int) -> None:
    result = add_months(day, months)
    total = day.year * 12 + (day.month - 1) + months
    assert (result.year, result.month) == (total // 12, total % 12 + 1)
    last = calendar.monthrange(result.year, result.month)[1]
    assert result.day == min(day.day, last)


@given(days)
def test_one_month_later_is_28_to_31_days_later(day: date) -> None:
    gap = (add_months(day, 1) - day).days
    assert 28 <= gap <= 31
    assert add_months(day, 1) > day


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2060, 1, 1)))
def test_brussels_date_is_the_utc_date_or_the_next(moment: datetime) -> None:
    utc = moment.replace(tzinfo=UTC)
    local = local_date(utc)
    offset = utc.astimezone(BRUSSELS).utcoffset()
    assert offset in (timedelta(hours=1), timedelta(hours=2))
    assert local == (utc + offset).date()
    assert local in (utc.date(), utc.date() + timedelta(days=1))


def test_late_evening_utc_is_next_day_in_brussels() -> None:
    # winter time (+01:00): 23:30 UTC on 28 February is 00:30 on 1 March
    assert local_date(datetime(2026, 2, 28, 23, 30, tzinfo=UTC)) == date(2026, 3, 1)
    # summer time (+02:00) starts 29 March 2026: 23:30 UTC on 31 March is 01:30 on 1 April
    assert local_date(datetime(2026, 3, 31, 23, 30, tzinfo=UTC)) == date(2026, 4, 1)
    # 22:30 UTC in summer is already the next day, in winter not
    assert local_date(datetime(2026, 7, 1, 22, 30, tzinfo=UTC)) == date(2026, 7, 2)
    assert local_date(datetime(2026, 1, 1, 22, 30, tzinfo=UTC)) == date(2026, 1, 1)
    # the night summer time ends (25 October 2026, 03:00 -> 02:00)
    assert local_date(datetime(2026, 10, 24, 22, 30, tzinfo=UTC)) == date(2026, 10, 25)
    assert local_date(datetime(2026, 10, 25, 22, 30, tzinfo=UTC)) == date(2026, 10, 25)


def test_other_offsets_and_naive_times() -> None:
    plus2 = timezone(timedelta(hours=2))
    assert local_date(datetime(2026, 3, 31, 17, 45, tzinfo=plus2)) == date(2026, 3, 31)
    assert local_date(datetime(2026, 2, 28, 23, 30)) == date(2026, 3, 1)  # naive = UTC


def test_latest_ignores_missing_dates() -> None:
    assert latest(date(2026, 3, 5), None) == date(2026, 3, 5)
    assert latest(date(2026, 3, 5), date(2026, 2, 15)) == date(2026, 3, 5)
    assert latest(date(2026, 3, 5), date(2026, 12, 31), None) == date(2026, 12, 31)


def test_month_and_quarter_ends_across_year_ends_and_leap_years() -> None:
    assert month_end(2028, 2) == date(2028, 2, 29)
    assert month_end(2100, 2) == date(2100, 2, 28)  # not a leap year: divisible by 100
    assert month_end(2000, 2) == date(2000, 2, 29)  # a leap year: divisible by 400
    assert end_of_month(date(2026, 12, 31), 1) == date(2027, 1, 31)
    assert end_of_month(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert start_of_month(date(2026, 12, 31), 1) == date(2027, 1, 1)
    assert end_of_quarter(date(2026, 12, 31)) == date(2026, 12, 31)
    assert end_of_quarter(date(2026, 11, 15), 1) == date(2027, 3, 31)
    assert start_of_quarter(date(2026, 12, 31), 1) == date(2027, 1, 1)
    assert quarter_end(2026, 2) == date(2026, 6, 30)
    assert next_quarter_end(date(2026, 7, 1), 2) == date(2027, 6, 30)
    assert next_quarter_end(date(2026, 6, 30), 2) == date(2026, 6, 30)


@given(days, st.integers(min_value=0, max_value=30))
def test_end_of_month_is_the_last_day_months_ahead(day: date, ahead: int) -> None:
    result = end_of_month(day, ahead)
    total = day.year * 12 + day.month - 1 + ahead
    assert (result.year, result.month) == (total // 12, total % 12 + 1)
    assert (result + timedelta(days=1)).day == 1
    assert start_of_month(day, ahead) == result.replace(day=1)


@given(days, st.integers(min_value=0, max_value=12))
def test_quarters_hold_the_day_and_end_on_a_quarter_month(day: date, ahead: int) -> None:
    end = end_of_quarter(day, ahead)
    start = start_of_quarter(day, ahead)
    assert end.month % 3 == 0 and (end + timedelta(days=1)).day == 1
    assert start.day == 1 and start.month % 3 == 1
    assert start <= end and (end - start).days in range(89, 92)
    assert quarter_of(start) == quarter_of(end)
    if ahead == 0:
        assert start <= day <= end
    else:
        assert end_of_quarter(day, ahead - 1) + timedelta(days=1) == start


@given(days, st.integers(min_value=1, max_value=4))
def test_next_quarter_end_is_on_or_after_and_within_a_year(day: date, quarter: int) -> None:
    result = next_quarter_end(day, quarter)
    assert result >= day and (result - day).days < 366
    assert result == quarter_end(result.year, quarter)
