"""An NPDES month worked by hand: October 2026, federal_npdes (RULES.md 2, 3, 5).

Every expected number is derived in the comments from RULES.md, not read back from the code.
"""
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from app.domain.dmr_columns import ParameterDefinition
from app.domain.dmr_values import compute_parameter_values, dmr_measurement_window
from app.domain.obligations import NoncomplianceFact, obligations_for
from app.domain.periods import parse_period, weeks_for_period
from app.domain.rounding import round_reported
from app.domain.rules_config import effective_rules

from tests.unit.domain.worked_month_helpers import D, NY, TZ, column, result, slots, summary


# =================================================================================================
# (a) One NPDES month: October 2026, rule pack federal_npdes, facility in America/New_York.
#
# October 2026 starts on a Thursday and ends on a Saturday. Sunday-Saturday weeks, each reported in
# the month holding its Saturday (CALC-03 defaults):
#   W1 Sep 27 - Oct 3   (Saturday Oct 3: October's; uses the September days too)
#   W2 Oct 4 - 10, W3 Oct 11 - 17, W4 Oct 18 - 24, W5 Oct 25 - 31 (Saturday Oct 31: October's)
# So the results the October DMR needs run from Sep 27 to Oct 31.
# DST ends on Sunday Nov 1 2026 at 02:00 EDT (clocks go back to 01:00 EST).
# =================================================================================================

OCTOBER = parse_period("2026-10")
NPDES_RULES = effective_rules()          # federal defaults: RULES.md section 9

# TSS (00530), 24-h composites, 1/7. Flow (50050) in MGD, same day.
#
#   day        C (mg/L)          Q (MGD)   daily mass = C × Q × 8.34 (lb/d)          week
#   Sep 29     50                0.40      (September: weekly average only)           W1
#   Oct 1      44                0.30      44 × 0.30 = 13.2   × 8.34 = 110.088        W1
#   Oct 6      20 and 26 -> 23   0.35      23 × 0.35 = 8.05   × 8.34 =  67.137        W2  (CALC-01: mean of the day)
#   Oct 8      <4 (ND) -> 0      0.45       0 × 0.45 = 0                   0          W2  (ND-02: zero, n counts it)
#   Oct 13     62                0.32      62 × 0.32 = 19.84  × 8.34 = 165.4656       W3
#   Oct 15     18                0.50      18 × 0.50 = 9.0    × 8.34 =  75.06         W3
#   Oct 20     25                0.40      25 × 0.40 = 10.0   × 8.34 =  83.4          W4
#   Oct 22     30                0.28      30 × 0.28 = 8.4    × 8.34 =  70.056        W4
#   Oct 27     41.2              0.60      41.2 × 0.60 = 24.72 × 8.34 = 206.1648      W5
#   every other day of the window: flow 0.40 MGD, no TSS sample.
#
# Limits: C1 weekly average 45 mg/L, C2 monthly average 30 mg/L, C3 daily maximum 60 mg/L,
#         Q1 monthly average 100 lb/d, Q2 daily maximum 150 lb/d.
#
# C2 (CALC-02, ND-02): (44 + 23 + 0 + 62 + 18 + 25 + 30 + 41.2) / 8 = 243.2 / 8 = 30.4
#    ND-07: limit "30" has 2 significant figures -> reported "30"; 30 is not > 30 -> compliant.
#    (ND as its RL: 247.2 / 8 = 30.9 -> "31", a violation; ND left out: 243.2 / 7 = 34.7 -> "35".)
# C3 (CALC-04): highest daily value 62 -> "62" > 60: violation (Oct 13). The Oct 6 grabs are averaged.
# C1 (CALC-03): W1 (50 + 44)/2 = 47, W2 (23 + 0)/2 = 11.5, W3 (62 + 18)/2 = 40, W4 (25 + 30)/2 = 27.5,
#    W5 41.2. Highest = 47 -> "47" > 45: violation. Without the September sample W1 would be 44.
# Q1 (CALC-07): mean of the daily masses = 777.3714 / 8 = 97.171425 -> "97.2" (3 figures of "100"):
#    compliant. Mean C × mean Q instead: mean Q on the sample days = 3.20 / 8 = 0.40 (and the month's
#    average flow, CALC-08, is (3.20 + 23 × 0.40) / 31 = 12.40 / 31 = 0.40 too), so
#    30.4 × 0.40 × 8.34 = 101.4144 -> "101": a false violation. The difference is the covariance term.
# Q2: highest daily mass 206.1648 (Oct 27) -> "206" > 150: violation. Oct 13: 165.4656 -> "165" > 150.
# No. Ex (CALC-11, one per sample day per row; weekly averages count; monthly averages do not):
#    Oct 13 (C3 and Q2: once) + Oct 27 (Q2 only) + week W1 (C1) = 3. Per column: C3, Q2 ×2, C1 = 4.

