"""Reading the audit trail: filtered, newest first, one page at a time."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models.audit import AuditEntry

PAGE_SIZE = 50


@dataclass(frozen=True)
class AuditFilter:
    entity: str | None = None
    entity_id: str | None = None
    actor: str | None = None
    action: str | None = None
    since: date | None = None   # UTC calendar days, inclusive
    until: date | None = None


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    page: int
    pages: int
    total: int


def _conditions(f: AuditFilter) -> list:
    conditions = []
    if f.entity:
        conditions.append(AuditEntry.entity == f.entity)
    if f.entity_id:
        conditions.append(AuditEntry.entity_id == f.entity_id)
    if f.actor:
        conditions.append(AuditEntry.actor_label.contains(f.actor.strip().lower(), autoescape=True))
    if f.action:
        conditions.append(AuditEntry.action == f.action)
    if f.since:
        conditions.append(AuditEntry.at >= datetime.combine(f.since, time.min, timezone.utc))
    if f.until:
        conditions.append(AuditEntry.at < datetime.combine(f.until + timedelta(days=1), time.min, timezone.utc))
    return conditions


def audit_page(session: Session, f: AuditFilter, page: int = 1) -> AuditPage:
    conditions = _conditions(f)
    total = session.scalar(select(func.count(AuditEntry.id)).where(*conditions))
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    entries = session.scalars(
        select(AuditEntry).where(*conditions).order_by(AuditEntry.seq.desc())
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()
    return AuditPage(list(entries), page, pages, total)


def audit_choices(session: Session) -> tuple[list[str], list[str]]:
    """The entity and action names present, for the filter drop-downs."""
    entities = session.scalars(select(AuditEntry.entity).distinct().order_by(AuditEntry.entity)).all()
    actions = session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action)).all()
    return list(entities), list(actions)
