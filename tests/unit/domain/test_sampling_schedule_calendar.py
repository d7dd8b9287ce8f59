"""Schedule generation against the calendar: leap years, month ends, week starts and blocks cut by a permit's dates."""
from __future__ import annotations

import calendar
from datetime import date, timedelta

import pytest

from app.domain.sampling_schedule import MonitoringNeed, SchedulePreferences, plan_need

PREFS = SchedulePreferences()
FREQUENCIES = ["1/1", "5/7", "2/7", "1/7", "2/30", "1/30", "1/90", "2/365", "1/365"]


def _need(frequency: str, conditional: bool = False) -> MonitoringNeed:
    return MonitoringNeed("001", "00530", "1", frequency, "composite", conditional)


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


@pytest.mark.parametrize("year", [2026, 2028, 2100])  # common, leap, and a century that is not leap
@pytest.mark.parametrize("frequency", FREQUENCIES)
def test_windows_partition_every_day_of_the_year_in_leap_and_common_years(frequency, year):
    first, last = date(year, 1, 1), date(year, 12, 31)
    planned = plan_need(_need(frequency), first, last, PREFS)
    covered = sorted(d for s in planned for d in _days(s.window_start, s.window_end))
    assert covered == _days(first, last)
    assert all(s.window_start <= s.day <= s.window_end for s in planned)


@pytest.mark.parametrize("frequency, year, count", [
    ("1/1", 2028, 366), ("1/1", 2100, 365),
    ("2/30", 2028, 24), ("1/30", 2028, 12), ("1/90", 2028, 4), ("2/365", 2028, 2), ("1/365", 2028, 1),
    ("CONT", 2028, 0),
])
def test_a_leap_year_plans_what_its_frequency_requires(frequency, year, count):
    assert len(plan_need(_need(frequency), date(year, 1, 1), date(year, 12, 31), PREFS)) == count


@pytest.mark.parametrize("year, month", [(2026, 2), (2028, 2), (2026, 4), (2026, 12), (2026, 1)])
def test_monthly_windows_end_on_the_last_day_of_the_month(year, month):
    first, last = date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
    (monthly,) = plan_need(_need("1/30"), first, last, PREFS)
    assert (monthly.window_start, monthly.window_end) == (first, last)
    twice = plan_need(_need("2/30"), first, last, PREFS)
    assert twice[0].window_start == first and twice[-1].window_end == last
    assert twice[0].window_end + timedelta(days=1) == twice[1].window_start and twice[0].day != twice[1].day


def test_quarters_end_on_their_month_ends():
    planned = plan_need(_need("1/90"), date(2028, 1, 1), date(2028, 12, 31), PREFS)
    assert [(s.window_start, s.window_end) for s in planned] == [
        (date(2028, 1, 1), date(2028, 3, 31)), (date(2028, 4, 1), date(2028, 6, 30)),
        (date(2028, 7, 1), date(2028, 9, 30)), (date(2028, 10, 1), date(2028, 12, 31))]


def test_5_7_takes_the_five_workdays_of_each_week():
    planned = plan_need(_need("5/7"), date(2026, 3, 1), date(2026, 3, 14), PREFS)
    assert [s.day.weekday() for s in planned] == [0, 1, 2, 3, 4] * 2


@pytest.mark.parametrize("week_start, first_day", [("sunday", 6), ("monday", 0)])
def test_weekly_blocks_follow_the_configured_week_start(week_start, first_day):
    prefs = SchedulePreferences(week_start=week_start)
    planned = plan_need(_need("1/7"), date(2026, 3, 1), date(2026, 3, 31), prefs)
    inner = [s for s in planned if s.window_start > date(2026, 3, 1) and s.window_end < date(2026, 3, 31)]
    assert inner and all(s.window_start.weekday() == first_day for s in inner)
    assert all((s.window_end - s.window_start).days == 6 for s in inner)


def test_a_permit_starting_mid_week_plans_the_stub_week_into_the_days_it_governs():
    # A 2/7 permit effective on a Thursday: both samples of that week fall on Thursday to Saturday.
    planned = plan_need(_need("2/7"), date(2026, 1, 1), date(2026, 1, 10), PREFS)
    assert [(s.day, s.window_start, s.window_end) for s in planned[:2]] == [
        (date(2026, 1, 1), date(2026, 1, 1), date(2026, 1, 1)), (date(2026, 1, 2), date(2026, 1, 2), date(2026, 1, 3))]
    assert [s.day for s in planned[2:]] == [date(2026, 1, 6), date(2026, 1, 8)]
