"""Errors answer with the friendly page (JSON under /api/v1), and a server error never shows its traceback."""
from __future__ import annotations

import logging
import secrets

import pytest
from flask import abort
from lxml import etree

SECRET_DETAIL = "password=hunter2 at /srv/outfall/app/services/secret_module.py"


@pytest.fixture
def failing_app(tmp_path, monkeypatch):
    """An app of its own with views that fail, served as in production (exceptions not propagated)."""
    import app.authz as authz
    from app import create_app

    monkeypatch.setenv("OUTFALL_INSTANCE_PATH", str(tmp_path / "instance"))
    application = create_app({"TESTING": True, "PROPAGATE_EXCEPTIONS": False, "SECRET_KEY": secrets.token_hex(16),
                              "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'unused.db'}",
                              "WTF_CSRF_ENABLED": False})

    def explode():
        raise RuntimeError(SECRET_DETAIL)

    def refuse():
        abort(400)

    application.add_url_rule("/test-only/explode", "test_explode", explode)
    application.add_url_rule("/api/v1/test-only/explode", "test_api_explode", explode)
    application.add_url_rule("/test-only/refuse", "test_refuse", refuse)
    # Reachable without signing in, so no database is needed to reach the view.
    monkeypatch.setattr(authz, "PUBLIC_ENDPOINTS",
                        authz.PUBLIC_ENDPOINTS | {"test_explode", "test_api_explode", "test_refuse"})
    return application


def _heading(response) -> str:
    page = etree.fromstring(response.data, etree.HTMLParser())
    assert page.xpath("//a[normalize-space()='Back to the dashboard']"), "not the friendly error page"
    return page.xpath("string(//h1)")


def test_an_exception_in_a_view_is_a_friendly_500_without_the_traceback(failing_app, caplog):
    with caplog.at_level(logging.ERROR):
        response = failing_app.test_client().get("/test-only/explode")
    assert response.status_code == 500 and response.mimetype == "text/html"
    assert _heading(response) == "500 · Something went wrong"
    body = response.get_data(as_text=True)
    for leak in ("Traceback", "RuntimeError", "hunter2", "secret_module", ".py", 'File "'):
        assert leak not in body, leak
    # Hidden from the person, not lost: the traceback is in the log.
    assert any(record.exc_info and SECRET_DETAIL in str(record.exc_info[1]) for record in caplog.records)


def test_an_exception_under_the_api_is_a_json_500_without_the_traceback(failing_app):
    response = failing_app.test_client().get("/api/v1/test-only/explode")
    assert response.status_code == 500 and response.mimetype == "application/json"
    assert response.get_json()["error"].startswith("internal error")
    assert "hunter2" not in response.get_data(as_text=True)


def test_a_bad_request_is_the_friendly_400(failing_app):
    response = failing_app.test_client().get("/test-only/refuse")
    assert response.status_code == 400
    assert _heading(response) == "400 · Bad request"


def test_unknown_pages_and_forbidden_ones_are_friendly(client, login_as):
    login_as("viewer")
    missing = client.get("/no/such/page")
    assert missing.status_code == 404 and _heading(missing) == "404 · Not found"
    assert client.get("/results/987654").status_code == 404
    forbidden = client.get("/permits/upload")
    assert forbidden.status_code == 403 and _heading(forbidden) == "403 · Not allowed"


def test_an_expired_form_is_the_friendly_400(app, db, make_user, monkeypatch):
    from tests.conftest import TEST_PASSWORD

    user = make_user("viewer")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    client = app.test_client()
    response = client.post("/auth/login", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 400 and _heading(response) == "400 · Form expired"
