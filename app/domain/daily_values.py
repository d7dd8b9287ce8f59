"""Daily values (RULES.md CALC-01): the one number per calendar day that DMR statistics are built from."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from app.domain.measurements import DETECTED, DETECTED_NOT_QUANTIFIED, GREATER_THAN, CalculationError, Measurement
from app.domain.nondetects import highest_reporting_limit, is_quantified, substitute_for_average
from app.domain.rules_config import rule

# The California SIP ranks non-detects lowest, then DNQ, then quantified values (ND-02 ca_median).
KIND_NOT_DETECTED = "nd"
KIND_DNQ = "dnq"
KIND_QUANTIFIED = "quantified"
KIND_RANK = {KIND_NOT_DETECTED: 0, KIND_DNQ: 1, KIND_QUANTIFIED: 2}


@dataclass(frozen=True)
class DailyValue:
    """A daily value (122.2 "daily discharge"), or for instantaneous bases one single measurement.

    `value` is carried at full precision with non-detects substituted per ND-02: it is the number
    averages use. `kind` is the best class among the results behind it; `reporting_limit` is the
    highest RL of its non-quantified results, used for "<RL" reporting (ND-03) and the ND-04 and
    ND-05 checks. `rank_value` orders values of one kind for the SIP median: the mean of the numbers
    as reported (the RL of a non-detect, the estimate of a DNQ).
    """

    day: date
    value: Decimal
    kind: str
    reporting_limit: Decimal | None
    greater_than: bool
    rank_value: Decimal
    measurements: tuple[Measurement, ...]

    @property
    def quantified(self) -> bool:
        return self.kind == KIND_QUANTIFIED

    def scaled(self, factor: Decimal) -> DailyValue:
        """The same day in another quantity, e.g. concentration × flow × 8.34 for a daily mass (CALC-07)."""
        return DailyValue(
            day=self.day,
            value=self.value * factor,
            kind=self.kind,
            reporting_limit=None if self.reporting_limit is None else self.reporting_limit * factor,
            greater_than=self.greater_than,
            rank_value=self.rank_value * factor,
            measurements=self.measurements,
        )


def _kind(measurements: Sequence[Measurement], rules: Mapping[str, Any]) -> str:
    if any(is_quantified(m, rules) for m in measurements):
        return KIND_QUANTIFIED
    if any(m.qualifier == DETECTED_NOT_QUANTIFIED for m in measurements):
        return KIND_DNQ
    return KIND_NOT_DETECTED


def _mean(numbers: Sequence[Decimal]) -> Decimal:
    return sum(numbers, Decimal(0)) / len(numbers)


def _day_value(day: date, samples: Sequence[Measurement], rules: Mapping[str, Any], method: str) -> DailyValue:
    if len(samples) == 1 and samples[0].qualifier in (DETECTED, GREATER_THAN):
        # Most days: one quantified result (a composite, a meter's reading). What the general path below
        # gives for it, without its lists: no RL to report "<" against, its own number (mean of one).
        only = samples[0]
        mean = _mean((only.value,))
        return DailyValue(day, only.value if method == "max_of_samples" else mean, KIND_QUANTIFIED, None,
                          only.qualifier == GREATER_THAN, mean, (only,))
    kind = _kind(samples, rules)
    non_quantified = [m for m in samples if not is_quantified(m, rules)]
    reporting_limit = highest_reporting_limit(m.reporting_limit for m in non_quantified)
    rank_value = _mean([m.value for m in samples])
    if method == "max_of_samples":
        # Older California standard provisions: the greatest concentration found that day. Only
        # quantified results can be the greatest (ND-04); a day of non-detects keeps its substitute.
        candidates = [m for m in samples if is_quantified(m, rules)] or list(samples)
        chosen = max(candidates, key=lambda m: (substitute_for_average(m, rules), m.qualifier == GREATER_THAN))
        return DailyValue(day, substitute_for_average(chosen, rules), kind, reporting_limit,
                          chosen.qualifier == GREATER_THAN, rank_value, tuple(samples))
    numbers = [substitute_for_average(m, rules) for m in samples]
    if method == "flow_weighted_mean" and len(samples) > 1:
        missing = [m.label for m in samples if m.flow is None]
        if missing:
            raise CalculationError(
                f"flow-weighted daily value for {day.isoformat()} needs the flow of every sample; "
                f"missing for {', '.join(missing)}")
        total_flow = sum((m.flow for m in samples), Decimal(0))
        if total_flow <= 0:
            raise CalculationError(f"flow-weighted daily value for {day.isoformat()}: the samples' flows sum to zero")
        value = sum((n * m.flow for n, m in zip(numbers, samples)), Decimal(0)) / total_flow
    else:
        value = _mean(numbers)
    greater_than = any(m.qualifier == GREATER_THAN for m in samples)
    return DailyValue(day, value, kind, reporting_limit, greater_than, rank_value, tuple(samples))


def daily_values(measurements: Iterable[Measurement], rules: Mapping[str, Any]) -> list[DailyValue]:
    """CALC-01: one value per sample day, in day order, as `calc.daily_value_from_multiple_samples` says.

    A single composite is its own daily value; several results on one day are combined (122.2: the
    average measurement over the day). Never use this for instantaneous bases; see instantaneous_values.
    """
    method = rule(rules, "calc.daily_value_from_multiple_samples")
    by_day: dict[date, list[Measurement]] = defaultdict(list)
    for m in measurements:
        by_day[m.sample_date].append(m)
    return [_day_value(day, by_day[day], rules, method) for day in sorted(by_day)]


def instantaneous_values(measurements: Iterable[Measurement], rules: Mapping[str, Any]) -> list[DailyValue]:
    """CALC-05: every result is its own measurement and is never averaged with others of its day."""
    ordered = sorted(measurements, key=lambda m: (m.sample_date, m.sampled_at is None, m.sampled_at or 0))
    return [_day_value(m.sample_date, [m], rules, "arithmetic_mean") for m in ordered]
