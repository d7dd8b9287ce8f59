"""Monitoring periods, due dates, local sample days and the CALC-03 week conventions."""
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.periods import (
    WEEK_MONTH_ASSIGNMENTS,
    calendar_week_containing,
    composite_sample_date,
    dmr_due_date,
    local_date,
    parse_period,
    period_containing,
    weekly_window,
    weeks_for_period,
)

D = date
CHICAGO = "America/Chicago"


@pytest.mark.parametrize("text, start, end, label", [
    ("2026-02", D(2026, 2, 1), D(2026, 2, 28), "2026-02"),
    ("2024-02", D(2024, 2, 1), D(2024, 2, 29), "2024-02"),      # leap year
    ("2026-12", D(2026, 12, 1), D(2026, 12, 31), "2026-12"),
    ("2026-Q1", D(2026, 1, 1), D(2026, 3, 31), "2026-Q1"),
    ("2026-q4", D(2026, 10, 1), D(2026, 12, 31), "2026-Q4"),
    ("2026-H1", D(2026, 1, 1), D(2026, 6, 30), "2026-H1"),
    ("2026-H2", D(2026, 7, 1), D(2026, 12, 31), "2026-H2"),
    ("2026", D(2026, 1, 1), D(2026, 12, 31), "2026"),
])
def test_SCHED_01_parse_monitoring_period(text, start, end, label):
    period = parse_period(text)
    assert (period.start, period.end, period.label) == (start, end, label)


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "2026-Q5", "2026-H3", "26-01", "2026/01", "2026-1", ""])
def test_SCHED_01_parse_monitoring_period_rejects_malformed(text):
    with pytest.raises(ValueError):
        parse_period(text)


@pytest.mark.parametrize("day, frequency, label", [
    (D(2026, 2, 14), "monthly", "2026-02"),
    (D(2026, 5, 31), "quarterly", "2026-Q2"),
    (D(2026, 7, 1), "quarterly", "2026-Q3"),
    (D(2026, 6, 30), "semiannual", "2026-H1"),
    (D(2026, 7, 1), "semiannual", "2026-H2"),
    (D(2026, 12, 31), "annual", "2026"),
])
def test_SCHED_01_period_containing_a_day(day, frequency, label):
    period = period_containing(day, frequency)
    assert period.label == label
    assert period == parse_period(label)
    assert period.contains(day)


def test_SCHED_01_period_containing_rejects_unknown_frequency():
    with pytest.raises(ValueError):
        period_containing(D(2026, 1, 1), "weekly")


@pytest.mark.parametrize("period, due_day, due", [
    ("2026-02", 15, D(2026, 3, 15)),
    ("2026-03", 31, D(2026, 4, 30)),     # clamp: April has 30 days
    ("2026-01", 31, D(2026, 2, 28)),
    ("2024-01", 30, D(2024, 2, 29)),
    ("2026-12", 28, D(2027, 1, 28)),     # year rolls over
    ("2026-Q4", 15, D(2027, 1, 15)),
    ("2026-H1", 28, D(2026, 7, 28)),
])
def test_SCHED_01_dmr_due_date_is_due_day_of_following_month(period, due_day, due):
    assert dmr_due_date(parse_period(period), due_day) == due


@pytest.mark.parametrize("due_day", [0, 32, True, "15"])
def test_SCHED_01_dmr_due_day_must_be_a_day_of_month(due_day):
    with pytest.raises(ValueError):
        dmr_due_date(parse_period("2026-02"), due_day)


@pytest.mark.parametrize("moment, expected", [
    (datetime(2026, 3, 1, 3, 30, tzinfo=timezone.utc), D(2026, 2, 28)),    # 21:30 CST the day before
    (datetime(2026, 3, 1, 6, 0, tzinfo=timezone.utc), D(2026, 3, 1)),      # 00:00 CST
    (datetime(2026, 11, 1, 4, 30, tzinfo=timezone.utc), D(2026, 10, 31)),  # still CDT (UTC-5)
])
def test_CALC_01_sample_day_is_the_facility_local_calendar_day(moment, expected):
    assert local_date(moment, CHICAGO) == expected


def test_CALC_01_naive_timestamp_is_refused():
    with pytest.raises(ValueError):
        local_date(datetime(2026, 3, 1, 12, 0), CHICAGO)


@pytest.mark.parametrize("start, end, attribution, expected", [
    ((2026, 3, 10, 8), (2026, 3, 11, 8), "start_date", D(2026, 3, 10)),
    ((2026, 3, 10, 8), (2026, 3, 11, 8), "end_date", D(2026, 3, 11)),
    ((2026, 3, 10, 0), (2026, 3, 11, 0), "end_date", D(2026, 3, 10)),   # midnight-to-midnight
    ((2026, 3, 10, 0), (2026, 3, 11, 0), "start_date", D(2026, 3, 10)),
])
def test_CALC_01_composite_date_attribution(start, end, attribution, expected):
    zone = ZoneInfo(CHICAGO)
    started = datetime(*start, tzinfo=zone)
    ended = datetime(*end, tzinfo=zone)
    assert composite_sample_date(started, ended, CHICAGO, attribution) == expected


def test_CALC_01_composite_attribution_rejects_unknown_convention():
    zone = ZoneInfo(CHICAGO)
    with pytest.raises(ValueError):
        composite_sample_date(datetime(2026, 3, 10, tzinfo=zone), datetime(2026, 3, 11, tzinfo=zone), CHICAGO, "middle")


