"""The shared working of one parameter's DMR columns for a period: daily values, flows, each column's
statistic and verdict, computed once and read by the values, the derivations and the checks."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from app.domain.daily_values import DailyValue, daily_values, instantaneous_values
from app.domain.dmr_columns import AVERAGING_BASES, ColumnDefinition, Flag, ParameterDefinition
from app.domain.excursions import Excursion, day_unit, reading_unit, week_unit
from app.domain.mass_loading import FLOW_PARAMETER_CODE, DailyFlow, daily_flows, daily_masses
from app.domain.measurements import (DETECTED, GREATER_THAN, NOT_DETECTED, CalculationError, Measurement,
                                     SharedMeasurements)
from app.domain.nondetects import VIOLATION, judge
from app.domain.periods import MonitoringPeriod, weeks_for_period
from app.domain.rounding import comparison_value, parse_limit
from app.domain.rules_config import rule
from app.domain.statistics import (Statistic, average, ensure_may_average, geometric_mean, highest, is_ph, maximum,
                                   minimum, monthly_average, percent_removal, weekly_averages)

# CALC-05/CALC-10: pH is always read by single values, whatever the permit calls the column.
_PH_BASES = {"daily_maximum": "instantaneous_maximum", "daily_minimum": "instantaneous_minimum"}


def single_value(value: DailyValue) -> Statistic | None:
    """One daily value or reading as a qualified number, the way it would be reported alone."""
    if value.quantified:
        return Statistic(value.value, GREATER_THAN if value.greater_than else DETECTED)
    if value.reporting_limit is None:
        return None
    return Statistic(value.reporting_limit, NOT_DETECTED)



class ParameterCalculation:
    """The shared inputs of one parameter's columns, computed once and reused by every column."""

    def __init__(self, parameter: ParameterDefinition, window: list[Measurement], period: MonitoringPeriod,
                 rules: Mapping[str, Any], flows: Sequence[Measurement], influent: Sequence[Measurement]):
        self.parameter, self.period, self.rules = parameter, period, rules
        self.window = window
        self.in_period = [m for m in window if period.contains(m.sample_date)]
        self.flow_measurements = flows
        self._flows: dict[date, DailyFlow] | None = None
        self.influent = [m for m in influent if period.contains(m.sample_date)]
        self.flags: list[Flag] = []
        self.excursions: list[Excursion] = []
        self._daily: list[DailyValue] | None = None
        self._instantaneous: list[DailyValue] | None = None
        # slot -> (statistic, values) or the CalculationError: what each column's value came from, kept
        # so the derivations and pre-submission checks read the same working instead of redoing it.
        self.outcomes: dict[str, tuple[Statistic | None, list[DailyValue]] | CalculationError] = {}
        self._verdicts: dict[tuple[str, Decimal, str], str | None] = {}

    @property
    def flows(self) -> dict[date, DailyFlow]:
        # Lazy, so a bad flow unit becomes a CALCULATION_NOT_POSSIBLE flag on the columns that need flow.
        if self._flows is None:
            if isinstance(self.flow_measurements, SharedMeasurements):
                # An outfall's flow, read alike by each of its parameters: its daily flows are worked out once.
                self._flows = dict(self.flow_measurements.derived("daily_flows", daily_flows))
            else:
                self._flows = daily_flows(self.flow_measurements)
        return self._flows

    def flag(self, code: str, reason: str, slot: str | None = None) -> None:
        if not any(f.code == code and f.slot == slot for f in self.flags):
            self.flags.append(Flag(code, reason, self.parameter.code, slot))

    def concentration_unit(self) -> str:
        units = {m.unit for m in self.window}
        if len(units) != 1:
            raise CalculationError(f"results are in several units ({', '.join(sorted(units))}); convert them "
                                   "to the limit's unit before computing a mass")
        return units.pop()

    def series(self, column: ColumnDefinition, base: str, whole_window: bool = False) -> list[DailyValue]:
        if base.startswith("instantaneous"):
            # pH's minimum and maximum read the same readings: order them once.
            if self._instantaneous is None:
                self._instantaneous = instantaneous_values(self.in_period, self.rules)
            values = self._instantaneous
        else:
            if self._daily is None:
                self._daily = daily_values(self.window, self.rules)
            values = self._daily
        if column.effective is None and column.expires is None:
            # A column in force all along (most are): only the period's own days are picked, when asked.
            start, end = self.period.start, self.period.end
            values = list(values) if whole_window else [v for v in values if start <= v.day <= end]
        else:
            values = [v for v in values if column.applies_on(v.day) and (whole_window or self.period.contains(v.day))]
        if column.derived == "mass":
            masses = daily_masses(values, self.flows, self.concentration_unit(), column.unit, self.rules)
            if masses.days_without_flow:
                self.flag("FLOW_MISSING_FOR_MASS", "no flow on " + ", ".join(
                    d.isoformat() for d in masses.days_without_flow) + "; no mass computed for those days",
                    column.slot)
            if masses.days_with_estimated_flow:
                self.flag("ESTIMATED_FLOW", "mass uses estimated flow on " + ", ".join(
                    d.isoformat() for d in masses.days_with_estimated_flow), column.slot)
            values = masses.values
        return values

    def judge_each(self, column: ColumnDefinition, values: Sequence[DailyValue], per_reading: bool) -> None:
        """CALC-11: every daily value or reading beyond the limit is an excursion of that day (or reading)."""
        for position, value in enumerate(values):
            single = single_value(value)
            if single is None or self.verdict(column, single) != VIOLATION:
                continue
            unit = reading_unit(value.day, position) if per_reading else day_unit(value.day)
            self.excursions.append(Excursion(column.slot, unit))

    def verdict(self, column: ColumnDefinition, statistic: Statistic) -> str | None:
        if column.limit is None:
            return None
        # A month of pH readings repeats the same few values: each (value, qualifier) is judged once
        # per column. The key compares numbers, not digits, which is all rounding and judging look at.
        key = (column.slot, statistic.value, statistic.qualifier)
        if key not in self._verdicts:
            compared = comparison_value(statistic.value, column.limit, self.rules)
            self._verdicts[key] = judge(compared, statistic.qualifier, parse_limit(column.limit), column.minimum)
        return self._verdicts[key]

    def month_average(self, column: ColumnDefinition, values: Sequence[DailyValue]) -> Statistic | None:
        if not values:
            return None
        if column.derived == "mass" or self.parameter.code == FLOW_PARAMETER_CODE:
            # CALC-07: the mean of the daily masses, never mean concentration × mean flow; and
            # CALC-08: flow is averaged plainly (weighting flow by itself means nothing).
            return average(values, self.rules)
        weights = {day: flow.mgd for day, flow in self.flows.items()}
        return monthly_average(values, self.rules, flows=weights)

    def statistic(self, column: ColumnDefinition, base: str) -> tuple[Statistic | None, list[DailyValue]]:
        if base == "percent_removal":
            if column.derived == "mass":
                raise CalculationError("percent removal is computed from concentrations, not masses")
            influent = average(daily_values(self.influent, self.rules), self.rules)
            effluent = average(self.series(column, base), self.rules)
            if influent is None or effluent is None:
                raise CalculationError("percent removal needs influent and effluent results in the period")
            return percent_removal(influent, effluent), []
        if base == "geometric_mean":
            if column.derived == "mass":
                raise CalculationError("a geometric mean of masses is not defined by the rules")
            selected = [m for m in self.in_period if column.applies_on(m.sample_date)]
            return geometric_mean(selected, self.rules), instantaneous_values(selected, self.rules)
        if base == "weekly_average":
            weeks = weeks_for_period(self.period, rule(self.rules, "calc.week_start"),
                                     rule(self.rules, "calc.week_month_assignment"))
            window_values = self.series(column, base, whole_window=True)
            weekly = weekly_averages(window_values, weeks, self.rules)
            borrowed = sorted({v.day.isoformat() for week, _ in weekly for v in window_values
                               if week.contains(v.day) and not self.period.contains(v.day)})
            if borrowed:
                # CALC-03: Colorado also says a sample may serve one reporting period only.
                self.flag("WEEK_USES_OTHER_PERIOD_SAMPLES", "weekly average uses samples of "
                          + ", ".join(borrowed) + " from outside the period; confirm with the permit writer",
                          column.slot)
            if rule(self.rules, "excursions.count_weekly_average"):
                for week, statistic in weekly:
                    if self.verdict(column, statistic) == VIOLATION:
                        self.excursions.append(Excursion(column.slot, week_unit(week.calendar_week.start)))
            return highest(s for _, s in weekly), [v for v in window_values if self.period.contains(v.day)]
        values = self.series(column, base)
        if base == "monthly_average":
            months = self.period.months()
            if len(months) > 1:
                # A quarterly or semiannual report (SMR) holds several calendar months: each month's
                # average is judged against the monthly limit, and the highest is reported (122.2:
                # the average is over a calendar month, never over six).
                monthly = [self.month_average(column, [v for v in values if first <= v.day <= last])
                           for first, last in months]
                return highest(s for s in monthly if s is not None), values
            return self.month_average(column, values), values
        per_reading = base.startswith("instantaneous") and is_ph(self.parameter.code, column.unit)
        self.judge_each(column, values, per_reading)
        if base.endswith("maximum"):
            return maximum(values), values
        return minimum(values), values


def effective_base(parameter: ParameterDefinition, column: ColumnDefinition, units: set[str]) -> str:
    base = column.statistical_base
    if not (is_ph(parameter.code, column.unit) or any(is_ph(None, u) for u in units)):
        return base
    if base in AVERAGING_BASES:
        ensure_may_average(parameter.code, "SU", base)  # raises: this column would average pH
    return _PH_BASES.get(base, base)
