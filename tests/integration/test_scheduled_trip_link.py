"""A new sample is linked to the planned trip it satisfies: the earliest open trip whose window holds its day."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from app.models.monitoring import Sample
from app.models.permit import Permit
from app.models.schedule import CANCELLED, SCHEDULED, SamplingEvent
from app.services.permits import import_permit_definition
from app.services.results import record_result
from tests.factories import permit_document

NOW = datetime(2026, 3, 20, 12, tzinfo=timezone.utc)


@pytest.fixture
def permit(db):
    import_permit_definition(db.session, permit_document("npdes"))
    db.session.commit()
    return db.session.scalar(select(Permit))


def _trip(db, permit, day: str, sample_type: str, window: tuple[str, str], status: str = SCHEDULED) -> int:
    event = SamplingEvent(permit_id=permit.id, permit_version=1, outfall="001", event_date=date.fromisoformat(day),
                          window_end=date.fromisoformat(window[1]), sample_type=sample_type, status=status,
                          parameters=[{"code": "00530", "location": "1", "window_start": window[0],
                                       "window_end": window[1]}])
    db.session.add(event)
    db.session.flush()
    return event.id


def _linked(db, sample_id: str, day: str) -> int | None:
    record_result(db.session, {"permit": "CT0000001", "outfall": "001", "parameter_code": "00530",
                               "sample_id": sample_id, "sampled_at": f"{day}T08:00", "value": "12", "unit": "mg/L",
                               "received_at": f"{day}T18:00"}, now=NOW)
    return db.session.scalar(select(Sample.sampling_event_id).where(Sample.sample_code == sample_id))


def test_the_earliest_open_trip_holding_the_day_wins_and_same_day_trips_go_by_sample_type(db, permit):
    _trip(db, permit, "2026-03-03", "composite", ("2026-03-02", "2026-03-04"))  # closed before the 9th
    cancelled = _trip(db, permit, "2026-03-09", "composite", ("2026-03-08", "2026-03-10"), status=CANCELLED)
    grab = _trip(db, permit, "2026-03-10", "grab", ("2026-03-08", "2026-03-12"))
    composite = _trip(db, permit, "2026-03-10", "composite", ("2026-03-08", "2026-03-12"))
    later = _trip(db, permit, "2026-03-17", "composite", ("2026-03-09", "2026-03-19"))
    # The 10th's two trips come before the 17th's; of one day, "composite" sorts before "grab".
    assert _linked(db, "T-9", "2026-03-09") == composite
    assert cancelled not in (composite, grab, later)
    assert _linked(db, "T-13", "2026-03-13") == later
    assert _linked(db, "T-25", "2026-03-25") is None  # no trip's window holds it
