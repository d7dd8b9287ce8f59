"""The schedule settings page: sampling weekdays and holidays, who may change them, and the re-plan they cause."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

import pytest
from lxml import html
from sqlalchemy import select

from app.models.audit import AuditEntry
from app.models.facility import Facility
from app.models.schedule import SamplingEvent
from app.services.calendar_views import month_view
from app.services.permits import import_permit_definition
from app.services.results import record_result
from app.services.schedule_settings import ScheduleSettingsError, set_schedule_preferences
from tests.factories import permit_document

# Wednesday 2026-03-18 11:00 EDT at the facility (America/New_York).
NOW = datetime(2026, 3, 18, 15, 0, tzinfo=timezone.utc)
TODAY = date(2026, 3, 18)
HOLIDAY = date(2026, 3, 30)  # a Monday: the week Sun 29 Mar .. Sat 4 Apr has only one preferred day left
HOLIDAY_WEEK = (date(2026, 3, 29), date(2026, 4, 4))
COMPOSITE = "24-hour composite"
MONDAY, WEDNESDAY = 0, 2


@pytest.fixture
def plant(db, monkeypatch):
    """The demo NPDES permit with Tue 10 March's composite collected in full, planned on the default days."""
    monkeypatch.setattr("app.blueprints.schedule.routes.utcnow", lambda: NOW)
    import_permit_definition(db.session, permit_document("npdes"))
    for code in ("00530", "01042", "01092"):
        record_result(db.session, {"permit": "CT0000001", "outfall": "001", "parameter_code": code,
                                   "sample_id": f"SET-{code}", "sampled_at": "2026-03-10T08:00", "value": "0.1",
                                   "unit": "mg/L"}, now=NOW - timedelta(days=6))
    month_view(db.session, date(2026, 3, 1), NOW)  # plans and refreshes the statuses, as a visit does
    db.session.commit()
    return _snapshot(db)


def _snapshot(db) -> dict[int, tuple]:
    db.session.expire_all()
    return {e.id: (e.event_date, e.outfall, e.sample_type, e.status, e.status_reason, e.parameters)
            for e in db.session.scalars(select(SamplingEvent))}


def _preferences(db) -> dict:
    db.session.expire_all()
    return db.session.scalars(select(Facility)).one().schedule_preferences


def _facility_updates(db) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.entity == "facility",
                                                            AuditEntry.action == "update")))


def _save(client, weekdays, holidays: str):
    return client.post("/schedule/settings", data={"preferred_weekdays": weekdays, "holidays": holidays})


def test_the_page_shows_the_defaults_and_the_month_links_to_it_for_managers_only(client, db, plant, login_as):
    login_as("manager")
    doc = html.fromstring(client.get("/schedule/settings").get_data(as_text=True))
    checked = doc.xpath('//input[@name="preferred_weekdays" and @checked]/@value')
    assert checked == ["tuesday", "thursday"] and "defaults (Tuesday, Thursday, no holidays) are in force" in " ".join(
        doc.text_content().split())
    assert len(doc.xpath('//input[@name="preferred_weekdays"]')) == 7 and doc.xpath('//textarea[@name="holidays"]')
    month = html.fromstring(client.get("/schedule/?month=2026-03").get_data(as_text=True))
    assert month.xpath('//a[@id="schedule-settings"]/@href') == ["/schedule/settings"]


@pytest.mark.parametrize("role", ["viewer", "labtech"])
def test_viewers_and_lab_techs_may_read_but_not_change_them(client, db, plant, login_as, role):
    login_as(role)
    page = client.get("/schedule/settings")
    doc = html.fromstring(page.get_data(as_text=True))
    assert page.status_code == 200 and "Tuesday, Thursday" in doc.get_element_by_id("weekdays").text_content()
    assert not doc.xpath('//form[@action="/schedule/settings"]')
    assert not html.fromstring(client.get("/schedule/?month=2026-03").get_data(as_text=True)).xpath(
        '//a[@id="schedule-settings"]')
    assert _save(client, ["monday"], "").status_code == 403
    assert _preferences(db) == {} and _snapshot(db) == plant and not _facility_updates(db)


