"""A slot's derivation names the RULES.md rules it applied and shows the values behind the reported number."""
from datetime import date
from decimal import Decimal

import pytest

from app.domain.dmr_columns import ColumnDefinition, ParameterDefinition
from app.domain.dmr_derivation import as_reported, derive_parameter, display_decimal, rounding_rule
from app.domain.measurements import Measurement
from app.domain.periods import parse_period
from app.domain.rules_config import effective_rules

DEFAULT = effective_rules()


def result(value, day, qualifier="=", unit="mg/L", sample_id=None):
    return Measurement(value=Decimal(value), sample_date=day, unit=unit, qualifier=qualifier, sample_id=sample_id)


@pytest.mark.parametrize("limit, overrides, expected", [
    ("30", {}, "ND-07 2 significant figure(s), as the limit 30 is written (sigfigs_of_limit); ties round half up; "
               "compliance judged on the rounded value"),
    ("100", {}, "ND-07 3 significant figure(s), as the limit 100 is written"),
    ("0.019", {"mode": "decimals_of_limit"}, "ND-07 3 decimal place(s), as the limit 0.019 is written"),
    (None, {}, "ND-07 3 significant figures, the report-only default"),
    ("30", {"mode": "none"}, "ND-07 reported at full precision (rounding.mode none)"),
    ("30", {"tie_break": "half_even", "compare_after_rounding": False},
     "ties round half even; compliance judged on the unrounded value"),
])
def test_the_rounding_rule_is_stated_as_configured(limit, overrides, expected):
    assert expected in rounding_rule(limit, effective_rules({"rounding": overrides}))


def test_a_monthly_average_shows_its_daily_values_and_rule_ids():
    """CALC-01/02, ND-02: 0.30 and 0.10 on the 3rd average to 0.20; with <0.10 as 0 the month is 0.4 / 3."""
    march = parse_period("2026-03")
    copper = ParameterDefinition("01042", "1/7", "24-hour composite", (
        ColumnDefinition("C2", "monthly_average", "0.50", "mg/L"),
        ColumnDefinition("C3", "daily_maximum", "1.0", "mg/L")))
    measurements = [result("0.30", date(2026, 3, 3), sample_id="A"), result("0.10", date(2026, 3, 3), sample_id="B"),
                    result("0.10", date(2026, 3, 10), "<", sample_id="C"),
                    result("0.20", date(2026, 3, 17), sample_id="D")]
    derived = derive_parameter(copper, measurements, march, DEFAULT)
    average = derived["C2"]
    assert [line.split()[0] for line in average.rules] == ["CALC-02", "CALC-01", "ND-02", "ND-07"]
    assert average.unrounded == "0.1333333333…"
    assert [(v.day, display_decimal(v.value), as_reported(v)) for v in average.values] == [
        (date(2026, 3, 3), "0.20", "0.20"), (date(2026, 3, 10), "0", "<0.10"), (date(2026, 3, 17), "0.20", "0.20")]
    assert [m.sample_id for m in average.values[0].measurements] == ["A", "B"]
    assert derived["C3"].rules[0].startswith("CALC-04 daily maximum") and derived["C3"].unrounded == "0.20"


def test_a_weekly_average_shows_the_straddling_weeks_days_and_ph_is_never_averaged():
    """CALC-03: the week Sun 29 Mar - Sat 4 Apr belongs to April (its Saturday's month); CALC-10: pH maxima are
    single readings, whatever the permit calls the column."""
    april = parse_period("2026-04")
    tss = ParameterDefinition("00530", "1/7", "grab", (ColumnDefinition("C1", "weekly_average", "45", "mg/L"),))
    derived = derive_parameter(tss, [result("40", date(2026, 3, 30)), result("60", date(2026, 4, 2))], april, DEFAULT)
    assert [v.day for v in derived["C1"].values] == [date(2026, 3, 30), date(2026, 4, 2)]
    assert derived["C1"].unrounded == "50" and "CALC-03 weeks start on sunday" in " ".join(derived["C1"].rules)
    ph = ParameterDefinition("00400", "1/1", "grab", (ColumnDefinition("C3", "daily_maximum", "9.0", "SU"),))
    readings = [result("7.0", date(2026, 4, 1), unit="SU"), result("9.4", date(2026, 4, 1), unit="SU")]
    derived = derive_parameter(ph, readings, april, DEFAULT)["C3"]
    assert derived.base == "instantaneous_maximum" and any(line.startswith("CALC-10") for line in derived.rules)
    assert [display_decimal(v.value) for v in derived.values] == ["7.0", "9.4"]


def test_a_value_that_cannot_be_computed_says_why():
    removal = ParameterDefinition("00310", "1/7", "composite", (ColumnDefinition("C1", "percent_removal", "85", "%"),))
    derived = derive_parameter(removal, [result("10", date(2026, 3, 3))], parse_period("2026-03"), DEFAULT)["C1"]
    assert derived.rules[0].startswith("CALC-09") and "needs influent and effluent" in derived.problem
