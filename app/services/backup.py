"""Consistent backups of the database and the document store, with a checksum manifest, and their restore.

SQLite is copied with its online backup API (a consistent snapshot while the app writes);
PostgreSQL with pg_dump (one MVCC snapshot). The manifest records every file's SHA-256, the row
count of every table and the audit chain's head, so a restore can prove it brought back what was saved.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import Engine, make_url

from app.models.audit import AuditEntry
from app.models.base import Base

MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"
DOCUMENTS = "documents"
# Tables whose rows make a database "not empty" for restore: anything a person entered.
CONTENT_TABLES = ("permit", "user", "audit_entry", "result")


class BackupError(RuntimeError):
    """The backup or restore cannot be done; nothing was changed."""


@dataclass(frozen=True)
class BackupSummary:
    path: Path
    files: int
    rows: int


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def table_counts(engine: Engine) -> dict[str, int]:
    names = set(inspect(engine).get_table_names())
    with engine.connect() as connection:
        return {t.name: connection.scalar(select(func.count()).select_from(t))
                for t in Base.metadata.sorted_tables if t.name in names}


def _audit_head(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return connection.scalar(select(AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1))


def _libpq_url(engine: Engine) -> str:
    return make_url(engine.url).set(drivername="postgresql").render_as_string(hide_password=False)


def _run(command: list[str]) -> None:
    try:
        completed = subprocess.run(command, capture_output=True, text=True, timeout=3600, check=False)
    except FileNotFoundError:
        raise BackupError(f"{command[0]} is not installed; install the PostgreSQL client tools") from None
    if completed.returncode != 0:
        raise BackupError(f"{command[0]} failed: {completed.stderr.strip()[:500]}")


def _dump_database(engine: Engine, target: Path, schema: str | None) -> Path:
    if engine.dialect.name == "sqlite":
        out = target / SQLITE_FILE
        source = sqlite3.connect(engine.url.database)
        try:
            destination = sqlite3.connect(out)
            with destination:
                source.backup(destination)
            destination.close()
        finally:
            source.close()
        return out
    if engine.dialect.name == "postgresql":
        out = target / PG_FILE
        command = ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={out}",
                   f"--dbname={_libpq_url(engine)}"]
        if schema:
            command.append(f"--schema={schema}")
        _run(command)
        return out
    raise BackupError(f"{engine.dialect.name}: backups are made for SQLite and PostgreSQL only")


def create_backup(engine: Engine, destination: Path, *, documents: Path | None, schema: str | None = None,
                  now: datetime | None = None) -> BackupSummary:
    """Write a new backup folder at `destination` (which must not exist yet, or be empty)."""
    if destination.exists() and any(destination.iterdir()):
        raise BackupError(f"{destination}: exists and is not empty; choose a new folder")
    destination.mkdir(parents=True, exist_ok=True)
    counts_before = table_counts(engine)
    files = [_dump_database(engine, destination, schema)]
    if documents is not None and documents.is_dir():
        shutil.copytree(documents, destination / DOCUMENTS)
        files += sorted(p for p in (destination / DOCUMENTS).rglob("*") if p.is_file())
    with engine.connect() as connection:
        revision = connection.scalar(text("SELECT version_num FROM alembic_version"))
    manifest = {
        "created_at": (now or datetime.now(timezone.utc)).isoformat(timespec="seconds"),
        "engine": engine.dialect.name, "schema": schema, "alembic_revision": revision,
        "rows": counts_before, "audit_head": _audit_head(engine),
        "files": [{"path": str(f.relative_to(destination)), "bytes": f.stat().st_size, "sha256": _sha256(f)}
                  for f in files],
    }
    (destination / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return BackupSummary(destination, len(files), sum(counts_before.values()))


def read_manifest(source: Path) -> dict[str, Any]:
    """The manifest, after checking every listed file is there with its recorded SHA-256."""
    try:
        manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BackupError(f"{source}: no readable {MANIFEST} ({error})") from None
    for entry in manifest.get("files", []):
        path = (source / entry["path"]).resolve()
        if source.resolve() not in path.parents:
            raise BackupError(f"{entry['path']}: points outside the backup folder")
        if not path.is_file():
            raise BackupError(f"{entry['path']}: listed in the manifest but missing")
        if _sha256(path) != entry["sha256"]:
            raise BackupError(f"{entry['path']}: checksum does not match the manifest; the backup is damaged")
    return manifest


def is_empty(engine: Engine) -> bool:
    counts = table_counts(engine)
    return not any(counts.get(t) for t in CONTENT_TABLES)


def restore_backup(engine: Engine, source: Path, *, documents: Path | None, force: bool,
                   schema: str | None = None) -> dict[str, int]:
    """Bring the database (and documents) back to the backup; refuses a non-empty database unless forced."""
    manifest = read_manifest(source)
    if manifest["engine"] != engine.dialect.name:
        raise BackupError(f"the backup is of a {manifest['engine']} database; this one is {engine.dialect.name}")
    if not force and not is_empty(engine):
        raise BackupError("the database is not empty; restoring would replace what is in it. "
                          "Use --force if that is what you want")
    engine.dispose()
    if engine.dialect.name == "sqlite":
        source_db = sqlite3.connect(source / SQLITE_FILE)
        try:
            target = sqlite3.connect(engine.url.database)
            with target:
                source_db.backup(target)
            target.close()
        finally:
            source_db.close()
    else:
        command = ["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
                   f"--dbname={_libpq_url(engine)}", str(source / PG_FILE)]
        if schema:
            command.insert(1, f"--schema={schema}")
        _run(command)
    if documents is not None and (source / DOCUMENTS).is_dir():
        documents.mkdir(parents=True, exist_ok=True)
        shutil.copytree(source / DOCUMENTS, documents, dirs_exist_ok=True)
    counts = table_counts(engine)
    if counts != manifest["rows"]:
        differing = sorted(t for t in set(counts) | set(manifest["rows"]) if counts.get(t) != manifest["rows"].get(t))
        raise BackupError(f"restored row counts differ from the manifest in {', '.join(differing)}")
    if _audit_head(engine) != manifest["audit_head"]:
        raise BackupError("the restored audit trail does not end where the backup's did")
    return counts
