"""Non-detects, DNQ results and value qualifiers in DMR statistics (RULES.md ND-01 to ND-06)."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from app.domain.measurements import (
    DETECTED,
    DETECTED_NOT_QUANTIFIED,
    GREATER_THAN,
    NOT_DETECTED,
    CalculationError,
    Measurement,
)
from app.domain.rules_config import rule

# Verdicts of comparing one qualified value with a limit.
VIOLATION = "violation"
COMPLIANT = "compliant"
RL_ABOVE_LIMIT = "rl_above_limit"          # ND-05: flag for review, never a violation
INDETERMINATE = "indeterminate"            # a "<"/">" bound that cannot decide either way

HALF = Decimal("0.5")


class NonDetectPolicyError(CalculationError):
    """The configured substitution needs a detection limit the result does not carry."""


def _needs(m: Measurement, level: Decimal | None, name: str, policy: str) -> Decimal:
    if level is None:
        raise NonDetectPolicyError(f"result {m.label}: {policy} needs its {name}, which was not reported")
    return level


def substitute_for_average(m: Measurement, rules: Mapping[str, Any]) -> Decimal:
    """ND-02: the number a result contributes to an arithmetic average under `nd.*` substitution.

    `ca_median` replaces the mean by a median only at the level of the period statistic; inside one
    day's daily value it substitutes like the federal default (zero), because the SIP ranking is
    defined over the reported values, not over the grabs that make up one of them.
    """
    if m.qualifier in (DETECTED, GREATER_THAN):
        return m.value
    policy = rule(rules, "nd.avg_substitution")
    if m.qualifier == DETECTED_NOT_QUANTIFIED:
        if policy == "dl_for_dnq":
            # Oregon: a result between the DL and the QL counts as the DL; this is the policy's purpose,
            # so it outranks `nd.dnq_substitution`.
            return _needs(m, m.mdl, "MDL", "nd.avg_substitution dl_for_dnq")
        dnq = rule(rules, "nd.dnq_substitution")
        if dnq == "estimated":
            return m.value
        if dnq == "dl":
            return _needs(m, m.mdl, "MDL", "nd.dnq_substitution dl")
        return Decimal(0)
    # Not detected: the number reported is the RL.
    if policy == "rl":
        return m.value
    if policy == "half_rl":
        return m.value * HALF
    if policy == "half_dl":
        return _needs(m, m.mdl, "MDL", "nd.avg_substitution half_dl") * HALF
    return Decimal(0)  # zero, dl_for_dnq (below the DL is zero in Oregon) and ca_median


def is_quantified(m: Measurement, rules: Mapping[str, Any]) -> bool:
    """ND-03: a result reported as a number. A DNQ counts only when the rules use its estimate."""
    if m.qualifier in (DETECTED, GREATER_THAN):
        return True
    if m.qualifier == DETECTED_NOT_QUANTIFIED:
        return (rule(rules, "nd.avg_substitution") != "dl_for_dnq"
                and rule(rules, "nd.dnq_substitution") == "estimated")
    return False


def highest_reporting_limit(levels: Iterable[Decimal | None]) -> Decimal | None:
    """ND-03 `lt_max_rl`: "<" the highest RL is the only statement true for every non-detect."""
    known = [level for level in levels if level is not None]
    return max(known) if known else None


def combine_qualifiers(used_less_than: bool, used_greater_than: bool, minimum: bool) -> str:
    """ND-06: the qualifier of a number computed from qualified inputs.

    New York: when "<" and ">" meet in one calculation carry ">", except for minimum limits. A ">"
    alone always carries. "<" inputs mixed with quantified ones give a plain number (ND-03: report
    the calculated average as a number once any result is quantified).
    """
    if used_greater_than and used_less_than:
        return NOT_DETECTED if minimum else GREATER_THAN
    if used_greater_than:
        return GREATER_THAN
    return DETECTED


def judge(value: Decimal, qualifier: str, limit: Decimal, minimum: bool) -> str:
    """ND-05, ND-06, ND-07: compare one (already rounded) qualified value with a limit.

    An upper limit is exceeded by "=x" with x > limit and by ">x" with x >= limit (the true value is
    above x). "<x" never makes a violation: with x above the limit that is ND-05 (flag, the method
    was not sensitive enough); with x at or below it the result is compliant. A minimum limit mirrors
    this: "<x" with x <= limit is certainly below it, ">x" never violates.
    """
    if qualifier == DETECTED:
        return VIOLATION if (value < limit if minimum else value > limit) else COMPLIANT
    if not minimum:
        if qualifier == NOT_DETECTED:
            return RL_ABOVE_LIMIT if value > limit else COMPLIANT
        return VIOLATION if value >= limit else INDETERMINATE
    if qualifier == NOT_DETECTED:
        return VIOLATION if value <= limit else INDETERMINATE
    return COMPLIANT if value >= limit else INDETERMINATE
