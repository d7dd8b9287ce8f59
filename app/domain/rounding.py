"""Significant figures, rounding of the reported statistic and the exceedance test (RULES.md ND-07)."""
from __future__ import annotations

from collections.abc import Mapping
from decimal import MAX_PREC, ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from app.domain.rules_config import rule

TIE_BREAKS = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN}
# One context per tie break, with room for any number of digits: quantize's result is exact whatever
# precision allows it, so a precision worked out per call (a localcontext each time, which copies the
# thread's context) bounded nothing the result needs; a month's DMR rounds some 10,000 values.
_CONTEXTS = {name: Context(prec=MAX_PREC, rounding=mode) for name, mode in TIE_BREAKS.items()}


class UnsupportedRoundingMode(ValueError):
    """A rounding mode the rule configuration allows but this engine does not compute."""


@lru_cache(maxsize=4096)
def _parsed_text(limit: str) -> Decimal:
    # Keyed by the text, never by a Decimal: Decimal("1.0") == Decimal("1.00"), and their figures differ.
    try:
        return Decimal(limit.strip())
    except InvalidOperation:
        raise ValueError(f"limit {limit!r} is not a decimal number") from None


def parse_limit(limit: str | Decimal) -> Decimal:
    """A permit limit as written, kept as a Decimal so its trailing zeros survive.

    A text's Decimal is kept (a permit has a few dozen limits, judged against thousands of values).
    """
    if isinstance(limit, Decimal):
        number = limit
    elif isinstance(limit, str):
        number = _parsed_text(limit)
    else:
        # A float has already lost the digits as written, and an int cannot say "30" from "30.0".
        raise TypeError(f"limit must be the decimal string written in the permit, got {type(limit).__name__}")
    if not number.is_finite():
        raise ValueError(f"limit {limit!r} is not a finite number")
    return number


def significant_figures(limit: str | Decimal) -> int:
    """Significant figures of a limit as written: "30"→2, "100"→3, "0.65"→2, "1.0"→2, "0.019"→2.

    Trailing zeros of an integer count (ND-07), which is why the limit must stay a string until here.
    """
    digits = parse_limit(limit).as_tuple().digits
    # Decimal keeps no leading zeros, so the digit tuple is exactly the written significant digits;
    # a written zero ("0", "0.00") has one.
    return max(1, len(digits))


def decimal_places(limit: str | Decimal) -> int:
    exponent = parse_limit(limit).as_tuple().exponent
    return max(0, -int(exponent))


def _context(tie_break: str) -> Context:
    try:
        return _CONTEXTS[tie_break]
    except KeyError:
        raise ValueError(f"tie break {tie_break!r}: expected half_up or half_even") from None


def _checked(value: Decimal) -> Decimal:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise TypeError(f"expected a finite Decimal, got {value!r}")
    return value


def round_to_significant_figures(value: Decimal, figures: int, tie_break: str = "half_up") -> Decimal:
    """`value` to `figures` significant figures; Decimal("27") to 3 gives Decimal("27.0")."""
    _checked(value)
    if figures < 1:
        raise ValueError("significant figures must be at least 1")
    if value.is_zero():
        return Decimal(0)
    context = _context(tie_break)
    exponent = value.adjusted() - figures + 1
    rounded = value.quantize(Decimal(1).scaleb(exponent, context), context=context)
    if rounded.adjusted() > value.adjusted():
        # 9.96 to 2 figures rounds up to 10.0, which shows 3 figures; the extra digit is a zero,
        # so dropping it changes nothing but the precision the number claims.
        rounded = rounded.quantize(Decimal(1).scaleb(exponent + 1, context), context=context)
    return rounded


def round_to_decimal_places(value: Decimal, places: int, tie_break: str = "half_up") -> Decimal:
    _checked(value)
    context = _context(tie_break)
    return value.quantize(Decimal(1).scaleb(-places, context), context=context)


def round_reported(value: Decimal, limit: str | None, rules: Mapping[str, Any]) -> Decimal:
    """ND-07: the final reported statistic, rounded as `rounding.mode` says.

    Intermediate values are never passed through here; only the number that goes on the DMR.
    """
    mode = rule(rules, "rounding.mode")
    tie_break = rule(rules, "rounding.tie_break")
    if mode not in ("none", "sigfigs_of_limit", "decimals_of_limit"):
        raise UnsupportedRoundingMode(
            f"rounding.mode {mode!r} needs the New York addition and multiplication precision rules, "
            "which this engine does not compute; choose sigfigs_of_limit, decimals_of_limit or none")
    if mode == "none":
        return _checked(value)
    if limit is None:
        # Report-only parameters have no limit to take precision from (ND-07 default: 3 figures).
        return round_to_significant_figures(value, rule(rules, "rounding.report_only_sigfigs"), tie_break)
    if mode == "sigfigs_of_limit":
        return round_to_significant_figures(value, significant_figures(limit), tie_break)
    return round_to_decimal_places(value, decimal_places(limit), tie_break)


def format_reported(value: Decimal) -> str:
    """Plain notation that keeps significant trailing zeros: 27.0 stays "27.0", 3E+1 becomes "30"."""
    _checked(value)
    if value.is_zero():
        value = value.copy_abs()
    return format(value, "f")


def exceeds_limit(value: Decimal, limit: Decimal, minimum: bool = False) -> bool:
    """ND-07 exceedance: strictly above an upper limit, or strictly below a minimum-type limit."""
    return value < limit if minimum else value > limit


def comparison_value(value: Decimal, limit: str, rules: Mapping[str, Any]) -> Decimal:
    """The number compared with the limit: the rounded reported value unless compare_after_rounding is off."""
    if rule(rules, "rounding.compare_after_rounding"):
        return round_reported(value, limit, rules)
    return value
