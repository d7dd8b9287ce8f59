"""Inspector links: a read-only sign-in that expires on its own, for inspection day."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models.user import InspectorLink, User
from app.services.audit import audit_context, record_event
from app.services.users import AccountError, access_expired, token_digest

MAX_HOURS = 14 * 24  # an inspection lasts days, not months: a standing account is the better tool then
# The accounts behind links live in a reserved domain, so they can never be mistaken for a person's.
LINK_DOMAIN = "inspector-links.invalid"


@dataclass(frozen=True)
class IssuedLink:
    link: InspectorLink
    token: str  # shown once; only its digest is stored


def issue_inspector_link(session: Session, *, label: str, hours: int, actor: User, now: datetime) -> IssuedLink:
    label = label.strip()
    if not label:
        raise AccountError("label: say who the link is for (name and agency)")
    if not 1 <= hours <= MAX_HOURS:
        raise AccountError(f"hours: expected 1 to {MAX_HOURS}, got {hours}")
    token = "ofi_" + secrets.token_urlsafe(32)
    expires = now + timedelta(hours=hours)
    number = (session.scalar(select(func.max(InspectorLink.id))) or 0) + 1
    with audit_context(session, actor_id=actor.id, actor_label=actor.email, reason="inspector link issued"):
        user = User(email=f"link-{number}-{secrets.token_hex(4)}@{LINK_DOMAIN}", name=f"Inspector: {label}",
                    role="viewer", password_hash=None, active=True, session_generation=0,
                    access_expires_at=expires)
        session.add(user)
        session.flush()
        link = InspectorLink(token_hash=token_digest(token), label=label, user_id=user.id, created_by_id=actor.id,
                             created_at=now, expires_at=expires)
        session.add(link)
        session.flush()
    return IssuedLink(link, token)


def revoke_inspector_link(session: Session, link: InspectorLink, *, actor: User, now: datetime) -> None:
    """Ends the link and every session opened with it, at once."""
    if link.revoked_at is not None:
        return
    with audit_context(session, actor_id=actor.id, actor_label=actor.email, reason="inspector link revoked"):
        link.revoked_at = now
        user = session.get(User, link.user_id)
        user.active = False
        user.session_generation += 1
        session.flush()


def user_for_inspector_link(session: Session, token: str, now: datetime) -> User | None:
    """The viewer account of a link that is neither revoked nor expired; its use is audited."""
    link = session.scalar(select(InspectorLink).where(InspectorLink.token_hash == token_digest(token)))
    if link is None or link.revoked_at is not None or now >= link.expires_at:
        return None
    user = session.get(User, link.user_id)
    if user is None or not user.active or access_expired(user, now):
        return None
    with audit_context(session, actor_id=user.id, actor_label=user.email, reason="inspector link used"):
        link.last_used_at = now
        record_event(session, entity="inspector_link", entity_id=link.id, action="signed_in")
    return user


def inspector_links(session: Session) -> list[InspectorLink]:
    return list(session.scalars(select(InspectorLink).order_by(InspectorLink.created_at.desc())))
