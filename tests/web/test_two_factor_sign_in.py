"""Signing in with two-factor on: the code step, replay, recovery codes, the throttle, expiry, enforcement."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.models.audit import AuditEntry
from app.models.user import LoginFailure
from tests.conftest import TEST_PASSWORD
from tests.web.two_factor_steps import clock, code_at, enrol, session_of, sign_in_with_password  # noqa: F401

SIGN_IN_KEYS = {"_user_id", "_fresh", "_id", "_flashes"}


@pytest.fixture
def enrolled_manager(client, login_as, clock):
    """A manager with two-factor on, signed out again, the clock moved past the step used to enrol."""
    user = login_as("manager")
    enrolled = enrol(client, clock)
    client.post("/auth/logout")
    clock.advance(seconds=30)
    return user, enrolled


def _wrong(code: str) -> str:
    return str((int(code) + 1) % 1_000_000).zfill(6)


def test_a_right_password_alone_does_not_sign_in(client, enrolled_manager):
    user, _ = enrolled_manager
    with client.session_transaction() as session:
        session["planted_by_attacker"] = "x"
    response = sign_in_with_password(client, user)
    assert response.status_code == 302 and response.headers["Location"] == "/auth/login/code"
    assert set(session_of(client)) == {"two_factor_pending"}  # emptied, and nobody signed in
    assert client.get("/").status_code == 302
    assert client.get("/auth/login/code").status_code == 200


def test_the_code_completes_the_sign_in_on_a_fresh_session_and_keeps_next(client, db, enrolled_manager, clock):
    user, enrolled = enrolled_manager
    sign_in_with_password(client, user, next_path="/permits/")
    response = client.post("/auth/login/code", data={"code": code_at(enrolled.secret, clock.now)})
    assert response.status_code == 302 and response.headers["Location"] == "/permits/"
    session = session_of(client)
    assert set(session) <= SIGN_IN_KEYS and session["_user_id"] == user.get_id()
    assert client.get("/permits/").status_code == 200
    login = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "login")).all()[-1]
    assert login.after["second_factor"] == "totp"


def test_a_hostile_next_is_still_refused_after_the_code(client, enrolled_manager, clock):
    user, enrolled = enrolled_manager
    sign_in_with_password(client, user, next_path="//evil.example/x")
    response = client.post("/auth/login/code", data={"code": code_at(enrolled.secret, clock.now)})
    assert response.headers["Location"] == "/"


def test_a_code_whose_step_was_used_is_refused(app, client, enrolled_manager, clock):
    user, enrolled = enrolled_manager
    code = code_at(enrolled.secret, clock.now)
    sign_in_with_password(client, user)
    assert client.post("/auth/login/code", data={"code": code}).status_code == 302
    other = app.test_client()  # someone who saw the code over the shoulder, within the same 30 s
    sign_in_with_password(other, user)
    response = other.post("/auth/login/code", data={"code": code})
    assert response.status_code == 401 and b"already used" in response.data
    assert other.get("/").status_code == 302
    # The code of the enrolment's step was burned too: it never signs in.
    clock.advance(seconds=-30)
    sign_in_with_password(other, user)
    assert other.post("/auth/login/code", data={"code": code_at(enrolled.secret, clock.now)}).status_code == 401


def test_wrong_codes_count_toward_the_same_lockout_as_wrong_passwords(client, db, enrolled_manager, clock):
    user, enrolled = enrolled_manager
    right = code_at(enrolled.secret, clock.now)
    assert client.post("/auth/login", data={"email": user.email, "password": "wrong password!"}).status_code == 401
    sign_in_with_password(client, user)
    for _ in range(4):  # 1 wrong password + 4 wrong codes = the 5 an account may fail
        assert client.post("/auth/login/code", data={"code": _wrong(right)}).status_code == 401
    assert db.session.scalar(select(func.count(LoginFailure.id)).where(LoginFailure.email == user.email)) == 5
    response = client.post("/auth/login/code", data={"code": right})
    assert response.status_code == 429 and b"too many failed sign-ins" in response.data
    assert client.get("/").status_code == 302
    # And the password step is locked for the account as well.
    assert sign_in_with_password(client, user).status_code == 429


def test_a_recovery_code_works_once(app, client, db, enrolled_manager):
    user, enrolled = enrolled_manager
    recovery = enrolled.recovery_codes[3]
    sign_in_with_password(client, user)
    response = client.post("/auth/login/code", data={"code": recovery.lower().replace("-", " ")})
    assert response.status_code == 302
    assert b"9 left" in client.get("/").data
    db.session.refresh(user)
    assert len(user.recovery_code_digests) == 9
    [used] = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "recovery_code_used")).all()
    assert used.after == {"recovery_codes_left": 9} and recovery not in str(used.after)
    other = app.test_client()
    sign_in_with_password(other, user)
    assert other.post("/auth/login/code", data={"code": recovery}).status_code == 401
    assert other.post("/auth/login/code", data={"code": enrolled.recovery_codes[4]}).status_code == 302


def test_the_pending_sign_in_expires_after_five_minutes(client, enrolled_manager, clock):
    user, enrolled = enrolled_manager
    sign_in_with_password(client, user)
    clock.advance(minutes=5, seconds=1)
    response = client.post("/auth/login/code", data={"code": code_at(enrolled.secret, clock.now)})
    assert response.status_code == 302 and response.headers["Location"] == "/auth/login"
    assert "two_factor_pending" not in session_of(client)
    assert b"waited too long" in client.get("/auth/login").data
    assert client.get("/").status_code == 302


def test_a_password_change_meanwhile_ends_the_pending_sign_in(app, client, db, enrolled_manager, clock):
    from app.services.users import change_password

    user, enrolled = enrolled_manager
    sign_in_with_password(client, user)
    change_password(db.session, user, current=TEST_PASSWORD, new="a brand new secret")
    db.session.commit()
    response = client.post("/auth/login/code", data={"code": code_at(enrolled.secret, clock.now)})
    assert response.headers["Location"] == "/auth/login"


def test_the_code_page_without_a_pending_sign_in_goes_to_the_login_page(client, db):
    assert client.get("/auth/login/code").headers["Location"] == "/auth/login"
    assert client.post("/auth/login/code", data={"code": "123456"}).headers["Location"] == "/auth/login"


def test_required_two_factor_sends_managers_to_the_set_up_page_until_it_is_on(app, client, db, login_as, make_user,
                                                                              clock, monkeypatch):
    from app.services.users import issue_api_token

    monkeypatch.setitem(app.config, "OUTFALL_REQUIRE_TWO_FACTOR", True)
    manager = login_as("manager")
    for path in ("/", "/permits/", "/auth/profile", "/admin/audit"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"] == "/auth/profile/two-factor", path
    assert b"requires two-factor" in client.get("/auth/profile/two-factor").data
    # An API token is unaffected: a LIMS cannot type a code.
    token = issue_api_token(db.session, manager, scope="read")
    db.session.commit()
    assert client.get("/api/v1/permits", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    # A lab technician is not asked for it.
    labtech_client = app.test_client()
    sign_in_with_password(labtech_client, make_user("labtech"))
    assert labtech_client.get("/").status_code == 200
    enrol(client, clock)
    assert client.get("/").status_code == 200
    assert client.post("/auth/logout").headers["Location"] == "/auth/login"
    assert client.get("/").status_code == 302


def test_sign_out_works_while_enrolment_is_required(app, client, login_as, monkeypatch):
    monkeypatch.setitem(app.config, "OUTFALL_REQUIRE_TWO_FACTOR", True)
    login_as("admin")
    assert client.get("/").headers["Location"] == "/auth/profile/two-factor"
    assert client.post("/auth/logout").headers["Location"] == "/auth/login"
    assert client.get("/auth/profile/two-factor").headers["Location"].startswith("/auth/login")


def test_the_setting_is_read_from_the_environment():
    from app.config import settings_from_environment

    assert settings_from_environment({"OUTFALL_REQUIRE_TWO_FACTOR": "1"})["OUTFALL_REQUIRE_TWO_FACTOR"] is True
    assert settings_from_environment({"OUTFALL_REQUIRE_TWO_FACTOR": "0"})["OUTFALL_REQUIRE_TWO_FACTOR"] is False


def test_the_new_forms_refuse_a_post_without_the_csrf_token(app, db, make_user, clock):
    import re

    from app import create_app
    from app.extensions import db as database

    config = {key: app.config[key] for key in ("SQLALCHEMY_DATABASE_URI", "SQLALCHEMY_ENGINE_OPTIONS", "SECRET_KEY")}
    protected = create_app({**config, "TESTING": True, "WTF_CSRF_ENABLED": True, "SESSION_COOKIE_SECURE": False})
    try:
        client = protected.test_client()
        user = make_user("manager")
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                          client.get("/auth/login").get_data(as_text=True)).group(1)
        client.post("/auth/login", data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": token})
        for path, data in (("/auth/profile/two-factor/begin", {}), ("/auth/profile/two-factor/enable", {"code": "1"}),
                           ("/auth/profile/two-factor/disable", {"password": TEST_PASSWORD, "code": "1"})):
            response = client.post(path, data=data)
            assert response.status_code == 400 and b"Form expired" in response.data, path
        db.session.refresh(user)
        assert user.totp_secret_sealed is None
        assert client.post("/auth/login/code", data={"code": "123456"}).status_code == 400
    finally:
        with protected.app_context():
            database.engine.dispose()
