"""A server-rendered SVG trend chart: results over time with each limit over its own dates.

Detected values are filled dots, non-detects hollow dots at their reporting limit, values beyond a
limit are red, monthly averages a dashed step line (red when the average is beyond its limit).
Built with xml.etree (never string pasting), so text from the data cannot inject markup; the
data-* attributes carry the dates and numbers drawn, for a reader of the file and for tests.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

WIDTH, HEIGHT = 900, 360
LEFT, RIGHT, TOP, BOTTOM = 70, 20, 30, 50
SVG_NS = "http://www.w3.org/2000/svg"


@dataclass(frozen=True)
class Point:
    day: date
    value: Decimal
    detected: bool  # False: a non-detect drawn at its reporting limit
    exceeds: bool
    label: str  # the tooltip: sample id, value as reported


@dataclass(frozen=True)
class LimitLine:
    label: str  # e.g. "daily maximum 60 mg/L"
    value: Decimal
    first: date
    last: date
    minimum: bool = False


@dataclass(frozen=True)
class AverageStep:
    first: date
    last: date
    value: Decimal
    exceeds: bool = False


def _nice_ceiling(value: Decimal) -> Decimal:
    """A round top for the y axis a little above the highest thing drawn."""
    if value <= 0:
        return Decimal(1)
    exponent = value.adjusted()
    step = Decimal(1).scaleb(exponent)
    for factor in (1, 2, 2.5, 5, 10):
        top = step * Decimal(str(factor))
        if top >= value * Decimal("1.05"):
            return top
    return step * 10


def render_trend_svg(title: str, unit: str, first: date, last: date, points: Sequence[Point],
                     limits: Sequence[LimitLine] = (), averages: Sequence[AverageStep] = (), *,
                     declaration: bool = True) -> bytes:
    """The chart as an SVG file; without the XML declaration it can sit inline in an HTML page."""
    if last < first:
        raise ValueError("the chart's last day is before its first")
    days = max((last - first).days, 1)
    top = _nice_ceiling(max([p.value for p in points] + [lim.value for lim in limits] + [a.value for a in averages]
                            + [Decimal(0)]))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(day: date) -> str:
        return f"{LEFT + plot_w * (day - first).days / days:.1f}"

    def y_pixels(value: Decimal) -> Decimal:
        return TOP + plot_h * (1 - value / top)

    def y(value: Decimal) -> str:
        return f"{y_pixels(value):.1f}"

    # The font is named so that the page, the SVG file and its PNG export all draw the same letters.
    svg = ET.Element("svg", xmlns=SVG_NS, width=str(WIDTH), height=str(HEIGHT), viewBox=f"0 0 {WIDTH} {HEIGHT}",
                     role="img", **{"font-family": "sans-serif"})
    ET.SubElement(svg, "title").text = title
    ET.SubElement(svg, "rect", x="0", y="0", width=str(WIDTH), height=str(HEIGHT), fill="#ffffff")
    ET.SubElement(svg, "text", x=str(LEFT), y="18", **{"font-size": "14", "font-weight": "bold"}).text = title
    for i in range(5):
        value = top * i / 4
        ET.SubElement(svg, "line", x1=str(LEFT), x2=str(WIDTH - RIGHT), y1=y(value), y2=y(value), stroke="#e3e8ee")
        ET.SubElement(svg, "text", x=str(LEFT - 6), y=y(value), **{"font-size": "11", "text-anchor": "end"}
                      ).text = f"{value.normalize():f}"
    ET.SubElement(svg, "text", x="14", y=str(TOP + plot_h / 2), **{"font-size": "11",
                  "transform": f"rotate(-90 14 {TOP + plot_h / 2})", "text-anchor": "middle"}).text = unit
    month = date(first.year, first.month, 1)
    while month <= last:
        if month >= first:
            ET.SubElement(svg, "line", x1=x(month), x2=x(month), y1=str(TOP), y2=str(TOP + plot_h), stroke="#f0f2f5")
            # A month starting at the right edge is labelled leftwards, so its label is not cut off.
            anchor = "end" if plot_w * (month - first).days / days > plot_w - 30 else "middle"
            ET.SubElement(svg, "text", x=x(month), y=str(HEIGHT - BOTTOM + 16),
                          **{"font-size": "11", "text-anchor": anchor}).text = month.strftime("%b %Y")
        month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    for line in limits:
        a, b = max(line.first, first), min(line.last, last)
        if a > b:
            continue
        ET.SubElement(svg, "line", x1=x(a), x2=x(b), y1=y(line.value), y2=y(line.value), stroke="#b42318",
                      **{"stroke-width": "1.5", "class": "limit" + (" minimum" if line.minimum else ""),
                         "data-first": a.isoformat(), "data-last": b.isoformat(), "data-value": str(line.value)})
        ET.SubElement(svg, "text", x=x(b), y=f"{y_pixels(line.value) - 4:.1f}",
                      **{"font-size": "11", "text-anchor": "end", "fill": "#b42318"}).text = line.label
    for step in averages:
        a, b = max(step.first, first), min(step.last, last)
        ET.SubElement(svg, "line", x1=x(a), x2=x(b), y1=y(step.value), y2=y(step.value),
                      stroke="#b42318" if step.exceeds else "#1d4ed8",
                      **{"stroke-dasharray": "5 3", "stroke-width": "2" if step.exceeds else "1",
                         "class": "average" + (" exceeds" if step.exceeds else ""), "data-first": a.isoformat(),
                         "data-last": b.isoformat(), "data-value": str(step.value)})
    for point in points:
        colour = "#b42318" if point.exceeds else "#12355b"
        kind = "point" + ("" if point.detected else " nd") + (" exceeds" if point.exceeds else "")
        dot = ET.SubElement(svg, "circle", cx=x(point.day), cy=y(point.value), r="3.5",
                            stroke=colour, fill=colour if point.detected else "#ffffff",
                            **{"class": kind, "data-day": point.day.isoformat(), "data-value": str(point.value)})
        ET.SubElement(dot, "title").text = point.label
    if not points:
        ET.SubElement(svg, "text", x=str(LEFT + plot_w / 2), y=str(TOP + plot_h / 2),
                      **{"font-size": "13", "text-anchor": "middle", "fill": "#5b6675"}
                      ).text = "No results in this range"
    legend = ET.SubElement(svg, "text", x=str(LEFT), y=str(HEIGHT - 10), **{"font-size": "11"})
    legend.text = "● detected   ○ not detected (at RL)   red: beyond a limit   — limit   - - monthly average"
    return ET.tostring(svg, encoding="utf-8", xml_declaration=declaration)
