"""CALC-01 to CALC-06, CALC-08 to CALC-10: daily values and the DMR statistics built from them."""
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.daily_values import daily_values, instantaneous_values
from app.domain.mass_loading import daily_flows
from app.domain.measurements import CalculationError, Measurement
from app.domain.periods import parse_period, weeks_for_period
from app.domain.rounding import format_reported, round_reported
from app.domain.rules_config import effective_rules
from app.domain.statistics import (
    PhAveragingError,
    Statistic,
    average,
    ensure_may_average,
    geometric_mean,
    highest,
    maximum,
    minimum,
    monthly_average,
    percent_removal,
    weekly_averages,
)

D = date
DEFAULT = effective_rules()


def result(value, day, qualifier="=", unit="mg/L", flow=None, rl=None):
    return Measurement(value=Decimal(value), sample_date=day, unit=unit, qualifier=qualifier,
                       flow=None if flow is None else Decimal(flow), rl=None if rl is None else Decimal(rl))


def rules_with(**calc):
    return effective_rules({"calc": calc})


# --- CALC-01 ------------------------------------------------------------------------------------

@pytest.mark.parametrize("method, expected", [
    ("arithmetic_mean", "15"),
    ("max_of_samples", "20"),
    ("flow_weighted_mean", "17.5"),      # (10×1 + 20×3) / 4
])
def test_CALC_01_daily_value_from_multiple_samples(method, expected):
    grabs = [result("10", D(2026, 2, 3), flow="1"), result("20", D(2026, 2, 3), flow="3")]
    (value,) = daily_values(grabs, rules_with(daily_value_from_multiple_samples=method))
    assert value.value == Decimal(expected)
    assert value.day == D(2026, 2, 3)


def test_CALC_01_single_composite_is_its_own_daily_value():
    (value,) = daily_values([result("14", D(2026, 2, 3))], DEFAULT)
    assert value.value == Decimal(14) and value.quantified


def test_CALC_01_flow_weighted_daily_value_needs_every_sample_flow():
    grabs = [result("10", D(2026, 2, 3), flow="1"), result("20", D(2026, 2, 3))]
    with pytest.raises(CalculationError):
        daily_values(grabs, rules_with(daily_value_from_multiple_samples="flow_weighted_mean"))


def test_CALC_01_CALC_05_instantaneous_values_are_never_averaged():
    grabs = [result("5", D(2026, 2, 3)), result("9", D(2026, 2, 3)), result("7", D(2026, 2, 3))]
    assert maximum(daily_values(grabs, DEFAULT)).value == Decimal(7)          # daily max: the day's mean
    assert maximum(instantaneous_values(grabs, DEFAULT)).value == Decimal(9)  # instantaneous: the grab
    assert minimum(instantaneous_values(grabs, DEFAULT)).value == Decimal(5)


# --- CALC-02 ------------------------------------------------------------------------------------

def test_CALC_02_monthly_average_divides_by_number_of_daily_values():
    # Day 2 has two samples (10 and 30): its daily value is 20, so the average is (10 + 20) / 2 = 15,
    # not (10 + 10 + 30) / 3 and not divided by the 28 days of February.
    samples = [result("10", D(2026, 2, 2)), result("10", D(2026, 2, 9)), result("30", D(2026, 2, 9))]
    statistic = monthly_average(daily_values(samples, DEFAULT), DEFAULT)
    assert (statistic.value, statistic.qualifier) == (Decimal(15), "=")


def test_CALC_02_single_sample_is_both_the_average_and_the_maximum():
    values = daily_values([result("27", D(2026, 2, 2))], DEFAULT)
    assert monthly_average(values, DEFAULT).value == maximum(values).value == Decimal(27)


def test_CALC_02_flow_weighted_monthly_average():
    values = daily_values([result("10", D(2026, 2, 2)), result("20", D(2026, 2, 9))], DEFAULT)
    weights = {D(2026, 2, 2): Decimal(1), D(2026, 2, 9): Decimal(3)}
    weighted = monthly_average(values, rules_with(average_method="flow_weighted"), flows=weights)
    assert weighted.value == Decimal("17.5")
    assert monthly_average(values, DEFAULT, flows=weights).value == Decimal(15)


def test_CALC_02_flow_weighted_average_names_days_without_flow():
    values = daily_values([result("10", D(2026, 2, 2)), result("20", D(2026, 2, 9))], DEFAULT)
    statistic = average(values, DEFAULT, weights={D(2026, 2, 9): Decimal(2)})
    assert statistic.value == Decimal(20)
    assert statistic.notes[0][0] == "FLOW_MISSING_FOR_WEIGHTING" and "2026-02-02" in statistic.notes[0][1]


