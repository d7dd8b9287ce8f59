"""The private iCalendar feed: created and revoked on the calendar page, parsed back with icalendar."""
from __future__ import annotations

import hashlib
import re
from datetime import date, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from app.models.compliance import NotificationObligation
from app.models.user import User
from tests.conftest import TEST_PASSWORD
from tests.web.test_calendar_pages import NOW, _stored, _trip, plant  # noqa: F401  (plant is a fixture)

FEED_URL = re.compile(r'<code id="feed-url">(http://localhost/schedule/feed/([A-Za-z0-9_-]+)\.ics)</code>')


def _create_feed(client) -> tuple[str, str]:
    body = client.post("/schedule/feed").get_data(as_text=True)
    return FEED_URL.search(body).groups()


def _events(response) -> dict[str, object]:
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    for line in response.data.split(b"\r\n"):
        assert len(line) <= 75  # RFC 5545 3.1: folded at 75 octets
    return {str(e["UID"]): e for e in Calendar.from_ical(response.data).walk("VEVENT")}


def test_the_feed_carries_trips_deadlines_and_due_dates(app, client, db, plant, login_as):
    user = login_as("labtech")
    url, token = _create_feed(client)
    assert db.session.get(User, user.id).calendar_token_hash == hashlib.sha256(token.encode()).hexdigest()
    events = _events(app.test_client().get(url))  # no cookies: the token alone opens it
    stored = _stored(db, date(2025, 12, 9), date(2026, 6, 7))  # 90 days back to the 90-day horizon
    trips = {uid: e for uid, e in events.items() if uid.startswith("sampling-event-")}
    assert set(trips) == {f"sampling-event-{e.id}@outfall" for e in stored}
    for event in stored:
        vevent = trips[f"sampling-event-{event.id}@outfall"]
        assert vevent.decoded("DTSTART") == event.event_date
        assert vevent.decoded("DTEND") == event.event_date + timedelta(days=1)
        assert f"[{event.status}]" in str(vevent["SUMMARY"]) and event.sample_type in str(vevent["SUMMARY"])
        assert vevent.decoded("DTSTAMP") == NOW
        assert str(vevent["URL"]) == (f"http://localhost/results/enter?permit=CT0000001&outfall={event.outfall}"
                                      f"&event={event.id}")
    tuesday = trips[f"sampling-event-{_trip(db, date(2026, 3, 3)).id}@outfall"]
    assert "Parameters: 00530, 01042, 01092" in str(tuesday["DESCRIPTION"])
    assert "Permit CT0000001, outfall 001" in str(tuesday["DESCRIPTION"])  # the comma survives escaping
    for obligation in db.session.scalars(select(NotificationObligation)):
        vevent = events[f"obligation-{obligation.id}-initial@outfall"]
        assert vevent.decoded("DTSTART") == obligation.initial_due and "DTEND" not in vevent
        assert vevent.decoded("DTSTART").utcoffset() == timedelta(0)
        assert str(vevent["URL"]).endswith(f"/compliance/obligations?show=all#obligation-{obligation.id}")
    reports = {uid: e.decoded("DTSTART") for uid, e in events.items() if uid.startswith("report-")}
    # Due dates 2025-12-09..2026-06-07 of a permit effective 2026-01-01: January's to April's DMR.
    assert reports == {f"report-{plant[0].permit_id}-2026-{m:02d}@outfall": date(2026, m + 1, 15) for m in range(1, 5)}
    assert not any(uid.startswith("renewal-") for uid in events)  # 2030: beyond the feed's window


def test_a_replaced_or_revoked_feed_answers_404(app, client, db, plant, login_as):
    login_as("viewer")
    anonymous = app.test_client()
    first, _ = _create_feed(client)
    second, _ = _create_feed(client)
    assert anonymous.get(first).status_code == 404
    assert anonymous.get(second).status_code == 200
    page = client.get("/schedule/").get_data(as_text=True)
    assert "You have an active feed address." in page and not FEED_URL.search(page)  # shown once only
    response = client.post("/schedule/feed/revoke")
    assert response.status_code == 302
    assert anonymous.get(second).status_code == 404
    assert anonymous.get("/schedule/feed/not-a-token.ics").status_code == 404
    assert "You have no feed address." in client.get("/schedule/").get_data(as_text=True)


def test_a_deactivated_users_feed_answers_404(app, client, db, plant, login_as):
    user = login_as("manager")
    url, _ = _create_feed(client)
    db.session.get(User, user.id).active = False
    db.session.commit()
    assert app.test_client().get(url).status_code == 404


@pytest.fixture
def csrf_client(app, db):
    from app import create_app

    config = {key: app.config[key] for key in ("SQLALCHEMY_DATABASE_URI", "SQLALCHEMY_ENGINE_OPTIONS", "SECRET_KEY")}
    protected = create_app({**config, "TESTING": True, "WTF_CSRF_ENABLED": True, "SESSION_COOKIE_SECURE": False})
    yield protected.test_client()
    from app.extensions import db as database
    with protected.app_context():
        database.engine.dispose()  # a second app has its own engine: close its pool


def _csrf_token(body: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', body).group(1)


def test_creating_and_revoking_a_feed_need_the_csrf_token(csrf_client, db, plant, make_user):
    user = make_user("viewer")
    login = csrf_client.get("/auth/login").get_data(as_text=True)
    assert csrf_client.post("/auth/login", data={"email": user.email, "password": TEST_PASSWORD,
                                                 "csrf_token": _csrf_token(login)}).status_code == 302
    assert csrf_client.post("/schedule/feed").status_code == 400
    assert db.session.scalar(select(User.calendar_token_hash).where(User.id == user.id)) is None
    page = csrf_client.get("/schedule/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    created = csrf_client.post("/schedule/feed", data={"csrf_token": token})
    assert created.status_code == 200 and FEED_URL.search(created.get_data(as_text=True))
    assert csrf_client.post("/schedule/feed/revoke").status_code == 400
    db.session.expire_all()
    assert db.session.scalar(select(User.calendar_token_hash).where(User.id == user.id)) is not None
    assert csrf_client.post("/schedule/feed/revoke", data={"csrf_token": token}).status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(User.calendar_token_hash).where(User.id == user.id)) is None
