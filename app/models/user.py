"""Accounts: who may sign in, with which role, plus the record of failed sign-ins for throttling."""
from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.audited import Audited
from app.models.base import Base, utcnow

ROLES = ("admin", "manager", "labtech", "viewer")
# What an API token may do, chosen when it is issued: "read" only reads; "write" may also post results.
TOKEN_SCOPES = ("read", "write")


class User(UserMixin, Audited, Base):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    api_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Tokens issued before scopes existed could post results, so they stay "write" (migration 0009).
    api_token_scope: Mapped[str] = mapped_column(String(10), default="write", server_default="write")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped whenever the password changes or the account is deactivated, so that old sessions,
    # remember-me cookies and invitation links stop working at once.
    session_generation: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Which reminders the person gets and how: {"sampling_due": true, ..., "digest": false}.
    reminder_preferences: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The private iCalendar feed URL carries a token; only its digest is stored, and it can be revoked.
    calendar_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Set on the read-only account behind an inspector link: no session of it outlives this moment.
    access_expires_at: Mapped[datetime | None] = mapped_column()
    # Two-factor sign-in (TOTP). The secret is sealed under a key derived from SECRET_KEY
    # (app/domain/secret_sealing.py); it is set when enrolment starts and only counts once
    # `totp_enabled_at` is set, after the person typed a valid code.
    totp_secret_sealed: Mapped[str | None] = mapped_column(String(255))
    totp_enabled_at: Mapped[datetime | None] = mapped_column()
    # The last time step whose code was accepted: that code, and every older one, is refused.
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    # Keyed digests of the unused recovery codes; one is removed as it is used.
    recovery_code_digests: Mapped[list[str] | None] = mapped_column(JSON)

    # Secrets never reach the audit trail; the two-factor events are recorded explicitly instead.
    __audit_exclude__ = ("password_hash", "api_token_hash", "calendar_token_hash", "totp_secret_sealed",
                         "totp_last_step", "recovery_code_digests")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    @property
    def two_factor_on(self) -> bool:
        return self.totp_enabled_at is not None

    def get_id(self) -> str:
        # The generation is part of the id in the session: changing it logs every session out.
        return f"{self.id}:{self.session_generation}"

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class InspectorLink(Audited, Base):
    """A time-limited, read-only sign-in link for an inspector, backed by a viewer account of its own.

    Only the token's SHA-256 is stored; the link works until `expires_at` unless revoked earlier.
    """

    __tablename__ = "inspector_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(200))  # who it is for: "J. Rivera, CT DEEP"
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
    last_used_at: Mapped[datetime | None] = mapped_column()

    __audit_exclude__ = ("token_hash",)


class LoginFailure(Base):
    """A failed sign-in, kept to throttle password guessing by account and by client address."""

    __tablename__ = "login_failure"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    remote_addr: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