# --- CALC-03 ------------------------------------------------------------------------------------

# April 2026: week Mar 29 - Apr 4 straddles the month start, Apr 26 - May 2 the month end.
APRIL_SAMPLES = [("40", D(2026, 3, 30)), ("50", D(2026, 4, 2)),     # straddling week: mean 45
                 ("20", D(2026, 4, 7)), ("30", D(2026, 4, 9)),      # 25
                 ("10", D(2026, 4, 14)),                            # 10
                 ("100", D(2026, 4, 28))]                           # week ending in May


@pytest.mark.parametrize("assignment, highest_weekly", [
    ("saturday_month", "45"),        # uses March 30; the May week is not April's
    ("truncate_at_month", "100"),    # Apr 1-4 alone is 50; Apr 26-30 is April's and is 100
    ("complete_weeks_only", "25"),
    ("wednesday_rule", "100"),
    ("majority_days", "100"),
])
def test_CALC_03_highest_weekly_average_across_the_month_boundary(assignment, highest_weekly):
    values = daily_values([result(v, d) for v, d in APRIL_SAMPLES], DEFAULT)
    weeks = weeks_for_period(parse_period("2026-04"), "sunday", assignment)
    weekly = weekly_averages(values, weeks, DEFAULT)
    assert highest(s for _, s in weekly).value == Decimal(highest_weekly)


def test_CALC_03_straddling_week_average_uses_previous_month_samples():
    values = daily_values([result(v, d) for v, d in APRIL_SAMPLES], DEFAULT)
    weekly = weekly_averages(values, weeks_for_period(parse_period("2026-04")), DEFAULT)
    first_week, first_average = weekly[0]
    assert first_week.start == D(2026, 3, 29)
    assert first_average.value == Decimal(45)
    assert [w.start for w, _ in weekly] == [D(2026, 3, 29), D(2026, 4, 5), D(2026, 4, 12)]  # no empty week


def test_CALC_03_highest_prefers_a_quantified_week_over_a_non_detect_week():
    weekly = [Statistic(Decimal(4), "<"), Statistic(Decimal(3), "="), Statistic(Decimal(2), "=")]
    assert highest(weekly) == Statistic(Decimal(3), "=")
    assert highest([Statistic(Decimal(4), "<"), Statistic(Decimal(6), "<")]) == Statistic(Decimal(6), "<")


# --- CALC-04 ------------------------------------------------------------------------------------

def test_CALC_04_daily_maximum_and_minimum_are_extreme_daily_values():
    values = daily_values([result("8", D(2026, 2, 2)), result("3", D(2026, 2, 3)), result("5", D(2026, 2, 4))],
                          DEFAULT)
    assert (maximum(values).value, minimum(values).value) == (Decimal(8), Decimal(3))


def test_CALC_04_minimum_with_a_non_detect_reports_less_than_its_rl():
    values = daily_values([result("8", D(2026, 2, 2)), result("2", D(2026, 2, 3), "<")], DEFAULT)
    assert minimum(values) == Statistic(Decimal(2), "<")
    values = daily_values([result("1", D(2026, 2, 2)), result("2", D(2026, 2, 3), "<")], DEFAULT)
    assert minimum(values) == Statistic(Decimal(1), "=")


# --- CALC-06 ------------------------------------------------------------------------------------

@pytest.mark.parametrize("overrides, results, reported, qualifier", [
    # zero -> 1, "<10" -> 10: (1 × 10 × 100 × 1000)^(1/4) = 10^1.5 = 31.62...
    ({}, [("0", "="), ("10", "<"), ("100", "="), ("1000", "=")], "31.6", "="),
    # Oregon-style half value: (1 × 5 × 100 × 1000)^(1/4) = 26.59...
    ({"calc": {"geomean": {"lt": "half_value"}}}, [("0", "="), ("10", "<"), ("100", "="), ("1000", "=")], "26.6", "="),
    # ">2000" is used as 2000 and the mean is reported ">": (1 × 10 × 100 × 2000)^(1/4) = 37.60...
    ({}, [("0", "="), ("10", "<"), ("100", "="), ("2000", ">")], "37.6", ">"),
    # zero substitute 2 instead of 1: (2 × 8)^(1/2) = 4
    ({"calc": {"geomean": {"zero": "2"}}}, [("0", "="), ("8", "=")], "4.00", "="),
    # all non-detects: "<" the highest RL (ND-03)
    ({}, [("2", "<"), ("10", "<")], "10.0", "<"),
])
def test_CALC_06_geometric_mean(overrides, results, reported, qualifier):
    rules = effective_rules(overrides)
    statistic = geometric_mean([result(v, D(2026, 2, 2 + i), q) for i, (v, q) in enumerate(results)], rules)
    assert format_reported(round_reported(statistic.value, None, rules)) == reported
    assert statistic.qualifier == qualifier


