"""The trend chart SVG: limits over their own dates, non-detects hollow, exceedances red, text escaped."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date
from decimal import Decimal as D

from app.domain.trend_chart import AverageStep, LimitLine, Point, render_trend_svg

NS = {"s": "http://www.w3.org/2000/svg"}


def _chart(**overrides):
    args = dict(title="00530 TSS at 001", unit="mg/L", first=date(2026, 1, 1), last=date(2026, 3, 31),
                points=[Point(date(2026, 1, 6), D("22"), True, False, "S1 22"),
                        Point(date(2026, 2, 3), D("4.0"), False, False, "S2 <4.0"),
                        Point(date(2026, 3, 3), D("72"), True, True, "S3 72")],
                limits=[LimitLine("daily maximum 60", D("60"), date(2026, 1, 1), date(2026, 2, 28)),
                        LimitLine("daily maximum 45 (final)", D("45"), date(2026, 3, 1), date(2030, 1, 1))],
                averages=[AverageStep(date(2026, 1, 1), date(2026, 1, 31), D("22"))])
    args.update(overrides)
    return ET.fromstring(render_trend_svg(**args))


def test_points_limits_and_averages_are_drawn_distinctly():
    svg = _chart()
    points = svg.findall(".//s:circle", NS)
    assert len(points) == 3
    nd = [p for p in points if "nd" in p.get("class").split()]
    assert len(nd) == 1 and nd[0].get("fill") == "#ffffff"
    exceeding = [p for p in points if "exceeds" in p.get("class").split()]
    assert len(exceeding) == 1 and exceeding[0].get("fill") == "#b42318"
    limits = svg.findall(".//s:line[@class='limit']", NS)
    assert len(limits) == 2
    # The final limit starts on March 1st, the interim one ends on February 28th: no overlap.
    assert float(limits[0].get("x2")) < float(limits[1].get("x1"))
    assert len(svg.findall(".//s:line[@class='average']", NS)) == 1


def test_higher_values_are_drawn_higher():
    svg = _chart()
    y = {p.find("s:title", NS).text: float(p.get("cy")) for p in svg.findall(".//s:circle", NS)}
    assert y["S3 72"] < y["S1 22"] < y["S2 <4.0"]


def test_markup_in_labels_is_text_not_markup():
    svg = render_trend_svg("<script>alert(1)</script>", "mg/L", date(2026, 1, 1), date(2026, 1, 31), [])
    assert b"<script>" not in svg and b"&lt;script&gt;" in svg


def test_an_average_beyond_its_limit_is_red_and_carries_its_dates():
    svg = _chart(averages=[AverageStep(date(2026, 1, 1), date(2026, 1, 31), D("22")),
                           AverageStep(date(2026, 2, 1), date(2026, 2, 28), D("33"), exceeds=True)])
    lines = {line.get("data-first"): line for line in svg.findall(".//s:line", NS)
             if "average" in (line.get("class") or "")}
    assert lines["2026-02-01"].get("class") == "average exceeds" and lines["2026-02-01"].get("stroke") == "#b42318"
    assert lines["2026-01-01"].get("class") == "average" and lines["2026-01-01"].get("data-last") == "2026-01-31"


def test_inline_markup_has_no_xml_declaration_and_an_empty_range_says_so():
    inline = render_trend_svg("t", "mg/L", date(2026, 1, 1), date(2026, 1, 31), [], declaration=False)
    assert inline.startswith(b"<svg") and b"No results in this range" in inline
    assert render_trend_svg("t", "mg/L", date(2026, 1, 1), date(2026, 1, 31), []).startswith(b"<?xml")