@pytest.mark.parametrize("day, week_start, start, end", [
    (D(2026, 3, 4), "sunday", D(2026, 3, 1), D(2026, 3, 7)),
    (D(2026, 3, 1), "sunday", D(2026, 3, 1), D(2026, 3, 7)),
    (D(2026, 3, 7), "sunday", D(2026, 3, 1), D(2026, 3, 7)),
    (D(2026, 3, 4), "monday", D(2026, 3, 2), D(2026, 3, 8)),
    (D(2026, 3, 1), "monday", D(2026, 2, 23), D(2026, 3, 1)),
])
def test_CALC_03_calendar_week_start_is_configurable(day, week_start, start, end):
    week = calendar_week_containing(day, week_start)
    assert (week.start, week.end) == (start, end)


# April 2026 starts on a Wednesday and ends on a Thursday: Sunday weeks straddle both edges.
APRIL_2026_WEEKS = {
    "saturday_month": [(D(2026, 3, 29), D(2026, 4, 4)), (D(2026, 4, 5), D(2026, 4, 11)),
                       (D(2026, 4, 12), D(2026, 4, 18)), (D(2026, 4, 19), D(2026, 4, 25))],
    "wednesday_rule": [(D(2026, 3, 29), D(2026, 4, 4)), (D(2026, 4, 5), D(2026, 4, 11)),
                       (D(2026, 4, 12), D(2026, 4, 18)), (D(2026, 4, 19), D(2026, 4, 25)),
                       (D(2026, 4, 26), D(2026, 5, 2))],
    "majority_days": [(D(2026, 3, 29), D(2026, 4, 4)), (D(2026, 4, 5), D(2026, 4, 11)),
                      (D(2026, 4, 12), D(2026, 4, 18)), (D(2026, 4, 19), D(2026, 4, 25)),
                      (D(2026, 4, 26), D(2026, 5, 2))],
    "complete_weeks_only": [(D(2026, 4, 5), D(2026, 4, 11)), (D(2026, 4, 12), D(2026, 4, 18)),
                            (D(2026, 4, 19), D(2026, 4, 25))],
    "truncate_at_month": [(D(2026, 4, 1), D(2026, 4, 4)), (D(2026, 4, 5), D(2026, 4, 11)),
                          (D(2026, 4, 12), D(2026, 4, 18)), (D(2026, 4, 19), D(2026, 4, 25)),
                          (D(2026, 4, 26), D(2026, 4, 30))],
}


@pytest.mark.parametrize("assignment", sorted(APRIL_2026_WEEKS))
def test_CALC_03_weeks_assigned_to_april_2026(assignment):
    weeks = weeks_for_period(parse_period("2026-04"), "sunday", assignment)
    assert [(w.start, w.end) for w in weeks] == APRIL_2026_WEEKS[assignment]


def test_CALC_03_wednesday_rule_and_majority_days_differ_for_monday_weeks():
    # January 2026 starts on a Thursday: the Monday week Dec 29 - Jan 4 has its Wednesday in December
    # but four of its seven days in January.
    january = parse_period("2026-01")
    first_wednesday = weeks_for_period(january, "monday", "wednesday_rule")[0]
    first_majority = weeks_for_period(january, "monday", "majority_days")[0]
    assert (first_wednesday.start, first_wednesday.end) == (D(2026, 1, 5), D(2026, 1, 11))
    assert (first_majority.start, first_majority.end) == (D(2025, 12, 29), D(2026, 1, 4))


def test_CALC_03_truncate_at_month_splits_a_straddling_week_inside_a_quarter():
    weeks = weeks_for_period(parse_period("2026-Q2"), "sunday", "truncate_at_month")
    spans = [(w.start, w.end) for w in weeks]
    assert (D(2026, 4, 26), D(2026, 4, 30)) in spans
    assert (D(2026, 5, 1), D(2026, 5, 2)) in spans
    assert all(w.calendar_week.end - w.calendar_week.start == timedelta(days=6) for w in weeks)


def test_CALC_03_weekly_window_reaches_back_into_the_previous_month():
    assert weekly_window(parse_period("2026-04")) == (D(2026, 3, 29), D(2026, 4, 30))
    assert weekly_window(parse_period("2026-04"), "sunday", "wednesday_rule") == (D(2026, 3, 29), D(2026, 5, 2))


def test_CALC_03_unknown_assignment_or_week_start_is_refused():
    with pytest.raises(ValueError):
        weeks_for_period(parse_period("2026-04"), "sunday", "closest_month")
    with pytest.raises(ValueError):
        weeks_for_period(parse_period("2026-04"), "sun", "saturday_month")


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 1)),
       st.sampled_from([a for a in WEEK_MONTH_ASSIGNMENTS if a != "truncate_at_month"]))
def test_CALC_03_each_week_belongs_to_at_most_one_month_and_assigning_ones_to_exactly_one(day, assignment):
    """Across consecutive months each calendar week is reported once (none twice; none lost except
    complete_weeks_only, which drops straddling weeks by design)."""
    this_month = period_containing(day, "monthly")
    next_month = period_containing(this_month.end + timedelta(days=1), "monthly")
    first = {w.calendar_week for w in weeks_for_period(this_month, "sunday", assignment)}
    second = {w.calendar_week for w in weeks_for_period(next_month, "sunday", assignment)}
    assert not first & second
    straddling = calendar_week_containing(this_month.end, "sunday")
    if straddling.end > this_month.end and assignment != "complete_weeks_only":
        assert straddling in first | second
