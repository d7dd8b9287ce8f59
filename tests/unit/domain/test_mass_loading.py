"""CALC-07: mass loading from concentration and same-day flow."""
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.daily_values import daily_values
from app.domain.mass_loading import daily_flows, daily_masses, mass_factor
from app.domain.measurements import CalculationError, Measurement
from app.domain.rules_config import effective_rules
from app.domain.statistics import average, maximum

D = date
DEFAULT = effective_rules()


def result(value, day, qualifier="=", unit="mg/L", flow=None, estimated=False):
    return Measurement(value=Decimal(value), sample_date=day, unit=unit, qualifier=qualifier,
                       flow=None if flow is None else Decimal(flow), estimated=estimated)


def flow(mgd, day, estimated=False):
    return result(mgd, day, unit="MGD", estimated=estimated)


# Three days whose concentration and flow move together, so the order of operations matters.
DAYS = [(D(2026, 2, 2), "20", "0.5"), (D(2026, 2, 3), "30", "1.5"), (D(2026, 2, 4), "10", "1.0")]


def _masses(rules=DEFAULT, mass_unit="lb/d", concentration_unit="mg/L", concentrations=None):
    concentrations = concentrations or [result(c, d, unit=concentration_unit) for d, c, _ in DAYS]
    flows = daily_flows([flow(q, d) for d, _, q in DAYS])
    return daily_masses(daily_values(concentrations, rules), flows, concentration_unit, mass_unit, rules)


def test_CALC_07_daily_mass_uses_same_day_flow():
    masses = _masses()
    # 20 × 0.5 × 8.34, 30 × 1.5 × 8.34, 10 × 1.0 × 8.34
    assert [m.value for m in masses.values] == [Decimal("83.400"), Decimal("375.300"), Decimal("83.400")]


def test_CALC_07_monthly_mass_is_mean_of_daily_masses():
    statistic = average(_masses().values, DEFAULT)
    assert statistic.value == Decimal("180.7")                    # (83.4 + 375.3 + 83.4) / 3
    mean_c_times_mean_q = Decimal(20) * Decimal("1.0") * Decimal("8.34")
    assert statistic.value != mean_c_times_mean_q                 # 166.8: the forbidden shortcut


def test_CALC_07_daily_maximum_mass_is_highest_daily_mass():
    assert maximum(_masses().values).value == Decimal("375.300")


@pytest.mark.parametrize("overrides, mass_unit, concentration_unit, expected_first_day", [
    ({}, "lb/d", "mg/L", "83.400"),
    ({"calc": {"mass_factor_lb": "8.345"}}, "lb/d", "mg/L", "83.4500"),
    ({}, "kg/d", "mg/L", "37.8500"),                               # 20 × 0.5 × 3.785
    ({}, "lb/d", "ug/L", "0.083400000"),                           # 20 ug/L = 0.020 mg/L
])
def test_CALC_07_mass_factor_and_units(overrides, mass_unit, concentration_unit, expected_first_day):
    rules = effective_rules(overrides)
    masses = _masses(rules, mass_unit, concentration_unit)
    assert masses.values[0].value == Decimal(expected_first_day)


def test_CALC_07_unknown_units_are_refused():
    with pytest.raises(CalculationError):
        mass_factor("mg/kg", "lb/d", DEFAULT)
    with pytest.raises(CalculationError):
        mass_factor("mg/L", "ton/d", DEFAULT)


@pytest.mark.parametrize("avg, first_day_mass", [("zero", "0"), ("rl", "20.850")])   # 5 × 0.5 × 8.34
def test_CALC_07_non_detect_mass_follows_the_concentration_rule(avg, first_day_mass):
    rules = effective_rules({"nd": {"avg_substitution": avg}})
    concentrations = [result("5", DAYS[0][0], "<")] + [result(c, d) for d, c, _ in DAYS[1:]]
    masses = _masses(rules, concentrations=concentrations)
    assert masses.values[0].value == Decimal(first_day_mass)
    assert masses.values[0].reporting_limit == Decimal("20.850")


def test_CALC_07_all_non_detect_mass_reports_less_than_highest_rl_mass():
    concentrations = [result("5", d, "<") for d, _, _ in DAYS]
    statistic = average(_masses(concentrations=concentrations).values, DEFAULT)
    assert (statistic.value, statistic.qualifier) == (Decimal("5") * Decimal("1.5") * Decimal("8.34"), "<")


def test_CALC_07_day_without_flow_has_no_mass_and_is_reported():
    concentrations = [result(c, d) for d, c, _ in DAYS] + [result("40", D(2026, 2, 5))]
    masses = _masses(concentrations=concentrations)
    assert masses.days_without_flow == [D(2026, 2, 5)]
    assert len(masses.values) == 3


def test_CALC_07_estimated_flow_days_are_reported():
    flows = daily_flows([flow("0.5", D(2026, 2, 2), estimated=True)])
    masses = daily_masses(daily_values([result("20", D(2026, 2, 2))], DEFAULT), flows, "mg/L", "lb/d", DEFAULT)
    assert masses.days_with_estimated_flow == [D(2026, 2, 2)]


def test_CALC_07_composite_period_flow_source_uses_the_sample_flow():
    rules = effective_rules({"calc": {"mass_flow_source": "composite_period_flow"}})
    concentrations = [result("20", D(2026, 2, 2), flow="0.8")]
    masses = daily_masses(daily_values(concentrations, rules), daily_flows([flow("0.5", D(2026, 2, 2))]),
                          "mg/L", "lb/d", rules)
    assert masses.values[0].value == Decimal("20") * Decimal("0.8") * Decimal("8.34")


_positive = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("500"), places=2)


@given(_positive, _positive, _positive, _positive)
def test_CALC_07_monthly_mass_differs_from_mean_c_times_mean_q_by_the_covariance(c1, c2, q1, q2):
    """mean(C·Q) − mean(C)·mean(Q) = (c1 − c2)(q1 − q2)/4 for two days: zero only when C or Q is constant."""
    concentrations = [result(str(c1), D(2026, 2, 2)), result(str(c2), D(2026, 2, 3))]
    flows = daily_flows([flow(str(q1), D(2026, 2, 2)), flow(str(q2), D(2026, 2, 3))])
    masses = daily_masses(daily_values(concentrations, DEFAULT), flows, "mg/L", "lb/d", DEFAULT)
    monthly = average(masses.values, DEFAULT).value
    shortcut = (c1 + c2) / 2 * (q1 + q2) / 2 * Decimal("8.34")
    assert monthly - shortcut == (c1 - c2) * (q1 - q2) / 4 * Decimal("8.34")
    if c1 != c2 and q1 != q2:
        assert monthly != shortcut
