"""The nightly backup job: a dated, verifiable backup each night, the oldest beyond OUTFALL_BACKUP_KEEP removed."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from app.jobs.tasks import JOBS, nightly_backup_job
from app.services.backup import read_manifest
from app.services.permits import import_permit_definition
from tests.factories import permit_document

FIRST_NIGHT = datetime(2026, 3, 10, 5, 53, tzinfo=timezone.utc)


def test_each_night_adds_a_backup_and_the_oldest_beyond_the_kept_number_goes(app, db, tmp_path, monkeypatch):
    import_permit_definition(db.session, permit_document("npdes"))
    db.session.commit()
    root = tmp_path / "backups"
    monkeypatch.setitem(app.config, "OUTFALL_BACKUP_PATH", str(root))
    monkeypatch.setitem(app.config, "OUTFALL_BACKUP_KEEP", 2)
    (root / "hand-made copy").mkdir(parents=True)  # not the job's: never touched
    made = [nightly_backup_job(app, now=FIRST_NIGHT + timedelta(days=night)) for night in range(3)]
    assert all(summary is not None for summary in made)
    names = sorted(p.name for p in root.iterdir())
    assert names == ["hand-made copy", "outfall-20260311-055300", "outfall-20260312-055300"]
    assert made[2].removed == (root / "outfall-20260310-055300",)
    manifest = read_manifest(root / "outfall-20260312-055300")  # every file there with its checksum
    assert manifest["rows"]["permit"] == 1 and manifest["created_at"] == "2026-03-12T05:53:00+00:00"


def test_a_failed_night_keeps_every_older_backup(app, db, tmp_path, monkeypatch):
    root = tmp_path / "backups"
    monkeypatch.setitem(app.config, "OUTFALL_BACKUP_PATH", str(root))
    monkeypatch.setitem(app.config, "OUTFALL_BACKUP_KEEP", 1)
    assert nightly_backup_job(app, now=FIRST_NIGHT) is not None
    (root / "outfall-20260311-055300").write_text("in the way")  # tonight's folder cannot be made
    assert nightly_backup_job(app, now=FIRST_NIGHT + timedelta(days=1)) is None
    assert (root / "outfall-20260310-055300" / "manifest.json").is_file()


def test_the_job_is_scheduled_nightly():
    job = next(j for j in JOBS if j.id == "nightly_backup")
    assert job.trigger == "cron" and job.trigger_args == {"hour": 0, "minute": 53}
