"""The data behind a trend chart: results, the limits in force over their own dates, monthly averages."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.daily_values import daily_values
from app.domain.dmr_columns import MINIMUM_BASES
from app.domain.periods import parse_period
from app.domain.statistics import monthly_average
from app.domain.trend_chart import AverageStep, LimitLine, Point, render_trend_svg
from app.models.compliance import Exceedance
from app.models.permit import Permit
from app.services.monitoring_data import current_results, measurement_of, rules_of
from app.services.sampling_schedule import version_spans

MAX_DAYS = 3700  # ten years and a little: the longest range a chart draws


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

    def svg(self) -> bytes:
        return render_trend_svg(self.title, self.unit, self.first, self.last, self.points, self.limits,
                                self.averages)


def _parameter(permit: Permit, outfall: str, code: str, location: str | None):
    for version in sorted(permit.versions, key=lambda v: v.version, reverse=True):
        for o in version.outfalls:
            if o.feature_id == outfall:
                for p in o.parameters:
                    if p.code == code and (location is None or p.monitoring_location == location):
                        return p
    return None


def build_trend(session: Session, permit_number: str, outfall: str, code: str, first: date, last: date,
                location: str | None = None) -> Trend:
    permit = session.scalar(select(Permit).where(Permit.number == permit_number))
    if permit is None:
        raise TrendError(f"permit: no permit numbered {permit_number!r}")
    if last < first or (last - first).days > MAX_DAYS:
        raise TrendError(f"dates: from must be before to, and at most {MAX_DAYS} days apart")
    parameter = _parameter(permit, outfall, code, location)
    if parameter is None:
        raise TrendError(f"parameter: outfall {outfall} of {permit_number} does not monitor {code}")
    unit = next((c.unit for c in parameter.columns if c.derived is None), parameter.columns[0].unit)
    rows = current_results(session, permit.id, outfall, code, parameter.monitoring_location, first, last)
    measurements = [measurement_of(r, v, unit) for r, v in rows]
    flagged = {s for e in session.scalars(select(Exceedance).where(
        Exceedance.permit_id == permit.id, Exceedance.outfall == outfall, Exceedance.parameter_code == code,
        Exceedance.status == "active", Exceedance.last_day >= first, Exceedance.first_day <= last))
        if not e.evaluation_key.startswith(("period:", "week:")) for s in e.sample_ids}
    points = [Point(m.sample_date, m.value, not m.is_not_detected, m.sample_id in flagged,
                    f"{m.sample_id} {m.sample_date.isoformat()}: {'' if m.qualifier == '=' else m.qualifier}"
                    f"{m.value} {m.unit}") for m in measurements]
    limits = []
    for version, span_first, span_last in version_spans(permit):
        for o in version.outfalls:
            for p in o.parameters:
                if (o.feature_id, p.code, p.monitoring_location) != (outfall, code, parameter.monitoring_location):
                    continue
                for c in p.columns:
                    if c.limit_text is None or c.derived is not None:
                        continue
                    a = max(span_first, c.effective or span_first)
                    b = min(span_last, c.expires or span_last)
                    limits.append(LimitLine(f"{c.statistical_base.replace('_', ' ')} {c.limit_text} {c.unit} "
                                            f"(v{version.version})", Decimal(c.limit_text),
                                            a, b, c.statistical_base in MINIMUM_BASES))
    rules = rules_of(permit.versions[-1])
    averages, month = [], parse_period(f"{first.year:04d}-{first.month:02d}")
    while month.start <= last:
        inside = [m for m in measurements if month.contains(m.sample_date)]
        statistic = monthly_average(daily_values(inside, rules), rules) if inside else None
        if statistic is not None:
            averages.append(AverageStep(month.start, month.end, statistic.value))
        month = parse_period(f"{(month.end + timedelta(days=1)):%Y-%m}")
    data = [{"date": m.sample_date.isoformat(), "sample_id": m.sample_id, "qualifier": m.qualifier,
             "value": str(m.value), "unit": m.unit, "beyond_limit": m.sample_id in flagged} for m in measurements]
    title = f"{code} {parameter.name} — {permit_number} outfall {outfall}"
    return Trend(title, unit, first, last, points, limits, averages, data)
