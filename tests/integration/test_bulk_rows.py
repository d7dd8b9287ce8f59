"""bulk_rows: the ids the bulk inserts hand back are the stored rows' own, on both engines."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.exc import DBAPIError

from app.models.permit import Permit
from app.models.schedule import SamplingEvent
from app.services import bulk_rows
from app.services.bulk_rows import insert_new, insert_rows
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


def _stored_text(db, table: str, where: str) -> list[tuple]:
    # Each column as the database holds it (JSON as its text, NULL as None), not as the ORM reads it back.
    columns = [c.name for c in SamplingEvent.__table__.columns if c.name != "id"]
    return [tuple(row) for row in db.session.execute(text(
        f"SELECT {', '.join(f'CAST({c} AS TEXT)' for c in columns)} FROM {table} WHERE {where} ORDER BY event_date"))]


# PostgreSQL: by COPY from one row on, and by one INSERT of arrays for any batch (bulk_rows.COPY_FROM_ROWS).
BOTH_PATHS = pytest.mark.parametrize("copy_from_rows", [1, 10_000], ids=["copy", "insert"])


@BOTH_PATHS
def test_insert_rows_stores_what_an_executemany_stores(db, monkeypatch, copy_from_rows):
    """Both PostgreSQL paths (COPY, and one INSERT of arrays for a few rows) keep every value's stored form: JSON text, JSON null, naive UTC
    timestamps, a Python-side default for a column the rows leave out; SQLite takes executemany."""
    monkeypatch.setattr(bulk_rows, "COPY_FROM_ROWS", copy_from_rows)
    import_permit_definition(db.session, permit_document("npdes"))
    permit_id = db.session.scalar(select(Permit.id))
    connection = db.session.connection()
    plain = [{**_trip(permit_id, day), "parameters": [{"code": "00400", "window_start": "2026-03-01", "é": 1.5}],
              "status_reason": None} for day in (10, 11)]
    for row in plain:
        row.pop("status")  # left to the column's default, "scheduled"
    arrays = [{**row, "outfall": "002"} for row in plain]
    connection.execute(insert(SamplingEvent.__table__), plain)
    insert_rows(connection, SamplingEvent.__table__, arrays)
    by_executemany = _stored_text(db, "sampling_event", "outfall = '001'")
    by_arrays = _stored_text(db, "sampling_event", "outfall = '002'")
    names = [c.name for c in SamplingEvent.__table__.columns if c.name != "id"]
    assert len(by_arrays) == len(by_executemany) == 2

    def apart_from_outfall(rows):
        return [{n: v for n, v in zip(names, row) if n != "outfall"} for row in rows]
    assert apart_from_outfall(by_arrays) == apart_from_outfall(by_executemany)
    assert {row["status"] for row in apart_from_outfall(by_arrays)} == {"scheduled"}
    assert {row["status_reason"] for row in apart_from_outfall(by_arrays)} == {None}


@BOTH_PATHS
def test_insert_rows_refuses_a_value_too_long_for_its_column_rather_than_cutting_it(db, monkeypatch, copy_from_rows):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite does not enforce VARCHAR lengths")
    monkeypatch.setattr(bulk_rows, "COPY_FROM_ROWS", copy_from_rows)
    import_permit_definition(db.session, permit_document("npdes"))
    permit_id = db.session.scalar(select(Permit.id))
    with pytest.raises(DBAPIError, match="too long"):
        insert_rows(db.session.connection(), SamplingEvent.__table__, [{**_trip(permit_id, 12), "outfall": "00001"}])


@BOTH_PATHS
def test_insert_new_by_either_path_skips_what_is_stored(db, monkeypatch, copy_from_rows):
    """insert_new's ON CONFLICT goes through the staging table by COPY, or into one INSERT."""
    monkeypatch.setattr(bulk_rows, "COPY_FROM_ROWS", copy_from_rows)
    import_permit_definition(db.session, permit_document("npdes"))
    permit_id = db.session.scalar(select(Permit.id))
    connection = db.session.connection()
    insert_new(connection, SamplingEvent.__table__, [_trip(permit_id, 20)], KEY)
    written = insert_new(connection, SamplingEvent.__table__, [_trip(permit_id, 21), _trip(permit_id, 20)], KEY)
    assert [row["event_date"].day for row in written] == [21]
    assert sorted(e.event_date.day for e in db.session.scalars(select(SamplingEvent))) == [20, 21]


def _locks_held(connection) -> int:
    return connection.scalar(text("SELECT count(*) FROM pg_locks WHERE pid = pg_backend_pid()"))


def test_staged_inserts_of_one_transaction_hold_the_same_locks_however_many_there_are(db, monkeypatch):
    """Rebuilding the search index is one transaction of thousands of staged inserts; a staging table
    per call kept its locks to the commit and ran PostgreSQL out of lock slots ("out of shared memory",
    max_locks_per_transaction) at full scale. One staging table serves the transaction, emptied after
    each use: the rows of one call never reach the next, and nothing is left after the commit."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the staging table is PostgreSQL's path")
    monkeypatch.setattr(bulk_rows, "COPY_FROM_ROWS", 1)
    import_permit_definition(db.session, permit_document("npdes"))
    permit_id = db.session.scalar(select(Permit.id))
    connection = db.session.connection()
    insert_new(connection, SamplingEvent.__table__, [_trip(permit_id, 1)], KEY)
    held = _locks_held(connection)
    for day in range(2, 26):
        # Each call repeats an earlier day: skipped by ON CONFLICT, not inserted twice from leftovers.
        written = insert_new(connection, SamplingEvent.__table__, [_trip(permit_id, day), _trip(permit_id, day - 1)],
                             KEY)
        assert [row["event_date"].day for row in written] == [day]
    assert _locks_held(connection) == held
    assert sorted(e.event_date.day for e in db.session.scalars(select(SamplingEvent))) == list(range(1, 26))
    db.session.commit()
    assert db.session.scalar(text("SELECT count(*) FROM pg_class WHERE relname LIKE 'outfall_staging_%' "
                                  "AND relpersistence = 't'")) == 0
