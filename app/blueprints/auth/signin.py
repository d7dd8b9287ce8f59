"""How a sign-in starts a session: a fresh session, a safe `next`, the throttle, and the two-factor wait."""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app, session, url_for
from flask_login import login_user, logout_user

from app.extensions import db
from app.models.base import utcnow
from app.models.user import User
from app.services.users import Throttle

# The only key a half-finished sign-in leaves in the session: whose password was right, and when.
PENDING_SECOND_FACTOR = "two_factor_pending"


def safe_next(target: str | None) -> str:
    """Only a local path: an absolute or scheme-relative URL would make login an open redirect."""
    if not target:
        return url_for("dashboard.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") \
            or "\\" in target:
        return url_for("dashboard.index")
    return target


def login_throttle() -> Throttle:
    config = current_app.config
    return Throttle(config["OUTFALL_LOGIN_MAX_FAILURES"], config["OUTFALL_LOGIN_MAX_FAILURES_PER_IP"],
                    timedelta(minutes=config["OUTFALL_LOGIN_WINDOW_MINUTES"]))


def _empty_session() -> None:
    """Drop everything the session carried, keeping only the order to delete a remember-me cookie.

    Flask's session is a signed cookie with no server-side id to rotate, so rotating it means
    emptying it: whatever a planted or shared cookie carried (another account's id, its CSRF
    token, any key) is gone before the new identity is written, and the cookie sent back is new.
    """
    logout_user()  # marks a previous user's remember-me cookie, if any, for deletion
    forget_remember_cookie = session.get("_remember") == "clear"
    session.clear()
    if forget_remember_cookie:
        session["_remember"] = "clear"


def sign_in_afresh(user) -> None:
    """Sign the user in on a session that keeps nothing from before it (no session fixation)."""
    _empty_session()
    login_user(user)


def await_second_factor(user: User, next_target: str | None) -> None:
    """The password was right but the account has two-factor on: remember that briefly, sign nobody in."""
    _empty_session()
    session[PENDING_SECOND_FACTOR] = {"uid": user.id, "gen": user.session_generation,
                                      "at": int(utcnow().timestamp()), "next": next_target}


def pending_second_factor_user() -> tuple[User | None, str | None]:
    """The account waiting for its code, and the `next` it asked for; (None, None) once the wait has expired."""
    marker = session.get(PENDING_SECOND_FACTOR)
    if not isinstance(marker, dict):
        return None, None
    limit = current_app.config["OUTFALL_TWO_FACTOR_PENDING_MINUTES"] * 60
    age = int(utcnow().timestamp()) - int(marker.get("at", 0))
    if not 0 <= age <= limit:
        return None, None
    user = db.session.get(User, marker.get("uid"))
    # A password change or deactivation since the password step ends the wait, as it ends sessions.
    if user is None or not user.active or user.session_generation != marker.get("gen") or not user.two_factor_on:
        return None, None
    return user, marker.get("next")
