"""Business hours in Brussels: weekends, Belgian public holidays, summer time, SLA states and
quiet nights, measured on an injected clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from postkamer.clock import ManualClock
from postkamer.sla import BusinessCalendar, NotifyWindow, QueueSla, SlaConfig, sla_status

BXL = ZoneInfo("Europe/Brussels")
CAL = BusinessCalendar()


def bxl(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BXL)


def test_belgian_holidays_are_closed_days() -> None:
    assert CAL.holiday_name(date(2025, 11, 11)) == "Armistice Day"
    assert not CAL.is_business_day(date(2025, 11, 11))  # a Tuesday
    assert not CAL.is_business_day(date(2026, 4, 6))  # Easter Monday
    assert not CAL.is_business_day(date(2025, 11, 8))  # Saturday
    assert CAL.is_business_day(date(2025, 11, 12))


def test_hours_skip_a_weekend() -> None:
    # Friday 16:30 + 4h: 1h on Friday, 3h on Monday
    assert CAL.add_business_hours(bxl(2025, 11, 7, 16, 30), 4) == bxl(2025, 11, 10, 11, 30)


def test_hours_skip_armistice_day() -> None:
    # Monday 10 Nov 15:30 + 4h: 2h Monday, Tuesday 11 Nov is closed, 2h Wednesday
    assert CAL.add_business_hours(bxl(2025, 11, 10, 15, 30), 4) == bxl(2025, 11, 12, 10, 30)
    # a weekend and the holiday together
    due = CAL.add_business_hours(bxl(2025, 11, 7, 17, 0), 10)
    assert due == bxl(2025, 11, 12, 9, 0)
    assert CAL.business_hours_between(bxl(2025, 11, 7, 17, 0), due) == timedelta(hours=10)


def test_hours_skip_easter_monday() -> None:
    assert CAL.add_business_hours(bxl(2026, 4, 3, 16, 30), 2) == bxl(2026, 4, 7, 9, 30)


def test_work_ending_at_closing_time_is_due_at_closing_time() -> None:
    assert CAL.add_business_hours(bxl(2025, 11, 12, 8, 30), 9) == bxl(2025, 11, 12, 17, 30)
    # a mail at night counts from the next opening
    assert CAL.add_business_hours(bxl(2025, 11, 12, 22, 0), 1) == bxl(2025, 11, 13, 9, 30)


def test_summer_time_weekend_counts_business_hours_not_wall_hours() -> None:
    # clocks go forward on Sunday 29 March 2026
    friday = bxl(2026, 3, 27, 17, 0)  # CET, UTC+1
    monday = bxl(2026, 3, 30, 9, 0)  # CEST, UTC+2
    assert monday.utcoffset() != friday.utcoffset()
    assert CAL.add_business_hours(friday, 1) == monday
    assert CAL.business_hours_between(friday, monday) == timedelta(hours=1)
    assert (monday - friday) != timedelta(hours=1)


def test_a_day_with_a_dst_change_counts_its_real_hours() -> None:
    # a desk open every day 01:00-04:00: the spring-forward night has only 2 real hours,
    # the fall-back night has 4
    night = BusinessCalendar(
        workdays=frozenset(range(7)), opens=time(1), closes=time(4), country=None
    )
    spring = night.business_hours_between(bxl(2026, 3, 29, 0, 0), bxl(2026, 3, 29, 12, 0))
    autumn = night.business_hours_between(bxl(2026, 10, 25, 0, 0), bxl(2026, 10, 25, 12, 0))
    assert spring == timedelta(hours=2)
    assert autumn == timedelta(hours=4)
    due = night.add_business_hours(bxl(2026, 3, 29, 1, 0), 2.5)
    assert due == datetime(2026, 3, 30, 1, 30, tzinfo=BXL)


def test_business_days_keep_the_time_of_day_across_summer_time_and_holidays() -> None:
    # Friday 10:00 CET + 1 business day = Monday 10:00 CEST
    assert CAL.add_business_days(bxl(2026, 3, 27, 10, 0), 1) == bxl(2026, 3, 30, 10, 0)
    # Thursday 2 April + 2 business days: Friday 3, (weekend, Easter Monday), Tuesday 7
    assert CAL.add_business_days(bxl(2026, 4, 2, 14, 0), 2) == bxl(2026, 4, 7, 14, 0)
    # Saturday counts as if it arrived at opening time
    assert CAL.add_business_days(bxl(2025, 11, 8, 13, 0), 5) == bxl(2025, 11, 17, 8, 30)


def test_sla_goes_ok_warning_breached_as_the_clock_moves() -> None:
    clock = ManualClock(bxl(2025, 11, 10, 16, 0).astimezone(UTC))  # Monday 16:00
    started = clock.now()
    states = []
    for _ in range(4):
        states.append(sla_status(CAL, started=started, target_hours=4, now=clock.now()).state)
        clock.advance(hours=24)  # Tue (holiday) 16:00, Wed 16:00, Thu 16:00
    assert states == ["ok", "ok", "breached", "breached"]
    status = sla_status(CAL, started=started, target_hours=4, now=bxl(2025, 11, 12, 10, 0))
    # 1.5h Monday + 1.5h Wednesday = 3h of 4: past 80% (3.2h)? no -> ok; at 10:15 -> warning
    assert status.state == "ok" and status.used == timedelta(hours=3)
    assert status.due == bxl(2025, 11, 12, 11, 0)
    warn = sla_status(CAL, started=started, target_hours=4, now=bxl(2025, 11, 12, 10, 15))
    assert warn.state == "warning" and warn.remaining == timedelta(minutes=45)
    met = sla_status(
        CAL, started=started, target_hours=4, now=clock.now(), stopped_at=bxl(2025, 11, 12, 9)
    )
    assert met.state == "met"
    late = sla_status(
        CAL, started=started, target_hours=4, now=clock.now(), stopped_at=bxl(2025, 11, 12, 12)
    )
    assert late.state == "breached"


def test_never_notify_at_night_or_on_a_holiday() -> None:
    window = NotifyWindow()
    # a breach found at 23:40 on Monday 10 Nov waits until Wednesday 07:00 (Tuesday is closed)
    assert window.next_allowed(bxl(2025, 11, 10, 23, 40), CAL) == bxl(2025, 11, 12, 7, 0)
    assert window.next_allowed(bxl(2025, 11, 12, 5, 0), CAL) == bxl(2025, 11, 12, 7, 0)
    assert window.allows(bxl(2025, 11, 12, 14, 0), CAL)
    assert not window.allows(bxl(2025, 11, 12, 21, 0), CAL)
    anytime = NotifyWindow(at_night=True, business_days_only=False)
    assert anytime.allows(bxl(2025, 11, 11, 3, 0), CAL)


def test_config_builds_the_calendar() -> None:
    cfg = SlaConfig(
        workdays=["Mon", "tue", "wed", "thu"],
        opens=time(9),
        closes=time(17),
        closed_days=[date(2025, 11, 10)],
        queues={"cancellation": QueueSla(first_response_hours=2)},
    )
    cal = cfg.calendar
    assert not cal.is_business_day(date(2025, 11, 14))  # Friday: not a workday here
    assert not cal.is_business_day(date(2025, 11, 10))  # extra closed day
    assert cal.add_business_hours(bxl(2025, 11, 7, 9, 0), 1) == bxl(2025, 11, 12, 10, 0)
    assert cfg.for_queue("cancellation").first_response_hours == 2
    assert cfg.for_queue("hardware").first_response_hours == 8
    with pytest.raises(ValueError):
        SlaConfig(workdays=["someday"])
    with pytest.raises(ValueError):
        SlaConfig(opens=time(18))


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError):
        CAL.add_business_hours(datetime(2025, 11, 12, 9, 0), 1)


moments = st.integers(min_value=0, max_value=4 * 365 * 24 * 60).map(
    lambda m: datetime(2024, 1, 1, tzinfo=UTC) + timedelta(minutes=m)
)
durations = st.integers(min_value=0, max_value=200 * 60).map(lambda m: timedelta(minutes=m))


@settings(max_examples=150, deadline=None)
@given(start=moments, h1=durations, h2=durations)
def test_adding_hours_is_monotonic_and_additive(
    start: datetime, h1: timedelta, h2: timedelta
) -> None:
    first = CAL.add_business_hours(start, h1)
    assert first >= start
    assert CAL.add_business_hours(first, h2) == CAL.add_business_hours(start, h1 + h2)
    assert CAL.business_hours_between(start, first) == h1
    assert CAL.business_hours_between(first, start) == -h1


def test_routing_targets_fill_queues_the_settings_do_not_name() -> None:
    from postkamer.sla import QueueSla, SlaConfig

    sla = SlaConfig(queues={"hardware": QueueSla(first_response_hours=2, resolution_hours=10)})
    merged = sla.with_queue_targets(
        {
            "hardware": QueueSla(first_response_hours=99, resolution_hours=99),
            "copy-request": QueueSla(first_response_hours=16, resolution_hours=40),
        }
    )
    assert merged.for_queue("hardware").first_response_hours == 2  # settings win
    assert merged.for_queue("copy-request").first_response_hours == 16  # routing config
    assert merged.for_queue("general") == sla.default  # neither: the default
