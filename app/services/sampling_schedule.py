"""The stored sampling schedule: generated from the permit versions, re-planned forward, statuses from results."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.rules_config import rule
from app.domain.sampling_schedule import MonitoringNeed, PlannedEvent, plan_events, preferences_from
from app.models.base import utcnow
from app.models.monitoring import Result, ResultRevision
from app.models.permit import Permit, PermitVersion
from app.models.schedule import CANCELLED, COLLECTED, MISSED, SCHEDULED, SamplingEvent
from app.services.audit import Change, audit_context, record_changes, snapshot_of
from app.services.bulk_rows import insert_new
from app.services.monitoring_data import rules_of

DEFAULT_HORIZON_DAYS = 90


@dataclass
class ScheduleChange:
    added: int = 0
    updated: int = 0
    cancelled: int = 0
    statuses: dict[str, int] = field(default_factory=dict)


def version_spans(permit: Permit) -> list[tuple[PermitVersion, date, date]]:
    """Each version with the days it governs: from its effective date to its successor's, or its expiry."""
    versions = sorted(permit.versions, key=lambda v: v.version)
    spans = []
    for version in versions:
        successors = [v.effective for v in versions if v.version > version.version and v.effective > version.effective]
        last = min([version.expires] + [s - timedelta(days=1) for s in successors])
        if version.effective <= last:
            spans.append((version, version.effective, last))
    return spans


class _IsoDays(dict):
    """day -> its ISO text, made once: a year's 127,000 planned samples share 365 days."""

    def __missing__(self, day: date) -> str:
        text = self[day] = day.isoformat()
        return text


def _parameters_json(event: PlannedEvent, iso: _IsoDays) -> list[dict[str, Any]]:
    """The event's `parameters` column."""
    # Plain subscripts, not a helper call per day: a hit in a dict subclass is a C lookup, and this
    # runs twice for every planned sample.
    return [{"code": s.code, "location": s.location, "window_start": iso[s.window_start],
             "window_end": iso[s.window_end]} for s in event.samples]


def planned_events(permit: Permit, through: date) -> list[tuple[PermitVersion, PlannedEvent]]:
    prefs_raw = permit.facility.schedule_preferences or {}
    planned = []
    for version, first, last in version_spans(permit):
        preferences = preferences_from(prefs_raw, rule(rules_of(version), "calc.week_start"))
        needs = [MonitoringNeed(o.feature_id, p.code, p.monitoring_location, p.frequency, p.sample_type, p.conditional)
                 for o in version.outfalls for p in o.parameters]
        if first > through:
            continue
        # Planned over the version's whole span (so blocks keep their shape), but no further ahead
        # than the block holding `through`: a five-year version would otherwise plan five years.
        planned += [(version, e) for e in plan_events(needs, first, last, preferences, until=through)
                    if e.day <= through]
    return planned


def generate_schedule(session: Session, permit: Permit, *, today: date,
                      horizon_days: int = DEFAULT_HORIZON_DAYS, through: date | None = None) -> ScheduleChange:
    """Plan every event up to today + horizon. The past is only filled in, never re-planned; future
    events the current plan no longer has are cancelled with a reason, not deleted.

    Another process (the nightly job, a second page view, `schedule list`) may plan the same trips at
    the same moment: its rows stand, and a second pass reads them like any stored trip, so no caller
    ever sees the collision.
    """
    end = max(through or today, today + timedelta(days=horizon_days))
    change = ScheduleChange()
    for _attempt in range(2):
        collided = _plan(session, permit, today, end, change)
        if not collided:
            break
    return change


def _plan(session: Session, permit: Permit, today: date, end: date, change: ScheduleChange) -> bool:
    """One pass of generate_schedule, counted into `change`; True when some new trip was already stored."""
    existing = {(e.outfall, e.event_date, e.sample_type): e for e in session.scalars(
        select(SamplingEvent).where(SamplingEvent.permit_id == permit.id))}
    # The past is filled in only beyond what each version already had planned (a first run, a
    # backdated new version, days passed while nothing ran): inside that range it stays as planned
    # then, or a change of sampling weekdays would invent past trips nobody was asked to make.
    planned_until: dict[int, date] = {}
    for event in existing.values():
        planned_until[event.permit_version] = max(event.event_date,
                                                  planned_until.get(event.permit_version, event.event_date))
    wanted, new_rows, now, iso = set(), [], utcnow(), _IsoDays()
    with audit_context(session, reason="sampling schedule generated"):
        for version, planned in planned_events(permit, end):
            key = (planned.outfall, planned.day, planned.sample_type)
            wanted.add(key)
            event, parameters = existing.get(key), _parameters_json(planned, iso)
            if event is None and planned.day < today and planned.day <= planned_until.get(version.version, date.min):
                continue
            if event is None:
                new_rows.append({"permit_id": permit.id, "permit_version": version.version,
                                 "outfall": planned.outfall, "event_date": planned.day,
                                 "window_end": planned.window_end, "sample_type": planned.sample_type,
                                 "parameters": parameters, "status": SCHEDULED, "status_reason": None,
                                 "generated_at": now})
            elif planned.day >= today and (event.parameters != parameters or event.status == CANCELLED
                                           or event.permit_version != version.version):
                event.parameters, event.window_end = parameters, planned.window_end
                event.permit_version, event.status, event.status_reason = version.version, SCHEDULED, None
                change.updated += 1
        for key, event in existing.items():
            if key not in wanted and event.event_date >= today and event.event_date <= end \
                    and event.status == SCHEDULED:
                event.status = CANCELLED
                event.status_reason = "re-planned: the permit in force no longer requires this trip"
                change.cancelled += 1
        written = _insert_events(session, new_rows)
        # The bulk INSERT passes the flush hook by: each new trip's `create` entry, its full snapshot.
        record_changes(session, [Change(SamplingEvent.__tablename__, row["id"], "create", None,
                                        snapshot_of(SamplingEvent, row)) for row in written])
        change.added += len(written)
        session.flush()
    return len(written) < len(new_rows)