TSS_DAYS = [
    (D(2026, 9, 29), ["50"]), (D(2026, 10, 1), ["44"]), (D(2026, 10, 6), ["20", "26"]),
    (D(2026, 10, 8), ["<4"]), (D(2026, 10, 13), ["62"]), (D(2026, 10, 15), ["18"]),
    (D(2026, 10, 20), ["25"]), (D(2026, 10, 22), ["30"]), (D(2026, 10, 27), ["41.2"]),
]
TSS_RESULTS = [result(v.lstrip("<"), day, "<" if v.startswith("<") else "=")
               for day, values in TSS_DAYS for v in values]
SAMPLE_DAY_FLOWS = {D(2026, 9, 29): "0.40", D(2026, 10, 1): "0.30", D(2026, 10, 6): "0.35", D(2026, 10, 8): "0.45",
                    D(2026, 10, 13): "0.32", D(2026, 10, 15): "0.50", D(2026, 10, 20): "0.40",
                    D(2026, 10, 22): "0.28", D(2026, 10, 27): "0.60"}
WINDOW_DAYS = [D(2026, 9, 27) + timedelta(days=i) for i in range(35)]          # Sep 27 .. Oct 31
FLOWS = [result(SAMPLE_DAY_FLOWS.get(day, "0.40"), day, unit="MGD") for day in WINDOW_DAYS]

TSS = ParameterDefinition(code="00530", frequency="1/7", sample_type="24-hour composite", columns=(
    column("Q1", "monthly_average", "100", "lb/d", derived="mass"),
    column("Q2", "daily_maximum", "150", "lb/d", derived="mass"),
    column("C1", "weekly_average", "45"),
    column("C2", "monthly_average", "30"),
    column("C3", "daily_maximum", "60"),
))
FLOW = ParameterDefinition(code="50050", frequency="CONT", sample_type="continuous", columns=(
    column("Q1", "monthly_average", None, "MGD"), column("Q2", "daily_maximum", None, "MGD")))


def test_calc03_october_2026_weeks_follow_the_saturday_month_convention():
    weeks = [(w.start, w.end) for w in weeks_for_period(OCTOBER, "sunday", "saturday_month")]
    assert weeks == [(D(2026, 9, 27), D(2026, 10, 3)), (D(2026, 10, 4), D(2026, 10, 10)),
                     (D(2026, 10, 11), D(2026, 10, 17)), (D(2026, 10, 18), D(2026, 10, 24)),
                     (D(2026, 10, 25), D(2026, 10, 31))]
    assert dmr_measurement_window(OCTOBER, NPDES_RULES) == (D(2026, 9, 27), D(2026, 10, 31))


def test_calc01_calc02_calc03_calc04_calc07_calc11_nd02_nd07_npdes_month_tss_concentration_and_mass():
    values = compute_parameter_values(TSS, TSS_RESULTS, OCTOBER, NPDES_RULES, flows=FLOWS)
    assert slots(values) == {
        "C2": ("30", "=", False),       # 30.4 rounded to the 2 figures of "30" is not above 30
        "C3": ("62", "=", True),
        "C1": ("47", "=", True),        # week Sep 27 - Oct 3 with the Sep 29 sample
        "Q1": ("97.2", "=", False),     # mean of daily masses, not 30.4 × 0.40 × 8.34 = 101.4
        "Q2": ("206", "=", True),
    }
    assert values.excursions == 3
    assert values.violations == 3
    # Nine October results (two on Oct 6); every week had a sample day, so the permit code is reported.
    assert (values.samples, values.frequency) == (9, "1/7")
    assert [(f.code, f.slot) for f in values.flags] == [("WEEK_USES_OTHER_PERIOD_SAMPLES", "C1")]
    assert "2026-09-29" in values.flags[0].reason


