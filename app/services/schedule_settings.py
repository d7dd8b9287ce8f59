"""The facility's sampling days and holidays (Facility.schedule_preferences), and the re-plan a change sets off."""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.periods import WEEKDAYS
from app.domain.permit_terms import facility_today
from app.domain.sampling_schedule import DEFAULT_PREFERRED_WEEKDAYS
from app.models.facility import Facility
from app.models.schedule import SamplingEvent
from app.services.audit import audit_context
from app.services.sampling_schedule import generate_schedule

PREFERRED_WEEKDAYS, HOLIDAYS = "preferred_weekdays", "holidays"
FIELD_LABELS = {PREFERRED_WEEKDAYS: "Preferred sampling weekdays", HOLIDAYS: "Holidays and shutdown days"}
# date.fromisoformat also takes 20261225 and 2026-W52-5; a holiday list is read by people, so only one spelling.
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


class ScheduleSettingsError(ValueError):
    """A value the schedule settings refuse; `field` names the setting, `value` is what was given."""

    def __init__(self, field: str, value: object, message: str) -> None:
        self.field, self.value = field, value
        super().__init__(f"{FIELD_LABELS[field]}: {message}")


@dataclass(frozen=True)
class ScheduleSettings:
    facility_id: int
    facility: str
    timezone: str
    preferred_weekdays: tuple[str, ...]
    holidays: tuple[date, ...]
    defaults: bool  # nothing stored yet: the planner's defaults are in force


@dataclass(frozen=True)
class ReplanSummary:
    """What re-planning every permit of the facility changed (summed ScheduleChange counts)."""

    permits: int
    planned: int
    updated: int
    cancelled: int

    @property
    def changed(self) -> bool:
        return bool(self.planned or self.updated or self.cancelled)


def schedule_settings(session: Session) -> ScheduleSettings | None:
    """The installation's facility (the first, as installation_today reads it) with its settings; None before
    any permit has brought a facility in."""
    facility = session.scalars(select(Facility).order_by(Facility.id).limit(1)).first()
    if facility is None:
        return None
    stored = facility.schedule_preferences or {}
    weekdays = stored.get(PREFERRED_WEEKDAYS) or DEFAULT_PREFERRED_WEEKDAYS
    return ScheduleSettings(facility.id, facility.name, facility.timezone, tuple(weekdays),
                            tuple(sorted(date.fromisoformat(d) for d in stored.get(HOLIDAYS, []))),
                            not stored.get(PREFERRED_WEEKDAYS) and not stored.get(HOLIDAYS))


def _weekdays(names: Iterable[str]) -> list[str]:
    chosen = set()
    for name in names:
        key = str(name).strip().lower()
        if key not in WEEKDAYS:
            raise ScheduleSettingsError(PREFERRED_WEEKDAYS, name,
                                        f"{name!r} is not a weekday; expected {', '.join(WEEKDAYS)}")
        chosen.add(key)
    if not chosen:
        raise ScheduleSettingsError(PREFERRED_WEEKDAYS, "", "choose at least one weekday")
    return [d for d in WEEKDAYS if d in chosen]  # Monday first, whatever order they came in


def _holidays(days: Iterable[str | date]) -> list[str]:
    parsed = set()
    for day in days:
        if isinstance(day, date) and not isinstance(day, datetime):
            parsed.add(day)
            continue
        text = str(day).strip()
        try:
            if not _ISO_DAY.fullmatch(text):
                raise ValueError(text)
            parsed.add(date.fromisoformat(text))
        except ValueError:
            raise ScheduleSettingsError(HOLIDAYS, day, f"{text!r} is not a date as YYYY-MM-DD") from None
    return [d.isoformat() for d in sorted(parsed)]


def _planned_through(session: Session, permit_id: int) -> date | None:
    """The last day this permit has trips for: a calendar visit may have planned beyond the default horizon,
    and those trips must be re-planned now too, not when someone next opens that month."""
    return session.scalar(select(func.max(SamplingEvent.event_date)).where(SamplingEvent.permit_id == permit_id))


def set_schedule_preferences(session: Session, facility_id: int, *, preferred_weekdays: Iterable[str],
                             holidays: Iterable[str | date], now: datetime, actor_id: int | None,
                             actor_label: str | None) -> ReplanSummary:
    """Validate and store the facility's sampling weekdays and holidays, then re-plan every permit of the
    facility from the facility-local today (the past stays as it was). Flushes, never commits."""
    facility = session.get(Facility, facility_id)
    if facility is None:
        raise LookupError(f"no facility with id {facility_id}")
    weekdays, days = _weekdays(preferred_weekdays), _holidays(holidays)
    today = facility_today(facility.timezone, now)
    planned = updated = cancelled = 0
    with audit_context(session, actor_id=actor_id, actor_label=actor_label,
                       reason="sampling schedule settings changed"):
        # A new dict, so the JSON column sees the change; keys other than these two are kept.
        facility.schedule_preferences = {**(facility.schedule_preferences or {}),
                                         PREFERRED_WEEKDAYS: weekdays, HOLIDAYS: days}
        session.flush()
        for permit in facility.permits:
            change = generate_schedule(session, permit, today=today, through=_planned_through(session, permit.id))
            planned, updated, cancelled = (planned + change.added, updated + change.updated,
                                           cancelled + change.cancelled)
    return ReplanSummary(len(facility.permits), planned, updated, cancelled)
