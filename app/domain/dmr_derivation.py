"""Why a DMR value is what it is: the daily values behind one slot and the rules, by RULES.md ID, that made it."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from app.domain.daily_values import DailyValue, daily_values
from app.domain.dmr_columns import ColumnDefinition, ParameterDefinition
from app.domain.dmr_values import ParameterCalculation, dmr_measurement_window, effective_base, single_value
from app.domain.mass_loading import FLOW_PARAMETER_CODE, DailyFlow
from app.domain.measurements import CalculationError, Measurement
from app.domain.periods import MonitoringPeriod
from app.domain.rounding import decimal_places, format_reported, round_to_significant_figures, significant_figures
from app.domain.rules_config import rule
from app.domain.statistics import is_ph

# Shown, not reported: enough digits to check a hand calculation without the 28 of a Decimal quotient.
DISPLAY_FIGURES = 10

_BASE_RULES = {
    "monthly_average": "CALC-02 monthly average: the sum of the daily values in the calendar month divided by "
                       "their number (not by the days in the month)",
    "weekly_average": "CALC-03 weekly average: the highest of the calendar-week means assigned to the period",
    "daily_maximum": "CALC-04 daily maximum: the highest daily value of the period",
    "daily_minimum": "CALC-04 daily minimum: the lowest daily value of the period",
    "instantaneous_maximum": "CALC-05 instantaneous maximum: the highest single measurement, never averaged",
    "instantaneous_minimum": "CALC-05 instantaneous minimum: the lowest single measurement, never averaged",
    "geometric_mean": "CALC-06 geometric mean of every result in the period",
    "percent_removal": "CALC-09 percent removal: (influent average - effluent average) / influent average x 100, "
                       "from unrounded averages",
}


@dataclass(frozen=True)
class SlotDerivation:
    """One slot's working: the base actually computed, the values it used and the rules applied."""

    slot: str
    base: str  # pH maxima and minima are computed as instantaneous whatever the permit calls them (CALC-10)
    rules: tuple[str, ...]
    rounding: str
    unrounded: str | None = None  # the statistic before ND-07 rounding, as a decimal string
    values: tuple[DailyValue, ...] = ()
    influent: tuple[DailyValue, ...] = ()
    flows: Mapping[date, DailyFlow] = field(default_factory=dict)  # mass columns: the flow of each day
    problem: str | None = None  # why no value could be computed


def display_decimal(value: Decimal) -> str:
    """A full-precision number cut to DISPLAY_FIGURES significant figures, marked when it was cut."""
    if len(value.as_tuple().digits) <= DISPLAY_FIGURES:
        return format_reported(value)
    return format_reported(round_to_significant_figures(value, DISPLAY_FIGURES)) + "…"


def as_reported(value: DailyValue) -> str:
    """A daily value as it would be reported alone: "<RL" for a non-detect (ND-01), ">x" when so qualified."""
    statistic = single_value(value)
    if statistic is None:
        return "—"
    prefix = "" if statistic.qualifier == "=" else statistic.qualifier
    return prefix + display_decimal(statistic.value)


def rounding_rule(limit: str | None, rules: Mapping[str, Any]) -> str:
    """ND-07 as configured for this column: how many figures, how ties break, what is compared."""
    mode, tie_break = rule(rules, "rounding.mode"), rule(rules, "rounding.tie_break").replace("_", " ")
    if mode == "none":
        how = "reported at full precision (rounding.mode none)"
    elif limit is None:
        how = (f"{rule(rules, 'rounding.report_only_sigfigs')} significant figures, the report-only default "
               "(rounding.report_only_sigfigs)")
    elif mode == "sigfigs_of_limit":
        how = f"{significant_figures(limit)} significant figure(s), as the limit {limit} is written (sigfigs_of_limit)"
    else:
        how = f"{decimal_places(limit)} decimal place(s), as the limit {limit} is written (decimals_of_limit)"
    judged = "rounded" if rule(rules, "rounding.compare_after_rounding") else "unrounded"
    return f"ND-07 {how}; ties round {tie_break}; compliance judged on the {judged} value"


