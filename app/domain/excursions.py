"""The DMR "No. Ex" count: excursions of one parameter's row in a monitoring period (RULES.md CALC-11)."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from app.domain.rules_config import rule

DAILY_BASES = ("daily_maximum", "daily_minimum")
INSTANTANEOUS_BASES = ("instantaneous_maximum", "instantaneous_minimum")
WEEKLY_BASES = ("weekly_average",)
# Statistics over the whole period: counted only with excursions.count_monthly_average.
PERIOD_BASES = ("monthly_average", "geometric_mean", "percent_removal")


@dataclass(frozen=True)
class Excursion:
    """One value beyond a limit: the DMR column (slot) and what was measured (`unit` of counting).

    `unit` is ("day", date) for daily and instantaneous values, ("reading", date, n) for a pH
    reading, ("week", first day) for a weekly average and ("period",) for a period statistic.
    """

    slot: str
    unit: tuple


def day_unit(day: date) -> tuple:
    return ("day", day)


def reading_unit(day: date, position: int) -> tuple:
    return ("reading", day, position)


def week_unit(first_day: date) -> tuple:
    return ("week", first_day)


PERIOD_UNIT = ("period",)


def counts_toward_excursions(statistical_base: str, rules: Mapping[str, Any]) -> bool:
    """CALC-11: daily and instantaneous values always count; weekly and monthly averages as configured."""
    if statistical_base in DAILY_BASES or statistical_base in INSTANTANEOUS_BASES:
        return True
    if statistical_base in WEEKLY_BASES:
        return rule(rules, "excursions.count_weekly_average")
    return rule(rules, "excursions.count_monthly_average")


def count_excursions(excursions: Iterable[Excursion], rules: Mapping[str, Any]) -> int:
    """CALC-11 `excursions.count_unit`.

    `sample_day_per_row` (default): one per sample day (or week, or period) in the DMR row, so a day
    above both the concentration and the mass maximum counts once. pH readings are the exception:
    CALC-10 counts each reading outside the range. `per_column` counts every column separately.
    """
    excursions = list(excursions)
    if rule(rules, "excursions.count_unit") == "per_column":
        return len({(e.slot, e.unit) for e in excursions})
    return len({e.unit for e in excursions})
