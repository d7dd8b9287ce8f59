"""Worked DMR examples through compute_parameter_values: CALC-01 to CALC-12, ND-05, ND-07 and NODI."""
from datetime import date, timedelta
from decimal import Decimal

import pytest

from app.domain.dmr_columns import ColumnDefinition, ParameterDefinition
from app.domain.dmr_values import column_nodi, compute_parameter_values, dmr_measurement_window
from app.domain.measurements import Measurement
from app.domain.periods import parse_period
from app.domain.rules_config import effective_rules
from app.domain.statistics import PhAveragingError

D = date
FEBRUARY = parse_period("2026-02")
DEFAULT = effective_rules()


def result(value, day, qualifier="=", unit="mg/L", rl=None, late=False, estimated=False, sample_id=None):
    return Measurement(value=Decimal(value), sample_date=day, unit=unit, qualifier=qualifier,
                       rl=None if rl is None else Decimal(rl), holding_time_exceeded=late, estimated=estimated,
                       sample_id=sample_id)


def flows_for(period, special, default="0.60", estimated=()):
    days = [period.start + timedelta(days=i) for i in range(period.days)]
    return [result(special.get(d, default), d, unit="MGD", estimated=d in estimated) for d in days]


def column(slot, base, limit, unit="mg/L", **kwargs):
    return ColumnDefinition(slot=slot, statistical_base=base, limit=limit, unit=unit, **kwargs)


# --- A worked NPDES month: TSS, weekly 1/7 composites, concentration and mass limits ------------
# Feb 2026 is four whole Sunday weeks.          C (mg/L)   Q (MGD)   mass = C × Q × 8.34 (lb/d)
TSS_DAYS = {D(2026, 2, 3): ("18", "0.60"),     # 90.072
            D(2026, 2, 10): ("22", "0.55"),    # 100.914
            D(2026, 2, 17): ("52", "0.50"),    # 216.84  (above both daily maxima)
            D(2026, 2, 24): ("<4", "0.65")}    # ND: 0 with the default substitution
TSS_RESULTS = [result(c.lstrip("<"), d, "<" if c.startswith("<") else "=") for d, (c, _) in TSS_DAYS.items()]
TSS_FLOWS = flows_for(FEBRUARY, {d: q for d, (_, q) in TSS_DAYS.items()})


def tss(**limits):
    chosen = {"Q1": "120", "Q2": "200", "C1": "35", "C2": "25", "C3": "50", **limits}
    return ParameterDefinition(code="00530", frequency="1/7", sample_type="24-hour composite", columns=(
        column("Q1", "monthly_average", chosen["Q1"], "lb/d", derived="mass"),
        column("Q2", "daily_maximum", chosen["Q2"], "lb/d", derived="mass"),
        column("C1", "weekly_average", chosen["C1"]),
        column("C2", "monthly_average", chosen["C2"]),
        column("C3", "daily_maximum", chosen["C3"]),
    ))


def test_CALC_02_CALC_04_CALC_07_worked_npdes_month_with_mass_limits():
    values = compute_parameter_values(tss(), TSS_RESULTS, FEBRUARY, DEFAULT, flows=TSS_FLOWS)
    reported = {slot: (v.value, v.qualifier, v.violation) for slot, v in values.values.items()}
    assert reported == {
        "C2": ("23", "=", False),       # (18 + 22 + 52 + 0) / 4
        "C3": ("52", "=", True),
        "C1": ("52", "=", True),        # highest weekly average (one sample a week)
        "Q1": ("102", "=", False),      # (90.072 + 100.914 + 216.84 + 0) / 4 = 101.9565
        "Q2": ("217", "=", True),       # 216.84 to the 3 figures of "200"
    }
    assert values.violations == 3
    assert values.excursions == 2       # Feb 17 (conc and mass: once) + the week of Feb 15
    assert (values.frequency, values.samples, values.sample_type) == ("1/7", 4, "24-hour composite")
    assert values.flags == ()


def test_CALC_07_worked_month_mass_average_is_not_mean_concentration_times_mean_flow():
    values = compute_parameter_values(tss(), TSS_RESULTS, FEBRUARY, DEFAULT, flows=TSS_FLOWS)
    # 23 mg/L × 0.575 MGD × 8.34 = 110.29 would have been reported "110"
    assert values.values["Q1"].value == "102"


