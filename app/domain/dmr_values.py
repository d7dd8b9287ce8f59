"""One monitored parameter's DMR values for a monitoring period: every slot, No. Ex, frequency and flags."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from app.domain.dmr_columns import AVERAGING_BASES, ColumnDefinition, ParameterDefinition, ParameterValues, SlotValue
from app.domain.excursions import PERIOD_UNIT, Excursion, count_excursions, counts_toward_excursions
from app.domain.mass_loading import FLOW_PARAMETER_CODE
from app.domain.measurements import CalculationError, Measurement
from app.domain.monitoring_frequency import check_frequency, parse_frequency
from app.domain.nondetects import INDETERMINATE, RL_ABOVE_LIMIT, VIOLATION
from app.domain.periods import MonitoringPeriod, weekly_window
from app.domain.rounding import format_reported, parse_limit, round_reported
# The shared working lives in its own module; its names are imported here too, where callers find them.
from app.domain.parameter_calculation import ParameterCalculation, effective_base, single_value  # noqa: F401
from app.domain.rules_config import rule
from app.domain.statistics import is_ph


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
