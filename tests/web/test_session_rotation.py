"""Signing in starts a fresh session: nothing a planted or shared session cookie carried survives it."""
from __future__ import annotations

from datetime import datetime, timezone

from flask_login.utils import encode_cookie

from app.services.inspector_links import issue_inspector_link
from tests.conftest import TEST_PASSWORD

# What Flask-Login itself writes at sign-in; anything else in the session came from before it.
SIGN_IN_KEYS = {"_user_id", "_fresh", "_id"}
PLANTED = {"planted_by_attacker": "x", "csrf_token": "a-token-the-attacker-knows", "_user_id": "999:0",
           "results_filter": {"permit": "CT0000001"}}


def _plant(client) -> None:
    with client.session_transaction() as session:
        session.update(PLANTED)


def _session_keys(client) -> dict:
    with client.session_transaction() as session:
        return dict(session)


def test_login_drops_every_key_of_the_session_before_it(client, make_user):
    user = make_user("labtech")
    _plant(client)
    response = client.post("/auth/login", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 302
    session = _session_keys(client)
    assert set(session) <= SIGN_IN_KEYS | {"_flashes"}
    assert session["_user_id"] == user.get_id()
    assert "csrf_token" not in session and "planted_by_attacker" not in session


def _inspector_path(db, make_user) -> str:
    manager = make_user("manager")
    issued = issue_inspector_link(db.session, label="J. Rivera, CT DEEP", hours=8, actor=manager,
                                  now=datetime.now(timezone.utc))
    db.session.commit()
    return f"/auth/inspect/{issued.token}"


def test_an_inspector_link_replaces_the_whole_session_of_whoever_was_signed_in(client, db, login_as, make_user):
    path = _inspector_path(db, make_user)
    manager = login_as("manager")
    with client.session_transaction() as session:
        session["planted_by_attacker"] = "x"
    assert client.get(path).status_code == 302
    session = _session_keys(client)
    assert set(session) <= SIGN_IN_KEYS | {"_flashes"}
    assert session["_user_id"] != manager.get_id() and session["_user_id"].split(":")[0].isdigit()
    assert client.get("/records/inspector-links").status_code == 403  # the viewer now, not the manager


def test_an_inspector_link_deletes_the_previous_users_remember_me_cookie(app, client, db, make_user):
    path = _inspector_path(db, make_user)
    previous = make_user("manager", email="previous@example.com")
    cookie_name = app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    client.set_cookie(cookie_name, encode_cookie(previous.get_id()))
    assert client.get(path).status_code == 302
    # Otherwise, once the inspector's session ended, the cookie would sign the manager back in.
    assert client.get_cookie(cookie_name) is None
