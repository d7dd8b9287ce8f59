"""Every value beyond a limit in one calendar month, each with the unit it was judged on.

The DMR reports one statistic per column; notification rules need each exceeding day, reading,
week or monthly statistic on its own, because each has its own awareness time (RULES.md 5.1).
The numbers come from the same calculation the DMR uses (dmr_values), so the two never disagree.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from app.domain.daily_values import DailyValue
from app.domain.dmr_columns import ColumnDefinition, ParameterDefinition
from app.domain.dmr_values import ParameterCalculation, effective_base, single_value, dmr_measurement_window
from app.domain.measurements import CalculationError, Measurement
from app.domain.nondetects import VIOLATION
from app.domain.periods import MonitoringPeriod, weeks_for_period
from app.domain.rounding import format_reported, round_reported
from app.domain.rules_config import rule
from app.domain.statistics import PhAveragingError, Statistic, is_ph, weekly_averages

SINGLE_VALUE_BASES = ("daily_maximum", "daily_minimum", "instantaneous_maximum", "instantaneous_minimum")
PERIOD_BASES = ("monthly_average", "geometric_mean", "percent_removal")


@dataclass(frozen=True)
class Finding:
    """One exceedance: which column, which unit of evaluation, the reported value and the results behind it.

    `statistical_base` is the column's base as the permit words it; `value` is the reported
    (rounded, ND-07) value that was judged against `limit`.
    """

    slot: str
    statistical_base: str
    evaluation_key: str
    first_day: date
    last_day: date
    value: str
    qualifier: str
    limit: str
    unit: str
    sample_ids: tuple[str, ...]


def _sample_ids(values: Iterable[DailyValue]) -> tuple[str, ...]:
    ids = {m.sample_id for v in values for m in v.measurements if m.sample_id}
    return tuple(sorted(ids))


def _finding(calc: ParameterCalculation, column: ColumnDefinition, statistic: Statistic, key: str, first: date, last: date,
             values: Sequence[DailyValue]) -> Finding:
    reported = format_reported(round_reported(statistic.value, column.limit, calc.rules))
    ids = set(_sample_ids(values))
    if column.derived == "mass":
        # A daily mass is known only once its flow is in too: the flow results belong to the finding.
        days = {v.day for v in values}
        ids |= {m.sample_id for m in calc.flow_measurements if m.sample_date in days and m.sample_id}
    return Finding(column.slot, column.statistical_base, key, first, last, reported, statistic.qualifier,
                   column.limit, column.unit, tuple(sorted(ids)))


def _single_value_findings(calc: ParameterCalculation, column: ColumnDefinition, base: str) -> list[Finding]:
    values = calc.series(column, base)
    per_reading = base.startswith("instantaneous")
    findings = []
    for value in values:
        single = single_value(value)
        if single is None or calc.verdict(column, single) != VIOLATION:
            continue
        if per_reading:
            # CALC-05: each reading stands alone; its sample id tells two readings of one day apart.
            reading = value.measurements[0]
            key = f"reading:{value.day.isoformat()}:{reading.sample_id or reading.sampled_at or ''}"
        else:
            key = f"day:{value.day.isoformat()}"
        findings.append(_finding(calc, column, single, key[:40], value.day, value.day, [value]))
    return findings


def _weekly_findings(calc: ParameterCalculation, column: ColumnDefinition, base: str) -> list[Finding]:
    weeks = weeks_for_period(calc.period, rule(calc.rules, "calc.week_start"),
                             rule(calc.rules, "calc.week_month_assignment"))
    window_values = calc.series(column, base, whole_window=True)
    findings = []
    for week, statistic in weekly_averages(window_values, weeks, calc.rules):
        if calc.verdict(column, statistic) != VIOLATION:
            continue
        inside = [v for v in window_values if week.contains(v.day)]
        key = f"week:{week.calendar_week.start.isoformat()}"
        findings.append(_finding(calc, column, statistic, key, week.start, week.end, inside))
    return findings


def _period_findings(calc: ParameterCalculation, column: ColumnDefinition, base: str) -> list[Finding]:
    statistic, values = calc.statistic(column, base)
    if statistic is None or calc.verdict(column, statistic) != VIOLATION:
        return []
    behind = values or [v for v in calc.series(column, "daily_maximum")]
    return [_finding(calc, column, statistic, f"period:{calc.period.label}", calc.period.start, calc.period.end,
                     behind)]


def find_exceedances(parameter: ParameterDefinition, measurements: Sequence[Measurement],
                     month: MonitoringPeriod, rules: Mapping[str, Any], *,
                     flows: Sequence[Measurement] = (), influent: Sequence[Measurement] = ()) -> list[Finding]:
    """Each exceedance of `parameter`'s limits whose unit of evaluation belongs to `month`.

    Daily and instantaneous limits are judged day by day (reading by reading), weekly averages
    week by week (weeks assigned to the month, CALC-03), and monthly averages, geometric means and
    percent removal once for the month. Report-only columns never exceed. A column the data cannot
    compute (no flow for a mass, no influent for a removal) finds nothing here: the DMR flags it.
    """
    first, last = dmr_measurement_window(month, rules)
    window = [m for m in measurements if first <= m.sample_date <= last]
    calc = ParameterCalculation(parameter, window, month, rules, flows, influent)
    units = {m.unit for m in window}
    findings: list[Finding] = []
    for column in parameter.columns:
        if column.limit is None:
            continue
        try:
            base = effective_base(parameter, column, units)
            if base in SINGLE_VALUE_BASES:
                findings += _single_value_findings(calc, column, base)
            elif base == "weekly_average":
                findings += _weekly_findings(calc, column, base)
            elif base in PERIOD_BASES:
                findings += _period_findings(calc, column, base)
        except (CalculationError, PhAveragingError):
            continue
    return findings


def is_ph_parameter(parameter: ParameterDefinition) -> bool:
    return any(is_ph(parameter.code, c.unit) for c in parameter.columns)
