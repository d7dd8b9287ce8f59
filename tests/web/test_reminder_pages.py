"""The reminder outbox for administrators and the reminder preferences on the profile page."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from app.models.audit import AuditEntry
from app.models.schedule import OutboxMessage
from app.models.user import User
from tests.conftest import TEST_PASSWORD
from tests.web.test_csrf import _token, csrf_client  # noqa: F401  (csrf_client is a fixture used here)

DUE = datetime(2026, 3, 9, 11, 30, tzinfo=timezone.utc)


def _message(db, key: str, status: str, attempts: int = 0, last_error: str | None = None) -> OutboxMessage:
    message = OutboxMessage(dedupe_key=key, kind="sampling_due", recipient="lab@plant.example",
                            subject=f"Sampling today ({key})", body_text="b", due_at=DUE, status=status,
                            attempts=attempts, last_error=last_error,
                            sent_at=DUE if status == "sent" else None)
    db.session.add(message)
    db.session.commit()
    return message


def _checked(page: str) -> set[str]:
    """The names (checkboxes) and values (radio buttons) the reminder form shows ticked (the page has other forms)."""
    form = re.search(r'<form method="post" action="/auth/profile/reminders".*?</form>', page, re.S).group(0)
    ticked = set()
    for attributes in re.findall(r"<input ([^>]*)>", form):
        if re.search(r"\bchecked\b", attributes):
            kind = re.search(r'type="(\w+)"', attributes).group(1)
            ticked.add(re.search(r'name="([^"]*)"' if kind == "checkbox" else r'value="([^"]*)"',
                                 attributes).group(1))
    return ticked


@pytest.fixture
def outbox(db):
    return {"sent": _message(db, "k-sent", "sent", attempts=1),
            "failed": _message(db, "k-failed", "failed", attempts=8,
                               last_error="ConnectionRefusedError: [Errno 111] Connection refused"),
            "pending": _message(db, "k-pending", "pending")}


def test_the_outbox_lists_status_attempts_and_last_error(client, login_as, outbox):
    login_as("admin")
    page = client.get("/admin/outbox").get_data(as_text=True)
    for key in ("k-sent", "k-failed", "k-pending"):
        assert f"Sampling today ({key})" in page
    assert "Connection refused" in page and "failed (1)" in page and "sent (1)" in page
    assert page.count(">Retry</button>") == 1  # only the failed one can be retried
    only_failed = client.get("/admin/outbox?status=failed").get_data(as_text=True)
    assert "k-failed" in only_failed and "k-sent" not in only_failed


@pytest.mark.parametrize("role", ["manager", "labtech", "viewer"])
def test_only_administrators_see_the_outbox(client, login_as, outbox, role):
    login_as(role)
    assert client.get("/admin/outbox").status_code == 403
    assert client.post(f"/admin/outbox/{outbox['failed'].id}/retry").status_code == 403


def test_retry_puts_a_failed_message_back_in_the_queue(client, db, login_as, outbox):
    login_as("admin")
    response = client.post(f"/admin/outbox/{outbox['failed'].id}/retry")
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/outbox")
    message = db.session.get(OutboxMessage, outbox["failed"].id, populate_existing=True)
    assert (message.status, message.attempts) == ("pending", 0)
    assert message.next_attempt_at is not None and "Connection refused" in message.last_error  # history kept


def test_retry_refuses_a_message_that_did_not_fail(client, db, login_as, outbox):
    login_as("admin")
    response = client.post(f"/admin/outbox/{outbox['sent'].id}/retry", follow_redirects=True)
    assert "only a failed message can be retried" in response.get_data(as_text=True)
    assert db.session.get(OutboxMessage, outbox["sent"].id, populate_existing=True).status == "sent"
    assert client.post("/admin/outbox/999999/retry").status_code == 404


def test_the_profile_offers_the_reminders_of_the_role(client, login_as):
    login_as("labtech")
    page = client.get("/auth/profile").get_data(as_text=True)
    assert 'name="sampling_due"' in page and 'name="obligation_opened"' not in page
    assert _checked(page) == {"sampling_due", "calibration_due", "immediate"}  # on by default, one message each


def test_a_lab_tech_switches_to_the_daily_digest(client, db, login_as):
    user = login_as("labtech")
    response = client.post("/auth/profile/reminders", data={"sampling_due": "y", "delivery": "digest"})
    assert response.status_code == 302
    stored = db.session.get(User, user.id, populate_existing=True)
    assert stored.reminder_preferences == {"sampling_due": True, "calibration_due": False, "digest": True}
    page = client.get("/auth/profile").get_data(as_text=True)
    assert _checked(page) == {"sampling_due", "digest"} and "Reminder settings saved." in page
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.entity == "user")
                               .order_by(AuditEntry.seq.desc()).limit(1)).one()
    assert entry.reason == "reminder preferences changed" and entry.actor_id == user.id


def test_a_manager_switches_kinds_off_and_other_keys_are_kept(client, db, login_as):
    user = login_as("manager")
    user.reminder_preferences = {"sampling_due": False}  # not offered to a manager: left as it was
    db.session.commit()
    client.post("/auth/profile/reminders", data={"obligation_opened": "y", "obligation_overdue": "y",
                                                 "delivery": "immediate"})
    stored = db.session.get(User, user.id, populate_existing=True).reminder_preferences
    assert stored["obligation_opened"] is True and stored["obligation_overdue"] is True
    assert stored["sampling_missed"] is False and stored["report_due"] is False
    assert stored["sampling_due"] is False and stored["digest"] is False


def test_a_bad_delivery_choice_is_refused(client, db, login_as):
    user = login_as("labtech")
    response = client.post("/auth/profile/reminders", data={"sampling_due": "y", "delivery": "carrier pigeon"})
    assert response.status_code == 400
    assert db.session.get(User, user.id, populate_existing=True).reminder_preferences == {}


def test_a_viewer_gets_no_reminders_to_choose(client, login_as):
    login_as("viewer")
    assert "receives no reminder e-mails" in client.get("/auth/profile").get_data(as_text=True)


def test_the_preferences_form_needs_its_csrf_token(csrf_client, make_user, db):  # noqa: F811
    user = make_user("labtech")
    token = _token(csrf_client.get("/auth/login").get_data(as_text=True))
    csrf_client.post("/auth/login", data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": token})
    assert csrf_client.post("/auth/profile/reminders", data={"delivery": "digest"}).status_code == 400
    page = csrf_client.get("/auth/profile").get_data(as_text=True)
    response = csrf_client.post("/auth/profile/reminders", data={"delivery": "digest", "csrf_token": _token(page)})
    assert response.status_code == 302
    assert db.session.get(User, user.id, populate_existing=True).reminder_preferences["digest"] is True