def test_calc07_calc08_npdes_month_mass_average_differs_from_mean_concentration_times_mean_flow():
    tss = compute_parameter_values(TSS, TSS_RESULTS, OCTOBER, NPDES_RULES, flows=FLOWS)
    flow = compute_parameter_values(FLOW, FLOWS, OCTOBER, NPDES_RULES, flows=FLOWS)
    # CALC-08: 12.40 / 31 = 0.4 and the highest day 0.60, report-only: 3 significant figures.
    assert (flow.values["Q1"].value, flow.values["Q2"].value) == ("0.400", "0.600")
    assert flow.frequency == "CONT"
    shortcut = Decimal("30.4") * Decimal(flow.values["Q1"].value) * Decimal("8.34")
    assert shortcut == Decimal("101.414400")
    assert round_reported(shortcut, "100", NPDES_RULES) == Decimal("101")     # would be a violation
    assert tss.values["Q1"].value == "97.2"
    assert tss.values["Q1"].violation is False


@pytest.mark.parametrize("overrides, excursions", [
    ({}, 3),
    ({"excursions": {"count_unit": "per_column"}}, 4),       # Oct 13 counts in C3 and in Q2
    ({"excursions": {"count_weekly_average": False}}, 2),    # only Oct 13 and Oct 27
    ({"excursions": {"count_monthly_average": True}}, 3),    # no monthly average is above its limit
])
def test_calc11_npdes_month_no_ex_counting_variants(overrides, excursions):
    values = compute_parameter_values(TSS, TSS_RESULTS, OCTOBER, effective_rules(overrides), flows=FLOWS)
    assert values.excursions == excursions


@pytest.mark.parametrize("assignment, weekly, violation, excursions", [
    # Default: W1 = (50 + 44) / 2 = 47.
    ("saturday_month", "47", True, 3),
    # Clipped at Oct 1: W1 = 44 alone; highest of 44, 11.5, 40, 27.5, 41.2 is 44.
    ("truncate_at_month", "44", False, 2),
    # Oregon: W1's Wednesday is Sep 30, so W1 is September's; highest of 11.5, 40, 27.5, 41.2 -> "41".
    ("wednesday_rule", "41", False, 2),
])
def test_calc03_npdes_month_straddling_week_convention_decides_the_weekly_average(
        assignment, weekly, violation, excursions):
    rules = effective_rules({"calc": {"week_month_assignment": assignment}})
    values = compute_parameter_values(TSS, TSS_RESULTS, OCTOBER, rules, flows=FLOWS)
    assert (values.values["C1"].value, values.values["C1"].violation) == (weekly, violation)
    assert values.excursions == excursions


@pytest.mark.parametrize("avg_substitution, monthly, violation", [
    ("zero", "30", False),      # 243.2 / 8 = 30.4
    ("rl", "31", True),         # 247.2 / 8 = 30.9
    ("half_rl", "31", True),    # 245.2 / 8 = 30.65 -> half up "31"
])
def test_nd02_nd07_npdes_month_non_detect_substitution_and_rounding_decide_compliance(
        avg_substitution, monthly, violation):
    rules = effective_rules({"nd": {"avg_substitution": avg_substitution}})
    values = compute_parameter_values(TSS, TSS_RESULTS, OCTOBER, rules, flows=FLOWS)
    assert (values.values["C2"].value, values.values["C2"].violation) == (monthly, violation)


def test_nd07_npdes_month_compare_before_rounding_would_call_30_4_a_violation():
    rules = effective_rules({"rounding": {"compare_after_rounding": False}})
    values = compute_parameter_values(TSS, TSS_RESULTS, OCTOBER, rules, flows=FLOWS)
    assert (values.values["C2"].value, values.values["C2"].violation) == ("30", True)


# E. coli (51040), grabs 1/7, geometric mean limit 126 /100 mL (CALC-06):
#   Oct 1: 0 -> 1 (calc.geomean.zero), Oct 8: "<2" -> 2 (calc.geomean.lt = value), Oct 15: 36,
#   Oct 22: 48, Oct 29: 72.
#   Product 1 × 2 × 36 × 48 × 72 = 248832 = 12^5 (2^10 × 3^5), so GM = 12 exactly -> "12.0" (3 figures of "126").
#   Wrong readings give other numbers: zero dropped (2·36·48·72)^(1/4) = 22.3; "<2" halved -> 10.4;
#   arithmetic mean (0 + 2 + 36 + 48 + 72) / 5 = 31.6.
ECOLI = ParameterDefinition(code="51040", frequency="1/7", sample_type="grab", columns=(
    column("C2", "geometric_mean", "126", "MPN/100mL"),))
