"""A DMR build computes each parameter once: the values' own calculation gives the derivations and checks.

calculate_parameter + derivations_of must give exactly what compute_parameter_values and
derive_parameter give when each is run on its own (RULES.md CALC-01..CALC-11, ND-02, ND-05, ND-07),
and presubmission_flags must say the same with the handed-on derivations as without them.
"""
from datetime import date, timedelta
from decimal import Decimal

import pytest

from app.domain.dmr_columns import ColumnDefinition, ParameterDefinition
from app.domain.dmr_derivation import derivations_of, derive_parameter
from app.domain.dmr_values import calculate_parameter, compute_parameter_values
from app.domain.measurements import Measurement, SharedMeasurements
from app.domain.presubmission_checks import presubmission_flags
from app.domain.rules_config import effective_rules
from tests.unit.domain.test_worked_month_npdes import FLOWS, NPDES_RULES, OCTOBER, TSS, TSS_RESULTS

D = date


def result(value, day, qualifier="=", unit="mg/L"):
    """"<2" is a non-detect at its reporting limit 2 (CONTRACTS.md section 4)."""
    if value.startswith("<"):
        value, qualifier = value[1:], "<"
    return Measurement(value=Decimal(value), sample_date=day, unit=unit, qualifier=qualifier)


def column(slot, base, limit, unit="mg/L", **kwargs):
    return ColumnDefinition(slot=slot, statistical_base=base, limit=limit, unit=unit, **kwargs)


OCTOBER_DAYS = [D(2026, 10, 1) + timedelta(days=i) for i in range(31)]
PH = ParameterDefinition("00400", "1/1", "grab", (column("C1", "instantaneous_minimum", "6.0", "SU"),
                                                  column("C3", "instantaneous_maximum", "9.0", "SU")))
PH_READINGS = [result(v, day, unit="SU") for day in OCTOBER_DAYS[:10] for v in ("7.1", "9.4", "5.8")]
BOD_REMOVAL = ParameterDefinition("00310", "1/7", "24-hour composite", (
    column("C2", "monthly_average", "30"), column("C3", "percent_removal", "85", "%")))
BOD_EFFLUENT = [result(v, OCTOBER_DAYS[i]) for i, v in ((1, "12"), (8, "<2"), (15, "40"), (22, "18"))]
BOD_INFLUENT = [result(v, OCTOBER_DAYS[i]) for i, v in ((1, "180"), (8, "150"), (15, "210"), (22, "160"))]
ECOLI = ParameterDefinition("51040", "1/7", "grab", (column("C2", "geometric_mean", "126", "cfu/100mL"),
                                                     column("C3", "daily_maximum", "410", "cfu/100mL")))
ECOLI_RESULTS = [result(v, OCTOBER_DAYS[i], q, "cfu/100mL")
                 for i, v, q in ((2, "20", "="), (9, "<1", "<"), (16, "500", "="), (23, "0", "="))]
COPPER = ParameterDefinition("01042", "2/7", "24-hour composite", (
    column("Q1", "monthly_average", "1.0", "lb/d", derived="mass"), column("C2", "monthly_average", "0.050"),
    column("C3", "daily_maximum", "0.10")))
# Two units in one window: the mass columns cannot be computed (a CalculationError kept as the slot's outcome).
COPPER_MIXED = [result("0.031", OCTOBER_DAYS[3]), result("45", OCTOBER_DAYS[10], unit="ug/L"),
                result("<0.005", OCTOBER_DAYS[17], "<"), result("0.1234", OCTOBER_DAYS[24])]
# A flow in a unit the table does not know gives no daily flow for a mass: a problem of the flow, not the result.
BAD_FLOWS = [result("300", day, unit="furlongs") for day in OCTOBER_DAYS]

CASES = {
    "CALC-01/02/03/04/07 TSS with mass and a straddling week": (TSS, TSS_RESULTS, FLOWS, ()),
    "CALC-05/10/11 pH readings": (PH, PH_READINGS, (), ()),
    "CALC-09 percent removal": (BOD_REMOVAL, BOD_EFFLUENT, (), BOD_INFLUENT),
    "CALC-06 geometric mean with a zero and a less-than": (ECOLI, ECOLI_RESULTS, (), ()),
    "ND-02/ND-07 mixed units, no mass possible": (COPPER, COPPER_MIXED, FLOWS, ()),
    "CALC-07 a flow of an unknown unit": (COPPER, COPPER_MIXED[:1] + COPPER_MIXED[2:], BAD_FLOWS, ()),
    "NODI-02 no results": (COPPER, [], FLOWS, ()),
}
RULE_SETS = {"federal": NPDES_RULES,
             "half_rl, unrounded comparison": effective_rules({"nd": {"avg_substitution": "half_rl"},
                                                               "rounding": {"compare_after_rounding": False}})}


