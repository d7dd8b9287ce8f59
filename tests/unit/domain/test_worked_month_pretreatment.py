"""A CT pretreatment month worked by hand: March 2026, ct_spdes (RULES.md 2, 5).

Every expected number is derived in the comments from RULES.md, not read back from the code.
"""
from datetime import datetime
from decimal import Decimal

import pytest

from app.domain.daily_values import daily_values
from app.domain.dmr_columns import ParameterDefinition
from app.domain.dmr_values import compute_parameter_values
from app.domain.obligations import NoncomplianceFact, obligations_for
from app.domain.periods import parse_period
from app.domain.rounding import round_reported
from app.domain.rules_config import effective_rules

from tests.unit.domain.worked_month_helpers import D, NY, TZ, column, due, result, slots, summary


# =================================================================================================
# (b) One CT pretreatment month: March 2026, rule pack ct_spdes (program pretreatment).
#
# CT SPDES: two times any maximum daily limit -> 2 h oral / 5 day written (RULES.md 5.4, default "> 2×");
# plus 40 CFR 403.12(g)(2) for every limit violation: 24 h notice / repeat sampling results in 30 days.
# Monitoring equipment failure -> CT 2 h / 5 days (no federal pretreatment row).
# DST starts on Sunday Mar 8 2026 at 02:00 EST (clocks jump to 03:00 EDT).
#
# Zinc, total (01092), grabs, limits: C2 monthly average 1.5 mg/L, C3 daily maximum 2.6 mg/L (2× = 5.2).
#   day      grabs (mg/L)            daily value (mean of the day's grabs, CALC-01 / local "Daily Maximum")
#   Mar 3    4.0, 6.6, 5.5           16.1 / 3 = 5.3667 -> "5.4": > 2.6 and > 5.2 (two times)
#   Mar 10   0.8                     0.8
#   Mar 17   5.6, 3.0                8.6 / 2 = 4.3     -> "4.3": > 2.6 but not > 5.2 (the 5.6 grab alone would be)
#   Mar 20   2.1 (403.12(g)(2) repeat sample; counts in the average, RULES.md CALC-02)
#   Mar 24   2.0, 3.0                5.0 / 2 = 2.5     -> "2.5": not > 2.6 (the 3.0 grab alone would be)
#   Mar 31   <0.05 (ND) -> 0
# C3 = "5.4" violation; excursions: Mar 3 and Mar 17 = 2 (taking grabs singly: 6.6 and 3 days).
# C2 = (5.3667 + 0.8 + 4.3 + 2.1 + 2.5 + 0) / 6 = 15.0667 / 6 = 2.5111 -> "2.5" > 1.5: violation (not an excursion).
# =================================================================================================

MARCH = parse_period("2026-03")
CT_RULES = effective_rules({"profile": "CT_SPDES"})
ZINC = ParameterDefinition(code="01092", frequency="1/7", sample_type="grab", columns=(
    column("C2", "monthly_average", "1.5"), column("C3", "daily_maximum", "2.6")))
ZINC_RESULTS = [
    result("4.0", D(2026, 3, 3), at=(8, 0)), result("6.6", D(2026, 3, 3), at=(11, 0)),
    result("5.5", D(2026, 3, 3), at=(14, 0)), result("0.8", D(2026, 3, 10), at=(9, 0)),
    result("5.6", D(2026, 3, 17), at=(8, 0)), result("3.0", D(2026, 3, 17), at=(13, 0)),
    result("2.1", D(2026, 3, 20), at=(9, 0)), result("2.0", D(2026, 3, 24), at=(8, 0)),
    result("3.0", D(2026, 3, 24), at=(13, 0)), result("0.05", D(2026, 3, 31), "<", at=(9, 0)),
]


def zinc_fact(aware_at, value, base="daily_maximum", limit="2.6"):
    return NoncomplianceFact(kind="exceedance", aware_at=aware_at, statistical_base=base, value=Decimal(value),
                             limit=Decimal(limit), parameter_code="01092")


