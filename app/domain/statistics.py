"""DMR statistics over daily values: averages, extremes, geometric mean, percent removal (CALC-02 to CALC-10)."""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from app.domain.daily_values import KIND_RANK, DailyValue
from app.domain.measurements import DETECTED, GREATER_THAN, NOT_DETECTED, CalculationError, Measurement
from app.domain.nondetects import combine_qualifiers, highest_reporting_limit
from app.domain.periods import ReportingWeek
from app.domain.rules_config import rule

PH_PARAMETER_CODE = "00400"
HUNDRED = Decimal(100)


class PhAveragingError(ValueError):
    """CALC-10: pH is logarithmic and is never averaged; the permit column asks for an average of it."""


@dataclass(frozen=True)
class Statistic:
    """An unrounded DMR statistic: its number, its qualifier (=, <, >) and review notes (code, reason)."""

    value: Decimal
    qualifier: str
    notes: tuple[tuple[str, str], ...] = ()

    @property
    def quantified(self) -> bool:
        return self.qualifier != NOT_DETECTED


def is_ph(parameter_code: str | None, unit: str | None) -> bool:
    return parameter_code == PH_PARAMETER_CODE or (unit is not None and unit.strip().casefold() == "su")


def ensure_may_average(parameter_code: str | None, unit: str | None, statistical_base: str = "average") -> None:
    """CALC-10: refuse any average of pH (parameter 00400, or anything measured in SU)."""
    if is_ph(parameter_code, unit):
        raise PhAveragingError(
            f"parameter {parameter_code or '?'} ({unit or 'no unit'}) is pH: a {statistical_base} would average "
            "pH, which is logarithmic; report the instantaneous minimum and maximum instead (RULES.md CALC-10)")


def _all_not_quantified(values: Sequence[DailyValue], what: str) -> Statistic:
    """ND-03: with no quantified result, report "<" the highest RL."""
    level = highest_reporting_limit(v.reporting_limit for v in values)
    if level is None:
        raise CalculationError(f"{what}: no result is quantified and none carries a reporting limit to "
                               "report '<' against")
    return Statistic(level, NOT_DETECTED)


def _ca_median(values: Sequence[DailyValue]) -> Statistic:
    """ND-02 ca_median: SIP median, non-detects ranked lowest, then DNQ, then quantified values."""
    ranked = sorted(values, key=lambda v: (KIND_RANK[v.kind], v.value if v.quantified else v.rank_value))
    middle = len(ranked) // 2
    if len(ranked) % 2:
        chosen = ranked[middle]
    else:
        lower, upper = ranked[middle - 1], ranked[middle]
        if not (lower.quantified and upper.quantified):
            # SIP: with an even count, if either middle value is ND or DNQ take the lower of the two.
            chosen = lower
        else:
            qualifier = GREATER_THAN if (lower.greater_than or upper.greater_than) else DETECTED
            return Statistic((lower.value + upper.value) / 2, qualifier)
    if chosen.quantified:
        return Statistic(chosen.value, GREATER_THAN if chosen.greater_than else DETECTED)
    # A DNQ median is below its RL by definition; "<RL" is the only true value the DMR can carry.
    return _all_not_quantified([chosen], "median")


def average(values: Sequence[DailyValue], rules: Mapping[str, Any], *, minimum: bool = False,
            weights: Mapping[date, Decimal] | None = None) -> Statistic | None:
    """CALC-02/CALC-03 with ND-02, ND-03, ND-06: the mean of daily values, divided by their count.

    `weights` (day → flow) makes it the flow-weighted mean; days without a weight are left out and
    named in a FLOW_MISSING_FOR_WEIGHTING note, because a guessed flow would change the number.
    """
    if not values:
        return None
    if not any(v.quantified for v in values):
        return _all_not_quantified(values, "average")
    if rule(rules, "nd.avg_substitution") == "ca_median" and not all(v.quantified for v in values):
        return _ca_median(values)
    notes: tuple[tuple[str, str], ...] = ()
    if weights is None:
        used = list(values)
        total = sum((v.value for v in used), Decimal(0)) / len(used)
    else:
        used = [v for v in values if v.day in weights]
        missing = [v.day.isoformat() for v in values if v.day not in weights]
        if missing:
            notes = (("FLOW_MISSING_FOR_WEIGHTING", f"no flow on {', '.join(missing)}; left out of the "
                      "flow-weighted average"),)
        total_flow = sum((weights[v.day] for v in used), Decimal(0))
        if total_flow <= 0:
            raise CalculationError("flow-weighted average: no positive flow on the sample days")
        total = sum((v.value * weights[v.day] for v in used), Decimal(0)) / total_flow
    used_less_than = any(not v.quantified or v.reporting_limit is not None for v in used)
    qualifier = combine_qualifiers(used_less_than, any(v.greater_than for v in used), minimum)
    return Statistic(total, qualifier, notes)


def monthly_average(values: Sequence[DailyValue], rules: Mapping[str, Any], *,
                    flows: Mapping[date, Decimal] | None = None, minimum: bool = False) -> Statistic | None:
    """CALC-02: arithmetic (default) or, with calc.average_method flow_weighted, weighted by daily flow."""
    if rule(rules, "calc.average_method") == "flow_weighted":
        if flows is None:
            raise CalculationError("calc.average_method flow_weighted needs the daily flows")
        return average(values, rules, minimum=minimum, weights=flows)
    return average(values, rules, minimum=minimum)


