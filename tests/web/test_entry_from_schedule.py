"""Entering a sample against a due sampling trip, and the sample's own field record (collector, compositing, notes)."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from app.domain.permit_terms import facility_today
from app.models.monitoring import Sample
from app.models.permit import Permit
from app.models.schedule import SamplingEvent
from app.services.permits import import_permit_definition
from app.services.sampling_schedule import generate_schedule
from tests.factories import permit_document
from tests.web.test_results_pages import _entry


@pytest.fixture
def trips(db):
    """The NPDES permit's schedule planned around the real today (the entry page reads the real clock)."""
    import_permit_definition(db.session, permit_document("npdes"))
    permit = db.session.scalar(select(Permit).where(Permit.number == "CT0000001"))
    today = facility_today(permit.facility.timezone, datetime.now(timezone.utc))
    generate_schedule(db.session, permit, today=today)
    db.session.commit()
    open_now = db.session.scalars(select(SamplingEvent).where(
        SamplingEvent.event_date <= today + timedelta(days=1), SamplingEvent.window_end >= today,
        SamplingEvent.status == "scheduled").order_by(SamplingEvent.event_date)).all()
    assert open_now, "the fixture needs a trip whose window is open today"
    return open_now


def test_the_entry_page_lists_the_trips_due_now_with_links_that_prefill(client, login_as, trips):
    login_as("labtech")
    html = client.get("/results/enter").get_data(as_text=True)
    assert "Due now" in html
    trip = trips[0]
    link = f"/results/enter?permit=CT0000001&amp;outfall={trip.outfall}&amp;event={trip.id}"
    assert link in html
    page = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert 'id="trip"' in page and trip.window_end.isoformat() in page
    codes = re.findall(r'name="rows-\d+-parameter_code" type="hidden" value="(\d{5})"', page)
    due = [p["code"] for p in trip.parameters]
    # The parameters due on the trip come first, each with its badge; the sample type is preset from the permit.
    assert set(codes[:len(due)]) == set(due)
    assert page.count("due on this trip") == len(due)
    expected = next(kind for kind in ("grab", "composite", "continuous") if kind in trip.sample_type.lower())
    assert re.search(rf'<option selected value="{expected}">|<option value="{expected}" selected>', page)


def test_a_trip_of_another_outfall_is_not_offered(client, login_as, trips):
    login_as("labtech")
    page = client.get(f"/results/enter?permit=CT0000001&outfall=nope&event={trips[0].id}")
    assert page.status_code == 404
    other = client.get(f"/results/enter?permit=CT0000001&outfall=001&event=999999").get_data(as_text=True)
    assert 'id="trip"' not in other


def test_the_sample_keeps_its_collector_compositing_and_field_notes(client, db, login_as, trips):
    login_as("labtech")
    data = _entry(client, {"00530": "12"}, "save", sampled_at="2026-03-10T08:00", collector="R. Alvarez",
                  composite_start="2026-03-09T08:00", composite_end="2026-03-10T08:00",
                  field_notes="Sampler tubing replaced before the run")
    response = client.post("/results/enter?permit=CT0000001&outfall=001", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    sample = db.session.scalar(select(Sample).where(Sample.sample_code == "S-100"))
    assert sample.collector == "R. Alvarez" and sample.field_notes == "Sampler tubing replaced before the run"
    assert sample.composite_end.astimezone(timezone.utc) == datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)
    assert sample.composite_start < sample.composite_end


def test_compositing_cannot_end_before_it_began(client, db, login_as, trips):
    login_as("labtech")
    data = _entry(client, {"00530": "12"}, "save", composite_start="2026-03-10T08:00",
                  composite_end="2026-03-09T08:00")
    response = client.post("/results/enter?permit=CT0000001&outfall=001", data=data)
    assert response.status_code == 400
    assert "is before composite_start" in response.get_data(as_text=True)
    assert db.session.scalar(select(Sample).where(Sample.sample_code == "S-100")) is None
