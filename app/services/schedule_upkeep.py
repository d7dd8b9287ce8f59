"""Keeping every permit's sampling schedule planned ahead and its statuses current (jobs and `reminders send`)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.permit_terms import facility_today
from app.models.permit import Permit
from app.services.sampling_schedule import DEFAULT_HORIZON_DAYS, ScheduleChange, generate_schedule, refresh_statuses


def _permits(session: Session) -> list[Permit]:
    return list(session.scalars(select(Permit).order_by(Permit.id)))


def extend_schedules(session: Session, now: datetime, *, horizon_days: int = DEFAULT_HORIZON_DAYS) -> ScheduleChange:
    """Plan every permit's events through its facility's today + horizon; flushes, never commits."""
    total = ScheduleChange()
    for permit in _permits(session):
        change = generate_schedule(session, permit, today=facility_today(permit.facility.timezone, now),
                                   horizon_days=horizon_days)
        total.added += change.added
        total.updated += change.updated
        total.cancelled += change.cancelled
    return total


def refresh_schedule_statuses(session: Session, now: datetime) -> dict[str, int]:
    """Scheduled/collected/missed from the stored results, as of each facility's today; flushes, never commits."""
    counts: dict[str, int] = {}
    for permit in _permits(session):
        for status, count in refresh_statuses(session, permit,
                                              today=facility_today(permit.facility.timezone, now)).items():
            counts[status] = counts.get(status, 0) + count
    return counts
