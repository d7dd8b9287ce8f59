"""The schedule calendar pages (month and week) from stored trips, obligations and report due dates."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from lxml import html
from sqlalchemy import select

from app.models.schedule import SamplingEvent
from app.services.events import EventReport, report_event
from app.services.permits import import_permit_definition
from app.services.results import record_result
from tests.factories import permit_document

# Monday 2026-03-09 11:00 EDT (the facility is in America/New_York).
NOW = datetime(2026, 3, 9, 15, 0, tzinfo=timezone.utc)


@pytest.fixture
def plant(db, monkeypatch):
    """The demo NPDES permit, the first Tuesday trip of March sampled in full, and an upset reported today."""
    monkeypatch.setattr("app.blueprints.schedule.routes.utcnow", lambda: NOW)
    import_permit_definition(db.session, permit_document("npdes"))
    for code, value in (("00530", "12"), ("01042", "0.1"), ("01092", "0.2")):
        record_result(db.session, {"permit": "CT0000001", "outfall": "001", "parameter_code": code,
                                   "sample_id": f"CAL-{code}", "sampled_at": "2026-03-03T08:00", "value": value,
                                   "unit": "mg/L"}, now=NOW - timedelta(days=5))
    _event, obligations = report_event(db.session, EventReport(
        permit="CT0000001", kind="upset", outfall="001", discovered_at=NOW - timedelta(hours=2)))
    db.session.commit()
    return obligations


def _page(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return html.fromstring(response.get_data(as_text=True))


def _day(doc, day: str):
    return doc.get_element_by_id(f"day-{day}")


def _entry(doc, event: SamplingEvent):
    return doc.get_element_by_id(f"sampling-event-{event.id}-outfall")


def _stored(db, first: date, last: date) -> list[SamplingEvent]:
    return list(db.session.scalars(select(SamplingEvent).where(SamplingEvent.event_date >= first,
                                                               SamplingEvent.event_date <= last)))


def _trip(db, day: date, sample_type: str = "24-hour composite") -> SamplingEvent:
    return db.session.scalars(select(SamplingEvent).where(
        SamplingEvent.event_date == day, SamplingEvent.outfall == "001",
        SamplingEvent.sample_type == sample_type)).one()


def test_the_month_shows_the_stored_trips_with_their_status_and_links(client, db, plant, login_as):
    login_as("labtech")
    doc = _page(client.get("/schedule/?month=2026-03"))
    assert "March 2026" in doc.findtext(".//h1")
    # The grid runs Sunday 1 March to Saturday 4 April; every stored trip in it is on the page.
    stored = _stored(db, date(2026, 3, 1), date(2026, 4, 4))
    assert len(stored) > 40
    for event in stored:
        entry = _entry(doc, event)
        assert entry.getparent().getparent() is _day(doc, event.event_date.isoformat())
        assert event.status in entry.text_content() and event.outfall in entry.text_content()
    trip = _trip(db, date(2026, 3, 3))
    tuesday = _entry(doc, trip)
    text = " ".join(tuesday.text_content().split())
    assert "Outfall 001 · 24-hour composite" in text and "00530, 01042, 01092" in text and "collected" in text
    # The entry page pre-filled for this trip (its parameters first, its sample type).
    assert tuesday.find(".//a").get("href") == f"/results/enter?permit=CT0000001&outfall=001&event={trip.id}"
    # Thursday's TSS trip had no sample and its window (Thu..Sat) has closed.
    assert "missed" in _entry(doc, _trip(db, date(2026, 3, 5))).text_content()
    assert "scheduled" in _entry(doc, _trip(db, date(2026, 3, 10))).text_content()
    assert "DMR for 2026-02 due" in _day(doc, "2026-03-15").text_content()
    links = doc.xpath('//a[@rel="prev" or @rel="next"]/@href')
    assert links == ["/schedule/?month=2026-02", "/schedule/?month=2026-04"]


def test_notification_deadlines_are_on_their_local_due_day_and_link_to_the_obligation(client, db, plant, login_as):
    from app.services.notification_obligations import record_fulfilment

    login_as("manager")
    done = plant[-1]
    record_fulfilment(db.session, done.id, "initial", done_at=NOW, record={"to": "DEEP"}, actor_id=None,
                      actor_label="test")
    db.session.commit()
    doc = _page(client.get("/schedule/?month=2026-03"))
    assert "done" in doc.get_element_by_id(f"obligation-{done.id}-initial-outfall").text_content()
    parts = [(o, part) for o in plant for part in ("initial", "followup") if getattr(o, f"{part}_due")]
    assert parts
    for obligation, part in parts:
        due = getattr(obligation, f"{part}_due")
        entry = doc.get_element_by_id(f"obligation-{obligation.id}-{part}-outfall")
        day = due.astimezone(ZoneInfo("America/New_York")).date().isoformat()
        assert entry.getparent().getparent() is _day(doc, day)
        # The list's "all" view, which holds done and withdrawn obligations too.
        assert entry.find(".//a").get("href") == f"/compliance/obligations?show=all#obligation-{obligation.id}"
        if (obligation, part) != (done, "initial"):
            assert "open" in entry.text_content()


def test_the_default_month_is_the_facility_local_month(client, db, plant, login_as, monkeypatch):
    login_as("viewer")
    # 02:00 UTC on 1 April is still 31 March, 22:00, at the facility.
    monkeypatch.setattr("app.blueprints.schedule.routes.utcnow", lambda: datetime(2026, 4, 1, 2, tzinfo=timezone.utc))
    doc = _page(client.get("/schedule/"))
    assert "March 2026" in doc.findtext(".//h1")
    assert "today" in _day(doc, "2026-03-31").get("class")


def test_the_week_view_lists_each_day_with_windows(client, db, plant, login_as):
    login_as("labtech")
    doc = _page(client.get("/schedule/week?week=2026-03-04"))
    assert [h.text_content().split()[0] for h in doc.xpath("//section[@class='week-day' or "
                                                           "@class='week-day today']/h2")] == [
        "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
    for event in _stored(db, date(2026, 3, 1), date(2026, 3, 7)):
        assert _entry(doc, event).getparent().getparent() is _day(doc, event.event_date.isoformat())
    assert _stored(db, date(2026, 3, 8), date(2026, 3, 8))
    with pytest.raises(KeyError):
        _entry(doc, _stored(db, date(2026, 3, 8), date(2026, 3, 8))[0])  # the next week is not on it
    tuesday = " ".join(_entry(doc, _trip(db, date(2026, 3, 3))).text_content().split())
    assert "a sample counts from 2026-03-01 to 2026-03-07" in tuesday
    assert doc.xpath('//a[@rel="prev"]/@href') == ["/schedule/week?week=2026-02-22"]
    assert doc.xpath('//a[@rel="next"]/@href') == ["/schedule/week?week=2026-03-08"]


def test_a_replanned_trip_shows_cancelled(client, db, plant, login_as):
    login_as("manager")
    _page(client.get("/schedule/?month=2026-03"))  # plans the horizon under version 1
    document = permit_document("npdes")
    document["permit"]["effective"] = "2026-03-15"
    for parameter in document["permit"]["outfalls"][0]["parameters"]:
        if parameter["code"] == "00530":
            parameter["frequency"] = "1/7"
    import_permit_definition(db.session, document)
    db.session.commit()
    doc = _page(client.get("/schedule/?month=2026-03"))
    thursday = _trip(db, date(2026, 3, 19))
    assert thursday.status == "cancelled" and "cancelled" in _entry(doc, thursday).text_content()


def test_a_viewer_sees_the_calendar_without_entry_links(client, db, plant, login_as):
    login_as("viewer")
    doc = _page(client.get("/schedule/?month=2026-03"))
    assert not doc.xpath('//a[starts-with(@href, "/results/enter")]')
    assert _entry(doc, _trip(db, date(2026, 3, 3))).find(".//a").get("href") == "/schedule/week?week=2026-03-03"
    assert _page(client.get("/schedule/week")) is not None
    assert doc.xpath('//nav[@aria-label="Main"]//a[text()="Schedule"]/@href') == ["/schedule/"]


def test_bad_months_and_weeks_are_refused_with_the_reason(client, db, plant, login_as):
    login_as("viewer")
    response = client.get("/schedule/?month=2026-13")
    assert response.status_code == 400 and "A month as YYYY-MM" in response.get_data(as_text=True)
    assert client.get("/schedule/week?week=next").status_code == 400


def test_far_future_months_plan_no_trips_but_show_the_renewal(client, db, plant, login_as):
    login_as("manager")
    doc = _page(client.get("/schedule/?month=2030-07"))
    # Version 1 expires 2030-12-31 and the application is due 180 days before.
    assert "Permit renewal application due" in _day(doc, "2030-07-04").text_content()
    assert "planned up to 2027-03-10" in doc.text_content()
    assert not _stored(db, date(2027, 3, 11), date(2031, 1, 1))


def test_trips_planned_by_another_process_at_the_same_moment_are_read_not_a_server_error(client, db, plant, login_as,
                                                                                        monkeypatch):
    from sqlalchemy.orm import Session

    from app.models.permit import Permit
    from app.services import sampling_schedule

    login_as("labtech")
    real, calls = sampling_schedule.planned_events, []

    def racing(permit, through):
        calls.append(through)
        if len(calls) == 1:
            # The nightly job, on its own connection, plans and commits between our read and our insert.
            with Session(db.engine) as other:
                sampling_schedule.generate_schedule(other, other.get(Permit, permit.id), today=NOW.date(),
                                                    through=through)
                other.commit()
        return real(permit, through)

    monkeypatch.setattr(sampling_schedule, "planned_events", racing)
    doc = _page(client.get("/schedule/?month=2026-03"))
    assert len(calls) == 3  # ours, the other process's, ours again after the collision
    for event in _stored(db, date(2026, 3, 1), date(2026, 4, 4)):
        assert _entry(doc, event) is not None
