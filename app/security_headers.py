"""HTTPS-only response headers (HSTS), and the opt-in proxy trust that lets the app know a request was HTTPS."""
from __future__ import annotations

from flask import Flask, Response, request
from werkzeug.middleware.proxy_fix import ProxyFix

# One year, subdomains too: a browser that once reached the site over HTTPS never tries plain
# http again, so a network attacker cannot strip TLS from a later visit.
STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"


def trust_proxy_headers(app: Flask) -> None:
    """Wrap the WSGI app in ProxyFix when configured, so request.is_secure and remote_addr see the client."""
    x_for = app.config.get("OUTFALL_PROXY_FIX_X_FOR", 0)
    x_proto = app.config.get("OUTFALL_PROXY_FIX_X_PROTO", 0)
    if x_for or x_proto:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=x_for, x_proto=x_proto)


def add_strict_transport_security(response: Response) -> Response:
    # Only over HTTPS: browsers ignore the header on plain http, and sending it from the loopback
    # demo would only mislead whoever reads the response.
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
    return response


def register_security_headers(app: Flask) -> None:
    trust_proxy_headers(app)
    app.after_request(add_strict_transport_security)