def test_CALC_07_ND_02_rl_substitution_carries_into_mass():
    rules = effective_rules({"nd": {"avg_substitution": "rl"}})
    values = compute_parameter_values(tss(), TSS_RESULTS, FEBRUARY, rules, flows=TSS_FLOWS)
    assert values.values["C2"].value == "24"          # (18 + 22 + 52 + 4) / 4
    assert values.values["Q1"].value == "107"         # + 4 × 0.65 × 8.34 = 21.684 -> 107.3775


@pytest.mark.parametrize("overrides, limits, excursions", [
    ({}, {}, 2),
    ({"excursions": {"count_unit": "per_column"}}, {}, 3),                # C3, Q2 and C1 separately
    ({"excursions": {"count_weekly_average": False}}, {}, 1),
    ({"excursions": {"count_unit": "per_column", "count_weekly_average": False}}, {}, 2),
    ({}, {"C2": "20"}, 2),                                                  # monthly average not counted...
    ({"excursions": {"count_monthly_average": True}}, {"C2": "20"}, 3),    # ...unless configured
])
def test_CALC_11_excursion_counting(overrides, limits, excursions):
    values = compute_parameter_values(tss(**limits), TSS_RESULTS, FEBRUARY, effective_rules(overrides),
                                      flows=TSS_FLOWS)
    assert values.excursions == excursions


def test_ND_07_compliance_is_judged_on_the_rounded_value():
    # 50.4 reports as "50" against a limit of "50": not an exceedance; 50.5 reports "51": an exceedance.
    for value, violation in (("50.4", False), ("50.5", True)):
        values = compute_parameter_values(tss(), [result(value, D(2026, 2, 3))], FEBRUARY, DEFAULT, flows=TSS_FLOWS)
        assert values.values["C3"].violation is violation


def test_CALC_07_day_without_flow_is_flagged_and_left_out_of_the_mass():
    flows = [f for f in TSS_FLOWS if f.sample_date != D(2026, 2, 10)]
    values = compute_parameter_values(tss(), TSS_RESULTS, FEBRUARY, DEFAULT, flows=flows)
    assert values.values["Q1"].value == "102"           # (90.072 + 216.84 + 0) / 3 = 102.304
    assert values.values["C2"].value == "23"            # concentration keeps every day
    assert {(f.code, f.slot) for f in values.flags} == {("FLOW_MISSING_FOR_MASS", "Q1"),
                                                        ("FLOW_MISSING_FOR_MASS", "Q2")}


def test_CALC_08_estimated_flow_and_holding_time_are_flagged():
    flows = flows_for(FEBRUARY, {d: q for d, (_, q) in TSS_DAYS.items()}, estimated={D(2026, 2, 17)})
    results = TSS_RESULTS[:3] + [result("4", D(2026, 2, 24), "<", late=True, sample_id="L-24")]
    values = compute_parameter_values(tss(), results, FEBRUARY, DEFAULT, flows=flows)
    codes = {f.code for f in values.flags}
    assert {"ESTIMATED_FLOW", "HOLDING_TIME_EXCEEDED", "MONITORING_FREQUENCY_NOT_MET"} <= codes
    assert values.frequency == "3/28"                    # the late result does not satisfy monitoring
    assert any("L-24" in f.reason for f in values.flags if f.code == "HOLDING_TIME_EXCEEDED")


def test_CALC_01_interim_column_covers_only_its_own_days():
    parameter = ParameterDefinition(code="00530", frequency="1/7", sample_type="24-hour composite", columns=(
        column("C3", "daily_maximum", "50", expires=D(2026, 2, 14)),))
    values = compute_parameter_values(parameter, TSS_RESULTS, FEBRUARY, DEFAULT)
    assert (values.values["C3"].value, values.values["C3"].violation) == ("22", False)


# --- CALC-03 weekly average across a month boundary ---------------------------------------------

APRIL = parse_period("2026-04")
APRIL_RESULTS = [result("40", D(2026, 3, 30)), result("50", D(2026, 4, 2)), result("20", D(2026, 4, 7)),
                 result("30", D(2026, 4, 9)), result("10", D(2026, 4, 14)), result("100", D(2026, 4, 28)),
                 result("999", D(2026, 3, 20))]      # outside the window: ignored


