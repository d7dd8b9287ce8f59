"""`flask backup create DEST` and `flask backup restore SRC [--force]` (CONTRACTS.md section 2)."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from app.config import document_store_path
from app.extensions import db
from app.services.audit import verify_audit_trail
from app.services.backup import BackupError, create_backup, restore_backup

backup_cli = AppGroup("backup", help="Backups of the database and the document store.")


def _documents() -> Path:
    return document_store_path(current_app.config, current_app.instance_path)


@backup_cli.command("create")
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
def backup_create(dest: Path):
    """Write a consistent backup with a checksum manifest into the new folder DEST."""
    try:
        summary = create_backup(db.engine, dest, documents=_documents(),
                                schema=current_app.config.get("OUTFALL_DB_SCHEMA"))
    except BackupError as error:
        click.echo(f"backup create: {error}", err=True)
        sys.exit(1)
    click.echo(f"backup written to {summary.path}: {summary.files} file(s), {summary.rows} rows, manifest.json")


@backup_cli.command("restore")
@click.argument("src", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="replace a database that is not empty")
def backup_restore(src: Path, force: bool):
    """Restore a backup after checking its checksums; refuses a non-empty database without --force."""
    db.session.remove()
    try:
        counts = restore_backup(db.engine, src, documents=_documents(), force=force,
                                schema=current_app.config.get("OUTFALL_DB_SCHEMA"))
    except BackupError as error:
        click.echo(f"backup restore: {error}", err=True)
        sys.exit(1)
    checked, broken = verify_audit_trail(db.session)
    db.session.rollback()
    if broken is not None:
        click.echo(f"backup restore: restored, but the audit trail is broken at {broken}", err=True)
        sys.exit(1)
    click.echo(f"restored {sum(counts.values())} rows from {src}; audit trail intact ({checked} entries)")