ECOLI_RESULTS = [result("0", D(2026, 10, 1), unit="MPN/100mL"), result("2", D(2026, 10, 8), "<", unit="MPN/100mL"),
                 result("36", D(2026, 10, 15), unit="MPN/100mL"), result("48", D(2026, 10, 22), unit="MPN/100mL"),
                 result("72", D(2026, 10, 29), unit="MPN/100mL")]


def test_calc06_nd07_npdes_month_ecoli_geometric_mean_with_a_zero_and_a_less_than():
    values = compute_parameter_values(ECOLI, ECOLI_RESULTS, OCTOBER, NPDES_RULES)
    assert slots(values) == {"C2": ("12.0", "=", False)}
    assert (values.excursions, values.samples, values.frequency) == (0, 5, "1/7")
    assert values.flags == ()


def test_calc06_npdes_month_ecoli_geometric_mean_half_value_option():
    # calc.geomean.lt = half_value: "<2" -> 1, product 124416, GM = 124416^(1/5) = 10.45 -> "10.4".
    rules = effective_rules({"calc": {"geomean": {"lt": "half_value"}}})
    values = compute_parameter_values(ECOLI, ECOLI_RESULTS, OCTOBER, rules)
    assert values.values["C2"].value == "10.4"


# pH (00400), grabs, range 6.0 - 9.0 SU (CALC-05, CALC-10): every reading stands alone.
#   Oct 1 7.2 | Oct 6 7.0 | Oct 13 08:00 8.0, 12:00 9.2, 16:00 9.4 | Oct 20 5.8, 6.6 | Oct 27 7.5
#   Minimum 5.8 < 6.0: violation; maximum 9.4 > 9.0: violation.
#   Excursions: 9.2 and 9.4 (two readings on Oct 13) + 5.8 = 3.
#   (Averaging Oct 13 would give 8.87 and hide both; averaging Oct 20 would give 6.2 and hide 5.8.)
PH_READINGS = [(D(2026, 10, 1), (9, 0), "7.2"), (D(2026, 10, 6), (9, 0), "7.0"), (D(2026, 10, 13), (8, 0), "8.0"),
               (D(2026, 10, 13), (12, 0), "9.2"), (D(2026, 10, 13), (16, 0), "9.4"), (D(2026, 10, 20), (8, 0), "5.8"),
               (D(2026, 10, 20), (14, 0), "6.6"), (D(2026, 10, 27), (9, 0), "7.5")]
PH_RESULTS = [result(value, day, unit="SU", at=at) for day, at, value in PH_READINGS]


@pytest.mark.parametrize("minimum_base, maximum_base", [
    ("instantaneous_minimum", "instantaneous_maximum"),
    ("daily_minimum", "daily_maximum"),        # a permit that says "daily": pH is still never averaged
])
def test_calc05_calc10_calc11_npdes_month_ph_minimum_maximum_and_excursions_per_reading(minimum_base, maximum_base):
    ph = ParameterDefinition(code="00400", frequency="1/7", sample_type="grab", columns=(
        column("C1", minimum_base, "6.0", "SU"), column("C3", maximum_base, "9.0", "SU")))
    values = compute_parameter_values(ph, PH_RESULTS, OCTOBER, NPDES_RULES)
    assert slots(values) == {"C1": ("5.8", "=", True), "C3": ("9.4", "=", True)}
    assert values.excursions == 3
    assert values.samples == 8


def test_122_41_l_7_npdes_month_ph_excursion_goes_with_the_dmr_only():
    fact = NoncomplianceFact(kind="exceedance", aware_at=datetime(2026, 10, 13, 12, 5, tzinfo=NY),
                             statistical_base="instantaneous_maximum", value=Decimal("9.4"), limit=Decimal("9.0"),
                             parameter_code="00400", is_ph=True)
    assert obligations_for(fact, "federal_npdes", NPDES_RULES, TZ) == []


