"""The data behind a trend chart: results, the limits in force over their own dates, monthly averages."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.daily_values import daily_values
from app.domain.dmr_columns import MINIMUM_BASES
from app.domain.measurements import CalculationError, Measurement
from app.domain.periods import parse_period
from app.domain.rounding import parse_limit
from app.domain.spreadsheet_cells import safe_cell
from app.domain.statistics import is_ph, monthly_average
from app.domain.trend_chart import AverageStep, LimitLine, Point, render_trend_svg
from app.models.compliance import ACTIVE, Exceedance
from app.models.permit import MonitoredParameter, Permit
from app.services.monitoring_data import current_results, measurement_of, rules_of
from app.services.permit_overview import permit_by_number
from app.services.permits import permit_version_on
from app.services.sampling_schedule import version_spans

MAX_DAYS = 3700  # ten years and a little: the longest range a chart draws
# Far enough for any permit's records, near enough that month arithmetic never leaves the calendar.
EARLIEST, LATEST = date(1900, 1, 1), date(2999, 12, 31)
CSV_FIELDS = ["date", "sample_id", "qualifier", "value", "unit", "beyond_limit", "exceedances"]


class TrendError(ValueError):
    """The chart cannot be drawn as asked; the message names the field."""


@dataclass(frozen=True)
class Trend:
    title: str
    unit: str
    first: date
    last: date
    points: list[Point]
    limits: list[LimitLine]
    averages: list[AverageStep]
    rows: list[dict]  # the data as CSV rows
    left_out: int = 0  # results in a unit the limit's cannot be converted from: listed, not drawn

    def svg(self, declaration: bool = True) -> bytes:
        return render_trend_svg(self.title, self.unit, self.first, self.last, self.points, self.limits,
                                self.averages, declaration=declaration)

    def svg_markup(self) -> str:
        """The chart to place inline in a page (its tooltips then work), built by the same renderer."""
        return self.svg(declaration=False).decode("utf-8")


def _parameter(permit: Permit, outfall: str, code: str, location: str | None) -> MonitoredParameter | None:
    for version in sorted(permit.versions, key=lambda v: v.version, reverse=True):
        for o in version.outfalls:
            if o.feature_id == outfall:
                for p in o.parameters:
                    if p.code == code and (location is None or p.monitoring_location == location):
                        return p
    return None


def _limit_lines(permit: Permit, outfall: str, code: str, location: str) -> list[LimitLine]:
    """Each measured (not mass) limit of every version, over the days that version and column governed."""
    limits = []
    for version, span_first, span_last in version_spans(permit):
        for o in version.outfalls:
            for p in o.parameters:
                if (o.feature_id, p.code, p.monitoring_location) != (outfall, code, location):
                    continue
                for c in p.columns:
                    if c.limit_text is None or c.derived is not None:
                        continue
                    try:
                        value = parse_limit(c.limit_text)
                    except ValueError:
                        continue  # a limit that is no number cannot be drawn; the permit page shows it
                    a, b = max(span_first, c.effective or span_first), min(span_last, c.expires or span_last)
                    if a <= b:
                        label = f"{c.statistical_base.replace('_', ' ')} {c.limit_text} {c.unit} (v{version.version})"
                        limits.append(LimitLine(label, value, a, b, c.statistical_base in MINIMUM_BASES))
    return limits


def _exceedances(session: Session, permit: Permit, outfall: str, code: str, location: str, first: date,
                 last: date) -> tuple[dict[str, list[str]], set[str]]:
    """(what each sample is beyond, by sample id; the months whose average is beyond a limit in `unit`)."""
    beyond: dict[str, list[str]] = defaultdict(list)
    months: set[tuple[str, str]] = set()
    for e in session.scalars(select(Exceedance).where(
            Exceedance.permit_id == permit.id, Exceedance.outfall == outfall, Exceedance.parameter_code == code,
            Exceedance.monitoring_location == location, Exceedance.status == ACTIVE,
            Exceedance.last_day >= first, Exceedance.first_day <= last).order_by(Exceedance.first_day, Exceedance.id)):
        if e.evaluation_key.startswith("period:"):
            if e.statistical_base == "monthly_average":
                months.add((e.evaluation_key.split(":", 1)[1], e.unit))
            continue
        if e.evaluation_key.startswith("week:"):
            continue  # a weekly average is no single result's doing; the chart draws no weekly line
        for sample_id in e.sample_ids or []:
            beyond[sample_id].append(f"{e.statistical_base.replace('_', ' ')} {e.limit_text} {e.unit}")
    return beyond, months


def _averages(permit: Permit, code: str, unit: str, measurements: list[Measurement], first: date, last: date,
              months_beyond: set[tuple[str, str]]) -> list[AverageStep]:
    """Each calendar month's average as the DMR computes it, under the rules of the version then in force."""
    if is_ph(code, unit):
        return []  # CALC-10: pH is logarithmic and is never averaged
    averages, month = [], parse_period(f"{first:%Y-%m}")
    while month.start <= last:
        inside = [m for m in measurements if month.contains(m.sample_date)]
        version = permit_version_on(permit, month.end) or permit.versions[-1]
        rules = rules_of(version)
        try:
            statistic = monthly_average(daily_values(inside, rules), rules) if inside else None
        except CalculationError:
            statistic = None  # e.g. a flow-weighted average without flows: the DMR page explains it
        if statistic is not None:
            averages.append(AverageStep(month.start, month.end, statistic.value,
                                        (month.label, unit) in months_beyond))
        month = parse_period(f"{(month.end + timedelta(days=1)):%Y-%m}")
    return averages


