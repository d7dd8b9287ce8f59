"""Pre-submission review flags (CALC-01/02/03/06, ND-07, NODI-01 to NODI-05) from hand-made months."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from app.domain.dmr_columns import ColumnDefinition, ParameterDefinition
from app.domain.dmr_values import compute_parameter_values
from app.domain.measurements import Measurement
from app.domain.parameter_codes import parameter_descriptions
from app.domain.periods import parse_period
from app.domain.presubmission_checks import BACTERIA_PARAMETERS, presubmission_flags
from app.domain.rules_config import effective_rules

MARCH = parse_period("2026-03")


def col(slot, base, limit, unit="mg/L", **kwargs):
    return ColumnDefinition(slot=slot, statistical_base=base, limit=limit, unit=unit, **kwargs)


def result(value, day, qualifier="=", unit="mg/L", sample_id=None):
    return Measurement(value=Decimal(value), sample_date=date(2026, 3, day), unit=unit, qualifier=qualifier,
                       sample_id=sample_id)


def parse(spec: str, unit="mg/L") -> list[Measurement]:
    """"3:0.30 10:<0.10 17:1.4" -> results on those March days; a day may repeat (several samples)."""
    found = []
    for item in spec.split():
        day, value = item.split(":")
        found.append(result(value.lstrip("<"), int(day), "<" if value.startswith("<") else "=", unit))
    return found


def flags_of(code, columns, results, *, rules=None, flows=(), nodi=None, whole_outfall=False, conditional=False,
             frequency="1/30"):
    parameter = ParameterDefinition(code, frequency, "grab", tuple(columns), conditional)
    rules = effective_rules(rules or {})
    values = compute_parameter_values(parameter, results, MARCH, rules, flows=flows,
                                      no_discharge=nodi == "C" and whole_outfall,
                                      declared_nodi=None if (nodi == "C" and whole_outfall) else nodi)
    return presubmission_flags(parameter, values, results, MARCH, rules, flows=flows, nodi=nodi,
                               whole_outfall=whole_outfall)


def codes(flags, code=None):
    return [(f.code, f.slot) for f in flags if code is None or f.code == code]


# ---- CALC-06: bacteria are averaged geometrically, others arithmetically -----------------------------------

@pytest.mark.parametrize("code, base, expected", [
    pytest.param("51040", "monthly_average", "BACTERIA_ARITHMETIC_AVERAGE", id="CALC_06_e_coli_monthly_average"),
    pytest.param("31641", "weekly_average", "BACTERIA_ARITHMETIC_AVERAGE", id="CALC_06_fecal_coliform_weekly"),
    pytest.param("61211", "monthly_average", "BACTERIA_ARITHMETIC_AVERAGE", id="CALC_06_enterococci_monthly"),
    pytest.param("74056", "monthly_average", "BACTERIA_ARITHMETIC_AVERAGE", id="CALC_06_total_coliform_monthly"),
    pytest.param("51040", "geometric_mean", None, id="CALC_06_e_coli_geometric_mean_is_as_meant"),
    pytest.param("51040", "daily_maximum", None, id="CALC_06_e_coli_maximum_is_no_average"),
    pytest.param("51617", "monthly_average", None, id="CALC_06_percent_of_samples_is_no_density"),
    pytest.param("00530", "geometric_mean", "GEOMETRIC_MEAN_NOT_BACTERIA", id="CALC_06_tss_geometric_mean"),
    pytest.param("00530", "monthly_average", None, id="CALC_06_tss_arithmetic_average_is_as_meant"),
])
def test_CALC_06_averaging_base_against_the_parameter(code, base, expected):
    flags = flags_of(code, [col("C2", base, None, "cfu/100mL")],
                     parse("3:120 10:150 17:110", unit="cfu/100mL"))
    found = [f for f in flags if f.code in ("BACTERIA_ARITHMETIC_AVERAGE", "GEOMETRIC_MEAN_NOT_BACTERIA")]
    assert [(f.code, f.parameter, f.slot) for f in found] == ([(expected, code, "C2")] if expected else [])
    assert all("CALC-06" in f.reason and "confirm" in f.reason for f in found)


def test_CALC_06_no_flag_when_a_nodi_replaces_the_average():
    flags = flags_of("51040", [col("C2", "monthly_average", "126", "cfu/100mL")], [], nodi="C",
                     whole_outfall=True)
    assert codes(flags) == []


def test_CALC_06_bacteria_codes_are_epa_codes_with_bacteria_descriptions():
    epa = parameter_descriptions()
    assert all(epa[code] == description for code, description in BACTERIA_PARAMETERS.items())
    # Every density of the four groups in EPA's list is there; percentages, ratios and streptococci are not.
    named = re.compile(r"e\. coli|coliform|enterococci", re.IGNORECASE)
    left_out = re.compile(r"%|ratio|strep", re.IGNORECASE)
    expected = {c for c, d in epa.items() if named.search(d) and not left_out.search(d)}
    assert set(BACTERIA_PARAMETERS) == expected


# ---- ND-07: figures beyond the lab's precision, and beyond the limit's -------------------------------------

@pytest.mark.parametrize("base, limit, spec, rules, flagged", [
    pytest.param("monthly_average", "0.50", "3:0.30 10:<0.10 17:1.4", {}, False,
                 id="ND_07_average_keeps_the_figures_of_its_sum"),  # 0.30 + 1.4 = 1.7 -> 0.57 (2 figures)
    pytest.param("monthly_average", "30", "3:22 10:8 17:12", {}, False,
                 id="ND_07_whole_milligram_results_support_a_whole_milligram_average"),  # 14
    pytest.param("monthly_average", "0.50", "3:0.30 10:2", {}, True,
                 id="ND_07_average_finer_than_its_coarsest_result"),  # 2.30 kept to units: 1 figure; 1.2
    pytest.param("monthly_average", None, "3:22 10:32", {}, True,
                 id="ND_07_report_only_three_figures_pad_two_figure_results"),  # 27.0
    pytest.param("daily_maximum", "1.0", "3:0.5 10:2", {}, True, id="ND_07_maximum_padded_to_the_limit"),  # 2.0
    pytest.param("daily_maximum", "1.0", "3:0.5 10:2.0", {}, False, id="ND_07_maximum_as_precise_as_the_lab"),
    pytest.param("daily_maximum", "1.0", "3:2 10:0.55", {}, True,
                 id="ND_07_maximum_judged_by_the_result_behind_it_only"),
    pytest.param("daily_maximum", "0.50", "3:<0.1 10:<0.1", {}, True, id="ND_07_rl_padded_to_the_limit"),  # <0.10
    pytest.param("daily_maximum", "0.50", "3:<0.10 10:<0.10", {}, False, id="ND_07_rl_as_the_lab_wrote_it"),
    pytest.param("monthly_average", "0.50", "3:0.42 3:0.5 10:0.41", {}, True,
                 id="ND_07_daily_mean_of_several_samples_keeps_their_coarsest_place"),
    pytest.param("monthly_average", "30", "3:22 10:8", {"rounding": {"mode": "none"}}, False,
                 id="ND_07_rounding_none_exact_mean"),  # 15 is what 22 and 8 support
    pytest.param("monthly_average", "30", "3:22 10:9", {"rounding": {"mode": "none"}}, True,
                 id="ND_07_rounding_none_keeps_every_digit"),  # 15.5
])
def test_ND_07_figures_beyond_the_lab_precision(base, limit, spec, rules, flagged):
    flags = flags_of("01042", [col("C2", base, limit, "mg/L")], parse(spec), rules=rules)
    found = [f for f in flags if f.code == "FIGURES_BEYOND_LAB_PRECISION"]
    assert [(f.parameter, f.slot) for f in found] == ([("01042", "C2")] if flagged else [])
    assert all("ND-07" in f.reason and "confirm" in f.reason for f in found)


@pytest.mark.parametrize("flow, flagged", [
    pytest.param("0.15", False, id="ND_07_mass_two_figure_flow"),   # 22 x 0.15 x 8.34 = 27.522 -> 28
    pytest.param("0.2", True, id="ND_07_mass_limited_by_a_one_figure_flow"),  # 36.696 -> 37
])
def test_ND_07_a_mass_keeps_the_fewer_figures_of_concentration_and_flow(flow, flagged):
    mass = col("Q1", "daily_maximum", "50", "lb/d", derived="mass")
    flags = flags_of("00530", [mass, col("C3", "daily_maximum", "60")], parse("3:22"),
                     flows=[result(flow, 3, unit="MGD")])
    assert codes(flags, "FIGURES_BEYOND_LAB_PRECISION") == ([("FIGURES_BEYOND_LAB_PRECISION", "Q1")] if flagged
                                                            else [])


@pytest.mark.parametrize("spec, flagged", [
    pytest.param("3:120 10:150 17:110", False, id="ND_07_geometric_mean_three_figure_counts"),
    pytest.param("3:12 10:150 17:1100", True, id="ND_07_geometric_mean_limited_by_a_two_figure_count"),
])
def test_ND_07_a_geometric_mean_keeps_the_fewest_figures_of_its_results(spec, flagged):
    flags = flags_of("51040", [col("C2", "geometric_mean", "126", "cfu/100mL")],
                     parse(spec, unit="cfu/100mL"))
    assert bool(codes(flags, "FIGURES_BEYOND_LAB_PRECISION")) is flagged


@pytest.mark.parametrize("mode, limit, spec, flagged", [
    pytest.param("decimals_of_limit", "30", "3:123.4", True, id="ND_07_decimals_keep_more_figures_than_the_limit"),
    pytest.param("decimals_of_limit", "0.5", "3:0.44", False, id="ND_07_decimals_as_many_figures_as_the_limit"),
    pytest.param("none", "30", "3:27.3", True, id="ND_07_unrounded_value_against_a_two_figure_limit"),
    pytest.param("sigfigs_of_limit", "30", "3:123.4", False, id="ND_07_sigfigs_of_limit_cannot_exceed_it"),
    pytest.param("decimals_of_limit", None, "3:123.4", False, id="ND_07_report_only_has_no_limit_figures"),
])
def test_ND_07_figures_beyond_the_limit_when_not_rounded_to_its_figures(mode, limit, spec, flagged):
    flags = flags_of("01042", [col("C3", "daily_maximum", limit)], parse(spec),
                     rules={"rounding": {"mode": mode}})
    found = [f for f in flags if f.code == "FIGURES_BEYOND_LIMIT"]
    assert [f.slot for f in found] == (["C3"] if flagged else [])
    assert all("ND-07" in f.reason and mode in f.reason for f in found)


# ---- NODI-01 to NODI-05: declared codes that leave a value unreported ----------------------------------------

FLOW = [col("Q1", "monthly_average", None, "MGD")]
COPPER = [col("C2", "monthly_average", "0.50"), col("C3", "daily_maximum", "1.0")]


@pytest.mark.parametrize("code, columns, spec, flows, nodi, whole, conditional, expected", [
    pytest.param("01042", COPPER, "", "", "9", False, False, ["NODI_9_NOT_CONDITIONAL"],
                 id="NODI_02_9_on_a_required_parameter"),
    pytest.param("01042", COPPER, "", "", "9", False, True, [], id="NODI_02_9_on_a_conditional_parameter"),
    pytest.param("01042", COPPER, "3:0.30", "", "D", False, False, ["NODI_WITH_RESULTS"],
                 id="NODI_03_lost_sample_declared_over_a_result"),
    pytest.param("01042", COPPER, "", "", "D", False, False, [], id="NODI_03_lost_sample_left_to_nodi_flag"),
    pytest.param("50050", FLOW, "3:0 4:0", "", "C", True, False, [], id="NODI_01_zero_flow_agrees_with_c"),
    pytest.param("50050", FLOW, "3:0 4:0.12", "", "C", True, False, ["NODI_WITH_RESULTS"],
                 id="NODI_01_flow_contradicts_c_for_the_outfall"),
    pytest.param("01042", COPPER, "", "3:0.12", "C", False, False, ["NODI_C_WITH_FLOW"],
                 id="NODI_01_c_on_a_parameter_with_flow"),
    pytest.param("01042", COPPER, "", "3:0.12", "C", True, False, [],
                 id="NODI_01_outfall_c_with_flow_is_the_flow_parameter_s_flag"),
])
def test_NODI_declared_codes_that_leave_values_unreported(code, columns, spec, flows, nodi, whole, conditional,
                                                          expected):
    unit = "MGD" if code == "50050" else "mg/L"
    flags = flags_of(code, columns, parse(spec, unit=unit), flows=parse(flows, unit="MGD"), nodi=nodi,
                     whole_outfall=whole, conditional=conditional)
    assert [f.code for f in flags] == expected
    assert all(re.search(r"NODI-0[1-3]", f.reason) and f.parameter == code and f.slot is None for f in flags)


@pytest.mark.parametrize("columns, spec, flows, expected", [
    pytest.param([col("Q2", "daily_maximum", "90", "lb/d", derived="mass")], "3:22", "",
                 [("SLOT_WITHOUT_VALUE_OR_NODI", "Q2")], id="NODI_05_mass_without_any_flow"),
    pytest.param([col("Q2", "daily_maximum", "90", "lb/d", derived="mass")], "3:22", "3:0.15", [],
                 id="NODI_05_mass_with_its_flow"),
    pytest.param([col("C3", "daily_maximum", "1.0", effective=date(2027, 1, 1))], "3:22", "", [],
                 id="NODI_05_column_not_yet_in_force"),
    pytest.param([col("C3", "daily_maximum", "1.0")], "", "", [],
                 id="NODI_05_no_results_is_nodi_required"),
])
def test_NODI_05_a_field_without_value_or_nodi(columns, spec, flows, expected):
    flags = flags_of("00530", columns, parse(spec), flows=parse(flows, unit="MGD"))
    assert codes(flags, "SLOT_WITHOUT_VALUE_OR_NODI") == expected
    assert all("NODI-05" in f.reason for f in flags if f.code == "SLOT_WITHOUT_VALUE_OR_NODI")


# ---- CALC-01 with CALC-02/03: averages of daily values that are several samples -----------------------------

@pytest.mark.parametrize("base, spec, rules, reason", [
    pytest.param("monthly_average", "3:0.30 3:0.50 10:0.40 17:0.45", {},
                 "monthly average of 3 daily values, 1 of them the average of several samples (2026-03-03: 2 "
                 "samples)", id="CALC_01_CALC_02_monthly_average_of_a_daily_average"),
    pytest.param("weekly_average", "3:0.30 3:0.50 3:0.40 10:0.40", {},
                 "weekly averages of 2 daily values, 1 of them the average of several samples (2026-03-03: 3 "
                 "samples)", id="CALC_01_CALC_03_weekly_average_of_a_daily_average"),
    pytest.param("monthly_average", "3:0.30 3:0.50 10:0.40",
                 {"calc": {"daily_value_from_multiple_samples": "max_of_samples"}},
                 "monthly average of 2 daily values, 1 of them the highest of several samples",
                 id="CALC_01_max_of_samples_daily_value"),
    pytest.param("monthly_average", "3:0.30 10:0.50 17:0.40", {}, None, id="CALC_01_one_sample_a_day"),
    pytest.param("daily_maximum", "3:0.30 3:0.50 10:0.40", {}, None, id="CALC_04_a_maximum_is_no_average"),
])
def test_CALC_01_average_of_daily_values_that_are_several_samples(base, spec, rules, reason):
    flags = flags_of("01042", [col("C2", base, "1.0")], parse(spec), rules=rules)
    found = [f for f in flags if f.code == "AVERAGE_OF_DAILY_AVERAGES"]
    if reason is None:
        assert found == []
        return
    assert [(f.parameter, f.slot) for f in found] == [("01042", "C2")]
    assert found[0].reason.startswith(reason) and "CALC-01" in found[0].reason and "confirm" in found[0].reason