def test_calc01_calc02_calc11_nd02_ct_pretreatment_month_grabs_averaged_for_the_daily_maximum():
    values = compute_parameter_values(ZINC, ZINC_RESULTS, MARCH, CT_RULES)
    assert slots(values) == {"C2": ("2.5", "=", True), "C3": ("5.4", "=", True)}
    assert (values.excursions, values.samples, values.frequency) == (2, 10, "1/7")
    daily = {v.day: round_reported(v.value, "2.6", CT_RULES) for v in daily_values(ZINC_RESULTS, CT_RULES)}
    assert daily == {D(2026, 3, 3): Decimal("5.4"), D(2026, 3, 10): Decimal("0.80"), D(2026, 3, 17): Decimal("4.3"),
                     D(2026, 3, 20): Decimal("2.1"), D(2026, 3, 24): Decimal("2.5"), D(2026, 3, 31): Decimal(0)}


def test_calc01_ct_pretreatment_month_max_of_samples_option_changes_the_daily_maximum():
    rules = effective_rules({"profile": "CT_SPDES", "calc": {"daily_value_from_multiple_samples": "max_of_samples"}})
    values = compute_parameter_values(ZINC, ZINC_RESULTS, MARCH, rules)
    assert values.values["C3"].value == "6.6"
    assert values.excursions == 3          # Mar 3 (6.6), Mar 17 (5.6), Mar 24 (3.0)


def test_5_4_403_12_g_2_ct_pretreatment_month_two_times_daily_max_creates_ct_and_federal_obligations():
    # The Mar 3 grab results arrive on Thursday Mar 5 2026 at 15:20 EST (UTC-5).
    # CT 2 h: 17:20 EST. CT 5 d: Mar 10, 23:59:59 - by then EDT (UTC-4).
    # 403.12(g)(2) 24 h: Mar 6 15:20 EST. 30 d: Mar 5 + 30 = Apr 4, 23:59:59 EDT.
    day_max = compute_parameter_values(ZINC, ZINC_RESULTS, MARCH, CT_RULES).values["C3"]
    fact = zinc_fact(datetime(2026, 3, 5, 15, 20, tzinfo=NY), day_max.value)
    assert summary(obligations_for(fact, "ct_spdes", CT_RULES, TZ)) == [
        ("ct_spdes.two_times_daily_maximum", "CT DEEP notification table",
         ("oral", "2026-03-05T17:20:00-05:00", "2026-03-05"),
         ("written_report", "2026-03-10T23:59:59-04:00", "2026-03-10")),
        ("federal_pretreatment.daily_maximum_exceeded", "40 CFR 403.12(g)(2)",
         ("notice", "2026-03-06T15:20:00-05:00", "2026-03-06"),
         ("repeat_sampling_results", "2026-04-04T23:59:59-04:00", "2026-04-04")),
    ]


def test_403_12_g_2_ct_pretreatment_month_violation_below_two_times_is_federal_only():
    # Mar 17: daily value 4.3 (> 2.6, not > 5.2). Results received Thursday Mar 19 at 10:05 EDT.
    # 24 h: Mar 20 10:05 EDT; 30 d: Mar 19 + 30 = Apr 18, 23:59:59 EDT.
    fact = zinc_fact(datetime(2026, 3, 19, 10, 5, tzinfo=NY), "4.3")
    assert summary(obligations_for(fact, "ct_spdes", CT_RULES, TZ)) == [
        ("federal_pretreatment.daily_maximum_exceeded", "40 CFR 403.12(g)(2)",
         ("notice", "2026-03-20T10:05:00-04:00", "2026-03-20"),
         ("repeat_sampling_results", "2026-04-18T23:59:59-04:00", "2026-04-18")),
    ]