def base_rules(parameter: ParameterDefinition, column: ColumnDefinition, base: str,
               rules: Mapping[str, Any], months: int = 1) -> tuple[str, ...]:
    """The RULES.md rules that produced a value of `base`, one line each, with the permit's settings."""
    lines = [_BASE_RULES[base]]
    single = base.startswith("instantaneous") or base == "geometric_mean"
    if not single:
        lines.append(f"CALC-01 daily value: {rule(rules, 'calc.daily_value_from_multiple_samples').replace('_', ' ')}"
                     " of the day's results")
    if base == "monthly_average" and months > 1:
        lines.append(f"CALC-02 each of the {months} calendar months is averaged; the highest average is reported")
    if base == "monthly_average" and rule(rules, "calc.average_method") == "flow_weighted" \
            and column.derived is None and parameter.code != FLOW_PARAMETER_CODE:
        lines.append("CALC-02 weighted by each day's flow (calc.average_method flow_weighted)")
    if base == "weekly_average":
        lines.append(f"CALC-03 weeks start on {rule(rules, 'calc.week_start')}; a week that straddles two periods "
                     f"is assigned by {rule(rules, 'calc.week_month_assignment').replace('_', ' ')}")
    if column.derived == "mass":
        lines.append(f"CALC-07 mass: each day's concentration x that day's flow (MGD) x "
                     f"{rule(rules, 'calc.mass_factor_lb')} for lb/d; an average is the mean of the daily masses")
    if parameter.code == FLOW_PARAMETER_CODE:
        lines.append("CALC-08 flow: the daily flows averaged plainly")
    if is_ph(parameter.code, column.unit):
        lines.append("CALC-10 pH: single readings only, never averaged; each reading outside the range is an "
                     "excursion")
    if base == "geometric_mean":
        lines.append(f"CALC-06 a zero counts as {rule(rules, 'calc.geomean.zero')}; \"<x\" counts as "
                     f"{rule(rules, 'calc.geomean.lt').replace('_', ' ')}")
    elif base in ("monthly_average", "weekly_average", "percent_removal"):
        lines.append(f"ND-02 a non-detect counts as {rule(rules, 'nd.avg_substitution').replace('_', ' ')} in an "
                     "average, and still counts in n; ND-03 when none is quantified, \"<\" the highest RL is reported")
    else:
        lines.append("ND-04 the extreme is the extreme quantified value; when none is quantified, \"<\" the highest "
                     "RL is reported (ND-03)")
    if column.limit is not None:
        side = "below" if column.minimum else "above"
        lines.append(f"ND-07 a violation is a reported value strictly {side} the limit {column.limit}; an RL above "
                     "the limit is flagged, not a violation (ND-05)")
    return tuple(lines)


def derive_parameter(parameter: ParameterDefinition, measurements: Sequence[Measurement], period: MonitoringPeriod,
                     rules: Mapping[str, Any], *, flows: Sequence[Measurement] = (),
                     influent: Sequence[Measurement] = ()) -> dict[str, SlotDerivation]:
    """Each slot's derivation, computed by the same ParameterCalculation the DMR values come from.

    Takes what compute_parameter_values takes; a declared NODI is the caller's to show, as it
    replaces the values rather than deriving them.
    """
    first, last = dmr_measurement_window(period, rules)
    window = [m for m in measurements if first <= m.sample_date <= last]
    return _derive(ParameterCalculation(parameter, window, period, rules, flows, influent), computed=False)


def derivations_of(calc: ParameterCalculation) -> dict[str, SlotDerivation]:
    """The derivations of the calculation calculate_parameter made the values with, from its kept outcomes.

    Equal to derive_parameter on the same inputs; each slot's statistic is not computed again.
    """
    return _derive(calc, computed=True)


def _derive(calc: ParameterCalculation, computed: bool) -> dict[str, SlotDerivation]:
    parameter, period, rules = calc.parameter, calc.period, calc.rules
    units = {m.unit for m in calc.window}
    derived = {}
    for column in parameter.columns:
        base = effective_base(parameter, column, units)
        lines = base_rules(parameter, column, base, rules, len(period.months()))
        rounding = rounding_rule(column.limit, rules)
        try:
            outcome = calc.outcomes[column.slot] if computed else calc.statistic(column, base)
            if isinstance(outcome, CalculationError):
                raise outcome
            statistic, values = outcome
            influent_values: list[DailyValue] = []
            if base == "percent_removal":
                values, influent_values = calc.series(column, base), daily_values(calc.influent, rules)
            elif base == "weekly_average":
                # CALC-03: a straddling week's days in the neighbouring period count too; show them.
                values = calc.series(column, base, whole_window=True)
            day_flows = calc.flows if column.derived == "mass" else {}
        except CalculationError as error:
            derived[column.slot] = SlotDerivation(column.slot, base, lines, rounding, problem=str(error))
            continue
        derived[column.slot] = SlotDerivation(
            column.slot, base, lines, rounding,
            unrounded=None if statistic is None else display_decimal(statistic.value),
            values=tuple(values), influent=tuple(influent_values), flows=day_flows,
            problem=None if values or statistic is not None else "no result in the period")
    return derived
