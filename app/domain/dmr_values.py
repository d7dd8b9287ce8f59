"""One monitored parameter's DMR values for a monitoring period: every slot, No. Ex, frequency and flags."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from app.domain.daily_values import DailyValue, daily_values, instantaneous_values
from app.domain.dmr_columns import (
    AVERAGING_BASES,
    ColumnDefinition,
    Flag,
    ParameterDefinition,
    ParameterValues,
    SlotValue,
)
from app.domain.excursions import (
    PERIOD_UNIT,
    Excursion,
    count_excursions,
    counts_toward_excursions,
    day_unit,
    reading_unit,
    week_unit,
)
from app.domain.mass_loading import FLOW_PARAMETER_CODE, DailyFlow, daily_flows, daily_masses
from app.domain.measurements import (
    DETECTED,
    GREATER_THAN,
    NOT_DETECTED,
    CalculationError,
    Measurement,
    SharedMeasurements,
)
from app.domain.monitoring_frequency import check_frequency, parse_frequency
from app.domain.nondetects import INDETERMINATE, RL_ABOVE_LIMIT, VIOLATION, judge
from app.domain.periods import MonitoringPeriod, weekly_window, weeks_for_period
from app.domain.rounding import comparison_value, format_reported, parse_limit, round_reported
from app.domain.rules_config import rule
from app.domain.statistics import (
    Statistic,
    average,
    ensure_may_average,
    geometric_mean,
    highest,
    is_ph,
    maximum,
    minimum,
    monthly_average,
    percent_removal,
    weekly_averages,
)

# CALC-05/CALC-10: pH is always read by single values, whatever the permit calls the column.
_PH_BASES = {"daily_maximum": "instantaneous_maximum", "daily_minimum": "instantaneous_minimum"}


def column_nodi(*, no_discharge: bool, conditional: bool, has_results: bool) -> str | None:
    """NODI-01/02: C when nothing was discharged all period, 9 when conditional monitoring was not
    triggered (a conditional parameter without results); otherwise a value is expected."""
    if no_discharge:
        return "C"
    if conditional and not has_results:
        return "9"
    return None


def dmr_measurement_window(period: MonitoringPeriod, rules: Mapping[str, Any]) -> tuple[date, date]:
    """The days whose results (and flows) a DMR needs: the period plus the days of its straddling weeks."""
    return weekly_window(period, rule(rules, "calc.week_start"), rule(rules, "calc.week_month_assignment"))


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


def _slot_value(calc: ParameterCalculation, column: ColumnDefinition, base: str) -> SlotValue:
    empty = SlotValue(column.statistical_base, None, None, column.unit, column.limit, False, None)
    try:
        statistic, values = calc.statistic(column, base)
    except CalculationError as error:
        calc.outcomes[column.slot] = error
        calc.flag("CALCULATION_NOT_POSSIBLE", str(error), column.slot)
        return empty
    calc.outcomes[column.slot] = (statistic, values)
    if statistic is None:
        return empty
    for code, reason in statistic.notes:
        calc.flag(code, reason, column.slot)
    if column.limit is not None and not column.minimum:
        limit = parse_limit(column.limit)
        high = sorted({v.day.isoformat() for v in values
                       if v.reporting_limit is not None and v.reporting_limit > limit})
        if high:
            calc.flag("RL_ABOVE_LIMIT", f"reporting limit above the limit {column.limit} on {', '.join(high)}; "
                      "not a violation, review method sensitivity (ND-05)", column.slot)
    if (rule(calc.rules, "nodi.allow_B") and base != "percent_removal" and values
            and not any(v.quantified for v in values)):
        return SlotValue(column.statistical_base, None, None, column.unit, column.limit, False, "B")
    rounded = round_reported(statistic.value, column.limit, calc.rules)
    verdict = calc.verdict(column, statistic)
    if verdict == RL_ABOVE_LIMIT:
        calc.flag("RL_ABOVE_LIMIT", f"reported <{format_reported(rounded)} is above the limit {column.limit}; "
                  "not a violation (ND-05)", column.slot)
    elif verdict == INDETERMINATE:
        calc.flag("QUALIFIED_VALUE_INDETERMINATE", f"{statistic.qualifier}{format_reported(rounded)} cannot be "
                  f"judged against the limit {column.limit}", column.slot)
    violation = verdict == VIOLATION
    period_statistic = base in AVERAGING_BASES and base != "weekly_average"
    if violation and period_statistic and counts_toward_excursions(base, calc.rules):
        calc.excursions.append(Excursion(column.slot, PERIOD_UNIT))
    return SlotValue(column.statistical_base, format_reported(rounded), statistic.qualifier, column.unit,
                     column.limit, violation, None)


def compute_parameter_values(parameter: ParameterDefinition, measurements: Sequence[Measurement],
                             period: MonitoringPeriod, rules: Mapping[str, Any], *,
                             flows: Sequence[Measurement] = (), influent: Sequence[Measurement] = (),
                             no_discharge: bool = False, declared_nodi: str | None = None) -> ParameterValues:
    """Every DMR value of one parameter for `period` (CALC-01 to CALC-12, ND-01 to ND-07, NODI).

    `measurements` are this parameter's results for dmr_measurement_window(period, rules) (results
    outside it are ignored); `flows` the outfall's flow results (parameter 50050) for the same window,
    used for mass columns and flow-weighted averages; `influent` the influent results for percent
    removal. `declared_nodi` (from `dmr set-nodi`) replaces every value. Raises PhAveragingError when
    a column would average pH: that is a permit definition error, not a data problem.
    """
    return calculate_parameter(parameter, measurements, period, rules, flows=flows, influent=influent,
                               no_discharge=no_discharge, declared_nodi=declared_nodi)[0]


def calculate_parameter(parameter: ParameterDefinition, measurements: Sequence[Measurement],
                        period: MonitoringPeriod, rules: Mapping[str, Any], *,
                        flows: Sequence[Measurement] = (), influent: Sequence[Measurement] = (),
                        no_discharge: bool = False, declared_nodi: str | None = None
                        ) -> tuple[ParameterValues, ParameterCalculation | None]:
    """compute_parameter_values, with the ParameterCalculation behind the values (None under a NODI).

    A DMR build hands the calculation on to dmr_derivation.derivations_of, so the pre-submission
    checks see each slot's working without computing the parameter a second time.
    """
    first, last = dmr_measurement_window(period, rules)
    window = [m for m in measurements if first <= m.sample_date <= last]
    in_period = [m for m in window if period.contains(m.sample_date)]
    units = {m.unit for m in window}
    bases = {c.slot: effective_base(parameter, c, units) for c in parameter.columns}
    nodi = declared_nodi or column_nodi(no_discharge=no_discharge, conditional=parameter.conditional,
                                        has_results=bool(in_period))
    if nodi is not None:
        values = {c.slot: SlotValue(c.statistical_base, None, None, c.unit, c.limit, False, nodi)
                  for c in parameter.columns}
        return ParameterValues(values, 0, parameter.frequency, parameter.sample_type, len(in_period)), None
    calc = ParameterCalculation(parameter, window, period, rules, flows, influent)
    values = {c.slot: _slot_value(calc, c, bases[c.slot]) for c in parameter.columns}
    if not in_period:
        calc.flag("NODI_REQUIRED", "no results in the period: declare a NODI (e.g. D lost sample, E no sample)")
    check = check_frequency(parse_frequency(parameter.frequency), window, period, rules)
    if not check.met:
        gaps = "; ".join(f"{s.start.isoformat()}..{s.end.isoformat()}: {s.actual} of {s.required}"
                         for s in check.shortfalls)
        calc.flag("MONITORING_FREQUENCY_NOT_MET", f"required {parameter.frequency}, short in {gaps}")
    late = [m.label for m in in_period if m.holding_time_exceeded]
    if late:
        calc.flag("HOLDING_TIME_EXCEEDED", "analysed after the holding time: " + ", ".join(late)
                  + "; reported, but it does not satisfy monitoring")
    ph_parameter = any(is_ph(parameter.code, c.unit) for c in parameter.columns)
    if ph_parameter and rule(rules, "ph.continuous_excursion_allowance"):
        # 40 CFR 401.17 needs excursion durations from the continuous record, which results do not carry;
        # every reading outside the range is counted instead, and the reviewer applies the allowance.
        calc.flag("PH_CONTINUOUS_ALLOWANCE_NOT_APPLIED", "ph.continuous_excursion_allowance is on, but the "
                  "7 h 26 min / 60 min allowance needs excursion durations; excursions are counted per reading")
    estimated = [m.label for m in in_period if m.estimated]
    if estimated:
        code = "ESTIMATED_FLOW" if parameter.code == FLOW_PARAMETER_CODE else "ESTIMATED_RESULT"
        calc.flag(code, "estimated: " + ", ".join(estimated))
    return ParameterValues(values, count_excursions(calc.excursions, rules), check.reported,
                           parameter.sample_type, len(in_period), tuple(calc.flags)), calc
