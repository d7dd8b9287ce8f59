"""ND-07: significant figures of limits, rounding of reported values, strict exceedance."""
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.rounding import (
    UnsupportedRoundingMode,
    comparison_value,
    decimal_places,
    exceeds_limit,
    format_reported,
    round_reported,
    round_to_significant_figures,
    significant_figures,
)
from app.domain.rules_config import effective_rules


@pytest.mark.parametrize("limit, figures", [
    ("30", 2), ("100", 3), ("0.65", 2), ("1.0", 2), ("0.019", 2),
    ("5.2", 2), ("11", 2), ("0.0050", 2), ("250", 3), ("6.5", 2), ("8", 1), ("1200", 4),
])
def test_ND_07_significant_figures_of_limit_as_written(limit, figures):
    assert significant_figures(limit) == figures


def test_ND_07_limit_must_be_written_not_a_float():
    with pytest.raises(TypeError):
        significant_figures(0.65)
    with pytest.raises(ValueError):
        significant_figures("thirty")


@pytest.mark.parametrize("limit, places", [("30", 0), ("0.019", 3), ("1.0", 1), ("0.65", 2)])
def test_ND_07_decimal_places_of_limit(limit, places):
    assert decimal_places(limit) == places


@pytest.mark.parametrize("value, figures, tie_break, reported", [
    ("27.04", 3, "half_up", "27.0"),
    ("27", 3, "half_up", "27.0"),          # a significant trailing zero is kept
    ("26.5", 2, "half_up", "27"),
    ("26.5", 2, "half_even", "26"),
    ("7.25", 2, "half_up", "7.3"),         # RULES.md ND-07 example
    ("7.25", 2, "half_even", "7.2"),
    ("0.01949", 2, "half_up", "0.019"),
    ("0.0195", 2, "half_up", "0.020"),
    ("0.0185", 2, "half_even", "0.018"),
    ("9.96", 2, "half_up", "10"),          # rounds up a decade without claiming a third figure
    ("99.5", 2, "half_up", "100"),
    ("123456", 2, "half_up", "120000"),
    ("0.000123456", 3, "half_up", "0.000123"),
    ("101.9565", 3, "half_up", "102"),
    ("-2.5", 1, "half_up", "-3"),
    ("0", 2, "half_up", "0"),
])
def test_ND_07_round_to_significant_figures(value, figures, tie_break, reported):
    assert format_reported(round_to_significant_figures(Decimal(value), figures, tie_break)) == reported


def test_ND_07_rounding_refuses_floats():
    with pytest.raises(TypeError):
        round_to_significant_figures(27.04, 3)


@pytest.mark.parametrize("overrides, value, limit, reported", [
    ({}, "30.4", "30", "30"),
    ({}, "30.5", "30", "31"),
    ({}, "27.04", "30", "27"),
    ({}, "12.345", None, "12.3"),                                   # report-only: 3 figures
    ({"rounding": {"report_only_sigfigs": 2}}, "12.345", None, "12"),
    ({}, "0.0194", "0.019", "0.019"),
    ({"rounding": {"mode": "decimals_of_limit"}}, "0.654", "0.65", "0.65"),
    ({"rounding": {"mode": "decimals_of_limit"}}, "123.456", "30", "123"),
    ({"rounding": {"mode": "none"}}, "123.456", "30", "123.456"),
    ({"rounding": {"tie_break": "half_even"}}, "7.25", "6.5", "7.2"),
])
def test_ND_07_round_reported_per_rounding_mode(overrides, value, limit, reported):
    rules = effective_rules(overrides)
    assert format_reported(round_reported(Decimal(value), limit, rules)) == reported


def test_ND_07_ny_precision_rules_are_refused_not_approximated():
    rules = effective_rules({"rounding": {"mode": "ny_precision_rules"}})
    with pytest.raises(UnsupportedRoundingMode):
        round_reported(Decimal("1.23"), "30", rules)