def test_CALC_03_weekly_average_uses_previous_month_days_and_is_flagged():
    parameter = ParameterDefinition(code="00530", frequency="1/30", sample_type="grab", columns=(
        column("C1", "weekly_average", "40"), column("C2", "monthly_average", "100")))
    values = compute_parameter_values(parameter, APRIL_RESULTS, APRIL, DEFAULT)
    assert (values.values["C1"].value, values.values["C1"].violation) == ("45", True)   # (40 + 50) / 2
    assert values.values["C2"].value == "42.0"           # April only: (50+20+30+10+100) / 5
    assert values.samples == 5
    assert values.excursions == 1
    (flag,) = [f for f in values.flags if f.code == "WEEK_USES_OTHER_PERIOD_SAMPLES"]
    assert flag.slot == "C1" and "2026-03-30" in flag.reason


def test_CALC_03_measurement_window_covers_the_straddling_week():
    assert dmr_measurement_window(APRIL, DEFAULT) == (D(2026, 3, 29), D(2026, 4, 30))


# --- CALC-05 / CALC-10 pH -----------------------------------------------------------------------

PH_READINGS = [result("6.2", D(2026, 2, 2), unit="SU"), result("8.8", D(2026, 2, 2), unit="SU"),
               result("7.4", D(2026, 2, 9), unit="SU"), result("9.0", D(2026, 2, 16), unit="SU"),
               result("7.1", D(2026, 2, 23), unit="SU")]


@pytest.mark.parametrize("minimum_base, maximum_base", [
    ("instantaneous_minimum", "instantaneous_maximum"),
    ("daily_minimum", "daily_maximum"),          # pH is still read by single values
])
def test_CALC_10_ph_minimum_and_maximum_and_one_excursion_per_reading(minimum_base, maximum_base):
    parameter = ParameterDefinition(code="00400", frequency="1/7", sample_type="grab", columns=(
        column("C1", minimum_base, "6.5", "SU"), column("C3", maximum_base, "8.5", "SU")))
    values = compute_parameter_values(parameter, PH_READINGS, FEBRUARY, DEFAULT)
    assert (values.values["C1"].value, values.values["C1"].violation) == ("6.2", True)
    assert (values.values["C3"].value, values.values["C3"].violation) == ("9.0", True)
    assert values.excursions == 3                 # 6.2 and 8.8 on Feb 2 are two readings, plus 9.0


def test_CALC_10_continuous_ph_allowance_is_flagged_not_silently_applied():
    parameter = ParameterDefinition(code="00400", frequency="1/7", sample_type="grab", columns=(
        column("C1", "instantaneous_minimum", "6.5", "SU"), column("C3", "instantaneous_maximum", "8.5", "SU")))
    rules = effective_rules({"ph": {"continuous_excursion_allowance": True}})
    values = compute_parameter_values(parameter, PH_READINGS, FEBRUARY, rules)
    assert "PH_CONTINUOUS_ALLOWANCE_NOT_APPLIED" in {f.code for f in values.flags}
    assert values.excursions == 3
    plain = compute_parameter_values(parameter, PH_READINGS, FEBRUARY, DEFAULT)
    assert "PH_CONTINUOUS_ALLOWANCE_NOT_APPLIED" not in {f.code for f in plain.flags}


@pytest.mark.parametrize("code, unit", [("00400", "SU"), ("00400", "pH units"), ("99999", "SU")])
def test_CALC_10_a_ph_average_column_raises(code, unit):
    parameter = ParameterDefinition(code=code, frequency="1/7", sample_type="grab", columns=(
        column("C2", "monthly_average", None, unit),))
    with pytest.raises(PhAveragingError):
        compute_parameter_values(parameter, [result("7.0", D(2026, 2, 2), unit=unit)], FEBRUARY, DEFAULT)


# --- CALC-06, CALC-09 columns -------------------------------------------------------------------

def test_CALC_06_geometric_mean_column_with_a_zero_and_a_less_than():
    parameter = ParameterDefinition(code="51040", frequency="1/7", sample_type="grab", columns=(
        column("C2", "geometric_mean", "126", "cfu/100mL"), column("C3", "daily_maximum", "410", "cfu/100mL")))
    results = [result("0", D(2026, 2, 3), unit="cfu/100mL"), result("10", D(2026, 2, 10), "<", unit="cfu/100mL"),
               result("100", D(2026, 2, 17), unit="cfu/100mL"), result("1000", D(2026, 2, 24), unit="cfu/100mL")]
    values = compute_parameter_values(parameter, results, FEBRUARY, DEFAULT)
    assert (values.values["C2"].value, values.values["C2"].qualifier, values.values["C2"].violation) == ("31.6", "=", False)
    assert (values.values["C3"].value, values.values["C3"].violation) == ("1000", True)
    assert values.excursions == 1


