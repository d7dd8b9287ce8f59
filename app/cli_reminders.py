"""`flask reminders send [--now ISO]` (CONTRACTS.md section 2): what the scheduler's reminder job runs."""
from __future__ import annotations

import sys
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from app.extensions import db
from app.jobs.tasks import deliver_reminders
from app.models.facility import Facility
from app.services.audit import audit_context
from app.services.schedule_upkeep import extend_schedules, refresh_schedule_statuses

reminders_cli = AppGroup("reminders", help="Reminder e-mails.")


def parse_now(text: str | None) -> datetime:
    """An ISO 8601 moment; without an offset it is facility-local time, as everywhere in the contracts."""
    if text is None:
        return datetime.now(timezone.utc)
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        click.echo(f"--now: expected an ISO 8601 date-time such as 2026-03-09T07:30:00-05:00, got {text!r}", err=True)
        sys.exit(1)
    if moment.tzinfo is None or moment.utcoffset() is None:
        zone = db.session.scalar(select(Facility.timezone).order_by(Facility.id).limit(1)) or "UTC"
        moment = moment.replace(tzinfo=ZoneInfo(zone))
    return moment.astimezone(timezone.utc)


@reminders_cli.command("send")
@click.option("--now", "now_text", help="The moment to act for (ISO 8601); default: the current time.")
def reminders_send(now_text: str | None):
    """Plan the schedules, queue every reminder due now and send what is pending; never sends one twice."""
    now = parse_now(now_text)
    try:
        with audit_context(db.session, actor_label="cli"):
            extend_schedules(db.session, now)
            refresh_schedule_statuses(db.session, now)
        db.session.commit()
        run = deliver_reminders(db.session, now, current_app.config)
    except Exception as error:
        db.session.rollback()
        click.echo(f"reminders send: {type(error).__name__}: {error}", err=True)
        sys.exit(1)
    click.echo(f"queued {run.queued}, sent {run.sent}, failed {run.failed}")
    if run.not_sent:
        click.echo(f"not sent: {run.not_sent}")
