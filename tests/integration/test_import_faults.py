"""`results import` when the database fails under it: a locked SQLite file, a PostgreSQL backend killed mid-file."""
from __future__ import annotations

import csv
import os
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

import app.cli_results as cli_results
from app.models.audit import AuditEntry
from app.models.monitoring import Result, ResultRevision, Sample
from app.services.permits import import_permit_definition
from tests.factories import permit_document

HEADER = ["permit", "outfall", "parameter_code", "sample_id", "sampled_at", "value", "unit", "received_at"]
ROWS = 12
KILL_AFTER = 5  # rows stored (flushed, not committed) before the backend goes away


@pytest.fixture
def results_file(db, tmp_path) -> Path:
    import_permit_definition(db.session, permit_document("npdes"))
    db.session.commit()
    path = tmp_path / "results.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for day in range(1, ROWS + 1):
            writer.writerow(["CT0000001", "001", "00530", f"F-{day}", f"2026-03-{day:02d}T08:00", "72", "mg/L",
                             f"2026-03-{day:02d}T12:00"])
    return path


def _counts(db) -> tuple[int, int, int, int]:
    db.session.remove()
    return tuple(db.session.scalar(select(func.count(model.id)))
                 for model in (Result, ResultRevision, Sample, AuditEntry))


def _assert_clean_failure(result, *words: str) -> None:
    # A clean failure is an exit through sys.exit with a message, not an exception the runner caught.
    assert isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "nothing was stored" in result.output
    for word in words:
        assert word in result.output, result.output


@pytest.fixture
def short_busy_timeout(app, db, monkeypatch):
    """New SQLite connections wait 200 ms for a lock instead of 15 s; the pool is rebuilt before and after."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the busy timeout is SQLite's")
    monkeypatch.setitem(app.config, "OUTFALL_SQLITE_BUSY_TIMEOUT_MS", 200)
    db.session.remove()
    db.engine.dispose()
    yield
    db.session.remove()
    db.engine.dispose()


def test_sqlite_connections_wait_for_a_writer(app, db):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the busy timeout is SQLite's")
    assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == app.config["OUTFALL_SQLITE_BUSY_TIMEOUT_MS"]
    assert app.config["OUTFALL_SQLITE_BUSY_TIMEOUT_MS"] >= 5000


def test_sqlite_connections_keep_the_configured_page_cache(app, db, monkeypatch):
    """OUTFALL_SQLITE_CACHE_MB reaches every new connection (SQLite's own 2 MB made ten-year searches slow)."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the page cache setting is SQLite's")
    assert db.session.execute(text("PRAGMA cache_size")).scalar() == -1024 * 32
    monkeypatch.setitem(app.config, "OUTFALL_SQLITE_CACHE_MB", 8)
    db.session.remove()
    db.engine.dispose()
    try:
        assert db.session.execute(text("PRAGMA cache_size")).scalar() == -1024 * 8
    finally:
        db.session.remove()
        db.engine.dispose()


def test_a_locked_sqlite_file_fails_the_import_cleanly_and_stores_nothing(runner, db, results_file,
                                                                          short_busy_timeout):
    before = _counts(db)
    holder = sqlite3.connect(db.engine.url.database, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another process holding the write lock (a backup, another import)
        result = runner.invoke(args=["results", "import", str(results_file)])
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    _assert_clean_failure(result, "the database is locked", "database is locked")
    assert _counts(db) == before
    # The lock gone, the same command stores the file: nothing half-done was left in the way.
    again = runner.invoke(args=["results", "import", str(results_file)])
    assert again.exit_code == 0, again.output
    assert _counts(db)[0] == before[0] + ROWS


def test_a_postgresql_backend_killed_mid_import_fails_cleanly_and_stores_nothing(runner, db, results_file,
                                                                                 monkeypatch):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("pg_terminate_backend is PostgreSQL's")
    before = _counts(db)
    killer = create_engine(os.environ["TEST_DATABASE_URL"])
    real_reader = cli_results.row_reader

    def reader_that_kills_the_backend(opener, filename):
        rows, passes = real_reader(opener, filename), []

        def killing_rows():
            passes.append(1)
            for count, row in enumerate(rows(), start=1):
                # The second pass stores; after KILL_AFTER rows the server ends the import's session.
                if len(passes) == 2 and count == KILL_AFTER + 1:
                    pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
                    with killer.connect() as connection:
                        assert connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
                yield row
        return killing_rows

    monkeypatch.setattr(cli_results, "row_reader", reader_that_kills_the_backend)
    try:
        result = runner.invoke(args=["results", "import", str(results_file)])
    finally:
        killer.dispose()
    _assert_clean_failure(result, "the database connection was lost")
    assert _counts(db) == before


def test_json_columns_are_written_by_stored_json(db):
    from app.models.base import stored_json

    assert db.engine.dialect._json_serializer is stored_json