def maximum(values: Sequence[DailyValue]) -> Statistic | None:
    """CALC-04/CALC-05 with ND-04: the highest quantified value; "<RL" when nothing is quantified.

    If a non-detect's RL is above the detected maximum, the maximum is still reported, with a note.
    """
    if not values:
        return None
    quantified = [v for v in values if v.quantified]
    if not quantified:
        return _all_not_quantified(values, "maximum")
    top = max(quantified, key=lambda v: (v.value, v.greater_than))
    notes: tuple[tuple[str, str], ...] = ()
    level = highest_reporting_limit(v.reporting_limit for v in values)
    if level is not None and level > top.value:
        notes = (("ND_RL_ABOVE_DETECTED_MAXIMUM",
                  f"a non-detect's reporting limit {level} is above the detected maximum {top.value}"),)
    return Statistic(top.value, GREATER_THAN if top.greater_than else DETECTED, notes)


def minimum(values: Sequence[DailyValue]) -> Statistic | None:
    """CALC-04/CALC-05: the lowest value; a non-detect takes part as "<" its RL, never as a substitute.

    Substituting zero would invent a minimum nobody measured, so "<RL" wins whenever its RL is at or
    below every quantified value.
    """
    if not values:
        return None
    candidates: list[tuple[Decimal, int, str]] = []
    for v in values:
        if v.quantified:
            candidates.append((v.value, 1, GREATER_THAN if v.greater_than else DETECTED))
        elif v.reporting_limit is not None:
            candidates.append((v.reporting_limit, 0, NOT_DETECTED))
    if not candidates:
        return _all_not_quantified(values, "minimum")
    number, _, qualifier = min(candidates)
    return Statistic(number, qualifier)


def highest(statistics: Iterable[Statistic]) -> Statistic | None:
    """ND-04 over computed statistics (e.g. weekly averages): the highest quantified one, else "<" the highest."""
    statistics = list(statistics)
    if not statistics:
        return None
    quantified = [s for s in statistics if s.quantified]
    if not quantified:
        return max(statistics, key=lambda s: s.value)
    return max(quantified, key=lambda s: (s.value, s.qualifier == GREATER_THAN))


def weekly_averages(values: Sequence[DailyValue], weeks: Sequence[ReportingWeek],
                    rules: Mapping[str, Any]) -> list[tuple[ReportingWeek, Statistic]]:
    """CALC-03: the average of the daily values inside each assigned week; weeks without samples are skipped.

    `values` must cover the weekly window (periods.weekly_window), so a week straddling the month
    start uses the previous month's samples.
    """
    results = []
    for week in weeks:
        statistic = average([v for v in values if week.contains(v.day)], rules)
        if statistic is not None:
            results.append((week, statistic))
    return results


def geometric_mean(measurements: Sequence[Measurement], rules: Mapping[str, Any]) -> Statistic | None:
    """CALC-06: exp(mean(ln x)) over every result, with the calc.geomean substitutions.

    Zero becomes calc.geomean.zero (1); "<x" becomes x (or x/2 with lt = half_value); ">x" becomes
    x and the mean is reported ">" (ND-06: ">" carries even when it meets "<"). A DNQ enters as its
    estimate: the bacteria methods this serves do not report DNQ, and 0 would only turn into 1.
    """
    if not measurements:
        return None
    if all(m.qualifier == NOT_DETECTED for m in measurements):
        level = max(m.value for m in measurements)
        return Statistic(level, NOT_DETECTED)
    zero = rule(rules, "calc.geomean.zero")
    halve = rule(rules, "calc.geomean.lt") == "half_value"
    logarithms = []
    for m in measurements:
        x = m.value / 2 if (m.qualifier == NOT_DETECTED and halve) else m.value
        if x < 0:
            raise CalculationError(f"geometric mean: result {m.label} is negative")
        if x == 0:
            x = zero
        logarithms.append(x.ln())
    value = (sum(logarithms, Decimal(0)) / len(logarithms)).exp()
    used_greater_than = any(m.qualifier == GREATER_THAN for m in measurements)
    return Statistic(value, GREATER_THAN if used_greater_than else DETECTED)


def percent_removal(influent: Statistic, effluent: Statistic) -> Statistic:
    """CALC-09: (C̄in − C̄eff) / C̄in × 100 from the unrounded monthly averages; a minimum-type value.

    A bound on either average becomes a bound on the removal: effluent "<" means more removal than
    computed (">"), influent "<" means less ("<"). Opposite bounds decide nothing.
    """
    if influent.value <= 0:
        raise CalculationError("percent removal: the influent average is zero")
    removal = (influent.value - effluent.value) / influent.value * HUNDRED
    higher = effluent.qualifier == NOT_DETECTED or influent.qualifier == GREATER_THAN
    lower = influent.qualifier == NOT_DETECTED or effluent.qualifier == GREATER_THAN
    if higher and lower:
        raise CalculationError("percent removal: influent and effluent are both bounds, the removal is unknown")
    if higher:
        return Statistic(removal, GREATER_THAN)
    if lower:
        return Statistic(removal, NOT_DETECTED)
    return Statistic(removal, DETECTED)
