"""Accounts: creation, sign-in with throttling, invitations, roles, deactivation and API tokens."""
from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from app.domain.password_policy import password_problem
from app.models.base import utcnow
from app.models.user import ROLES, TOKEN_SCOPES, LoginFailure, User
from app.services.audit import audit_context, record_event

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Checked against when the e-mail is unknown, so a miss costs the same time as a wrong password.
_DUMMY_HASH = generate_password_hash("outfall-timing-equaliser", method="scrypt")


class AccountError(ValueError):
    """A request about an account that cannot be carried out; the message says why."""


@dataclass(frozen=True)
class Throttle:
    max_failures_per_account: int
    max_failures_per_address: int
    window: timedelta


def normalise_email(email: str) -> str:
    return email.strip().lower()


def check_password_rules(password: str, *, email: str = "", name: str = "") -> None:
    """Raise AccountError when the password is too short, commonly used, or the account's e-mail or name."""
    problem = password_problem(password, email=email, name=name)
    if problem is not None:
        raise AccountError(f"password: {problem}")


def create_user(session: Session, *, email: str, name: str, role: str, password: str | None,
                actor_id: int | None = None, actor_label: str | None = None) -> User:
    email = normalise_email(email)
    if not _EMAIL.match(email):
        raise AccountError(f"email: {email!r} is not an e-mail address")
    if role not in ROLES:
        raise AccountError(f"role: expected one of {', '.join(ROLES)}, got {role!r}")
    if not name.strip():
        raise AccountError("name: a name is required")
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise AccountError(f"email: an account for {email} already exists")
    password_hash = None
    if password is not None:
        check_password_rules(password, email=email, name=name)
        password_hash = generate_password_hash(password, method="scrypt")
    user = User(email=email, name=name.strip(), role=role, password_hash=password_hash, active=True,
                session_generation=0)
    with audit_context(session, actor_id=actor_id, actor_label=actor_label, reason="account created"):
        session.add(user)
        session.flush()
    return user


def _recent_failures(session: Session, column, value: str, since: datetime) -> int:
    return session.scalar(select(func.count(LoginFailure.id)).where(column == value, LoginFailure.at >= since))


def is_throttled(session: Session, email: str, remote_addr: str, throttle: Throttle, now: datetime) -> bool:
    since = now - throttle.window
    return (_recent_failures(session, LoginFailure.email, normalise_email(email), since)
            >= throttle.max_failures_per_account
            or _recent_failures(session, LoginFailure.remote_addr, remote_addr, since)
            >= throttle.max_failures_per_address)


def authenticate(session: Session, *, email: str, password: str, remote_addr: str,
                 throttle: Throttle, now: datetime | None = None) -> User | None:
    """The active user with this e-mail and password, or None; records failures for throttling.

    For an account with two-factor on, the caller must still ask for the code before signing in.

    Raises AccountError when too many recent failures lock the account or the client out.
    """
    now = now or utcnow()
    email = normalise_email(email)
    if is_throttled(session, email, remote_addr, throttle, now):
        raise AccountError("too many failed sign-ins; wait "
                           f"{int(throttle.window.total_seconds() // 60)} minutes and try again")
    user = session.scalar(select(User).where(User.email == email))
    ok = check_password_hash(user.password_hash if user and user.password_hash else _DUMMY_HASH, password)
    if user is None or not ok or not user.active or user.password_hash is None:
        session.add(LoginFailure(email=email, remote_addr=remote_addr, at=now))
        session.flush()
        return None
    if user.two_factor_on:
        # Not signed in yet: the sign-in is recorded when the second step passes (services/two_factor.py).
        return user
    with audit_context(session, actor_id=user.id, actor_label=user.email):
        record_event(session, entity="user", entity_id=user.id, action="login",
                     after={"remote_addr": remote_addr})
    return user


def change_password(session: Session, user: User, *, current: str | None, new: str) -> None:
    if current is not None and not (user.password_hash and check_password_hash(user.password_hash, current)):
        raise AccountError("current password: it does not match")
    check_password_rules(new, email=user.email, name=user.name)
    with audit_context(session, actor_id=user.id, actor_label=user.email, reason="password changed"):
        user.password_hash = generate_password_hash(new, method="scrypt")
        user.session_generation += 1
        session.flush()


def change_role(session: Session, user: User, role: str, *, actor: User) -> None:
    if role not in ROLES:
        raise AccountError(f"role: expected one of {', '.join(ROLES)}, got {role!r}")
    if user.id == actor.id:
        raise AccountError("role: you cannot change your own role")
    with audit_context(session, actor_id=actor.id, actor_label=actor.email, reason="role changed"):
        user.role = role
        session.flush()


def set_active(session: Session, user: User, active: bool, *, actor: User) -> None:
    if user.id == actor.id and not active:
        raise AccountError("you cannot deactivate your own account")
    with audit_context(session, actor_id=actor.id, actor_label=actor.email,
                       reason="account reactivated" if active else "account deactivated"):
        user.active = active
        if not active:
            user.session_generation += 1  # signs the person out everywhere
        session.flush()


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_api_token(session: Session, user: User, scope: str = "write") -> str:
    """A new bearer token, shown once; only its SHA-256 is stored. Replaces any previous token.

    The scope says what the token may do: "read" only reads (GET), "write" may also post results,
    and neither goes beyond the owner's role.
    """
    if scope not in TOKEN_SCOPES:
        raise AccountError(f"scope: expected one of {', '.join(TOKEN_SCOPES)}, got {scope!r}")
    token = "ofl_" + secrets.token_urlsafe(32)
    with audit_context(session, actor_id=user.id, actor_label=user.email, reason="API token issued"):
        user.api_token_hash = token_digest(token)
        user.api_token_scope = scope
        record_event(session, entity="user", entity_id=user.id, action="api_token_issued",
                     after={"scope": scope})
    return token


def revoke_api_token(session: Session, user: User) -> None:
    with audit_context(session, actor_id=user.id, actor_label=user.email, reason="API token revoked"):
        user.api_token_hash = None
        record_event(session, entity="user", entity_id=user.id, action="api_token_revoked")


def access_expired(user: User, now: datetime) -> bool:
    """An account with an access expiry (an inspector link's) cannot be used after it, by any means."""
    return user.access_expires_at is not None and now >= user.access_expires_at


def user_for_api_token(session: Session, token: str) -> User | None:
    user = session.scalar(select(User).where(User.api_token_hash == token_digest(token)))
    return user if user is not None and user.active and not access_expired(user, utcnow()) else None


def invitation_token(user: User, secret_key: str) -> str:
    """A signed link token for a new account; it dies when the password is set (generation bump)."""
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer(secret_key, salt="outfall-invite").dumps(
        {"uid": user.id, "gen": user.session_generation})


def accept_invitation(session: Session, token: str, password: str, *, secret_key: str,
                      max_age: timedelta) -> User:
    from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

    try:
        data = URLSafeTimedSerializer(secret_key, salt="outfall-invite").loads(
            token, max_age=int(max_age.total_seconds()))
    except SignatureExpired:
        raise AccountError("this invitation has expired; ask an administrator for a new one") from None
    except BadSignature:
        raise AccountError("this invitation link is not valid") from None
    user = session.get(User, data.get("uid"))
    if user is None or user.session_generation != data.get("gen") or user.password_hash is not None \
            or not user.active:
        raise AccountError("this invitation has already been used or withdrawn")
    change_password(session, user, current=None, new=password)
    return user
