"""A large permit's pages stay readable (and cheap to render): the permit page shows one outfall at a
time, the dashboard the monthly-average limits with the least room, the headroom page all of them."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest

from app.domain.parameter_codes import parameter_descriptions
from app.services.dashboard import DASHBOARD_HEADROOM_ROWS, HEADROOM_PAGE_SIZE
from app.services.permit_overview import PARAMETERS_ON_ONE_PAGE
from app.services.permits import import_permit_definition
from app.services.results import record_result
from tests.factories import permit_document

NOW = datetime(2026, 3, 20, 15, tzinfo=timezone.utc)
OUTFALLS = ("001", "002", "003")
PER_OUTFALL = 50  # 150 parameters with a monthly-average limit each: beyond one page


def _codes() -> list[str]:
    return [code for code in sorted(parameter_descriptions()) if code.startswith("01")][:PER_OUTFALL]


def _large_permit() -> dict:
    document = permit_document("npdes")
    codes = _codes()
    document["permit"]["outfalls"] = [
        {"id": feature_id, "description": f"Outfall {feature_id}", "limit_set": "A",
         "parameters": [{"code": code, "monitoring_location": "1", "frequency": "1/7", "sample_type": "grab",
                         "columns": [{"slot": "C2", "statistical_base": "monthly_average", "limit": "1.0",
                                      "unit": "mg/L"}]} for code in codes]}
        for feature_id in OUTFALLS]
    return document


@pytest.fixture
def large_permit(db):
    import_permit_definition(db.session, _large_permit())
    db.session.commit()
    return _codes()


def test_a_large_permit_page_shows_one_outfall_at_a_time(client, login_as, large_permit):
    assert len(OUTFALLS) * PER_OUTFALL > PARAMETERS_ON_ONE_PAGE
    login_as("viewer")
    page = client.get("/permits/CT0000001").get_data(as_text=True)
    assert 'id="outfall-001"' in page and 'id="outfall-002"' not in page
    assert "Showing the limits of outfall 001" in page
    # The navigation names every outfall with its number of parameters, and links to the others.
    for feature_id in OUTFALLS:
        assert f"{feature_id}</" in page and f"({PER_OUTFALL} parameters)" in page
    assert "outfall=002" in page and "outfall=003" in page and "outfall=all" in page
    assert page.count(f"<strong>{large_permit[0]}</strong>") == 1

    second = client.get("/permits/CT0000001?outfall=002").get_data(as_text=True)
    assert 'id="outfall-002"' in second and 'id="outfall-001"' not in second
    assert re.search(r'<strong aria-current="page">002</strong>', second)

    everything = client.get("/permits/CT0000001?outfall=all").get_data(as_text=True)
    assert all(f'id="outfall-{f}"' in everything for f in OUTFALLS)
    assert everything.count(f"<strong>{large_permit[0]}</strong>") == len(OUTFALLS)

    assert client.get("/permits/CT0000001?outfall=009").status_code == 404


def test_a_small_permit_page_shows_every_outfall(client, login_as, db):
    import_permit_definition(db.session, permit_document("npdes"))
    db.session.commit()
    login_as("viewer")
    page = client.get("/permits/CT0000001").get_data(as_text=True)
    assert 'id="outfall-001"' in page and 'id="outfall-002"' in page
    assert "Showing the limits of outfall" not in page


def _headroom_rows(page: str) -> list[str]:
    section = page[page.index('id="headroom"'):]
    section = section[:section.index("</section>")]
    return re.findall(r"<tr class=\"[^\"]*\">\s*<td>CT0000001</td><td>(\d{3})</td><td><a [^>]*>(\d{5})", section)


def test_the_dashboard_shows_the_limits_with_the_least_room_and_links_to_all(client, login_as, db, large_permit,
                                                                              monkeypatch):
    monkeypatch.setattr("app.blueprints.dashboard.routes.utcnow", lambda: NOW)
    # Three limits with little room left: a first sample of the month far above the average limit.
    tight = [("002", large_permit[7], "3.5"), ("003", large_permit[3], "3.0"), ("003", large_permit[40], "2.0")]
    for number, (outfall, code, value) in enumerate(tight):
        record_result(db.session, {"permit": "CT0000001", "outfall": outfall, "parameter_code": code,
                                   "sample_id": f"TIGHT-{number}", "sampled_at": "2026-03-02T08:00",
                                   "value": value, "unit": "mg/L"}, now=NOW)
    db.session.commit()
    login_as("manager")
    page = client.get("/").get_data(as_text=True)
    shown = _headroom_rows(page)
    assert len(shown) == DASHBOARD_HEADROOM_ROWS
    assert {(o, c) for o, c, _ in tight} <= set(shown)  # the tight ones, wherever they are in the permit
    assert shown == sorted(shown)  # in permit order, not in order of room
    total = len(OUTFALLS) * PER_OUTFALL
    assert f"All {total} monthly-average limits" in page

    first = client.get("/headroom").get_data(as_text=True)
    assert len(_headroom_rows(first)) == HEADROOM_PAGE_SIZE
    assert f"({total} in all)" in first and f"page 1 of {-(-total // HEADROOM_PAGE_SIZE)}" in first
    assert "next →" in first and "older →" not in first  # the headroom pages are in permit order, not by date
    last = client.get(f"/headroom?page={-(-total // HEADROOM_PAGE_SIZE)}").get_data(as_text=True)
    rows = _headroom_rows(last)
    assert rows[-1] == ("003", large_permit[-1])
    every = set()
    for number in range(1, -(-total // HEADROOM_PAGE_SIZE) + 1):
        every |= set(_headroom_rows(client.get(f"/headroom?page={number}").get_data(as_text=True)))
    assert len(every) == total


def test_a_small_permits_dashboard_lists_every_limit_without_a_link(client, login_as, db, monkeypatch):
    monkeypatch.setattr("app.blueprints.dashboard.routes.utcnow", lambda: NOW)
    import_permit_definition(db.session, permit_document("npdes"))
    db.session.commit()
    login_as("viewer")
    page = client.get("/").get_data(as_text=True)
    assert _headroom_rows(page) and "monthly-average limits</a>" not in page
