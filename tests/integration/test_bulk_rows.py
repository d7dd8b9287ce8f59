"""bulk_rows: the ids the bulk inserts hand back are the stored rows' own, on both engines."""
from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import select

from app.models.permit import Permit
from app.models.schedule import SamplingEvent
from app.services.bulk_rows import insert_new
from app.services.permits import import_permit_definition
from tests.factories import permit_document

KEY = ("permit_id", "outfall", "event_date", "sample_type")


def _trip(permit_id: int, day: int) -> dict:
    return {"permit_id": permit_id, "permit_version": 1, "outfall": "001", "event_date": date(2026, 3, day),
            "window_end": date(2026, 3, day), "sample_type": "grab", "parameters": [], "status": "scheduled",
            "status_reason": None, "generated_at": datetime(2026, 3, 1, tzinfo=timezone.utc)}


def test_insert_new_skips_stored_keys_and_returns_the_written_rows_ids(db):
    import_permit_definition(db.session, permit_document("npdes"))
    permit_id = db.session.scalar(select(Permit.id))
    connection = db.session.connection()
    first = insert_new(connection, SamplingEvent.__table__, [_trip(permit_id, 2), _trip(permit_id, 3)], KEY)
    # Another planner stored day 3 first: only days 4 and 5 are written, and reported.
    written = insert_new(connection, SamplingEvent.__table__,
                         [_trip(permit_id, 4), _trip(permit_id, 3), _trip(permit_id, 5)], KEY)
    assert [row["event_date"].day for row in first] == [2, 3]
    assert [row["event_date"].day for row in written] == [4, 5]
    stored = {e.id: e.event_date.day for e in db.session.scalars(select(SamplingEvent))}
    assert {row["id"]: row["event_date"].day for row in first + written} == stored
