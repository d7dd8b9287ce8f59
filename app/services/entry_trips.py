"""The sampling trips a lab tech can record now: what the schedule says is due, for the entry pages."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.permit_terms import facility_today
from app.models.permit import Permit
from app.models.schedule import SCHEDULED, SamplingEvent

# A trip shows on the entry page from the day before it is planned (a sample may be taken early:
# its window counts) until its window closes.
SHOWN_AHEAD = timedelta(days=1)


@dataclass(frozen=True)
class DueTrip:
    id: int
    permit: str
    outfall: str
    planned: date
    window_end: date
    sample_type: str  # as the permit words it: "24-hour composite"
    parameter_codes: tuple[str, ...]
    overdue: bool  # the planned day has passed and the window is still open

    @property
    def entry_sample_type(self) -> str:
        """The entry form's sample type (grab, composite or continuous) for the permit's wording."""
        wording = self.sample_type.lower()
        return next((kind for kind in ("grab", "composite", "continuous") if kind in wording), "")


def _trip(event: SamplingEvent, permit_number: str, today: date) -> DueTrip:
    return DueTrip(event.id, permit_number, event.outfall, event.event_date, event.window_end, event.sample_type,
                   tuple(p["code"] for p in event.parameters), event.event_date < today)


def due_trips(session: Session, now: datetime) -> list[DueTrip]:
    """Every trip still to be collected whose window is open today (or opens tomorrow), soonest first."""
    trips = []
    for permit in session.scalars(select(Permit).order_by(Permit.number)):
        today = facility_today(permit.facility.timezone, now)
        events = session.scalars(select(SamplingEvent).where(
            SamplingEvent.permit_id == permit.id, SamplingEvent.status == SCHEDULED,
            SamplingEvent.event_date <= today + SHOWN_AHEAD, SamplingEvent.window_end >= today))
        trips += [_trip(event, permit.number, today) for event in events]
    return sorted(trips, key=lambda t: (t.planned, t.permit, t.outfall, t.sample_type))


def trip_for_entry(session: Session, event_id: int, permit_number: str, outfall: str, now: datetime) -> DueTrip | None:
    """The trip named on the entry page, if it is one of this outfall's (any status: a late sample still counts)."""
    row = session.execute(select(SamplingEvent, Permit).join(Permit, Permit.id == SamplingEvent.permit_id).where(
        SamplingEvent.id == event_id, Permit.number == permit_number, SamplingEvent.outfall == outfall)).first()
    if row is None:
        return None
    event, permit = row
    return _trip(event, permit.number, facility_today(permit.facility.timezone, now))
