"""The `flask --app wsgi ...` commands of CONTRACTS.md section 2."""
from __future__ import annotations

import signal
from datetime import date
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from app.domain.permit_definition import PermitDefinitionError
from app.extensions import db
from app.models.user import ROLES
from app.services.audit import audit_context, verify_audit_trail
from app.services.permit_files import PermitFileError, load_permit_document
from app.services.permits import import_permit_definition
from app.services.two_factor import reset_two_factor
from app.services.users import AccountError, create_user, normalise_email

users_cli = AppGroup("users", help="User accounts.")
permits_cli = AppGroup("permits", help="Permit definitions.")
audit_cli = AppGroup("audit", help="The audit trail.")


def fail(lines: list[str] | str, code: int = 1):
    for line in [lines] if isinstance(lines, str) else lines:
        click.echo(line, err=True)
    sys.exit(code)


@users_cli.command("create")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--name", required=True)
def users_create(email: str, role: str, name: str):
    """Create an account; the password is read from standard input."""
    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        user = create_user(db.session, email=email, name=name, role=role, password=password,
                           actor_label="cli")
    except AccountError as error:
        db.session.rollback()
        fail(f"users create: {error}")
    db.session.commit()
    click.echo(f"created {user.email} ({user.role})")


@users_cli.command("reset-two-factor")
@click.argument("email")
@click.option("--reason", required=True, help="Why (recorded in the audit trail), e.g. 'lost phone'.")
def users_reset_two_factor(email: str, reason: str):
    """Turn an account's two-factor sign-in off (a lost phone, or a changed SECRET_KEY); audited."""
    from sqlalchemy import select

    from app.models.user import User

    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        fail(f"users reset-two-factor: no account {email}")
    try:
        reset_two_factor(db.session, user, actor=None, reason=reason)
    except AccountError as error:
        db.session.rollback()
        fail(f"users reset-two-factor: {error}")
    db.session.commit()
    click.echo(f"two-factor sign-in of {user.email} is off")


@permits_cli.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def permits_import(file: Path):
    """Create the permit, or a new version of it; prints the permit number and version."""
    try:
        raw = file.read_bytes()
    except OSError as error:
        fail(f"{file}: cannot read the file ({error.strerror})")
    try:
        document = load_permit_document(raw, file.name)
        outcome = import_permit_definition(db.session, document, actor_label="cli")
    except PermitFileError as error:
        db.session.rollback()
        fail(str(error))
    except PermitDefinitionError as error:
        db.session.rollback()
        fail([f"{file}: {len(error.errors)} problem(s), nothing was stored:"] + [f"  {p}" for p in error.errors])
    db.session.commit()
    suffix = "" if outcome.created else " (unchanged: identical to the stored version)"
    click.echo(f"{outcome.permit_number} version {outcome.version}{suffix}")


@audit_cli.command("verify")
def audit_verify():
    """Check the audit trail's hash chain; exit 1 naming the first broken entry."""
    checked, broken = verify_audit_trail(db.session)
    if broken is not None:
        fail(f"audit trail broken: {broken}")
    click.echo(f"audit trail intact: {checked} entries checked")


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="Load only when the database holds no permit yet.")
@with_appcontext
def demo(if_empty: bool):
    """Load the demo facility, its permits and the demo users (password outfall-demo)."""
    from app.services.demo import demo_is_loaded, load_demo

    if if_empty and demo_is_loaded(db.session):
        click.echo("demo data already present; nothing loaded")
        return
    try:
        with audit_context(db.session, actor_label="demo"):
            summary = load_demo(db.session, date.today())
    except (AccountError, PermitDefinitionError) as error:
        db.session.rollback()
        fail(f"demo: {error}")
    db.session.commit()
    click.echo(summary)


@click.command("scheduler")
@with_appcontext
def scheduler_command():
    """Run the scheduler in this process (takes the single-scheduler lock first)."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    from app.jobs.scheduler import SchedulerAlreadyRunning, acquire_scheduler_lock, build_scheduler

    app = current_app._get_current_object()
    try:
        lock = acquire_scheduler_lock(app)
    except SchedulerAlreadyRunning as error:
        fail(f"scheduler: {error}")
    scheduler = build_scheduler(app, BlockingScheduler)

    def stop(*_):
        # A TERM before start() has run finds nothing to shut down: leave as Ctrl-C does, lock released.
        if scheduler.running:
            scheduler.shutdown(wait=False)
        else:
            raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    click.echo(f"scheduler running {len(scheduler.get_jobs())} job(s); Ctrl-C to stop")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        lock.release()


@click.command("serve")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@click.option("--no-scheduler", is_flag=True)
@with_appcontext
def serve(host: str, port: int, no_scheduler: bool):
    """The one-command demo launcher: the app on plain http with the scheduler in-process."""
    from werkzeug.serving import run_simple

    from app.jobs.scheduler import SchedulerAlreadyRunning, acquire_scheduler_lock, build_scheduler

    app = current_app._get_current_object()
    if host not in ("127.0.0.1", "localhost", "::1"):
        fail("serve: the demo launcher serves plain http and only on loopback; use gunicorn behind "
             "HTTPS for anything else")
    # Plain http on loopback: a Secure cookie would never come back and nobody could sign in.
    app.config.update(SESSION_COOKIE_SECURE=False, REMEMBER_COOKIE_SECURE=False)
    lock = scheduler = None
    if not no_scheduler:
        try:
            lock = acquire_scheduler_lock(app)
        except SchedulerAlreadyRunning as error:
            click.echo(f"serve: {error}; serving without a scheduler", err=True)
        else:
            scheduler = build_scheduler(app)
            scheduler.start()
    click.echo(f"Outfall on http://{host}:{port}/ (scheduler {'on' if scheduler else 'off'})")
    try:
        run_simple(host, port, app, use_reloader=False, threaded=True)
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        if lock is not None:
            lock.release()


def register_commands(app) -> None:
    from app.cli_backup import backup_cli
    from app.cli_compliance import compliance_cli, events_cli
    from app.cli_reminders import reminders_cli
    from app.cli_reports import dmr_cli
    from app.cli_results import results_cli
    from app.cli_schedule import schedule_cli

    for command in (users_cli, permits_cli, audit_cli, results_cli, schedule_cli, events_cli, compliance_cli, dmr_cli,
                    backup_cli, demo, scheduler_command, serve):
        app.cli.add_command(command)
    app.cli.add_command(reminders_cli)
    from app.cli_search import search_cli
    app.cli.add_command(search_cli)