@pytest.mark.parametrize("value, limit, minimum, exceeded", [
    ("30", "30", False, False),      # equal to the limit is not an exceedance
    ("31", "30", False, True),
    ("6.5", "6.5", True, False),
    ("6.4", "6.5", True, True),
    ("8.6", "6.5", True, False),
])
def test_ND_07_exceedance_is_strict(value, limit, minimum, exceeded):
    assert exceeds_limit(Decimal(value), Decimal(limit), minimum) is exceeded


def test_ND_07_compare_after_rounding_decides_the_exceedance():
    on = effective_rules()
    off = effective_rules({"rounding": {"compare_after_rounding": False}})
    assert exceeds_limit(comparison_value(Decimal("30.4"), "30", on), Decimal("30")) is False
    assert exceeds_limit(comparison_value(Decimal("30.4"), "30", off), Decimal("30")) is True


def test_ND_07_format_reported_uses_plain_notation():
    assert format_reported(Decimal("3E+1")) == "30"
    assert format_reported(Decimal("-0.0")) == "0.0"


@given(st.decimals(min_value=Decimal("-1e9"), max_value=Decimal("1e9"), allow_nan=False, allow_infinity=False,
                   places=6).filter(lambda d: d != 0),
       st.integers(min_value=1, max_value=6), st.sampled_from(["half_up", "half_even"]))
def test_ND_07_rounded_value_has_exactly_the_requested_figures_and_is_within_half_a_unit(value, figures, tie_break):
    rounded = round_to_significant_figures(value, figures, tie_break)
    assert len(rounded.as_tuple().digits) == figures
    unit = Decimal(1).scaleb(rounded.as_tuple().exponent)
    assert abs(value - rounded) <= unit / 2


def _rounded_in_a_context_of_its_own(value: Decimal, figures: int, tie_break: str) -> Decimal:
    # The reference: the rounding as it was written before one shared context served every call.
    from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, localcontext

    mode = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN}[tie_break]
    if value.is_zero():
        return Decimal(0)
    exponent = value.adjusted() - figures + 1
    with localcontext() as ctx:
        ctx.prec = figures + abs(exponent) + abs(value.adjusted()) + 5
        rounded = value.quantize(Decimal(1).scaleb(exponent), rounding=mode)
        if rounded.adjusted() > value.adjusted():
            rounded = rounded.quantize(Decimal(1).scaleb(exponent + 1), rounding=mode)
    return rounded


@given(st.decimals(allow_nan=False, allow_infinity=False, min_value=Decimal("-1e40"), max_value=Decimal("1e40")),
       st.integers(min_value=1, max_value=30), st.sampled_from(["half_up", "half_even"]))
def test_ND_07_the_shared_rounding_context_gives_every_digit_a_context_of_its_own_gives(value, figures, tie_break):
    # Same digits and same exponent (the figures a number claims), for long values and tiny ones too.
    rounded = round_to_significant_figures(value, figures, tie_break)
    expected = _rounded_in_a_context_of_its_own(value, figures, tie_break)
    assert (rounded, rounded.as_tuple()) == (expected, expected.as_tuple())


@given(st.decimals(allow_nan=False, allow_infinity=False, min_value=Decimal("-1e30"), max_value=Decimal("1e30")),
       st.integers(min_value=0, max_value=12), st.sampled_from(["half_up", "half_even"]))
def test_ND_07_decimal_places_in_the_shared_context_match_a_context_of_their_own(value, places, tie_break):
    from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, localcontext

    from app.domain.rounding import round_to_decimal_places

    with localcontext() as ctx:
        ctx.prec = places + abs(value.adjusted()) + 5
        expected = value.quantize(Decimal(1).scaleb(-places),
                                  rounding={"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN}[tie_break])
    rounded = round_to_decimal_places(value, places, tie_break)
    assert (rounded, rounded.as_tuple()) == (expected, expected.as_tuple())
