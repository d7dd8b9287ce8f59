"""Which reminders a person gets, and whether singly or as one daily digest (User.reminder_preferences)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.domain.reminder_rules import DIGEST, KINDS, is_digest, kinds_for_role, wants
from app.models.user import User
from app.services.audit import audit_context


@dataclass(frozen=True)
class ReminderChoices:
    offered: dict[str, str]  # the kinds this person's role receives, with their labels
    chosen: dict[str, bool]
    digest: bool


def reminder_choices(user: User) -> ReminderChoices:
    preferences = user.reminder_preferences or {}
    offered = {kind: KINDS[kind] for kind in kinds_for_role(user.role)}
    return ReminderChoices(offered, {kind: wants(preferences, kind) for kind in offered}, is_digest(preferences))


def set_reminder_preferences(session: Session, user: User, *, kinds: Mapping[str, bool], digest: bool) -> None:
    """Store the choice for the kinds the role receives; other keys are kept as they were. Flushes."""
    preferences = dict(user.reminder_preferences or {})
    for kind in kinds_for_role(user.role):
        preferences[kind] = bool(kinds.get(kind, False))
    preferences[DIGEST] = bool(digest)
    with audit_context(session, actor_id=user.id, actor_label=user.email, reason="reminder preferences changed"):
        user.reminder_preferences = preferences  # a new dict, so the JSON column sees the change
        session.flush()
