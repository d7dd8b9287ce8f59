"""The pretreatment SNC self-check (RULES.md section 6) over stored results, as CONTRACTS.md section 9."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from app.domain.daily_values import DailyValue, daily_values
from app.domain.mass_loading import FLOW_PARAMETER_CODE
from app.domain.measurements import DETECTED, GREATER_THAN, NOT_DETECTED, Measurement
from app.domain.permit_terms import facility_today
from app.domain.snc import AVERAGE_BASES, SncSeries, snc_self_check, snc_window
from app.domain.statistics import is_ph, monthly_average
from app.models.permit import MonitoredParameter
from app.services.exceedances import month_of
from app.services.monitoring_data import measurements_for, rules_of
from app.services.permit_overview import permit_by_number
from app.services.permits import permit_version_on


class SncError(ValueError):
    """The check cannot run as asked (unknown permit, NPDES permit, window end not a window end)."""


def _as_measurement(value: DailyValue, unit: str, code: str) -> Measurement | None:
    if value.quantified:
        qualifier = GREATER_THAN if value.greater_than else DETECTED
        return Measurement(value.value, value.day, unit, qualifier, parameter_code=code)
    if value.reporting_limit is None:
        return None
    return Measurement(value.reporting_limit, value.day, unit, NOT_DETECTED, parameter_code=code)


def _monthly_averages(results: list[Measurement], first: date, last: date, rules: dict[str, Any],
                      unit: str, code: str) -> tuple[Measurement, ...]:
    averages = []
    month = month_of(first)
    while month.start <= last:
        days = daily_values([m for m in results if month.contains(m.sample_date)], rules)
        statistic = monthly_average(days, rules) if days else None
        if statistic is not None:
            averages.append(Measurement(statistic.value, month.end, unit, statistic.qualifier, parameter_code=code))
        month = month_of(month.end + timedelta(days=1))
    return tuple(averages)


def _series_of(parameter: MonitoredParameter, results: list[Measurement], window: tuple[date, date],
               rules: dict[str, Any]) -> list[SncSeries]:
    """One series per limit type; pH's minimum and maximum form one range series (chronic only)."""
    columns = [c for c in parameter.columns if c.limit_text is not None and c.derived is None]
    if any(is_ph(parameter.code, c.unit) for c in columns):
        upper = next((Decimal(c.limit_text) for c in columns if not c.statistical_base.endswith("minimum")), None)
        lower = next((Decimal(c.limit_text) for c in columns if c.statistical_base.endswith("minimum")), None)
        return [SncSeries(parameter.code, "instantaneous_maximum", tuple(results), upper, lower)]
    series = []
    for column in columns:
        base, limit = column.statistical_base, Decimal(column.limit_text)
        minimum = base.endswith("minimum") or base == "percent_removal"
        if base.startswith("instantaneous"):
            values = tuple(results)
        else:
            values = tuple(m for m in (_as_measurement(v, column.unit, parameter.code)
                                       for v in daily_values(results, rules)) if m is not None)
        averages = (_monthly_averages(results, window[0], window[1], rules, column.unit, parameter.code)
                    if base in AVERAGE_BASES else None)
        series.append(SncSeries(parameter.code, base, values, None if minimum else limit,
                                limit if minimum else None, averages))
    return series


def run_snc_self_check(session: Session, permit_number: str, window_end: date, now: datetime) -> dict[str, Any]:
    permit = permit_by_number(session, permit_number)
    if permit is None:
        raise SncError(f"--permit: no permit numbered {permit_number!r}")
    if permit.program != "pretreatment":
        raise SncError(f"--permit: {permit_number} is an NPDES permit; the SNC self-check of 40 CFR "
                       "403.8(f)(2)(viii) applies to pretreatment permits")
    version = permit_version_on(permit, window_end)
    if version is None:
        raise SncError(f"--window-end: {window_end} is before permit {permit_number} took effect")
    rules = rules_of(version)
    try:
        window = snc_window(window_end, rules)
    except ValueError as error:
        raise SncError(f"--window-end: {error}") from None
    series: list[SncSeries] = []
    for outfall in version.outfalls:
        for parameter in outfall.parameters:
            if parameter.code == FLOW_PARAMETER_CODE:
                continue  # flow is not a pollutant: no Pretreatment Standard to be in SNC of
            results, _, _, _ = measurements_for(session, permit.id, parameter, window[0], window[1])
            series += _series_of(parameter, results, window, rules)
    # Submitted SMRs are not stored yet, so no report can be shown late here (SNC-F).
    as_of = facility_today(permit.facility.timezone, now)
    return snc_self_check(series, [], window_end, as_of, rules)

