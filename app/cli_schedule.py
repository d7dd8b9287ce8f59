"""`flask schedule list` (CONTRACTS.md section 2): the sampling events due in a window."""
from __future__ import annotations

import json
import sys
from datetime import date, datetime, timezone

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.extensions import db
from app.models.permit import Permit
from app.services.permit_overview import installation_today
from app.services.sampling_schedule import list_schedule, schedule_json

schedule_cli = AppGroup("schedule", help="The self-monitoring schedule.")


def _date(name: str, text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        click.echo(f"--{name}: expected YYYY-MM-DD, got {text!r}", err=True)
        sys.exit(1)


@schedule_cli.command("list")
@click.option("--from", "first", required=True)
@click.option("--to", "last", required=True)
@click.option("--json", "as_json", is_flag=True, required=True)
@click.option("--permit", "permit_number")
def schedule_list(first: str, last: str, as_json: bool, permit_number: str | None):
    """Sampling events dated in the window, with status scheduled, collected or missed."""
    start, end = _date("from", first), _date("to", last)
    if end < start:
        click.echo("--to: is before --from", err=True)
        sys.exit(1)
    if permit_number and db.session.scalar(select(Permit.id).where(Permit.number == permit_number)) is None:
        click.echo(f"--permit: no permit numbered {permit_number!r}", err=True)
        sys.exit(1)
    today = installation_today(db.session, datetime.now(timezone.utc))
    rows = list_schedule(db.session, first=start, last=end, today=today, permit_number=permit_number)
    db.session.commit()  # the plan and statuses it brought up to date
    click.echo(json.dumps([schedule_json(e, p.number) for e, p in rows], indent=2))
