"""Who an API request is: the owner of its bearer token, never whoever a browser cookie names."""
from __future__ import annotations

from collections.abc import Callable

from flask import Request

from app.authz import is_api_request
from app.extensions import db
from app.models.user import User
from app.services.users import user_for_api_token


def load_token_user(request: Request) -> User | None:
    """Flask-Login request_loader: the active user holding the `Authorization: Bearer` token."""
    if not is_api_request():
        return None
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return user_for_api_token(db.session, token.strip())


def outside_the_api(load_user: Callable[[str], User | None]) -> Callable[[str], User | None]:
    """Wrap the session user loader so that it answers nobody under /api/v1.

    The API is exempt from CSRF checks because a script sends no cookies. If a session or
    remember-me cookie could still sign an API call in, any web page the user opened could post
    results in their name; so under /api/v1 the cookie is ignored and only the token counts.
    """
    def load(session_id: str) -> User | None:
        return None if is_api_request() else load_user(session_id)

    return load
