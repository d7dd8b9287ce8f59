"""`backup create` / `backup restore`: a populated database round-trips with counts, checksums and audit chain."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select, text

from app.models.monitoring import Result
from app.services.permits import import_permit_definition
from app.services.results import record_result
from tests.factories import permit_document


@pytest.fixture
def populated(db, make_user):
    make_user("manager")
    import_permit_definition(db.session, permit_document("npdes"))
    for day, value in ((3, "22"), (10, "72")):
        record_result(db.session, {"permit": "CT0000001", "outfall": "001", "parameter_code": "00530",
                                   "sample_id": f"B-{day}", "sampled_at": f"2026-03-{day:02d}T08:00",
                                   "value": value, "unit": "mg/L"}, now=datetime(2026, 3, 20, tzinfo=timezone.utc))
    db.session.commit()


def _rows(db) -> int:
    return db.session.scalar(select(func.count(Result.id)))


def test_round_trip_restores_counts_checksums_and_the_audit_chain(runner, db, populated, tmp_path):
    dest = tmp_path / "backup-1"
    created = runner.invoke(args=["backup", "create", str(dest)])
    assert created.exit_code == 0, created.output
    manifest = json.loads((dest / "manifest.json").read_text())
    assert manifest["rows"]["result"] == 2 and manifest["audit_head"]
    assert all(len(f["sha256"]) == 64 for f in manifest["files"])
    refused = runner.invoke(args=["backup", "restore", str(dest)])
    assert refused.exit_code == 1 and "not empty" in refused.output
    # Damage the live data (as a bad script would), then restore over it.
    record_result(db.session, {"permit": "CT0000001", "outfall": "001", "parameter_code": "00530",
                               "sample_id": "LATE", "sampled_at": "2026-03-12T08:00", "value": "5", "unit": "mg/L"},
                  now=datetime(2026, 3, 20, tzinfo=timezone.utc))
    db.session.commit()
    assert _rows(db) == 3
    db.session.remove()
    restored = runner.invoke(args=["backup", "restore", str(dest), "--force"])
    assert restored.exit_code == 0, restored.output
    assert "audit trail intact" in restored.output
    assert _rows(db) == 2
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0


def test_a_damaged_backup_is_refused_before_anything_changes(runner, db, populated, tmp_path):
    dest = tmp_path / "backup-2"
    assert runner.invoke(args=["backup", "create", str(dest)]).exit_code == 0
    dump = next(p for p in dest.iterdir() if p.name.startswith("database"))
    dump.write_bytes(dump.read_bytes()[:-10] + b"0123456789")
    result = runner.invoke(args=["backup", "restore", str(dest), "--force"])
    assert result.exit_code == 1 and "checksum does not match" in result.output
    assert _rows(db) == 2


def test_create_refuses_a_folder_that_is_not_empty(runner, db, populated, tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    result = runner.invoke(args=["backup", "create", str(tmp_path / "full")])
    assert result.exit_code == 1 and "not empty" in result.output


def test_restore_into_an_empty_database_needs_no_force(runner, db, populated, tmp_path):
    dest = tmp_path / "backup-3"
    assert runner.invoke(args=["backup", "create", str(dest)]).exit_code == 0
    db.session.remove()
    with db.engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            connection.execute(text(f'DELETE FROM "{table.name}"'))
    result = runner.invoke(args=["backup", "restore", str(dest)])
    assert result.exit_code == 0, result.output
    assert _rows(db) == 2