def _label(m: Measurement, beyond: list[str]) -> str:
    text = f"{m.sample_id} {m.sample_date.isoformat()}: {'' if m.qualifier == '=' else m.qualifier}{m.value} {m.unit}"
    return text + (f" — beyond {'; '.join(beyond)}" if beyond else "")


def build_trend(session: Session, permit_number: str, outfall: str, code: str, first: date, last: date,
                location: str | None = None) -> Trend:
    permit = permit_by_number(session, permit_number)
    if permit is None or not permit.versions:
        raise TrendError(f"permit: no permit numbered {permit_number!r}")
    if first < EARLIEST or last > LATEST:
        raise TrendError(f"dates: between {EARLIEST.isoformat()} and {LATEST.isoformat()}")
    if last < first or (last - first).days > MAX_DAYS:
        raise TrendError(f"dates: from must be before to, and at most {MAX_DAYS} days apart")
    parameter = _parameter(permit, outfall, code, location)
    if parameter is None:
        raise TrendError(f"parameter: outfall {outfall} of {permit_number} does not monitor {code}")
    location = parameter.monitoring_location
    unit = next((c.unit for c in parameter.columns if c.derived is None), parameter.columns[0].unit)
    # Whole calendar months are read, so a range starting mid-month still shows that month's true average.
    months = parse_period(f"{first:%Y-%m}").start, parse_period(f"{last:%Y-%m}").end
    in_months = [measurement_of(r, v, unit)
                 for r, v in current_results(session, permit.id, outfall, code, location, *months)]
    measurements = [m for m in in_months if first <= m.sample_date <= last]
    # A value left in another unit would sit on the wrong scale and skew the averages.
    drawn = [m for m in measurements if m.unit == unit]
    beyond, months_beyond = _exceedances(session, permit, outfall, code, location, first, last)
    points = [Point(m.sample_date, m.value, not m.is_not_detected, bool(beyond.get(m.sample_id)),
                    _label(m, beyond.get(m.sample_id, []))) for m in drawn]
    data = [{"date": m.sample_date.isoformat(), "sample_id": safe_cell(m.sample_id or ""), "qualifier": m.qualifier,
             "value": str(m.value), "unit": m.unit, "beyond_limit": "yes" if beyond.get(m.sample_id) else "no",
             "exceedances": "; ".join(beyond.get(m.sample_id, []))} for m in measurements]
    title = f"{code} {parameter.name} — {permit_number} outfall {outfall}"
    return Trend(title, unit, first, last, points, _limit_lines(permit, outfall, code, location),
                 _averages(permit, code, unit, [m for m in in_months if m.unit == unit], first, last, months_beyond),
                 data, len(measurements) - len(drawn))