def test_ND_05_geometric_mean_non_detect_above_the_limit_is_flagged():
    parameter = ParameterDefinition(code="51040", frequency="1/30", sample_type="grab", columns=(
        column("C2", "geometric_mean", "126", "cfu/100mL"),))
    results = [result("200", D(2026, 2, 3), "<", unit="cfu/100mL"), result("20", D(2026, 2, 10), unit="cfu/100mL")]
    values = compute_parameter_values(parameter, results, FEBRUARY, DEFAULT)
    assert values.values["C2"].value == "63.2"          # sqrt(200 × 20)
    assert [f.code for f in values.flags] == ["RL_ABOVE_LIMIT"]


def test_CALC_09_percent_removal_column_is_a_minimum():
    parameter = ParameterDefinition(code="00310", frequency="1/7", sample_type="24-hour composite", columns=(
        column("C1", "percent_removal", "85", "%"), column("C2", "monthly_average", "30")))
    effluent = [result("20", D(2026, 2, 3)), result("10", D(2026, 2, 10))]
    for influent, reported, violation in (([("200", 3), ("220", 10)], "93", False), ([("60", 3), ("50", 10)], "73", True)):
        inf = [result(v, D(2026, 2, d)) for v, d in influent]
        values = compute_parameter_values(parameter, effluent, FEBRUARY, DEFAULT, influent=inf)
        assert (values.values["C1"].value, values.values["C1"].violation) == (reported, violation)
        assert values.values["C2"].value == "15"


def test_CALC_09_percent_removal_without_influent_is_flagged_not_invented():
    parameter = ParameterDefinition(code="00310", frequency="1/7", sample_type="24-hour composite", columns=(
        column("C1", "percent_removal", "85", "%"),))
    values = compute_parameter_values(parameter, [result("20", D(2026, 2, 3))], FEBRUARY, DEFAULT)
    assert values.values["C1"].value is None
    assert [f.code for f in values.flags if f.slot == "C1"] == ["CALCULATION_NOT_POSSIBLE"]


def test_CALC_08_flow_parameter_is_averaged_plainly_even_with_flow_weighting():
    parameter = ParameterDefinition(code="50050", frequency="CONT", sample_type="continuous", columns=(
        column("Q1", "monthly_average", None, "MGD"), column("Q2", "daily_maximum", None, "MGD")))
    flows = flows_for(FEBRUARY, {D(2026, 2, 10): "1.72"}, default="0.50")
    rules = effective_rules({"calc": {"average_method": "flow_weighted"}})
    values = compute_parameter_values(parameter, flows, FEBRUARY, rules, flows=flows)
    assert values.values["Q1"].value == "0.544"          # (27 × 0.50 + 1.72) / 28 = 0.54357
    assert values.values["Q2"].value == "1.72"
    assert values.frequency == "CONT"


# --- ND-05 and NODI -----------------------------------------------------------------------------

TRC = ParameterDefinition(code="50060", frequency="1/7", sample_type="grab", conditional=True, columns=(
    column("C3", "daily_maximum", "0.019"),))


def test_ND_05_rl_above_limit_is_flagged_never_a_violation():
    results = [result("0.05", D(2026, 2, 2 + 7 * i), "<") for i in range(4)]
    values = compute_parameter_values(TRC, results, FEBRUARY, DEFAULT)
    slot = values.values["C3"]
    assert (slot.value, slot.qualifier, slot.violation) == ("0.050", "<", False)
    assert [f.code for f in values.flags] == ["RL_ABOVE_LIMIT"]
    assert values.excursions == 0


def test_ND_05_rl_above_limit_is_flagged_even_when_a_detected_value_is_reported():
    results = [result("0.012", D(2026, 2, 2)), result("0.05", D(2026, 2, 9), "<")]
    values = compute_parameter_values(TRC, results, FEBRUARY, DEFAULT)
    assert values.values["C3"].value == "0.012"
    assert {"RL_ABOVE_LIMIT", "ND_RL_ABOVE_DETECTED_MAXIMUM"} <= {f.code for f in values.flags}


