"""CSRF protection is on in the real configuration: a form post without the token is refused."""
from __future__ import annotations

import re

import pytest

from tests.conftest import TEST_PASSWORD


@pytest.fixture
def csrf_client(app, db):
    from app import create_app

    config = {key: app.config[key] for key in ("SQLALCHEMY_DATABASE_URI", "SQLALCHEMY_ENGINE_OPTIONS", "SECRET_KEY")}
    protected = create_app({**config, "TESTING": True, "WTF_CSRF_ENABLED": True, "SESSION_COOKIE_SECURE": False})
    assert protected.config["WTF_CSRF_ENABLED"] is True
    yield protected.test_client()
    # A second app has its own engine: close its pool, or its connections outlive the run.
    from app.extensions import db as database
    with protected.app_context():
        database.engine.dispose()


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def test_login_without_csrf_token_is_refused(csrf_client, make_user):
    user = make_user("manager")
    response = csrf_client.post("/auth/login", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 400
    assert b"Form expired" in response.data


def test_login_with_csrf_token_works_and_state_changes_need_it_too(csrf_client, make_user):
    user = make_user("manager")
    token = _token(csrf_client.get("/auth/login").get_data(as_text=True))
    response = csrf_client.post("/auth/login", data={"email": user.email, "password": TEST_PASSWORD,
                                                     "csrf_token": token})
    assert response.status_code == 302
    # Signed in, a token-less post that would change state is still refused.
    assert csrf_client.post("/auth/profile/api-token").status_code == 400
    assert csrf_client.post("/auth/logout").status_code == 400
    assert csrf_client.get("/").status_code == 200