@given(st.lists(st.decimals(min_value=Decimal("0.1"), max_value=Decimal("100000"), places=1), min_size=1, max_size=15))
def test_CALC_06_geometric_mean_lies_between_minimum_and_arithmetic_mean(numbers):
    statistic = geometric_mean([result(str(n), D(2026, 2, 1)) for n in numbers], DEFAULT)
    tolerance = Decimal("1e-20") * max(numbers)
    assert min(numbers) - tolerance <= statistic.value <= sum(numbers) / len(numbers) + tolerance


# --- CALC-08 ------------------------------------------------------------------------------------

def test_CALC_08_flow_average_and_maximum_of_daily_flows():
    flows = [result("0.5", D(2026, 2, 2), unit="MGD"), result("1.5", D(2026, 2, 3), unit="MGD"),
             result("1.0", D(2026, 2, 4), unit="MGD"), result("0.9", D(2026, 2, 4), unit="MGD")]
    values = daily_values(flows, DEFAULT)       # Feb 4: two readings, daily flow 0.95
    assert format_reported(round_reported(average(values, DEFAULT).value, None, DEFAULT)) == "0.983"
    assert format_reported(round_reported(maximum(values).value, None, DEFAULT)) == "1.50"


def test_CALC_07_CALC_08_daily_flow_in_gpd_is_divided_by_a_million():
    by_day = daily_flows([result("650000", D(2026, 2, 4), unit="gpd"), result("0.5", D(2026, 2, 5), unit="MGD")])
    assert by_day[D(2026, 2, 4)].mgd == Decimal("0.65")
    assert by_day[D(2026, 2, 5)].mgd == Decimal("0.5")
    with pytest.raises(CalculationError):
        daily_flows([result("1", D(2026, 2, 4), unit="L/s")])


# --- CALC-09 ------------------------------------------------------------------------------------

@pytest.mark.parametrize("influent, effluent, reported, qualifier, violation", [
    (("200", "220"), ("20", "10"), "93", "=", False),     # (210 - 15) / 210 × 100 = 92.857...
    (("100",), ("20",), "80", "=", True),
    (("100",), ("15",), "85", "=", False),                # equal to the minimum is compliant
    (("100",), ("<5",), "95", ">", False),                # effluent "<": removal at least 95 %
])
def test_CALC_09_percent_removal_from_unrounded_monthly_averages(influent, effluent, reported, qualifier, violation):
    def averaged(values):
        ms = [result(v.lstrip("<"), D(2026, 2, 2 + i), "<" if v.startswith("<") else "=") for i, v in enumerate(values)]
        return average(daily_values(ms, DEFAULT), DEFAULT)
    statistic = percent_removal(averaged(influent), averaged(effluent))
    rounded = round_reported(statistic.value, "85", DEFAULT)
    assert format_reported(rounded) == reported
    assert statistic.qualifier == qualifier
    assert (rounded < Decimal(85)) is violation


def test_CALC_09_percent_removal_is_not_rounded_before_division():
    influent, effluent = Statistic(Decimal("210"), "="), Statistic(Decimal("15"), "=")
    assert percent_removal(influent, effluent).value == Decimal(195) / Decimal(210) * 100


def test_CALC_09_percent_removal_with_zero_influent_is_an_error():
    with pytest.raises(CalculationError):
        percent_removal(Statistic(Decimal(0), "="), Statistic(Decimal(1), "="))


# --- CALC-10 ------------------------------------------------------------------------------------

@pytest.mark.parametrize("code, unit", [("00400", "SU"), ("00400", None), ("99999", "SU"), ("99999", " su ")])
def test_CALC_10_averaging_ph_raises(code, unit):
    with pytest.raises(PhAveragingError, match="pH"):
        ensure_may_average(code, unit, "monthly_average")


def test_CALC_10_other_parameters_may_be_averaged():
    ensure_may_average("00530", "mg/L")


def test_CALC_10_ph_minimum_and_maximum_are_individual_readings():
    # Two readings on Feb 2 (6.2 and 8.8) average to 7.5, inside the range; the readings are not.
    readings = [result("6.2", D(2026, 2, 2), unit="SU"), result("8.8", D(2026, 2, 2), unit="SU"),
                result("7.4", D(2026, 2, 9), unit="SU")]
    values = instantaneous_values(readings, DEFAULT)
    assert (minimum(values).value, maximum(values).value) == (Decimal("6.2"), Decimal("8.8"))