@pytest.mark.parametrize("no_discharge, conditional, has_results, nodi", [
    (True, False, True, "C"),
    (True, True, False, "C"),
    (False, True, False, "9"),
    (False, True, True, None),
    (False, False, False, None),
])
def test_NODI_01_NODI_02_column_nodi(no_discharge, conditional, has_results, nodi):
    assert column_nodi(no_discharge=no_discharge, conditional=conditional, has_results=has_results) == nodi


def test_NODI_02_conditional_parameter_not_triggered_reports_9():
    values = compute_parameter_values(TRC, [], FEBRUARY, DEFAULT)
    assert {(v.value, v.nodi) for v in values.values.values()} == {(None, "9")}
    assert values.flags == () and values.excursions == 0


def test_NODI_01_no_discharge_reports_C_for_every_slot():
    values = compute_parameter_values(tss(), TSS_RESULTS, FEBRUARY, DEFAULT, flows=TSS_FLOWS, no_discharge=True)
    assert {(v.value, v.qualifier, v.violation, v.nodi) for v in values.values.values()} == {(None, None, False, "C")}


def test_NODI_03_declared_nodi_replaces_the_values():
    values = compute_parameter_values(tss(), [], FEBRUARY, DEFAULT, declared_nodi="D")
    assert {v.nodi for v in values.values.values()} == {"D"}


def test_NODI_03_required_parameter_without_results_asks_for_a_nodi():
    values = compute_parameter_values(tss(), [], FEBRUARY, DEFAULT, flows=TSS_FLOWS)
    assert all(v.value is None and v.nodi is None for v in values.values.values())
    assert {"NODI_REQUIRED", "MONITORING_FREQUENCY_NOT_MET"} <= {f.code for f in values.flags}
    assert values.frequency == "0/28"


@pytest.mark.parametrize("allow_b, value, qualifier, nodi", [(False, "2.0", "<", None), (True, None, None, "B")])
def test_NODI_04_below_detection_uses_B_only_when_allowed(allow_b, value, qualifier, nodi):
    lead = ParameterDefinition(code="01051", frequency="1/7", sample_type="24-hour composite", columns=(
        column("C2", "monthly_average", "5.2", "ug/L"),))
    results = [result("2.0", D(2026, 2, 2 + 7 * i), "<", unit="ug/L") for i in range(4)]
    values = compute_parameter_values(lead, results, FEBRUARY, effective_rules({"nodi": {"allow_B": allow_b}}))
    slot = values.values["C2"]
    assert (slot.value, slot.qualifier, slot.nodi) == (value, qualifier, nodi)


def test_CONTRACTS_5_values_object_shape():
    values = compute_parameter_values(tss(), TSS_RESULTS, FEBRUARY, DEFAULT, flows=TSS_FLOWS).as_dict()
    assert set(values) == {"values", "excursions", "frequency", "sample_type", "samples", "flags"}
    assert values["values"]["C2"] == {"statistical_base": "monthly_average", "value": "23", "qualifier": "=",
                                      "unit": "mg/L", "limit": "25", "violation": False, "nodi": None}


def test_CONTRACTS_3_column_definitions_are_validated():
    with pytest.raises(ValueError):
        column("C4", "monthly_average", "30")
    with pytest.raises(ValueError):
        column("C2", "monthly_mean", "30")
    with pytest.raises(ValueError):
        ParameterDefinition(code="00530", frequency="1/7", sample_type="grab",
                            columns=(column("C2", "monthly_average", "30"), column("C2", "daily_maximum", "60")))


def test_calc02_a_semiannual_report_reports_the_highest_calendar_month_average():
    """CALC-02 over an SMR: January averages 1.0, February 3.0 -> 3.0 (not the six-month mean 2.0)."""
    from decimal import Decimal as D
    from datetime import date

    from app.domain.dmr_columns import ColumnDefinition, ParameterDefinition
    from app.domain.dmr_values import compute_parameter_values
    from app.domain.measurements import Measurement
    from app.domain.periods import parse_period
    from app.domain.rules_config import effective_rules

    parameter = ParameterDefinition("01042", "1/30", "grab",
                                    (ColumnDefinition("C2", "monthly_average", "2.5", "mg/L"),))
    results = [Measurement(D(v), d, "mg/L") for v, d in (("1.0", date(2026, 1, 6)), ("3.0", date(2026, 2, 3)))]
    values = compute_parameter_values(parameter, results, parse_period("2026-H1"), effective_rules())
    assert (values.values["C2"].value, values.values["C2"].violation) == ("3.0", True)
