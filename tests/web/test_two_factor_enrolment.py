"""Turning two-factor sign-in on and off, who may, the sealed secret, and an administrator's reset (issue #10)."""
from __future__ import annotations

import pytest
from sqlalchemy import select, text

from app.authz import ENDPOINT_PERMISSIONS, ROLE_PERMISSIONS
from app.domain.secret_sealing import unseal
from app.models.audit import AuditEntry
from app.services.users import AccountError
from tests.conftest import TEST_PASSWORD
from tests.web.two_factor_steps import clock, code_at, enrol, sign_in_with_password  # noqa: F401

NEW_ENDPOINTS = ("auth.two_factor", "auth.begin_two_factor", "auth.two_factor_qr", "auth.enable_two_factor",
                 "auth.disable_two_factor")


def _audit(db, action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_enrolment_refuses_a_wrong_code_then_turns_on_with_the_right_one(client, db, login_as, clock):
    user = login_as("manager")
    assert b"Set up two-factor sign-in" in client.get("/auth/profile/two-factor").data
    assert client.post("/auth/profile/two-factor/begin").status_code == 302
    page = client.get("/auth/profile/two-factor")
    assert page.headers["Cache-Control"] == "no-store"
    secret = page.get_data(as_text=True).split('id="totp-secret" class="secret">')[1].split("<")[0]
    assert len(secret.split(" ")) == 8  # grouped in fours for typing
    secret = secret.replace(" ", "")

    qr = client.get("/auth/profile/two-factor/qr.svg")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml"
    assert qr.headers["Cache-Control"] == "no-store" and b"<svg" in qr.data and b"<script" not in qr.data

    wrong = str((int(code_at(secret, clock.now)) + 1) % 1_000_000).zfill(6)
    response = client.post("/auth/profile/two-factor/enable", data={"code": wrong})
    assert response.status_code == 400 and b"not the current code" in response.data
    db.session.refresh(user)
    assert not user.two_factor_on

    response = client.post("/auth/profile/two-factor/enable", data={"code": code_at(secret, clock.now)})
    assert response.status_code == 200
    codes = response.get_data(as_text=True).count("<li><code>")
    assert codes == 10
    db.session.refresh(user)
    assert user.two_factor_on and len(user.recovery_code_digests) == 10
    # The QR code and the key are not shown once it is on: they would hand the secret to a borrowed session.
    assert client.get("/auth/profile/two-factor/qr.svg").status_code == 404
    page = client.get("/auth/profile/two-factor").get_data(as_text=True)
    assert secret not in page and "<li><code>" not in page  # recovery codes are shown once only
    [event] = _audit(db, "two_factor_enabled")
    assert event.entity_id == str(user.id) and event.actor_id == user.id


def test_turning_it_on_signs_out_every_other_session(app, client, db, login_as, clock):
    user = login_as("manager")
    elsewhere = app.test_client()  # say, a session someone opened with a stolen password
    sign_in_with_password(elsewhere, user)
    assert elsewhere.get("/").status_code == 200
    enrol(client, clock)
    assert client.get("/").status_code == 200
    assert elsewhere.get("/").status_code == 302


def test_the_database_holds_neither_the_secret_nor_the_codes(app, client, db, login_as, clock):
    user = login_as("manager")
    enrolled = enrol(client, clock)
    stored = db.session.execute(text('SELECT totp_secret_sealed, recovery_code_digests FROM "user" WHERE id = :id'),
                                {"id": user.id}).one()
    assert enrolled.secret not in stored[0] and enrolled.secret.lower() not in stored[0].lower()
    assert unseal(stored[0], app.config["SECRET_KEY"]) == enrolled.secret  # only with the app's key
    for code in enrolled.recovery_codes:
        assert code not in str(stored[1]) and code.replace("-", "") not in str(stored[1])
    # Nor does the audit trail, in any entry.
    trail = " ".join(str((e.before, e.after, e.reason)) for e in db.session.scalars(select(AuditEntry)))
    assert enrolled.secret not in trail and stored[0] not in trail
    assert not any(code.replace("-", "") in trail or code in trail for code in enrolled.recovery_codes)


@pytest.mark.parametrize("role", ["viewer", "labtech"])
def test_viewers_and_lab_technicians_are_not_offered_two_factor(client, db, login_as, role, app):
    from app.services.two_factor import begin_enrolment

    user = login_as(role)
    assert b"two-factor" not in client.get("/auth/profile").data.lower()
    assert client.get("/auth/profile/two-factor").status_code == 403
    assert client.post("/auth/profile/two-factor/begin").status_code == 403
    assert client.post("/auth/profile/two-factor/enable", data={"code": "123456"}).status_code == 403
    db.session.refresh(user)
    assert user.totp_secret_sealed is None
    with pytest.raises(AccountError, match="managers and administrators"):  # the service refuses too
        begin_enrolment(db.session, user, secret_key=app.config["SECRET_KEY"])


def test_every_two_factor_endpoint_is_in_the_access_table_for_managers_and_admins_only():
    for endpoint in NEW_ENDPOINTS:
        assert ENDPOINT_PERMISSIONS[endpoint] == "two_factor"
    assert [role for role, permissions in ROLE_PERMISSIONS.items() if "two_factor" in permissions] == \
        ["manager", "admin"]
    assert ENDPOINT_PERMISSIONS["admin.reset_two_factor"] == "administer"


def test_turning_it_off_needs_the_password_and_a_current_code(client, db, login_as, clock):
    user = login_as("admin")
    enrolled = enrol(client, clock)
    clock.advance(seconds=30)
    code = code_at(enrolled.secret, clock.now)
    response = client.post("/auth/profile/two-factor/disable", data={"password": "not my password", "code": code})
    assert response.status_code == 400 and b"password: it does not match" in response.data
    response = client.post("/auth/profile/two-factor/disable", data={"password": TEST_PASSWORD, "code": "000000"
                                                                     if code != "000000" else "111111"})
    assert response.status_code == 400
    db.session.refresh(user)
    assert user.two_factor_on and _audit(db, "two_factor_disabled") == []
    response = client.post("/auth/profile/two-factor/disable", data={"password": TEST_PASSWORD, "code": code})
    assert response.status_code == 302
    db.session.refresh(user)
    assert not user.two_factor_on and user.totp_secret_sealed is None and user.recovery_code_digests is None
    assert len(_audit(db, "two_factor_disabled")) == 1
    client.post("/auth/logout")
    assert sign_in_with_password(client, user).headers["Location"] == "/"  # the password alone again


def test_an_administrator_resets_a_lost_phone_with_a_reason_and_it_is_audited(app, db, login_as, make_user, clock):
    manager_client, admin_client = app.test_client(), app.test_client()
    manager = make_user("manager", email="m@test.example")
    sign_in_with_password(manager_client, manager)
    enrol(manager_client, clock)
    admin = make_user("admin", email="a@test.example")
    sign_in_with_password(admin_client, admin)
    assert b"Reset two-factor" in admin_client.get("/admin/users").data

    admin_client.post(f"/admin/users/{manager.id}/two-factor/reset", data={"reason": " "})
    db.session.refresh(manager)
    assert manager.two_factor_on  # no reason, no reset
    response = admin_client.post(f"/admin/users/{manager.id}/two-factor/reset", data={"reason": "lost phone"})
    assert response.status_code == 302
    db.session.refresh(manager)
    assert not manager.two_factor_on and manager.totp_secret_sealed is None
    [event] = _audit(db, "two_factor_reset")
    assert (event.entity_id, event.actor_id, event.reason) == (str(manager.id), admin.id, "lost phone")
    manager_client.post("/auth/logout")
    assert sign_in_with_password(manager_client, manager).headers["Location"] == "/"


def test_an_administrator_cannot_reset_their_own_two_factor(client, db, login_as, clock):
    admin = login_as("admin")
    enrol(client, clock)
    client.post(f"/admin/users/{admin.id}/two-factor/reset", data={"reason": "skip the code check"})
    db.session.refresh(admin)
    assert admin.two_factor_on and _audit(db, "two_factor_reset") == []


def test_a_viewer_cannot_reset_anyones_two_factor(client, db, login_as, make_user):
    target = make_user("manager")
    login_as("viewer")
    assert client.post(f"/admin/users/{target.id}/two-factor/reset", data={"reason": "x"}).status_code == 403


def test_the_operator_resets_a_sole_administrators_two_factor_from_the_command_line(client, db, login_as, clock,
                                                                                   runner):
    admin = login_as("admin")
    enrol(client, clock)
    result = runner.invoke(args=["users", "reset-two-factor", admin.email.upper(), "--reason", "SECRET_KEY replaced"])
    assert result.exit_code == 0, result.output
    db.session.refresh(admin)
    assert not admin.two_factor_on
    [event] = _audit(db, "two_factor_reset")
    assert (event.actor_label, event.actor_id, event.reason) == ("cli", None, "SECRET_KEY replaced")
    again = runner.invoke(args=["users", "reset-two-factor", admin.email, "--reason", "again"])
    assert again.exit_code == 1 and "no two-factor sign-in to reset" in again.output
    unknown = runner.invoke(args=["users", "reset-two-factor", "nobody@test.example", "--reason", "x"])
    assert unknown.exit_code == 1 and "no account" in unknown.output
