"""CALC-12: frequency codes, sub-period checks and the reported frequency of analysis."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.measurements import Measurement
from app.domain.monitoring_frequency import FrequencyRequirement, _sub_periods, check_frequency, parse_frequency
from app.domain.periods import parse_period
from app.domain.rules_config import effective_rules

D = date
DEFAULT = effective_rules()


def sampled(*days, late=()):
    return [Measurement(value=Decimal(1), sample_date=d, unit="mg/L", holding_time_exceeded=d in late) for d in days]


@pytest.mark.parametrize("code, samples, days", [
    ("1/1", 1, 1), ("2/7", 2, 7), ("1/30", 1, 30), ("1/90", 1, 90), ("01/07", 1, 7), (" 3/1 ", 3, 1),
    ("CONT", None, None), ("cont.", None, None), ("99/99", None, None),
])
def test_CALC_12_parse_frequency_codes(code, samples, days):
    requirement = parse_frequency(code)
    assert (requirement.samples, requirement.days) == (samples, days)
    assert requirement.continuous is (samples is None)


@pytest.mark.parametrize("code", ["", "twice weekly", "0/7", "1/0", "5/WK", "1/7/2"])
def test_CALC_12_unknown_frequency_codes_are_refused(code):
    with pytest.raises(ValueError):
        parse_frequency(code)


TWICE_WEEKLY_FEB = [D(2026, 2, d) for d in (2, 4, 9, 11, 16, 18, 23, 25)]   # Feb 2026: four whole weeks


@pytest.mark.parametrize("code, days, period, overrides, met, reported", [
    ("2/7", TWICE_WEEKLY_FEB, "2026-02", {}, True, "2/7"),
    ("2/7", [d for d in TWICE_WEEKLY_FEB if d != D(2026, 2, 18)], "2026-02", {}, False, "7/28"),
    # two samples on one day are one sample day
    ("2/7", TWICE_WEEKLY_FEB[:5] + [D(2026, 2, 16)] + TWICE_WEEKLY_FEB[6:], "2026-02", {}, False, "7/28"),
    # April 2026, Sunday weeks, saturday_month: the Mar 29 - Apr 4 week counts Mar 31; the week
    # ending May 2 is May's, so no April sample is needed after Apr 25.
    ("1/7", [D(2026, 3, 31), D(2026, 4, 8), D(2026, 4, 15), D(2026, 4, 22)], "2026-04", {}, True, "1/7"),
    # truncate_at_month: the Apr 26-30 stub (5 days) owes round(5/7) = 1 sample
    ("1/7", [D(2026, 4, 2), D(2026, 4, 8), D(2026, 4, 15), D(2026, 4, 22)], "2026-04",
     {"calc": {"week_month_assignment": "truncate_at_month"}}, False, "4/30"),
    # ... but a 3-day stub owes round(3/7) = 0: March 2026 ends Tuesday 31st
    ("1/7", [D(2026, 3, 3), D(2026, 3, 10), D(2026, 3, 17), D(2026, 3, 24)], "2026-03",
     {"calc": {"week_month_assignment": "truncate_at_month"}}, True, "1/7"),
    ("1/30", [D(2026, 2, 10)], "2026-02", {}, True, "1/30"),
    ("1/30", [], "2026-02", {}, False, "0/28"),
    ("1/30", [D(2026, 1, 10), D(2026, 3, 10)], "2026-Q1", {}, False, "2/90"),   # February missed
    ("1/90", [], "2026-02", {}, True, "1/90"),         # the quarter is not judged by one month
    ("1/90", [], "2026-Q1", {}, False, "0/90"),
    ("1/90", [D(2026, 3, 30)], "2026-Q1", {}, True, "1/90"),
    ("1/1", [D(2026, 2, 1) + timedelta(days=i) for i in range(28)], "2026-02", {}, True, "1/1"),
    ("1/1", [D(2026, 2, 1) + timedelta(days=i) for i in range(27)], "2026-02", {}, False, "27/28"),
    ("CONT", [D(2026, 2, 1) + timedelta(days=i) for i in range(28)], "2026-02", {}, True, "CONT"),
    ("CONT", [D(2026, 2, 1) + timedelta(days=i) for i in range(1, 28)], "2026-02", {}, False, "27/28"),
    ("1/14", [D(2026, 2, 3), D(2026, 2, 20)], "2026-02", {}, True, "1/14"),
    ("1/14", [D(2026, 2, 3), D(2026, 2, 10)], "2026-02", {}, False, "2/28"),
])
def test_CALC_12_frequency_met_in_every_sub_period(code, days, period, overrides, met, reported):
    check = check_frequency(parse_frequency(code), sampled(*days), parse_period(period), effective_rules(overrides))
    assert (check.met, check.reported) == (met, reported)
    assert bool(check.shortfalls) is (not met)


def test_CALC_12_three_per_day_counts_samples_not_days():
    day = D(2026, 2, 1)
    requirement = FrequencyRequirement("3/1", 3, 1)
    three_a_day = sampled(*[day + timedelta(days=i) for i in range(28) for _ in range(3)])
    assert check_frequency(requirement, three_a_day, parse_period("2026-02"), DEFAULT).reported == "3/1"
    check = check_frequency(requirement, three_a_day[1:], parse_period("2026-02"), DEFAULT)
    assert (check.met, check.reported) == (False, "83/28")


def test_CALC_12_result_past_holding_time_does_not_satisfy_monitoring():
    check = check_frequency(parse_frequency("1/30"), sampled(D(2026, 2, 10), late=(D(2026, 2, 10),)),
                            parse_period("2026-02"), DEFAULT)
    assert (check.met, check.reported) == (False, "0/28")


def test_CALC_12_shortfall_names_the_week_and_the_counts():
    days = [d for d in TWICE_WEEKLY_FEB if d != D(2026, 2, 18)]
    (shortfall,) = check_frequency(parse_frequency("2/7"), sampled(*days), parse_period("2026-02"), DEFAULT).shortfalls
    assert (shortfall.start, shortfall.end, shortfall.required, shortfall.actual) == (D(2026, 2, 15), D(2026, 2, 21), 2, 1)


@settings(max_examples=200, deadline=None)
@given(code=st.sampled_from(["1/1", "2/1", "3/7", "1/7", "1/14", "1/30", "1/90", "2/5"]),
       offsets=st.lists(st.tuples(st.integers(-8, 40), st.booleans()), max_size=60),
       week_rule=st.sampled_from(["saturday_month", "wednesday_rule", "truncate_at_month"]))
def test_CALC_12_each_sub_period_counts_what_a_count_over_every_result_gives(code, offsets, week_rule):
    # The shortfalls list, for each sub-period, the samples (n/1) or sample days (n/d) of valid results
    # inside it, counted here the plain way: over every result for every sub-period.
    period, rules = parse_period("2026-03"), effective_rules({"calc": {"week_month_assignment": week_rule}})
    start = period.start
    results = [Measurement(value=Decimal(1), sample_date=start + timedelta(days=n), unit="mg/L",
                           holding_time_exceeded=late) for n, late in offsets]
    requirement = parse_frequency(code)
    valid = [m for m in results if not m.holding_time_exceeded]
    expected = []
    for first, last, required in _sub_periods(requirement, period, rules):
        inside = [m.sample_date for m in valid if first <= m.sample_date <= last]
        count = len(inside) if requirement.days == 1 else len(set(inside))
        if count < required:
            expected.append((first, last, required, count))
    check = check_frequency(requirement, results, period, rules)
    assert [(s.start, s.end, s.required, s.actual) for s in check.shortfalls] == expected
    assert check.met == (not expected)
