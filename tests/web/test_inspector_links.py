"""Inspector links: a manager issues a read-only link that signs an inspector in until it expires or is revoked."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from app.models.audit import AuditEntry
from app.models.user import InspectorLink, User
from app.services.inspector_links import issue_inspector_link, user_for_inspector_link
from app.services.users import AccountError, issue_api_token, user_for_api_token


def _issue(client, label="J. Rivera, CT DEEP", hours="8") -> str:
    page = client.post("/records/inspector-links", data={"label": label, "hours": hours})
    assert page.status_code == 200, page.get_data(as_text=True)
    url = re.search(r'value="(http://[^"]+/auth/inspect/[^"]+)"', page.get_data(as_text=True)).group(1)
    return url.split("localhost", 1)[1]


def test_a_manager_issues_a_link_that_signs_in_read_only(app, client, db, login_as):
    login_as("manager")
    path = _issue(client)
    client.post("/auth/logout")  # the inspector's browser: nobody signed in
    with app.test_client() as inspector:
        landed = inspector.get(path)
        assert landed.status_code == 302 and landed.headers["Location"].endswith("/")
        assert inspector.get("/").status_code == 200
        assert inspector.get("/records/").status_code == 200
        # Read-only: every change is refused on the server, whatever the page shows.
        assert inspector.post("/results/enter?permit=X&outfall=1", data={}).status_code == 403
        assert inspector.get("/records/inspector-links").status_code == 403
    link = db.session.scalar(select(InspectorLink))
    user = db.session.get(User, link.user_id)
    assert (user.role, user.password_hash, link.label) == ("viewer", None, "J. Rivera, CT DEEP")
    assert link.last_used_at is not None and len(link.token_hash) == 64 and link.token_hash not in path
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.entity == "inspector_link", AuditEntry.action == "signed_in")) == 1


def test_a_revoked_link_ends_its_sessions_at_once(app, client, db, login_as):
    login_as("manager")
    path = _issue(client)
    inspector = app.test_client()
    inspector.get(path)
    assert inspector.get("/").status_code == 200
    link = db.session.scalar(select(InspectorLink))
    assert client.post(f"/records/inspector-links/{link.id}/revoke").status_code == 302
    assert inspector.get("/").status_code == 302  # back to the login page
    refused = app.test_client().get(path)
    assert refused.status_code == 404 and "expired or was revoked" in refused.get_data(as_text=True)


def test_an_expired_link_neither_signs_in_nor_keeps_a_session(db, make_user):
    manager = make_user("manager")
    now = datetime(2026, 3, 13, 12, tzinfo=timezone.utc)
    issued = issue_inspector_link(db.session, label="EPA Region 1", hours=2, actor=manager, now=now)
    user = user_for_inspector_link(db.session, issued.token, now + timedelta(hours=1))
    assert user is not None and user.access_expires_at == now + timedelta(hours=2)
    assert user_for_inspector_link(db.session, issued.token, now + timedelta(hours=2)) is None
    assert user_for_inspector_link(db.session, "ofi_wrong", now) is None


def test_the_session_and_an_api_token_stop_at_the_expiry(app, client, db, make_user):
    manager = make_user("manager")
    issued = issue_inspector_link(db.session, label="EPA Region 1", hours=1, actor=manager,
                                  now=datetime.now(timezone.utc) - timedelta(minutes=30))
    user = db.session.get(User, issued.link.user_id)
    token = issue_api_token(db.session, user)
    db.session.commit()
    client.get(f"/auth/inspect/{issued.token}")
    assert client.get("/").status_code == 200 and user_for_api_token(db.session, token) is not None
    user.access_expires_at = datetime.now(timezone.utc) - timedelta(seconds=1)
    db.session.commit()
    assert client.get("/").status_code == 302
    assert user_for_api_token(db.session, token) is None


@pytest.mark.parametrize("label, hours, message", [("", "8", "Say who the link is for."),
                                                    ("EPA", "0", "Between 1 and"), ("EPA", "999", "Between 1 and")])
def test_a_bad_request_is_refused_naming_the_field(client, db, login_as, label, hours, message):
    login_as("manager")
    page = client.post("/records/inspector-links", data={"label": label, "hours": hours})
    assert page.status_code == 400 and message in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count(InspectorLink.id))) == 0


def test_only_the_manager_issues_links(client, login_as):
    for role in ("labtech", "viewer", "admin"):
        login_as(role)
        assert client.get("/records/inspector-links").status_code == 403
        assert client.post("/records/inspector-links", data={"label": "x", "hours": "1"}).status_code == 403


def test_the_service_refuses_an_empty_label(db, make_user):
    with pytest.raises(AccountError, match="label"):
        issue_inspector_link(db.session, label=" ", hours=2, actor=make_user("manager"),
                             now=datetime(2026, 3, 13, tzinfo=timezone.utc))
