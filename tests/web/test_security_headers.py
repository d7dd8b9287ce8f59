"""Strict-Transport-Security only on HTTPS responses, and X-Forwarded-Proto believed only when configured."""
from __future__ import annotations

import secrets

import pytest

from app.security_headers import STRICT_TRANSPORT_SECURITY

HSTS = "Strict-Transport-Security"
FORWARDED_HTTPS = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}


@pytest.fixture
def app_with(tmp_path, monkeypatch):
    """app_with(**config): an app of its own; the login page it serves needs no database."""
    from app import create_app

    monkeypatch.setenv("OUTFALL_INSTANCE_PATH", str(tmp_path / "instance"))

    def make(**config):
        return create_app({"TESTING": True, "SECRET_KEY": secrets.token_hex(16), "WTF_CSRF_ENABLED": False,
                           "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'unused.db'}", **config})

    return make


def test_hsts_is_sent_over_https(client):
    response = client.get("/auth/login", base_url="https://localhost")
    assert response.headers[HSTS] == "max-age=31536000; includeSubDomains" == STRICT_TRANSPORT_SECURITY


def test_no_hsts_over_plain_http(client):
    assert HSTS not in client.get("/auth/login").headers


def test_forwarded_proto_is_ignored_without_proxy_configuration(app_with):
    # Nobody vouches for the header: any client could send it, so it must not make the request HTTPS.
    response = app_with().test_client().get("/auth/login", headers=FORWARDED_HTTPS)
    assert response.status_code == 200 and HSTS not in response.headers


def test_a_configured_proxy_makes_forwarded_https_secure(app_with, monkeypatch):
    import app.authz as authz
    from flask import request

    application = app_with(OUTFALL_PROXY_FIX_X_PROTO=1, OUTFALL_PROXY_FIX_X_FOR=1)
    seen = {}

    def client_view():
        seen.update(secure=request.is_secure, addr=request.remote_addr)
        return "ok"

    application.add_url_rule("/test-only/client", "test_client_view", client_view)
    monkeypatch.setattr(authz, "PUBLIC_ENDPOINTS", authz.PUBLIC_ENDPOINTS | {"test_client_view"})
    response = application.test_client().get("/test-only/client", headers=FORWARDED_HTTPS)
    assert response.headers[HSTS] == STRICT_TRANSPORT_SECURITY
    # The proxy's word is taken for the client's address too, so the login throttle counts per client.
    assert seen == {"secure": True, "addr": "203.0.113.7"}
    assert HSTS not in application.test_client().get("/auth/login").headers


def test_proxy_settings_come_from_the_environment_as_numbers():
    from app.config import settings_from_environment

    settings = settings_from_environment({"OUTFALL_PROXY_FIX_X_FOR": "1", "OUTFALL_PROXY_FIX_X_PROTO": "2"})
    assert settings == {"OUTFALL_PROXY_FIX_X_FOR": 1, "OUTFALL_PROXY_FIX_X_PROTO": 2}
