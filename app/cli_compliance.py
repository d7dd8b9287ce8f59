"""The compliance commands of CONTRACTS.md section 2: `events report`, `compliance deadlines`, `compliance snc`."""
from __future__ import annotations

import json
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import click
from flask.cli import AppGroup

from app.cli import fail
from app.extensions import db
from app.services.events import EventError, EventReport, report_event
from app.services.notification_obligations import list_obligations, obligation_as_json
from app.services.snc_check import SncError, run_snc_self_check

events_cli = AppGroup("events", help="Non-sample noncompliance events.")
compliance_cli = AppGroup("compliance", help="Notification deadlines and the SNC self-check.")


def _moment(name: str, text: str | None, zone_name: str | None = None) -> datetime | None:
    """An ISO date-time; one without an offset is read in the permit's facility zone."""
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        fail(f"--{name}: expected an ISO 8601 date-time such as 2026-03-13T09:15-04:00, got {text!r}")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(zone_name) if zone_name else timezone.utc)
    return moment


def _facility_zone(permit_number: str) -> str | None:
    from sqlalchemy import select

    from app.models.permit import Permit
    permit = db.session.scalar(select(Permit).where(Permit.number == permit_number))
    return permit.facility.timezone if permit else None


@events_cli.command("report")
@click.option("--permit", "permit_number", required=True)
@click.option("--kind", required=True)
@click.option("--discovered-at", required=True, help="ISO date-time the facility became aware")
@click.option("--outfall")
@click.option("--ended-at")
@click.option("--planned-start", help="anticipated bypass: when it is planned to start")
@click.option("--description")
def events_report(permit_number, kind, discovered_at, outfall, ended_at, planned_start, description):
    """Record a non-sample event and print the notification obligations it creates."""
    zone = _facility_zone(permit_number)
    report = EventReport(permit=permit_number, kind=kind, discovered_at=_moment("discovered-at", discovered_at, zone),
                         outfall=outfall, ended_at=_moment("ended-at", ended_at, zone),
                         planned_start=_moment("planned-start", planned_start, zone), description=description)
    try:
        event, obligations = report_event(db.session, report, actor_label="cli")
    except EventError as error:
        db.session.rollback()
        fail(f"events report: {error}")
    db.session.commit()
    click.echo(f"event {event.id} recorded: {kind}, {len(obligations)} obligation(s)")
    for obligation in obligations:
        due = obligation.initial_due or obligation.followup_due
        click.echo(f"  {obligation.id} {obligation.rule}: first due {due.astimezone(ZoneInfo(obligation.timezone)).isoformat() if due else '-'}")


@compliance_cli.command("deadlines")
@click.option("--json", "as_json", is_flag=True, required=True, help="JSON output (CONTRACTS.md section 8)")
@click.option("--permit", "permit_number")
@click.option("--open", "open_only", is_flag=True, help="only obligations still open")
def compliance_deadlines(as_json: bool, permit_number: str | None, open_only: bool):
    """Every notification obligation, the earliest due first."""
    rows = list_obligations(db.session, permit_number=permit_number, open_only=open_only)
    click.echo(json.dumps([obligation_as_json(o, p.number) for o, p in rows], indent=2))


@compliance_cli.command("snc")
@click.option("--permit", "permit_number", required=True)
@click.option("--window-end", required=True, help="YYYY-MM-DD, the last day of the six-month window")
@click.option("--json", "as_json", is_flag=True, required=True, help="JSON output (CONTRACTS.md section 9)")
def compliance_snc(permit_number: str, window_end: str, as_json: bool):
    """Pretreatment SNC self-check (chronic, TRC, late reports) for the six months ending then."""
    try:
        end = date.fromisoformat(window_end)
    except ValueError:
        fail(f"--window-end: expected YYYY-MM-DD, got {window_end!r}")
    try:
        result = run_snc_self_check(db.session, permit_number, end, datetime.now(timezone.utc))
    except SncError as error:
        fail(f"compliance snc: {error}")
    click.echo(json.dumps(result, indent=2))