# Copper, total recoverable (01042), grabs 1/30, listed for 24-hour reporting in the permit.
# Limits: C2 monthly average 0.020 mg/L, C3 daily maximum 0.035 mg/L.
#   Oct 6  0.012
#   Oct 13 08:00 0.030, 12:00 0.050, 16:00 0.040 -> daily value (0.030 + 0.050 + 0.040) / 3 = 0.040 (CALC-01)
#   Oct 20 <0.005 (ND) -> 0
#   Oct 27 0.018
# C3: 0.040 -> "0.040" (2 figures of "0.035") > 0.035: violation, one excursion (the day, not each grab).
#     (Taking the highest grab would report 0.050.)
# C2: (0.012 + 0.040 + 0 + 0.018) / 4 = 0.0175 -> "0.018": compliant.
COPPER = ParameterDefinition(code="01042", frequency="1/30", sample_type="grab", columns=(
    column("C2", "monthly_average", "0.020"), column("C3", "daily_maximum", "0.035")))
COPPER_RESULTS = [result("0.012", D(2026, 10, 6), at=(9, 0)), result("0.030", D(2026, 10, 13), at=(8, 0)),
                  result("0.050", D(2026, 10, 13), at=(12, 0)), result("0.040", D(2026, 10, 13), at=(16, 0)),
                  result("0.005", D(2026, 10, 20), "<", at=(9, 0)), result("0.018", D(2026, 10, 27), at=(9, 0))]
# The lab's report on the Oct 13 grabs arrives on Saturday Oct 31 2026 at 10:00 EDT (UTC-4).
COPPER_AWARE = datetime(2026, 10, 31, 10, 0, tzinfo=NY)


def test_calc01_calc04_nd02_npdes_month_copper_grabs_averaged_for_the_daily_maximum():
    values = compute_parameter_values(COPPER, COPPER_RESULTS, OCTOBER, NPDES_RULES)
    assert slots(values) == {"C2": ("0.018", "=", False), "C3": ("0.040", "=", True)}
    assert (values.excursions, values.samples, values.frequency) == (1, 6, "1/30")
    assert values.flags == ()


def test_122_41_l_6_ii_C_npdes_month_listed_copper_daily_max_24h_oral_and_5_day_written_across_dst_end():
    copper = compute_parameter_values(COPPER, COPPER_RESULTS, OCTOBER, NPDES_RULES).values["C3"]
    fact = NoncomplianceFact(kind="exceedance", aware_at=COPPER_AWARE, statistical_base="daily_maximum",
                             value=Decimal(copper.value), limit=Decimal(copper.limit), parameter_code="01042",
                             listed_24h=True)
    drafts = obligations_for(fact, "federal_npdes", NPDES_RULES, TZ)
    # 24 h: Oct 31 10:00 EDT = 14:00 UTC; + 24 h = Nov 1 14:00 UTC = 09:00 EST (the wall clock shows 23 h).
    # 5 d: Oct 31 + 5 calendar days = Nov 5, due at its end, 23:59:59 EST.
    assert summary(drafts) == [(
        "federal_npdes.listed_24h_parameter", "40 CFR 122.41(l)(6)(ii)(C)",
        ("oral", "2026-11-01T09:00:00-05:00", "2026-11-01"),
        ("written_report", "2026-11-05T23:59:59-05:00", "2026-11-05"))]
    assert drafts[0].aware_at.isoformat() == "2026-10-31T10:00:00-04:00"
    # Elapsed time, not wall-clock time (same-zone datetime subtraction in Python is wall-clock).
    assert drafts[0].initial.due.timestamp() - COPPER_AWARE.timestamp() == 24 * 3600


def test_122_41_l_7_npdes_month_unlisted_daily_max_and_average_exceedances_go_with_the_dmr():
    aware = datetime(2026, 10, 16, 11, 0, tzinfo=NY)
    tss_daily = NoncomplianceFact(kind="exceedance", aware_at=aware, statistical_base="daily_maximum",
                                  value=Decimal("62"), limit=Decimal("60"), parameter_code="00530")
    tss_weekly = NoncomplianceFact(kind="exceedance", aware_at=aware, statistical_base="weekly_average",
                                   value=Decimal("47"), limit=Decimal("45"), parameter_code="00530", listed_24h=True)
    unlisted_copper = NoncomplianceFact(kind="exceedance", aware_at=COPPER_AWARE, statistical_base="daily_maximum",
                                        value=Decimal("0.040"), limit=Decimal("0.035"), parameter_code="01042")
    for fact in (tss_daily, tss_weekly, unlisted_copper):
        assert obligations_for(fact, "federal_npdes", NPDES_RULES, TZ) == []
