"""Views of the trends blueprint: the chart page, and the chart as SVG and its data as CSV."""
from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from flask import Response, render_template, request

from app.blueprints.trends import bp
from app.extensions import db
from app.models.base import utcnow
from app.services.trends import CSV_FIELDS, TrendError, build_trend
from app.services.trends_menu import chart_choices

# The ranges offered beside the date fields, in days back from today.
RANGES = (("90 days", 90), ("12 months", 365), ("3 years", 3 * 365), ("10 years", 3650))


def _dates() -> tuple[date, date]:
    today = utcnow().date()
    try:
        last = date.fromisoformat(request.args["to"]) if request.args.get("to") else today
        first = date.fromisoformat(request.args["from"]) if request.args.get("from") else last - timedelta(days=365)
    except (ValueError, OverflowError):  # overflow: a year-1 "to" and the default year before it
        raise TrendError("dates: expected YYYY-MM-DD") from None
    return first, last


def _ranges() -> list[tuple[str, str, str]]:
    today = utcnow().date()
    return [(label, (today - timedelta(days=days)).isoformat(), today.isoformat()) for label, days in RANGES]


def _selection() -> dict[str, str]:
    """permit, outfall, parameter and location: from the picker's one value, or given one by one."""
    args = request.args
    if args.get("choice"):
        parts = (args["choice"].split("|") + ["", "", "", ""])[:4]
        return dict(zip(("permit", "outfall", "parameter", "location"), parts))
    return {name: args.get(name, "") for name in ("permit", "outfall", "parameter", "location")}


def _trend():
    first, last = _dates()
    chosen = _selection()
    return build_trend(db.session, chosen["permit"], chosen["outfall"], chosen["parameter"], first, last,
                       chosen["location"] or None)


@bp.get("/")
def index():
    trend, error = None, None
    if _selection()["parameter"]:
        try:
            trend = _trend()
        except TrendError as problem:
            error = str(problem)
    return render_template("trends/index.html", trend=trend, error=error, choices=chart_choices(db.session),
                           args=request.args, chosen=_selection(), ranges=_ranges()), 400 if error else 200


@bp.get("/chart.svg")
def chart_svg():
    try:
        trend = _trend()
    except TrendError as error:
        return Response(str(error), status=400, mimetype="text/plain")
    return Response(trend.svg(), mimetype="image/svg+xml",
                    headers={"Content-Disposition": 'inline; filename="trend.svg"'})


@bp.get("/data.csv")
def data_csv():
    try:
        trend = _trend()
    except TrendError as error:
        return Response(str(error), status=400, mimetype="text/plain")
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS)
    writer.writeheader()
    writer.writerows(trend.rows)
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="trend.csv"'})