def _insert_events(session: Session, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Insert new trips in bulk (one INSERT per trip took most of a year's planning); returns the rows
    written, in their order, with their ids. A trip already stored under the same permit, outfall,
    day and sample type (another process planned it since we read) is skipped, not an error."""
    return insert_new(session.connection(), SamplingEvent.__table__, rows,
                      ("permit_id", "outfall", "event_date", "sample_type"))


def _sample_days(session: Session, permit: Permit, first: date, last: date) -> dict[tuple[str, str, str], set[date]]:
    rows = session.execute(
        select(Result.outfall, Result.parameter_code, Result.monitoring_location, ResultRevision.sample_date)
        .join(ResultRevision, (ResultRevision.result_id == Result.id)
              & (ResultRevision.revision == Result.current_revision))
        .where(Result.permit_id == permit.id, ResultRevision.sample_date >= first, ResultRevision.sample_date <= last))
    days: dict[tuple[str, str, str], set[date]] = {}
    for outfall, code, location, day in rows:
        days.setdefault((outfall, code, location), set()).add(day)
    return days


def event_status(event: SamplingEvent, sample_days: dict[tuple[str, str, str], set[date]], today: date) -> str:
    """collected: every parameter has a sample in its window; missed: a window closed without one."""
    missing_closed = missing_open = False
    for entry in event.parameters:
        first, last = date.fromisoformat(entry["window_start"]), date.fromisoformat(entry["window_end"])
        days = sample_days.get((event.outfall, entry["code"], entry["location"]), set())
        if any(first <= d <= last for d in days):
            continue
        if last < today:
            missing_closed = True
        else:
            missing_open = True
    if missing_closed:
        return MISSED
    return SCHEDULED if missing_open else COLLECTED


def refresh_statuses(session: Session, permit: Permit, *, today: date, first: date | None = None,
                     last: date | None = None) -> dict[str, int]:
    """Bring every non-cancelled event's status in line with the stored results (audited changes only)."""
    query = select(SamplingEvent).where(SamplingEvent.permit_id == permit.id, SamplingEvent.status != CANCELLED)
    if first is not None:
        query = query.where(SamplingEvent.window_end >= first)
    if last is not None:
        query = query.where(SamplingEvent.event_date <= last)
    events = list(session.scalars(query))
    if not events:
        return {}
    starts = [date.fromisoformat(p["window_start"]) for e in events for p in e.parameters]
    days = _sample_days(session, permit, min(starts), max(e.window_end for e in events))
    counts: dict[str, int] = {}
    with audit_context(session, reason="sampling status from stored results"):
        for event in events:
            status = event_status(event, days, today)
            if status != event.status:
                event.status = status
                event.status_reason = ("no sample in the window of " + ", ".join(
                    p["code"] for p in event.parameters
                    if not any(date.fromisoformat(p["window_start"]) <= d <= date.fromisoformat(p["window_end"])
                               for d in days.get((event.outfall, p["code"], p["location"]), set())))
                    if status == MISSED else None)
            counts[status] = counts.get(status, 0) + 1
        session.flush()
    return counts


def schedule_json(event: SamplingEvent, permit_number: str) -> dict[str, Any]:
    """CONTRACTS.md section 2 `schedule list` entry."""
    return {"id": event.id, "permit": permit_number, "outfall": event.outfall, "date": event.event_date.isoformat(),
            "window_end": event.window_end.isoformat(), "parameters": [p["code"] for p in event.parameters],
            "sample_type": event.sample_type, "status": event.status}


def list_schedule(session: Session, *, first: date, last: date, today: date, permit_number: str | None = None,
                  include_cancelled: bool = False) -> list[tuple[SamplingEvent, Permit]]:
    """Events dated first..last, after making sure they are planned and their status is current.

    Cancelled trips are left out (the `schedule list` contract has no such status) unless asked for:
    the calendar shows them, so that a re-plan does not make a trip silently disappear.
    """
    query = select(Permit).order_by(Permit.number)
    if permit_number is not None:
        query = query.where(Permit.number == permit_number)
    permits = list(session.scalars(query))
    rows = []
    for permit in permits:
        generate_schedule(session, permit, today=today, through=last)
        refresh_statuses(session, permit, today=today, first=first, last=last)
        events = select(SamplingEvent).where(SamplingEvent.permit_id == permit.id, SamplingEvent.event_date >= first,
                                             SamplingEvent.event_date <= last)
        if not include_cancelled:
            events = events.where(SamplingEvent.status != CANCELLED)
        for event in session.scalars(events.order_by(SamplingEvent.event_date, SamplingEvent.outfall,
                                                     SamplingEvent.sample_type)):
            rows.append((event, permit))
    rows.sort(key=lambda pair: (pair[0].event_date, pair[1].number, pair[0].outfall, pair[0].sample_type))
    return rows
