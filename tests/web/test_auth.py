"""Sign-in, throttling, safe redirects, sign-out and session invalidation."""
from __future__ import annotations

from tests.conftest import TEST_PASSWORD


def test_login_page_is_public_and_everything_else_needs_a_session(client):
    assert client.get("/auth/login").status_code == 200
    response = client.get("/permits/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login?next=")


def test_wrong_password_is_refused(client, make_user):
    user = make_user("manager")
    response = client.post("/auth/login", data={"email": user.email, "password": "wrong password!"})
    assert response.status_code == 401
    assert client.get("/permits/").status_code == 302


def test_login_is_throttled_after_repeated_failures(client, make_user, db):
    from app.models.user import LoginFailure

    user = make_user("manager")
    for _ in range(5):
        assert client.post("/auth/login", data={"email": user.email, "password": "nope-nope-nope"}).status_code == 401
    # Even the right password is refused while the account is throttled.
    response = client.post("/auth/login", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 429
    assert b"too many failed sign-ins" in response.data
    assert db.session.query(LoginFailure).count() == 5


def test_next_only_redirects_to_local_paths(client, make_user):
    user = make_user("viewer")
    for hostile in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        response = client.post(f"/auth/login?next={hostile}", data={"email": user.email, "password": TEST_PASSWORD})
        assert response.status_code == 302
        assert response.headers["Location"] == "/", hostile
        client.post("/auth/logout")
    response = client.post("/auth/login?next=/permits/", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.headers["Location"] == "/permits/"


def test_logout_needs_a_post(client, login_as):
    login_as("viewer")
    assert client.get("/auth/logout").status_code == 405
    client.post("/auth/logout")
    assert client.get("/").status_code == 302


def test_deactivation_ends_existing_sessions(app, client, login_as, make_user, db):
    from app.services.users import set_active

    victim = login_as("labtech")
    assert client.get("/").status_code == 200
    admin = make_user("admin")
    set_active(db.session, victim, False, actor=admin)
    db.session.commit()
    assert client.get("/").status_code == 302


def test_password_change_signs_out_other_sessions(app, login_as, db):
    first = app.test_client()
    second = app.test_client()
    user = login_as("manager")  # uses the default client; log in two more clients explicitly
    for c in (first, second):
        c.post("/auth/login", data={"email": user.email, "password": TEST_PASSWORD})
        assert c.get("/").status_code == 200
    response = first.post("/auth/profile/password", data={
        "current": TEST_PASSWORD, "password": "a brand new secret", "confirm": "a brand new secret"})
    assert response.status_code == 302
    assert first.get("/").status_code == 200   # the session that changed it stays in
    assert second.get("/").status_code == 302  # the other one is out


def test_passwords_are_stored_as_scrypt_hashes(make_user):
    user = make_user("viewer")
    assert user.password_hash.startswith("scrypt:")
    assert TEST_PASSWORD not in user.password_hash


def test_api_token_is_shown_once_and_stored_hashed(client, login_as, db):
    from app.services.users import token_digest, user_for_api_token

    user = login_as("labtech")
    page = client.post("/auth/profile/api-token").get_data(as_text=True)
    token = page.split('id="api-token">')[1].split("<")[0]
    db.session.refresh(user)
    assert user.api_token_hash == token_digest(token) != token
    assert user_for_api_token(db.session, token).id == user.id
    assert token not in client.get("/auth/profile").get_data(as_text=True)


def test_security_headers_and_cookie_flags(app, client, make_user):
    user = make_user("viewer")
    response = client.post("/auth/login", data={"email": user.email, "password": TEST_PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = client.get("/")
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    from app.config import Config
    assert Config.SESSION_COOKIE_SECURE is True  # production default; only loopback demo turns it off
