"""The compliance pages: the obligations list with its countdowns, recording notices, and reporting an event."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from app.blueprints.compliance.countdown import countdown
from app.models.audit import AuditEntry
from app.models.compliance import NoncomplianceEvent, NotificationObligation
from app.services.events import EventReport, report_event
from app.services.permits import import_permit_definition
from app.services.results import record_result
from tests.conftest import TEST_PASSWORD
from tests.factories import permit_document
from tests.web.test_csrf import _token, csrf_client  # noqa: F401  (csrf_client is a fixture used here)

ZONE = ZoneInfo("America/New_York")


@pytest.fixture
def permits(db):
    import_permit_definition(db.session, permit_document("pretreatment"))
    import_permit_definition(db.session, permit_document("npdes"))
    db.session.commit()


def _equipment_failure(db, minutes_ago: int = 30) -> NotificationObligation:
    """SP0002345 is CT SPDES: an equipment failure asks for a call within 2 h and a report within 5 days."""
    discovered = datetime.now(timezone.utc) - timedelta(minutes=minutes_ago)
    _event, obligations = report_event(db.session, EventReport(
        permit="SP0002345", kind="monitoring_equipment_failure", discovered_at=discovered, outfall="101",
        description="pH probe failed"))
    db.session.commit()
    (obligation,) = obligations
    return obligation


def _local(moment: datetime) -> str:
    return moment.astimezone(ZONE).strftime("%Y-%m-%dT%H:%M")


def _notice(obligation_id: int, **overrides) -> dict:
    fields = {"done_at": _local(datetime.now(timezone.utc) - timedelta(minutes=5)), "to_whom": "J. Doe, CT DEEP",
              "method": "phone", "notes": "left the incident number 42"}
    fields.update(overrides)
    return {f"o{obligation_id}-initial-{name}": value for name, value in fields.items()}


def _record(client, obligation_id: int, part: str, data: dict):
    return client.post(f"/compliance/obligations/{obligation_id}/{part}", data=data)


def _audit_count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEntry))


@pytest.mark.parametrize("seconds, text", [
    (72 * 60 + 30, "due in 1 h 12 min"), (59, "due in under 1 min"), (45 * 60, "due in 45 min"),
    (3 * 86400 + 5 * 3600 + 7, "due in 3 d 5 h"), (0, "overdue by under 1 min"),
    (-(2 * 3600 + 5 * 60), "overdue by 2 h 5 min"),
])
def test_countdown_wording(seconds, text):
    now = datetime(2026, 3, 13, 13, 0, tzinfo=timezone.utc)
    assert countdown(now + timedelta(seconds=seconds), now) == text


def test_viewer_reads_open_obligations_with_the_event_and_a_countdown(client, db, permits, login_as):
    late = _equipment_failure(db, minutes_ago=150)  # the 2 h call is 30 min overdue
    soon = _equipment_failure(db, minutes_ago=30)
    login_as("viewer")
    response = client.get("/compliance/obligations")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.index(f'id="obligation-{late.id}"') < html.index(f'id="obligation-{soon.id}"')  # earliest due first
    assert "failure or malfunction of monitoring equipment" in html and "CT DEEP" in html
    assert "SP0002345" in html and "monitoring equipment failure, discovered" in html and "pH probe failed" in html
    assert re.search(r'class="countdown overdue" data-due="[^"]+-0[45]:00">overdue by (29|30) min<', html)
    assert re.search(r'class="countdown" data-due="[^"]+">due in 1 h (29|30) min<', html)
    due = soon.initial_due.astimezone(ZONE)
    assert due.strftime("%Y-%m-%d %H:%M %Z") in html  # facility-local due time
    assert "countdown.js" in html
    assert "Record the oral notice" not in html  # a viewer gets no forms


def test_exceedance_obligation_shows_value_limit_and_samples(client, db, permits, login_as):
    record_result(db.session, {"permit": "CT0000001", "outfall": "001", "parameter_code": "01042",
                               "sample_id": "L-7", "sampled_at": "2026-03-10T08:00", "value": "1.3", "unit": "mg/L",
                               "received_at": "2026-03-13T09:15"}, now=datetime.now(timezone.utc))
    db.session.commit()
    login_as("viewer")
    html = client.get("/compliance/obligations").get_data(as_text=True)
    assert "01042" in html and "daily maximum exceeded" in html
    assert re.search(r"1\.3 mg/L\s+against the limit 1\.0 mg/L \(daily maximum,\s+2026-03-10\);\s+sample L-7", html)
    assert "2026-03-13 09:15 EDT" in html  # aware at, when the lab result came in


@pytest.mark.parametrize("role", ["viewer", "labtech"])
def test_readers_cannot_record_or_report(client, db, permits, login_as, role):
    obligation = _equipment_failure(db)
    login_as(role)
    assert _record(client, obligation.id, "initial", _notice(obligation.id)).status_code == 403
    assert _record(client, obligation.id, "followup", {}).status_code == 403
    assert client.get("/compliance/events/new").status_code == 403
    assert client.post("/compliance/events/new", data={"permit": "SP0002345"}).status_code == 403
    assert db.session.get(NotificationObligation, obligation.id).initial_done_at is None


def test_manager_records_the_oral_notice_and_sees_it_done(client, db, permits, login_as):
    obligation = _equipment_failure(db)
    manager = login_as("manager")
    page = client.get("/compliance/obligations").get_data(as_text=True)
    assert f'name="o{obligation.id}-initial-to_whom"' in page and "Record the oral notice" in page
    when = datetime.now(timezone.utc).replace(second=0, microsecond=0) - timedelta(minutes=10)
    response = _record(client, obligation.id, "initial", _notice(obligation.id, done_at=_local(when)))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/compliance/obligations?show=open#obligation-{obligation.id}")
    db.session.expire_all()
    stored = db.session.get(NotificationObligation, obligation.id)
    assert stored.initial_done_at == when
    assert stored.initial_record == {"to_whom": "J. Doe, CT DEEP", "method": "phone",
                                     "notes": "left the incident number 42"}
    assert stored.status == "open"  # the written report is still to come
    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry.actor_label == manager.email
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Recorded the oral notice for obligation" in html
    assert f"done {when.astimezone(ZONE).strftime('%Y-%m-%d %H:%M %Z')}" in html
    assert "to J. Doe, CT DEEP by phone" in html
    assert f'name="o{obligation.id}-initial-to_whom"' not in html  # that part is closed
    assert f'name="o{obligation.id}-followup-document"' in html


@pytest.mark.parametrize("overrides, message", [
    ({"to_whom": ""}, "Enter who was told (name and agency)."),
    ({"to_whom": "   "}, "Enter who was told (name and agency)."),
    ({"done_at": "yesterday-ish"}, "Enter a date and time such as 2026-03-13 09:15."),
    ({"done_at": ""}, "Enter when the notice was given."),
    ({"done_at": "2099-01-01T09:00"}, "The notice cannot have been given in the future."),
    ({"method": "carrier pigeon"}, "Not a valid choice."),
])
def test_bad_notice_input_is_refused_with_a_message_and_stores_nothing(client, db, permits, login_as,
                                                                        overrides, message):
    obligation = _equipment_failure(db)
    login_as("manager")
    before = _audit_count(db)
    response = _record(client, obligation.id, "initial", _notice(obligation.id, **overrides))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f'<span class="field-error">{message}</span>' in html
    assert f'<details class="record-form" open>' in html  # the failed form is open, with the input kept
    db.session.expire_all()
    assert db.session.get(NotificationObligation, obligation.id).initial_done_at is None
    assert _audit_count(db) == before


def test_written_report_completes_the_obligation_which_then_shows_under_all(client, db, permits, login_as):
    obligation = _equipment_failure(db)
    login_as("manager")
    assert _record(client, obligation.id, "initial", _notice(obligation.id)).status_code == 302
    today = datetime.now(timezone.utc).astimezone(ZONE).date()
    response = _record(client, obligation.id, "followup", {
        f"o{obligation.id}-followup-sent_on": today.isoformat(),
        f"o{obligation.id}-followup-document": "Letter 2026-017 to DEEP"})
    assert response.status_code == 302
    assert "show=all" in response.headers["Location"]
    db.session.expire_all()
    stored = db.session.get(NotificationObligation, obligation.id)
    assert stored.status == "done" and stored.followup_record["document"] == "Letter 2026-017 to DEEP"
    assert stored.followup_done_at <= datetime.now(timezone.utc)
    assert f'id="obligation-{obligation.id}"' not in client.get("/compliance/obligations").get_data(as_text=True)
    html = client.get("/compliance/obligations?show=all").get_data(as_text=True)
    assert f'id="obligation-{obligation.id}"' in html and "Letter 2026-017 to DEEP" in html
    assert '<span class="badge status-done">done</span>' in html


def test_bad_report_date_is_refused(client, db, permits, login_as):
    obligation = _equipment_failure(db)
    login_as("manager")
    response = _record(client, obligation.id, "followup", {
        f"o{obligation.id}-followup-sent_on": "18/03/2026", f"o{obligation.id}-followup-document": "Letter"})
    assert response.status_code == 400
    assert "Enter a date such as 2026-03-18." in response.get_data(as_text=True)
    assert db.session.get(NotificationObligation, obligation.id).followup_done_at is None


def test_withdrawn_obligations_show_under_all_with_their_reason(client, db, permits, login_as, make_user):
    user = make_user("manager")
    row = {"permit": "CT0000001", "outfall": "001", "parameter_code": "01042", "sample_id": "L-1",
           "sampled_at": "2026-03-10T08:00", "value": "1.3", "unit": "mg/L", "received_at": "2026-03-13T09:15"}
    record_result(db.session, row, now=datetime.now(timezone.utc))
    record_result(db.session, {**row, "value": "0.13", "correction_reason": "transcription error"},
                  now=datetime.now(timezone.utc), actor_id=user.id, actor_label=user.email)
    db.session.commit()
    login_as("viewer")
    assert "No open notification obligation." in client.get("/compliance/obligations").get_data(as_text=True)
    html = client.get("/compliance/obligations?show=all").get_data(as_text=True)
    assert '<span class="badge status-withdrawn">withdrawn</span>' in html
    assert "Status reason:" in html and "transcription error" in html
    assert "not needed (withdrawn)" in html


def test_a_withdrawn_obligation_cannot_be_fulfilled(client, db, permits, login_as, make_user):
    user = make_user("manager")
    row = {"permit": "CT0000001", "outfall": "001", "parameter_code": "01042", "sample_id": "L-1",
           "sampled_at": "2026-03-10T08:00", "value": "1.3", "unit": "mg/L", "received_at": "2026-03-13T09:15"}
    record_result(db.session, row, now=datetime.now(timezone.utc))
    record_result(db.session, {**row, "value": "0.13", "correction_reason": "transcription error"},
                  now=datetime.now(timezone.utc), actor_id=user.id, actor_label=user.email)
    db.session.commit()
    obligation = db.session.scalars(select(NotificationObligation)).first()
    login_as("manager")
    response = _record(client, obligation.id, "initial", _notice(obligation.id))
    assert response.status_code == 400
    assert "Nothing was recorded: obligation" in response.get_data(as_text=True)
    assert "was withdrawn" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(NotificationObligation, obligation.id).initial_done_at is None


def test_recording_needs_the_csrf_token_of_its_prefixed_form(csrf_client, db, permits, make_user):
    obligation = _equipment_failure(db)
    user = make_user("manager")
    login_page = csrf_client.get("/auth/login").get_data(as_text=True)
    csrf_client.post("/auth/login", data={"email": user.email, "password": TEST_PASSWORD,
                                          "csrf_token": _token(login_page)})
    assert _record(csrf_client, obligation.id, "initial", _notice(obligation.id)).status_code == 400
    page = csrf_client.get("/compliance/obligations").get_data(as_text=True)
    token = re.search(rf'name="o{obligation.id}-initial-csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    data = {**_notice(obligation.id), f"o{obligation.id}-initial-csrf_token": token}
    assert _record(csrf_client, obligation.id, "initial", data).status_code == 302
    db.session.expire_all()
    assert db.session.get(NotificationObligation, obligation.id).initial_done_at is not None


def test_event_form_creates_the_obligations(client, db, permits, login_as):
    login_as("manager")
    form = client.get("/compliance/events/new").get_data(as_text=True)
    assert '<option value="SP0002345">' in form and '<option value="monitoring_equipment_failure">' in form
    discovered = datetime.now(timezone.utc) - timedelta(minutes=20)
    response = client.post("/compliance/events/new", data={
        "permit": "SP0002345", "kind": "monitoring_equipment_failure", "outfall": "101",
        "discovered_at": _local(discovered), "description": "flow meter stuck"})
    assert response.status_code == 302, response.get_data(as_text=True)
    event = db.session.scalars(select(NoncomplianceEvent)).one()
    assert event.discovered_at == discovered.replace(second=0, microsecond=0)
    (obligation,) = db.session.scalars(select(NotificationObligation)).all()
    assert obligation.event_id == event.id and obligation.trigger == "monitoring_equipment_failure"
    assert response.headers["Location"].endswith(f"/compliance/obligations#obligation-{obligation.id}")
    html = client.get("/compliance/obligations").get_data(as_text=True)
    assert "1 notification obligation created" in html and "flow meter stuck" in html
    assert re.search(r">due in 1 h (39|40) min<", html)


@pytest.mark.parametrize("overrides, message", [
    ({"kind": "anticipated_bypass"}, "planned_start: an anticipated bypass needs its planned start"),
    ({"outfall": "999"}, "outfall: permit SP0002345 has no outfall &#39;999&#39;"),
    ({"discovered_at": "13 March"}, "Enter a date and time such as 2026-03-13 09:15."),
    ({"discovered_at": ""}, "Enter when it was discovered."),
    ({"ended_at": "2026-03-01T00:00"}, "ended_at: is before discovered_at"),
    ({"permit": "XX0000000"}, "Not a valid choice."),
])
def test_bad_event_input_is_refused_and_stores_nothing(client, db, permits, login_as, overrides, message):
    login_as("manager")
    data = {"permit": "SP0002345", "kind": "upset", "discovered_at": "2026-03-13T09:15"}
    response = client.post("/compliance/events/new", data={**data, **overrides})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html and "Nothing was stored" in html
    assert db.session.scalars(select(NoncomplianceEvent)).all() == []
    assert db.session.scalars(select(NotificationObligation)).all() == []
