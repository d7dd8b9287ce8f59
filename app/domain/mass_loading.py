"""Daily flows and daily masses from concentration and same-day flow (RULES.md CALC-07, CALC-08)."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from app.domain.daily_values import DailyValue
from app.domain.measurements import CalculationError, Measurement
from app.domain.rules_config import rule

FLOW_PARAMETER_CODE = "50050"

# Flow to million gallons per day: the flow the 8.34 factor is defined for.
_FLOW_TO_MGD = {"mgd": Decimal(1), "gpd": Decimal("0.000001"), "gal/d": Decimal("0.000001")}
# Concentration to mg/L: the concentration the 8.34 and 3.785 factors are defined for.
_CONCENTRATION_TO_MG_PER_L = {"mg/l": Decimal(1), "ug/l": Decimal("0.001"), "µg/l": Decimal("0.001"),
                              "ng/l": Decimal("0.000001")}
_POUNDS_PER_DAY = ("lb/d", "lb/day", "lbs/d", "lbs/day")
_KILOGRAMS_PER_DAY = ("kg/d", "kg/day")
# kg/d = mg/L × MGD × 3.785 (one million US gallons is 3.785 million litres); RULES.md CALC-07.
KG_FACTOR = Decimal("3.785")


def flow_in_mgd(value: Decimal, unit: str) -> Decimal:
    """A flow in MGD; flow in gpd is divided by 10⁶ (CALC-07)."""
    try:
        return value * _FLOW_TO_MGD[unit.strip().casefold()]
    except KeyError:
        raise CalculationError(f"flow unit {unit!r}: expected MGD or gpd") from None


def mass_factor(concentration_unit: str, mass_unit: str, rules: Mapping[str, Any]) -> Decimal:
    """The factor turning concentration × flow (MGD) into a daily mass in `mass_unit`."""
    try:
        to_mg_per_l = _CONCENTRATION_TO_MG_PER_L[concentration_unit.strip().casefold()]
    except KeyError:
        raise CalculationError(f"concentration unit {concentration_unit!r} cannot give a mass; "
                               "expected mg/L, ug/L or ng/L") from None
    unit = mass_unit.strip().casefold()
    if unit in _POUNDS_PER_DAY:
        return to_mg_per_l * rule(rules, "calc.mass_factor_lb")
    if unit in _KILOGRAMS_PER_DAY:
        return to_mg_per_l * KG_FACTOR
    raise CalculationError(f"mass unit {mass_unit!r}: expected lb/d or kg/d")


@dataclass(frozen=True)
class DailyFlow:
    """A day's flow in MGD (CALC-08); `estimated` when any reading behind it was estimated."""

    day: date
    mgd: Decimal
    estimated: bool


def daily_flows(flow_measurements: Iterable[Measurement]) -> dict[date, DailyFlow]:
    """CALC-08: one flow per discharge day, the mean of that day's readings (usually one totalizer value)."""
    by_day: dict[date, list[Measurement]] = defaultdict(list)
    for m in flow_measurements:
        by_day[m.sample_date].append(m)
    flows = {}
    for day in sorted(by_day):
        readings = by_day[day]
        mgd = [flow_in_mgd(m.value, m.unit) for m in readings]
        flows[day] = DailyFlow(day, sum(mgd, Decimal(0)) / len(mgd), any(m.estimated for m in readings))
    return flows


@dataclass(frozen=True)
class DailyMasses:
    """Daily masses, with the concentration days that had no flow and the days whose flow was estimated."""

    values: list[DailyValue]
    days_without_flow: list[date]
    days_with_estimated_flow: list[date]


def _composite_period_flow(value: DailyValue) -> Decimal | None:
    flows = [m.flow for m in value.measurements]
    if not flows or any(f is None for f in flows):
        return None
    return sum(flows, Decimal(0)) / len(flows)


def daily_masses(concentrations: Sequence[DailyValue], flows: Mapping[date, DailyFlow],
                 concentration_unit: str, mass_unit: str, rules: Mapping[str, Any]) -> DailyMasses:
    """CALC-07: each day's mass = that day's concentration × that day's flow × factor.

    The concentration is the daily value with non-detects already substituted, so a non-detect's mass
    follows the concentration rule (zero gives 0, RL gives RL × Q × 8.34), and its "<" bound is
    scaled too. A day with a concentration but no flow has no mass; it is returned for a flag rather
    than guessed from another day's flow.
    """
    factor = mass_factor(concentration_unit, mass_unit, rules)
    source = rule(rules, "calc.mass_flow_source")
    masses, missing, estimated = [], [], []
    for value in concentrations:
        if source == "composite_period_flow":
            mgd, is_estimated = _composite_period_flow(value), False
        else:
            flow = flows.get(value.day)
            mgd, is_estimated = (None, False) if flow is None else (flow.mgd, flow.estimated)
        if mgd is None:
            missing.append(value.day)
            continue
        if is_estimated:
            estimated.append(value.day)
        masses.append(value.scaled(mgd * factor))
    return DailyMasses(masses, missing, estimated)
