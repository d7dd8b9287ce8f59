"""ND-01 to ND-06: substitution, all-ND reporting, maxima with non-detects, qualifiers and limits."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.daily_values import daily_values, instantaneous_values
from app.domain.measurements import Measurement
from app.domain.nondetects import (
    COMPLIANT,
    INDETERMINATE,
    RL_ABOVE_LIMIT,
    VIOLATION,
    NonDetectPolicyError,
    combine_qualifiers,
    is_quantified,
    judge,
    substitute_for_average,
)
from app.domain.rules_config import effective_rules
from app.domain.statistics import average, maximum

DAY = date(2026, 2, 2)


def result(value, qualifier="=", day=DAY, mdl=None, rl=None, unit="mg/L"):
    return Measurement(value=Decimal(value), sample_date=day, unit=unit, qualifier=qualifier,
                       mdl=None if mdl is None else Decimal(mdl), rl=None if rl is None else Decimal(rl))


def rules(avg="zero", dnq="zero"):
    return effective_rules({"nd": {"avg_substitution": avg, "dnq_substitution": dnq}})


NOT_DETECTED = result("2", "<", mdl="0.5")
DNQ = result("1.5", "J", mdl="0.5", rl="2")


@pytest.mark.parametrize("measurement, avg, dnq, substitute", [
    (NOT_DETECTED, "zero", "zero", "0"),
    (NOT_DETECTED, "rl", "zero", "2"),
    (NOT_DETECTED, "half_rl", "zero", "1.0"),
    (NOT_DETECTED, "half_dl", "zero", "0.25"),
    (NOT_DETECTED, "dl_for_dnq", "zero", "0"),
    (NOT_DETECTED, "ca_median", "zero", "0"),
    (DNQ, "zero", "zero", "0"),
    (DNQ, "zero", "dl", "0.5"),
    (DNQ, "zero", "estimated", "1.5"),
    (DNQ, "rl", "estimated", "1.5"),
    (DNQ, "dl_for_dnq", "zero", "0.5"),       # Oregon: between DL and QL counts as the DL
    (DNQ, "dl_for_dnq", "estimated", "0.5"),
    (result("7"), "rl", "zero", "7"),
    (result("1600", ">"), "zero", "zero", "1600"),
])
def test_ND_02_substitution_for_averages(measurement, avg, dnq, substitute):
    assert substitute_for_average(measurement, rules(avg, dnq)) == Decimal(substitute)


@pytest.mark.parametrize("avg, dnq", [("half_dl", "zero"), ("zero", "dl"), ("dl_for_dnq", "zero")])
def test_ND_02_substitution_needing_a_missing_mdl_is_an_error(avg, dnq):
    nd, j = result("2", "<"), result("1.5", "J", rl="2")
    with pytest.raises(NonDetectPolicyError):
        substitute_for_average(nd if avg == "half_dl" else j, rules(avg, dnq))


@pytest.mark.parametrize("measurement, avg, dnq, quantified", [
    (result("7"), "zero", "zero", True),
    (result("1600", ">"), "zero", "zero", True),
    (NOT_DETECTED, "rl", "estimated", False),
    (DNQ, "zero", "zero", False),
    (DNQ, "zero", "estimated", True),
    (DNQ, "dl_for_dnq", "estimated", False),
])
def test_ND_03_which_results_count_as_quantified(measurement, avg, dnq, quantified):
    assert is_quantified(measurement, rules(avg, dnq)) is quantified


def _days(*specs):
    """(value, qualifier, rl) on consecutive days from DAY."""
    return [result(v, q, day=DAY + timedelta(days=i), rl=rl) for i, (v, q, rl) in enumerate(specs)]


def test_ND_03_all_non_detects_report_less_than_the_highest_rl():
    values = daily_values(_days(("2", "<", None), ("5", "<", None), ("2", "<", None)), rules())
    statistic = average(values, rules())
    assert (statistic.value, statistic.qualifier) == (Decimal(5), "<")
    assert (maximum(values).value, maximum(values).qualifier) == (Decimal(5), "<")


def test_ND_03_no_quantified_result_with_dnq_reports_less_than_rl():
    values = daily_values(_days(("2", "<", None), ("1.5", "J", "4")), rules())
    statistic = average(values, rules())
    assert (statistic.value, statistic.qualifier) == (Decimal(4), "<")


@pytest.mark.parametrize("avg, expected", [("zero", "5"), ("rl", "6"), ("half_rl", "5.5")])
def test_ND_03_one_quantified_result_makes_the_average_a_number(avg, expected):
    values = daily_values(_days(("10", "=", None), ("2", "<", None)), rules(avg))
    statistic = average(values, rules(avg))
    assert (statistic.value, statistic.qualifier) == (Decimal(expected), "=")


def test_ND_04_maximum_is_highest_quantified_value_with_warning_when_an_rl_is_higher():
    values = daily_values(_days(("3", "=", None), ("5", "<", None), ("1", "=", None)), rules())
    statistic = maximum(values)
    assert (statistic.value, statistic.qualifier) == (Decimal(3), "=")
    assert [code for code, _ in statistic.notes] == ["ND_RL_ABOVE_DETECTED_MAXIMUM"]


def test_ND_04_maximum_without_a_high_rl_carries_no_warning():
    statistic = maximum(daily_values(_days(("3", "=", None), ("2", "<", None)), rules()))
    assert statistic.value == Decimal(3) and statistic.notes == ()


@pytest.mark.parametrize("value, qualifier, limit, minimum, verdict", [
    ("0.05", "<", "0.019", False, RL_ABOVE_LIMIT),   # ND-05: flag, never a violation
    ("0.01", "<", "0.019", False, COMPLIANT),
    ("0.02", "=", "0.019", False, VIOLATION),
    ("0.019", "=", "0.019", False, COMPLIANT),
    ("2000", ">", "2000", False, VIOLATION),         # true value above 2000
    ("1600", ">", "2000", False, INDETERMINATE),
    ("5", "<", "6", True, VIOLATION),                # certainly below the minimum
    ("7", "<", "6", True, INDETERMINATE),
    ("5", ">", "6", True, INDETERMINATE),
    ("7", ">", "6", True, COMPLIANT),
    ("5.9", "=", "6", True, VIOLATION),
    ("6", "=", "6", True, COMPLIANT),
])
def test_ND_05_ND_06_judging_a_qualified_value(value, qualifier, limit, minimum, verdict):
    assert judge(Decimal(value), qualifier, Decimal(limit), minimum) == verdict


@pytest.mark.parametrize("used_lt, used_gt, minimum, qualifier", [
    (True, True, False, ">"),     # New York: ">" carries when "<" and ">" meet...
    (True, True, True, "<"),      # ...except for minimum limits
    (False, True, False, ">"),
    (False, True, True, ">"),
    (True, False, False, "="),    # ND-03: once anything is quantified the average is a number
    (False, False, False, "="),
])
def test_ND_06_combining_qualifiers(used_lt, used_gt, minimum, qualifier):
    assert combine_qualifiers(used_lt, used_gt, minimum) == qualifier


def test_ND_06_greater_than_input_makes_the_average_greater_than():
    values = daily_values(_days(("1600", ">", None), ("2", "<", None), ("400", "=", None)), rules())
    statistic = average(values, rules())
    assert (statistic.value, statistic.qualifier) == (Decimal(2000) / 3, ">")


@pytest.mark.parametrize("specs, value, qualifier", [
    # odd n: ND, DNQ, 3, 4, 5 -> the middle is 3
    ([("1", "<", None), ("0.5", "J", "1"), ("3", "=", None), ("4", "=", None), ("5", "=", None)], "3", "="),
    # even n with a DNQ in the middle pair: take the lower (the DNQ), reported "<" its RL
    ([("1", "<", None), ("0.8", "J", "1"), ("3", "=", None), ("4", "=", None)], "1", "<"),
    # even n, both middle values quantified: their mean
    ([("1", "<", None), ("3", "=", None), ("4", "=", None), ("5", "=", None)], "3.5", "="),
    # odd n with a non-detect in the middle
    ([("1", "<", None), ("2", "<", None), ("3", "=", None)], "2", "<"),
    # no ND or DNQ at all: the arithmetic mean, not the median
    ([("3", "=", None), ("4", "=", None), ("8", "=", None)], "5", "="),
])
def test_ND_02_ca_median_uses_sip_ranking_and_even_n_rule(specs, value, qualifier):
    sip = rules("ca_median")
    statistic = average(daily_values(_days(*specs), sip), sip)
    assert (statistic.value, statistic.qualifier) == (Decimal(value), qualifier)


# --- properties --------------------------------------------------------------------------------

_number = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1000"), places=2)
_result = st.tuples(_number, st.sampled_from(["=", "<"]))


@given(st.lists(_result, min_size=1, max_size=20).filter(lambda rs: any(q == "=" for _, q in rs)))
def test_ND_04_instantaneous_maximum_unchanged_when_non_detects_are_removed(specs):
    everything = [result(v, q, day=DAY) for v, q in specs]
    detected_only = [m for m in everything if m.qualifier == "="]
    with_nd = maximum(instantaneous_values(everything, rules()))
    without_nd = maximum(instantaneous_values(detected_only, rules()))
    assert (with_nd.value, with_nd.qualifier) == (without_nd.value, without_nd.qualifier)
    assert with_nd.value == max(m.value for m in detected_only)


@given(st.lists(_result, min_size=1, max_size=20).filter(lambda rs: any(q == "=" for _, q in rs)),
       st.sampled_from(["zero", "rl", "half_rl", "half_dl"]))
def test_ND_04_daily_maximum_unchanged_when_non_detect_days_are_removed(specs, avg):
    everything = [result(v, q, day=DAY + timedelta(days=i), mdl="0.01") for i, (v, q) in enumerate(specs)]
    detected_only = [m for m in everything if m.qualifier == "="]
    policy = rules(avg)
    with_nd = maximum(daily_values(everything, policy))
    without_nd = maximum(daily_values(detected_only, policy))
    assert (with_nd.value, with_nd.qualifier) == (without_nd.value, without_nd.qualifier)


@given(st.lists(st.tuples(_number, st.sampled_from(["=", "<", "J"]), st.integers(0, 5)), min_size=1, max_size=25)
       .filter(lambda rs: any(q == "=" for _, q, _ in rs)),
       st.sampled_from(["zero", "rl", "half_rl", "half_dl", "dl_for_dnq"]),
       st.sampled_from(["zero", "dl", "estimated"]))
def test_ND_02_average_lies_within_the_substituted_values(specs, avg, dnq):
    policy = rules(avg, dnq)
    measurements = [result(v, q, day=DAY + timedelta(days=d), mdl="0.005", rl=str(v) if q == "J" else None)
                    for v, q, d in specs]
    substituted = [substitute_for_average(m, policy) for m in measurements]
    statistic = average(daily_values(measurements, policy), policy)
    assert min(substituted) <= statistic.value <= max(substituted)