def test_a_manager_moves_the_future_trips_and_keeps_the_past(client, db, plant, login_as):
    manager = login_as("manager")
    response = _save(client, ["monday", "wednesday"], f"{HOLIDAY.isoformat()}  # plant shutdown\n\n")
    assert response.status_code == 302 and response.headers["Location"] == "/schedule/"
    assert _preferences(db) == {"preferred_weekdays": ["monday", "wednesday"], "holidays": [HOLIDAY.isoformat()]}
    after = _snapshot(db)
    # The past as it was, the collected Tuesday included; nothing deleted.
    assert set(plant) <= set(after)
    assert {i: v for i, v in after.items() if i in plant and v[0] < TODAY} == \
        {i: v for i, v in plant.items() if v[0] < TODAY}
    assert next(v for v in after.values() if v[0] == date(2026, 3, 10) and v[2] == COMPOSITE)[3] == "collected"
    # Future trips the new plan has no use for are cancelled, with the reason.
    old_future = {i: v for i, v in plant.items() if v[0] >= TODAY and v[2] == COMPOSITE}
    moved = [i for i, v in old_future.items() if v[0].weekday() not in (MONDAY, WEDNESDAY)
             and not HOLIDAY_WEEK[0] <= v[0] <= HOLIDAY_WEEK[1]]
    assert moved and all(after[i][3] == "cancelled" and "re-planned" in after[i][4] for i in moved)
    active = [v for v in after.values() if v[0] >= TODAY and v[3] != "cancelled"]
    composites = [v[0] for v in active if v[2] == COMPOSITE]
    assert {d.weekday() for d in composites if not HOLIDAY_WEEK[0] <= d <= HOLIDAY_WEEK[1]} == {MONDAY, WEDNESDAY}
    assert TODAY in composites and date(2026, 3, 23) in composites and date(2026, 3, 25) in composites
    # Nothing on the holiday, not even the daily pH grab. In its week the weekly metals keep Wednesday, the
    # only preferred day left, and the two TSS samples spread over the remaining workdays.
    assert not [v for v in active if v[0] == HOLIDAY]
    assert sorted(d for d in composites if HOLIDAY_WEEK[0] <= d <= HOLIDAY_WEEK[1]) == [
        date(2026, 3, 31), date(2026, 4, 1), date(2026, 4, 2)]
    assert [v[0] for v in active if v[1] == "002" and v[0].month == 4] == [date(2026, 4, 1)] * 2  # grab, calculated
    # The message says what the re-plan did, in the numbers the database shows.
    message = client.get("/schedule/?month=2026-03").get_data(as_text=True)
    planned, cancelled = (int(n) for n in re.search(r"(\d+) trip\(s\) planned, \d+ updated, (\d+) cancelled",
                                                    message).groups())
    assert planned == len(set(after) - set(plant)) > 0
    assert cancelled == sum(1 for i, v in after.items() if i in plant and v[3] != plant[i][3] == "scheduled")
    [entry] = _facility_updates(db)
    assert entry.before["schedule_preferences"] == {} and entry.actor_label == manager.email
    assert entry.after["schedule_preferences"] == _preferences(db)
    assert entry.reason == "sampling schedule settings changed"


def test_a_change_adds_no_trips_to_the_past(client, db, plant, login_as):
    login_as("manager")
    assert _save(client, ["monday", "wednesday"], "").status_code == 302
    added = {i: v for i, v in _snapshot(db).items() if i not in plant}
    assert added and all(v[0] >= TODAY for v in added.values())


@pytest.mark.parametrize("weekdays, holidays, words", [
    (["monday", "funday"], "", ["Preferred sampling weekdays", "&#39;funday&#39; is not a weekday"]),
    ([], "2026-12-25", ["Preferred sampling weekdays", "choose at least one weekday"]),
    (["monday"], "2026-12-25\n2026-02-30 # no such day", ["Holidays and shutdown days",
                                                         "&#39;2026-02-30&#39; is not a date as YYYY-MM-DD"]),
    (["monday"], "25/12/2026", ["Holidays and shutdown days", "&#39;25/12/2026&#39; is not a date"]),
])
def test_bad_values_are_refused_with_the_field_and_nothing_changes(client, db, plant, login_as, weekdays, holidays,
                                                                   words):
    login_as("manager")
    response = _save(client, weekdays, holidays)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and all(w in page for w in words), page[-3000:]
    assert holidays.split("\n")[0] in page  # what was typed is kept to be corrected
    assert _preferences(db) == {} and _snapshot(db) == plant and not _facility_updates(db)


def test_holidays_are_deduplicated_and_sorted_and_saving_the_same_again_changes_nothing(client, db, plant,
                                                                                       login_as):
    login_as("manager")
    assert _save(client, ["wednesday", "monday"], "2026-12-25\n2026-01-01 # new year\n2026-12-25\n").status_code == 302
    assert _preferences(db) == {"preferred_weekdays": ["monday", "wednesday"],
                                "holidays": ["2026-01-01", "2026-12-25"]}
    client.get("/schedule/?month=2026-03")  # takes the flash
    settled = _snapshot(db)
    assert _save(client, ["monday", "wednesday"], "2026-01-01\n2026-12-25").status_code == 302
    assert "already fit them" in client.get("/schedule/?month=2026-03").get_data(as_text=True)
    assert _snapshot(db) == settled and len(_facility_updates(db)) == 1
    doc = html.fromstring(client.get("/schedule/settings").get_data(as_text=True))
    assert doc.xpath('//textarea[@name="holidays"]')[0].text_content().split() == ["2026-01-01", "2026-12-25"]


def test_the_service_refuses_bad_input_with_a_value_error_naming_field_and_value(db, plant):
    facility = db.session.scalars(select(Facility)).one()
    with pytest.raises(ScheduleSettingsError, match="Holidays and shutdown days: '2026-13-01'") as refused:
        set_schedule_preferences(db.session, facility.id, preferred_weekdays=["monday"], holidays=["2026-13-01"],
                                 now=NOW, actor_id=None, actor_label="test")
    assert isinstance(refused.value, ValueError) and (refused.value.field, refused.value.value) == (
        "holidays", "2026-13-01")
    with pytest.raises(LookupError):
        set_schedule_preferences(db.session, facility.id + 1, preferred_weekdays=["monday"], holidays=[], now=NOW,
                                 actor_id=None, actor_label="test")


def test_the_form_needs_its_csrf_token(app, client, db, plant, login_as, monkeypatch):
    login_as("manager")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert _save(client, ["monday"], "").status_code == 400
    assert _preferences(db) == {} and _snapshot(db) == plant
