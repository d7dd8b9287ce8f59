"""The trends pages: results against each permit version's limits, as SVG, inline in the page, and as CSV."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta, timezone

import pytest
from lxml import etree

from app.services.permits import import_permit_definition
from app.services.results import record_result
from tests.factories import permit_document

SVG = "{http://www.w3.org/2000/svg}"
TSS = "CT0000001|001|00530|1"
RANGE = {"from": "2026-01-01", "to": "2026-03-31"}
NOW = datetime(2026, 4, 2, 12, tzinfo=timezone.utc)


def _row(code: str, sample_id: str, day: str, value: str, unit: str = "mg/L", **extra) -> dict:
    return {"permit": "CT0000001", "outfall": "001", "parameter_code": code, "sample_id": sample_id,
            "sampled_at": f"{day}T08:00", "value": value, "unit": unit, "received_at": f"{day}T16:00", **extra}


@pytest.fixture
def two_versions(db):
    """Version 1 (TSS daily maximum 60 mg/L) to February, version 2 (40 mg/L) from March 1st, and stored results."""
    import_permit_definition(db.session, permit_document("npdes"))
    tighter = permit_document("npdes")
    tighter["permit"]["effective"] = "2026-03-01"
    tss = next(p for p in tighter["permit"]["outfalls"][0]["parameters"] if p["code"] == "00530")
    next(c for c in tss["columns"] if c["slot"] == "C3")["limit"] = "40"
    import_permit_definition(db.session, tighter)
    for row in (_row("00530", "TSS-JAN", "2026-01-06", "22"),
                _row("00530", "TSS-FEB", "2026-02-03", "4.0", qualifier="<"),
                # 50 is within version 1's 60 but beyond version 2's 40: only the version in force judges it.
                _row("00530", "TSS-MAR", "2026-03-03", "50"),
                _row("00530", "=2+5", "2026-03-10", "12"),
                _row("00400", "PH-1", "2026-03-03", "7.1", "SU"),
                _row("00400", "PH-2", "2026-03-04", "5.5", "SU")):
        record_result(db.session, row, now=NOW)
    db.session.commit()


def _svg(client, choice=TSS, **args):
    response = client.get("/trends/chart.svg", query_string={"choice": choice, **RANGE, **args})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "image/svg+xml"
    return etree.fromstring(response.data)


def _classes(element) -> set[str]:
    return set((element.get("class") or "").split())


def test_each_version_draws_its_limit_over_its_own_dates(client, login_as, two_versions):
    login_as("viewer")
    svg = _svg(client)
    daily = {(line.get("data-first"), line.get("data-last"), line.get("data-value"))
             for line in svg.iter(f"{SVG}line") if "limit" in _classes(line)}
    assert ("2026-01-01", "2026-02-28", "60") in daily
    assert ("2026-03-01", "2026-03-31", "40") in daily
    assert not any(first < "2026-03-01" and value == "40" for first, _last, value in daily)
    # The weekly average limit (45) is the same in both versions, and drawn once per version span.
    assert {("2026-01-01", "2026-02-28", "45"), ("2026-03-01", "2026-03-31", "45")} <= daily
    labels = [t.text for t in svg.iter(f"{SVG}text")]
    assert "daily maximum 60 mg/L (v1)" in labels and "daily maximum 40 mg/L (v2)" in labels
    # Mass limits (lb/d) are not on a concentration chart's scale.
    assert not any("lb/d" in (label or "") for label in labels)


def test_non_detects_are_hollow_and_exceedances_red(client, login_as, two_versions):
    login_as("viewer")
    points = {p.get("data-day"): p for p in _svg(client).iter(f"{SVG}circle")}
    assert set(points) == {"2026-01-06", "2026-02-03", "2026-03-03", "2026-03-10"}
    nd = points["2026-02-03"]
    assert "nd" in _classes(nd) and nd.get("fill") == "#ffffff" and nd.get("data-value") == "4.0"
    assert all(p.get("fill") != "#ffffff" for day, p in points.items() if day != "2026-02-03")
    assert [day for day, p in points.items() if "exceeds" in _classes(p)] == ["2026-03-03"]
    assert points["2026-03-03"].get("fill") == "#b42318"
    assert "beyond daily maximum 40 mg/L" in points["2026-03-03"].find(f"{SVG}title").text


def test_monthly_averages_are_drawn_and_the_one_beyond_its_limit_is_red(client, login_as, two_versions):
    login_as("viewer")
    averages = {(a.get("data-first"), a.get("data-value")): _classes(a)
                for a in _svg(client).iter(f"{SVG}line") if "average" in _classes(a)}
    assert set(averages) == {("2026-01-01", "22"), ("2026-02-01", "4.0"), ("2026-03-01", "31")}
    assert "exceeds" in averages[("2026-03-01", "31")]  # (50 + 12) / 2 = 31 > 30 mg/L
    assert "exceeds" not in averages[("2026-01-01", "22")]


def test_a_range_starting_mid_month_keeps_that_months_whole_average(client, login_as, two_versions):
    login_as("viewer")
    svg = _svg(client, **{"from": "2026-03-05", "to": "2026-03-31"})
    assert [p.get("data-day") for p in svg.iter(f"{SVG}circle")] == ["2026-03-10"]
    (march,) = [a for a in svg.iter(f"{SVG}line") if "average" in _classes(a)]
    assert (march.get("data-first"), march.get("data-value")) == ("2026-03-05", "31")  # 50 on the 3rd counts


def test_ph_is_never_averaged_and_its_minimum_is_drawn(client, login_as, two_versions):
    login_as("viewer")
    svg = _svg(client, choice="CT0000001|001|00400|1")
    lines = [line for line in svg.iter(f"{SVG}line")]
    assert not [line for line in lines if "average" in _classes(line)]
    assert any("minimum" in _classes(line) and line.get("data-value") == "6.0" for line in lines)
    low = [p for p in svg.iter(f"{SVG}circle") if p.get("data-day") == "2026-03-04"]
    assert len(low) == 1 and "exceeds" in _classes(low[0])


def test_the_data_downloads_as_csv(client, login_as, two_versions):
    login_as("viewer")
    response = client.get("/trends/data.csv", query_string={"choice": TSS, **RANGE})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [(r["date"], r["sample_id"], r["qualifier"], r["value"], r["beyond_limit"]) for r in rows] == [
        ("2026-01-06", "TSS-JAN", "=", "22", "no"), ("2026-02-03", "TSS-FEB", "<", "4.0", "no"),
        ("2026-03-03", "TSS-MAR", "=", "50", "yes"), ("2026-03-10", "'=2+5", "=", "12", "no")]
    assert rows[2]["exceedances"] == "daily maximum 40 mg/L" and rows[2]["unit"] == "mg/L"


def test_the_page_shows_the_chart_inline_with_its_downloads_and_no_inline_script(client, login_as, two_versions):
    login_as("viewer")
    response = client.get("/trends/", query_string={"choice": TSS, **RANGE})
    assert response.status_code == 200
    page = etree.fromstring(response.data, etree.HTMLParser())
    assert len(page.xpath("//div[@id='trend-chart']/svg")) == 1
    assert page.xpath("//div[@id='trend-chart']//circle[contains(@class, 'exceeds')]")
    hrefs = {a.get("id"): a.get("href") for a in page.xpath("//a[@id]")}
    assert hrefs["download-svg"].startswith("/trends/chart.svg?")
    assert hrefs["download-csv"].startswith("/trends/data.csv?")
    assert page.xpath("//a[@id='download-png']/@data-svg") == [hrefs["download-svg"]]
    scripts = page.xpath("//script")
    assert scripts and all(s.get("src") and not (s.text or "").strip() for s in scripts)
    assert "chart_export.js" in " ".join(s.get("src") for s in scripts)
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert page.xpath("//select[@name='choice']/option[@selected]/@value") == [TSS]
    assert len(page.xpath("//nav[@id='trend-ranges']/a")) == 4
    script = client.get("/static/chart_export.js")
    assert script.status_code == 200 and b"toDataURL(\"image/png\")" in script.data
    script.close()


@pytest.mark.parametrize("args", [
    {"from": "2026-13-01"}, {"to": "yesterday"}, {"from": "2026-02-30"}, {"from": "2026-04-01", "to": "2026-03-01"},
    {"to": "0001-01-01"}, {"from": "0001-01-01"}, {"to": "9999-12-31"}, {"from": "2000-01-01", "to": "2026-01-01"}])
def test_bad_dates_are_a_400_naming_the_dates(client, login_as, two_versions, args):
    login_as("viewer")
    for path in ("/trends/", "/trends/chart.svg", "/trends/data.csv"):
        response = client.get(path, query_string={"choice": TSS, **args})
        assert response.status_code == 400, (path, args, response.status_code)
        assert "dates:" in response.get_data(as_text=True)


def test_an_unknown_permit_or_parameter_is_a_400(client, login_as, two_versions):
    login_as("viewer")
    assert client.get("/trends/chart.svg", query_string={"choice": "XX0000000|001|00530|1"}).status_code == 400
    response = client.get("/trends/", query_string={"choice": "CT0000001|001|99999|1"})
    assert response.status_code == 400 and "does not monitor 99999" in response.get_data(as_text=True)
    assert client.get("/trends/data.csv").status_code == 400


def test_every_signed_in_role_reads_trends_and_nobody_else(client, login_as, two_versions):
    assert "/auth/login" in client.get("/trends/").headers["Location"]
    assert "/auth/login" in client.get("/trends/chart.svg", query_string={"choice": TSS}).headers["Location"]
    login_as("viewer")
    assert client.get("/trends/").status_code == 200
    page = client.get("/").get_data(as_text=True)
    assert 'href="/trends/">Trends</a>' in page


def test_the_dashboard_links_exceedances_and_headroom_to_their_charts(client, login_as, db):
    import_permit_definition(db.session, permit_document("npdes"))
    now = datetime.now(timezone.utc)
    day = (now - timedelta(days=2)).date().isoformat()
    record_result(db.session, _row("00530", "TSS-RECENT", day, "72"), now=now)
    db.session.commit()
    login_as("manager")
    page = etree.fromstring(client.get("/").data, etree.HTMLParser())
    exceedance = page.xpath("//section[@id='exceedances']//a[contains(@class, 'trend-link')]/@href")
    headroom = page.xpath("//section[@id='headroom']//a[contains(@class, 'trend-link')]/@href")
    assert exceedance and headroom
    tss = [href for href in headroom if "00530" in href]
    assert len(tss) == 1 and tss[0] in exceedance
    chart = client.get(tss[0])
    assert chart.status_code == 200
    found = etree.fromstring(chart.data, etree.HTMLParser())
    assert found.xpath(f"//circle[contains(@class, 'exceeds')][@data-day='{day}']")
    assert date.fromisoformat(day) >= date.today() - timedelta(days=365)  # inside the default range
