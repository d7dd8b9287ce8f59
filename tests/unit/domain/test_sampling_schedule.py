"""Schedule generation tables: every frequency, month ends, leap years, holidays, windows that partition."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.domain.sampling_schedule import (
    MonitoringNeed,
    SchedulePreferences,
    plan_block,
    plan_events,
    plan_need,
    sub_period,
)

PREFS = SchedulePreferences()


def _need(frequency, code="00530", sample_type="composite", conditional=False):
    return MonitoringNeed("001", code, "1", frequency, sample_type, conditional)


@pytest.mark.parametrize("frequency, first, last, count", [
    ("1/1", date(2026, 1, 1), date(2026, 12, 31), 365),
    ("1/1", date(2028, 1, 1), date(2028, 12, 31), 366),         # leap year
    ("5/7", date(2026, 3, 1), date(2026, 3, 28), 20),           # four whole weeks
    ("2/7", date(2026, 3, 1), date(2026, 3, 28), 8),
    ("1/7", date(2026, 1, 4), date(2026, 12, 26), 51),
    ("2/30", date(2026, 1, 1), date(2026, 12, 31), 24),
    ("1/30", date(2026, 1, 1), date(2026, 12, 31), 12),
    ("1/90", date(2026, 1, 1), date(2026, 12, 31), 4),
    ("2/365", date(2026, 1, 1), date(2026, 12, 31), 2),
    ("1/365", date(2026, 1, 1), date(2026, 12, 31), 1),
    ("CONT", date(2026, 1, 1), date(2026, 12, 31), 0),
])
def test_a_year_of_each_frequency_plans_the_required_count(frequency, first, last, count):
    assert len(plan_need(_need(frequency), first, last, PREFS)) == count


def test_conditional_monitoring_is_not_planned():
    assert plan_need(_need("1/7", conditional=True), date(2026, 3, 1), date(2026, 3, 31), PREFS) == []


@pytest.mark.parametrize("frequency", ["1/1", "5/7", "2/7", "1/7", "2/30", "1/30", "1/90", "2/365", "1/365"])
def test_windows_partition_each_block_and_hold_their_day(frequency):
    planned = plan_need(_need(frequency), date(2026, 1, 1), date(2026, 12, 31), PREFS)
    covered = []
    for sample in planned:
        assert sample.window_start <= sample.day <= sample.window_end
        covered += [sample.window_start + timedelta(days=i)
                    for i in range((sample.window_end - sample.window_start).days + 1)]
    assert len(covered) == len(set(covered)) == 365  # every day in exactly one window


def test_2_7_falls_on_two_different_days_of_the_same_week_on_the_preferred_weekdays():
    planned = plan_need(_need("2/7"), date(2026, 3, 8), date(2026, 3, 14), PREFS)
    assert [(s.day.isoformat(), s.window_start.isoformat(), s.window_end.isoformat()) for s in planned] == [
        ("2026-03-10", "2026-03-08", "2026-03-11"), ("2026-03-12", "2026-03-12", "2026-03-14")]


def test_holidays_and_preferences_move_the_day_not_the_count():
    prefs = SchedulePreferences(preferred_weekdays=("monday",), holidays=frozenset({date(2026, 12, 28)}))
    planned = plan_need(_need("1/7"), date(2026, 12, 27), date(2027, 1, 2), prefs)
    assert [s.day for s in planned] == [date(2026, 12, 29)]  # Monday off: first working day after


def test_month_ends_and_leap_february():
    assert sub_period(date(2028, 2, 10), 30) == (date(2028, 2, 1), date(2028, 2, 29))
    assert sub_period(date(2026, 11, 30), 90) == (date(2026, 10, 1), date(2026, 12, 31))
    assert sub_period(date(2026, 3, 4), 7) == (date(2026, 3, 1), date(2026, 3, 7))
    assert sub_period(date(2026, 3, 4), 7, "monday") == (date(2026, 3, 2), date(2026, 3, 8))
    with pytest.raises(ValueError):
        sub_period(date(2026, 3, 4), 14)


def test_a_block_with_fewer_open_days_than_samples_plans_what_fits():
    prefs = SchedulePreferences(holidays=frozenset(date(2026, 3, d) for d in range(2, 8)))
    assert [d for d, _, _ in plan_block(date(2026, 3, 1), date(2026, 3, 7), 2, prefs)] == [date(2026, 3, 1)]


def test_one_trip_per_outfall_day_and_sample_type():
    needs = [_need("2/7"), _need("1/7", code="01042"), _need("1/1", code="00400", sample_type="grab")]
    events = plan_events(needs, date(2026, 3, 8), date(2026, 3, 14), PREFS)
    tuesday = [e for e in events if e.day == date(2026, 3, 10)]
    assert sorted((e.sample_type, [s.code for s in e.samples]) for e in tuesday) == [
        ("composite", ["00530", "01042"]), ("grab", ["00400"])]
    assert next(e for e in tuesday if e.sample_type == "composite").window_end == date(2026, 3, 14)


def test_unknown_weekday_preferences_are_refused():
    with pytest.raises(ValueError):
        SchedulePreferences(preferred_weekdays=("tuesdy",))


@pytest.mark.parametrize("frequency", ["1/1", "5/7", "2/7", "1/7", "2/30", "1/30", "1/90", "2/365", "1/365"])
@pytest.mark.parametrize("until", [date(2026, 1, 1), date(2026, 3, 4), date(2026, 6, 30), date(2027, 2, 28)])
def test_planning_only_so_far_ahead_keeps_every_block_of_the_whole_plan(frequency, until):
    """A five-year version looked at one year ahead: the same days and windows as the whole plan,
    through the block holding `until` (its later days may follow), and nothing past that block."""
    prefs = SchedulePreferences(("monday", "wednesday"), frozenset({date(2026, 3, 3), date(2026, 12, 25)}), "monday")
    need = _need(frequency)
    whole = plan_need(need, date(2025, 11, 20), date(2030, 11, 19), prefs)
    ahead = plan_need(need, date(2025, 11, 20), date(2030, 11, 19), prefs, until=until)
    assert ahead == whole[:len(ahead)]
    assert [s for s in whole if s.day <= until] == [s for s in ahead if s.day <= until]
    assert len(ahead) < len(whole)
    assert whole[len(ahead)].window_start > until  # the first sample left out opens a later block


def test_events_planned_so_far_ahead_are_those_of_the_whole_plan():
    needs = [_need("1/1", "00530"), _need("2/7", "00400", "grab"), _need("1/30", "01042"), _need("1/7", "00610")]
    whole = plan_events(needs, date(2026, 1, 1), date(2030, 12, 31), PREFS)
    ahead = plan_events(needs, date(2026, 1, 1), date(2030, 12, 31), PREFS, until=date(2026, 12, 31))
    assert [e for e in ahead if e.day <= date(2026, 12, 31)] == [e for e in whole if e.day <= date(2026, 12, 31)]
    assert len(ahead) < len(whole)
