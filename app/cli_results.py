"""`flask results import`: the LIMS export in (CONTRACTS.md sections 2 and 4)."""
from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from app.extensions import db
from app.models.user import User
from app.services.result_files import ResultFileError, row_reader
from app.services.result_import import import_results

results_cli = AppGroup("results", help="Lab results.")
SHOWN_PROBLEMS = 200  # a file of a million bad rows should not flood the terminal


def database_problem(error: DBAPIError) -> str:
    """"the database is locked ..." / "the database connection was lost ...": the driver's own first line."""
    detail = str(error.orig).strip().splitlines()[0] if error.orig is not None else type(error).__name__
    if "locked" in detail or "busy" in detail:
        what = "the database is locked by another connection (is another import or a backup running?)"
    elif error.connection_invalidated or "terminat" in detail or "closed" in detail:
        what = "the database connection was lost"
    else:
        what = "the database refused the import"
    return f"{what}: {detail}"


def _discard_transaction() -> None:
    try:
        db.session.rollback()
    except DBAPIError:
        pass  # the connection is already gone; the server rolled the transaction back with it
    db.session.remove()


@results_cli.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="check every row and report; store nothing")
@click.option("--skip-invalid", is_flag=True, help="store the valid rows even when some are rejected")
@click.option("--as", "as_email", help="the user the rows are recorded for (needed for corrections)")
def results_import(file: Path, dry_run: bool, skip_invalid: bool, as_email: str | None):
    """Import lab results; all-or-nothing unless --skip-invalid. Prints imported N, unchanged M, rejected K."""
    actor = None
    if as_email:
        actor = db.session.scalar(select(User).where(User.email == as_email.strip().lower(), User.active.is_(True)))
        if actor is None:
            click.echo(f"--as: no active user {as_email!r}", err=True)
            sys.exit(1)
    if not file.is_file():
        click.echo(f"{file}: no such file", err=True)
        sys.exit(1)
    try:
        rows = row_reader(lambda: file.open("rb"), file.name)
        report = import_results(db.session, rows, now=datetime.now(timezone.utc),
                                actor_id=actor.id if actor else None,
                                actor_label=actor.email if actor else "cli", dry_run=dry_run,
                                skip_invalid=skip_invalid)
        if report.stored:
            db.session.commit()
        else:
            db.session.rollback()
    except ResultFileError as error:
        db.session.rollback()
        click.echo(f"{file}: {error}; nothing was stored", err=True)
        sys.exit(1)
    except DBAPIError as error:
        # A locked SQLite file or a PostgreSQL backend that went away mid-file: the transaction is lost
        # whole (one commit at the end), so say so plainly instead of a traceback.
        _discard_transaction()
        click.echo(f"{file}: {database_problem(error)}; nothing was stored", err=True)
        sys.exit(1)
    for problem in report.problems[:SHOWN_PROBLEMS]:
        click.echo(str(problem), err=True)
    if report.rejected > SHOWN_PROBLEMS:
        click.echo(f"... and {report.rejected - SHOWN_PROBLEMS} more rejected rows", err=True)
    if report.problems and not skip_invalid:
        click.echo("nothing was stored: fix the rows above, or use --skip-invalid to store the valid rows", err=True)
    suffix = " (dry run: nothing stored)" if dry_run else ""
    click.echo(report.line + suffix)
    if report.problems and not skip_invalid:
        sys.exit(1)