@pytest.mark.parametrize("rules", RULE_SETS.values(), ids=RULE_SETS.keys())
@pytest.mark.parametrize("parameter, results, flows, influent", CASES.values(), ids=CASES.keys())
def test_the_values_calculation_handed_on_equals_computing_each_alone(parameter, results, flows, influent, rules):
    values, calc = calculate_parameter(parameter, results, OCTOBER, rules, flows=flows, influent=influent)
    assert values == compute_parameter_values(parameter, results, OCTOBER, rules, flows=flows, influent=influent)
    alone = derive_parameter(parameter, results, OCTOBER, rules, flows=flows, influent=influent)
    handed_on = derivations_of(calc)
    assert handed_on == alone
    assert presubmission_flags(parameter, values, results, OCTOBER, rules, flows=flows, influent=influent,
                               derivations=handed_on) == presubmission_flags(
        parameter, values, results, OCTOBER, rules, flows=flows, influent=influent)


def test_the_cases_reach_the_paths_they_name():
    """A guard on the table above: it really holds computed values, kept errors and a flagged figure."""
    _, calc = calculate_parameter(COPPER, COPPER_MIXED, OCTOBER, NPDES_RULES, flows=FLOWS)
    assert isinstance(calc.outcomes["Q1"], ValueError) and not isinstance(calc.outcomes["C3"], ValueError)
    tss_values, tss_calc = calculate_parameter(TSS, TSS_RESULTS, OCTOBER, NPDES_RULES, flows=FLOWS)
    assert tss_values.values["C3"].value == "62" and tss_values.violations
    assert derivations_of(tss_calc)["Q1"].flows  # the mass column shows the flows it used
    assert calculate_parameter(COPPER, [], OCTOBER, NPDES_RULES, declared_nodi="D")[1] is None


def test_a_nodi_hands_on_no_calculation_and_the_checks_derive_nothing():
    """NODI-03: a declared code replaces the values; there is no working to hand on."""
    values, calc = calculate_parameter(TSS, TSS_RESULTS, OCTOBER, NPDES_RULES, flows=FLOWS, declared_nodi="D")
    assert calc is None and all(v.nodi == "D" for v in values.values.values())


@pytest.mark.parametrize("flows", [FLOWS, BAD_FLOWS], ids=["MGD flows", "flows of an unknown unit"])
def test_calc07_an_outfalls_shared_flows_give_every_parameter_what_its_own_list_would(flows):
    """CALC-07/08: the daily flows worked out once from SharedMeasurements equal those of a plain list."""
    shared = SharedMeasurements(flows)
    for parameter, results in ((TSS, TSS_RESULTS), (COPPER, COPPER_MIXED[:1] + COPPER_MIXED[2:])):
        alone, _ = calculate_parameter(parameter, results, OCTOBER, NPDES_RULES, flows=list(flows))
        with_shared, calc = calculate_parameter(parameter, results, OCTOBER, NPDES_RULES, flows=shared)
        assert with_shared == alone
        assert derivations_of(calc) == derive_parameter(parameter, results, OCTOBER, NPDES_RULES, flows=list(flows))
    kept = shared.__dict__.get("_derived", {})
    # Kept once worked out; a unit the table does not know raises each time instead (CALCULATION_NOT_POSSIBLE).
    assert ("daily_flows" in kept) is (flows is FLOWS)


def test_shared_measurements_keep_a_derived_value_and_not_a_failure():
    calls = []

    def count(measurements):
        calls.append(len(measurements))
        return len(measurements)

    shared = SharedMeasurements(FLOWS[:3])
    assert shared.derived("n", count) == shared.derived("n", count) == 3 and calls == [3]

    def fail(_):
        calls.append("fail")
        raise ValueError("no")

    for _ in range(2):
        with pytest.raises(ValueError):
            shared.derived("bad", fail)
    assert calls == [3, "fail", "fail"]
