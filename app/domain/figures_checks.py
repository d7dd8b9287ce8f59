"""The significant-figures checks of the pre-submission review: a reported value claiming more figures
than the lab measured (ND-07), or than the limit it is compared with."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from app.domain.daily_values import DailyValue
from app.domain.dmr_columns import Flag, ParameterDefinition, ParameterValues
from app.domain.dmr_derivation import SlotDerivation
from app.domain.measurements import NOT_DETECTED, Measurement
from app.domain.nondetects import substitute_for_average
from app.domain.rounding import decimal_places, significant_figures
from app.domain.rules_config import rule
from app.domain.statistics import maximum, minimum

FIGURES_BEYOND_LAB_PRECISION = "FIGURES_BEYOND_LAB_PRECISION"
FIGURES_BEYOND_LIMIT = "FIGURES_BEYOND_LIMIT"


def reported_place(value: Decimal, limit: str | None, rules: Mapping[str, Any]) -> int:
    """ND-07: the power of ten of the last figure the rounding rule kept (the string alone cannot say: "100")."""
    mode = rule(rules, "rounding.mode")
    if mode == "none":
        return int(value.as_tuple().exponent)
    if limit is None:
        return value.adjusted() - int(rule(rules, "rounding.report_only_sigfigs")) + 1
    if mode == "sigfigs_of_limit":
        return value.adjusted() - significant_figures(limit) + 1
    return -decimal_places(limit)


def _sum_figures(numbers: Sequence[tuple[Decimal, int]]) -> int | None:
    """Figures a mean may carry: those of the sum kept to its coarsest place (addition rule; n is exact)."""
    numbers = [(n, p) for n, p in numbers if not n.is_zero()]
    if not numbers:
        return None
    total = abs(sum((n for n, _ in numbers), Decimal(0)))
    if total.is_zero():
        return None
    return max(1, total.adjusted() - max(p for _, p in numbers) + 1)


def _own_place(number: Decimal) -> int:
    return int(number.as_tuple().exponent)


class _LabPrecision:
    """The figures the results behind a slot support, as the lab reported them (ND-07, NY DEC)."""

    def __init__(self, flows: Sequence[Measurement], rules: Mapping[str, Any]):
        self.rules = rules
        # Read once: a month's parameters ask for the figures of thousands of days.
        self._one_sample = rule(rules, "calc.daily_value_from_multiple_samples") == "max_of_samples"
        self._composite_flow = rule(rules, "calc.mass_flow_source") == "composite_period_flow"
        self.flows: dict[date, list[Measurement]] = defaultdict(list)
        for m in flows:
            self.flows[m.sample_date].append(m)
        # A daily value serves several slots (the monthly average and the daily maximum): count it once.
        # Keyed by identity: the derivations holding the values outlive this object.
        self._day_figures: dict[tuple[int, bool], int | None] = {}

    def day_figures(self, value: DailyValue, mass: bool) -> int | None:
        key = (id(value), mass)
        if key not in self._day_figures:
            self._day_figures[key] = self._count_day_figures(value, mass)
        return self._day_figures[key]

    def _count_day_figures(self, value: DailyValue, mass: bool) -> int | None:
        # Each result counts with the number it enters the day with (ND-02): a non-detect taken as 0 is exact
        # and limits nothing, one taken as its RL carries the RL's figures.
        numbers = [n for n in (substitute_for_average(m, self.rules) for m in value.measurements) if not n.is_zero()]
        if self._one_sample:
            figures = min((significant_figures(n) for n in numbers), default=None)  # one sample, not a sum
        else:
            figures = _sum_figures([(n, _own_place(n)) for n in numbers])
        if figures is None or not mass:
            return figures
        if self._composite_flow:
            readings = [m.flow for m in value.measurements if m.flow is not None]
        else:
            readings = [m.value for m in self.flows.get(value.day, ())]
        flow = _sum_figures([(r, _own_place(r)) for r in readings])
        # A mass is a product: it keeps the fewer figures of concentration and flow (8.34 is a defined factor).
        return figures if flow is None else min(figures, flow)

    def supported(self, derivation: SlotDerivation, qualifier: str, mass: bool) -> int | None:
        base, values = derivation.base, list(derivation.values)
        if qualifier == NOT_DETECTED:
            if mass:
                return None  # "<" a scaled RL: its figures come from RL and flow, which ND-07 does not combine
            rls = [m.value for v in values for m in v.measurements if m.qualifier == NOT_DETECTED]
            if not rls:
                return None
            # The "<" number is one RL as the lab wrote it: the lowest for a minimum, else the highest (ND-03).
            reported = min(rls) if base.endswith("minimum") else max(rls)
            return min(significant_figures(r) for r in rls if r == reported)
        if base == "geometric_mean":
            # A product and a root: the fewest figures of any result in it (a zero becomes an exact 1).
            numbers = [m.value for v in values for m in v.measurements if not m.value.is_zero()]
            return min(significant_figures(n) for n in numbers) if numbers else None
        if base.endswith(("maximum", "minimum")):
            extreme = (maximum if base.endswith("maximum") else minimum)(values)
            values = [v for v in values if extreme is not None and v.quantified and v.value == extreme.value]
            counts = [f for f in (self.day_figures(v, mass) for v in values) if f is not None]
            return min(counts) if counts else None
        days = []
        for v in values:
            figures = self.day_figures(v, mass)
            if figures is not None and not v.value.is_zero():
                days.append((v.value, v.value.adjusted() - figures + 1))
        return _sum_figures(days)


def figures_flags(parameter: ParameterDefinition, values: ParameterValues, derivations: Mapping[str, SlotDerivation],
                  rules: Mapping[str, Any], flows: Sequence[Measurement] = ()) -> list[Flag]:
    """ND-07: no more figures than the lab's precision allows, and (when not rounded to them) than the limit's."""
    lab, flags = _LabPrecision(flows, rules), []
    mode = rule(rules, "rounding.mode")
    for column in parameter.columns:
        slot, derivation = values.values.get(column.slot), derivations.get(column.slot)
        if slot is None or slot.value is None or derivation is None or derivation.problem:
            continue
        value = Decimal(slot.value)
        if value.is_zero() or derivation.base == "percent_removal":
            continue  # a zero has no figures; a removal's figures depend on a difference ND-07 gives no rule for
        claimed = value.adjusted() - reported_place(value, column.limit, rules) + 1
        supported = lab.supported(derivation, slot.qualifier, column.derived == "mass")
        if supported is not None and claimed > supported:
            flags.append(Flag(FIGURES_BEYOND_LAB_PRECISION, (
                f"reported {slot.qualifier if slot.qualifier != '=' else ''}{slot.value} carries {claimed} "
                f"significant figure(s), but the results behind it support {supported}: ND-07, no more figures "
                "than the lab's precision allows; confirm the lab's precision or report fewer figures"),
                parameter.code, column.slot))
        if column.limit is not None and mode != "sigfigs_of_limit" and claimed > significant_figures(column.limit):
            flags.append(Flag(FIGURES_BEYOND_LIMIT, (
                f"reported {slot.value} carries {claimed} significant figure(s), the limit {column.limit} is written "
                f"with {significant_figures(column.limit)}; rounding.mode is {mode}, and ND-07 (NY DEC) reports to "
                "the limit's figures: confirm the permit's rounding rule, as the extra figures can decide "
                "compliance"), parameter.code, column.slot))
    return flags