def test_403_12_g_2_ct_pretreatment_month_monthly_average_violation_counts_from_the_last_result():
    # 5.1: an average is known when the last result of its period is received: the Mar 31 sample's
    # result arrives Thursday Apr 2 at 11:00 EDT. 24 h: Apr 3 11:00; 30 d: May 2, 23:59:59 EDT. No CT row.
    monthly = compute_parameter_values(ZINC, ZINC_RESULTS, MARCH, CT_RULES).values["C2"]
    fact = zinc_fact(datetime(2026, 4, 2, 11, 0, tzinfo=NY), monthly.value, base="monthly_average", limit="1.5")
    assert summary(obligations_for(fact, "ct_spdes", CT_RULES, TZ)) == [
        ("federal_pretreatment.average_exceeded", "40 CFR 403.12(g)(2)",
         ("notice", "2026-04-03T11:00:00-04:00", "2026-04-03"),
         ("repeat_sampling_results", "2026-05-02T23:59:59-04:00", "2026-05-02")),
    ]


@pytest.mark.parametrize("operator, value, ct_row", [
    (">", "5.2", False),       # exactly 2 × 2.6: not "two times" under the default strict reading
    (">", "5.3", True),
    (">=", "5.2", True),
    (">=", "5.1", False),
])
def test_5_4_ct_pretreatment_month_two_times_boundary(operator, value, ct_row):
    rules = effective_rules({"profile": "CT_SPDES", "notify": {"ct_two_times_operator": operator}})
    ids = [d.rule_id for d in obligations_for(zinc_fact(datetime(2026, 3, 5, 15, 20, tzinfo=NY), value),
                                              "ct_spdes", rules, TZ)]
    expected = ["ct_spdes.two_times_daily_maximum"] if ct_row else []
    assert ids == expected + ["federal_pretreatment.daily_maximum_exceeded"]


def test_5_4_ct_pretreatment_month_monitoring_equipment_failure_2h_and_5_days_without_weekend_rollforward():
    # The composite sampler fails; observed Tuesday Mar 10 2026 at 10:45 EDT.
    # 2 h: 12:45 EDT. 5 d: Mar 15, a Sunday, 23:59:59 EDT (no roll-forward by default, RULES.md 5.1).
    fact = NoncomplianceFact(kind="monitoring_equipment_failure", aware_at=datetime(2026, 3, 10, 10, 45, tzinfo=NY))
    assert summary(obligations_for(fact, "ct_spdes", CT_RULES, TZ)) == [
        ("ct_spdes.monitoring_equipment_failure", "CT DEEP notification table",
         ("oral", "2026-03-10T12:45:00-04:00", "2026-03-10"),
         ("written_report", "2026-03-15T23:59:59-04:00", "2026-03-15")),
    ]
    # With the permit's weekend roll-forward the written report moves to Monday Mar 16; the call does not.
    rolled = effective_rules({"profile": "CT_SPDES", "notify": {"weekend_rollforward": True}})
    (draft,) = obligations_for(fact, "ct_spdes", rolled, TZ)
    assert (draft.initial.due.isoformat(), draft.followup.due.isoformat()) == (
        "2026-03-10T12:45:00-04:00", "2026-03-16T23:59:59-04:00")


def test_5_4_ct_pretreatment_month_equipment_failure_2h_window_across_the_spring_forward():
    # Observed Sunday Mar 8 2026 at 01:30 EST = 06:30 UTC; + 2 h = 08:30 UTC = 04:30 EDT (wall clock: 3 h).
    fact = NoncomplianceFact(kind="monitoring_equipment_failure", aware_at=datetime(2026, 3, 8, 1, 30, tzinfo=NY))
    (draft,) = obligations_for(fact, "ct_spdes", CT_RULES, TZ)
    assert due(draft.initial) == ("oral", "2026-03-08T04:30:00-04:00", "2026-03-08")
    assert due(draft.followup) == ("written_report", "2026-03-13T23:59:59-04:00", "2026-03-13")


def test_403_12_g_2_ct_pretreatment_month_resample_exemption_keeps_the_24h_notice():
    rules = effective_rules({"profile": "CT_SPDES", "pt": {"resample_exempt": True}})
    fact = zinc_fact(datetime(2026, 3, 19, 10, 5, tzinfo=NY), "4.3")
    assert summary(obligations_for(fact, "ct_spdes", rules, TZ)) == [
        ("federal_pretreatment.daily_maximum_exceeded", "40 CFR 403.12(g)(2)",
         ("notice", "2026-03-20T10:05:00-04:00", "2026-03-20"), None)]
