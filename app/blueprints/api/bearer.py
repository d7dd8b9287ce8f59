"""Who an API request is: the owner of its bearer token, never whoever a browser cookie names."""
from __future__ import annotations

from collections.abc import Callable

from flask import Request, request
from flask_login import current_user

from app.authz import is_api_request
from app.blueprints.api.errors import ApiError
from app.extensions import db
from app.models.user import User
from app.services.users import user_for_api_token

# What a "read" token may send: the methods that change nothing.
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


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


def enforce_token_scope() -> None:
    """Blueprint before_request, after the role check: a "read" token changes nothing, whatever the role allows.

    A token handed to a dashboard or a reporting script should not be able to post results if it
    leaks; the owner's role still bounds a "write" token.
    """
    if request.method in READ_METHODS or not current_user.is_authenticated:
        return
    scope = current_user.api_token_scope
    if scope != "write":
        message = (f"this token's scope is {scope!r}: it may only read (GET); "
                   "create a token with the write scope on your profile page to send data")
        raise ApiError(403, message, [{"scope": scope, "method": request.method, "message": message}])
