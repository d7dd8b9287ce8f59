"""Each user's private iCalendar feed token: issued once, stored as a SHA-256 digest, revocable."""
from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.user import User
from app.services.audit import audit_context, record_event
from app.services.users import token_digest


def issue_calendar_token(session: Session, user: User) -> str:
    """A new feed token, shown once; it replaces the previous one, whose URL stops working."""
    token = secrets.token_urlsafe(32)
    with audit_context(session, actor_id=user.id, actor_label=user.email, reason="calendar feed created"):
        user.calendar_token_hash = token_digest(token)
        record_event(session, entity="user", entity_id=user.id, action="feed_token_issued")
    return token


def revoke_calendar_token(session: Session, user: User) -> None:
    with audit_context(session, actor_id=user.id, actor_label=user.email, reason="calendar feed revoked"):
        user.calendar_token_hash = None
        record_event(session, entity="user", entity_id=user.id, action="feed_token_revoked")


def user_for_calendar_token(session: Session, token: str) -> User | None:
    """The active user whose feed this token opens; None for an unknown, revoked or deactivated one."""
    user = session.scalar(select(User).where(User.calendar_token_hash == token_digest(token)))
    return user if user is not None and user.active else None
