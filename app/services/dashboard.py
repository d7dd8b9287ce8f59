"""What the manager sees first: what is due, what is wrong, and how much room the averages have left."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.daily_values import daily_values
from app.domain.headroom import Headroom, average_headroom, least_room
from app.domain.periods import MonitoringPeriod, dmr_due_date, period_containing
from app.domain.permit_terms import facility_today
from app.domain.rounding import parse_limit
from app.domain.sampling_schedule import MonitoringNeed, plan_need, preferences_from
from app.models.compliance import Exceedance, NotificationObligation
from app.models.permit import Permit
from app.models.record import CalibrationEntry, Instrument
from app.models.schedule import MISSED, SCHEDULED, OutboxMessage, SamplingEvent
from app.services.data_version import VersionedMemo, data_version
from app.services.dmr_build import DMR_SOURCE_TABLES, DmrError, build_dmr
from app.services.monitoring_data import ResultsWindow, measurements_for, rules_of
from app.services.notification_obligations import list_obligations
from app.services.permit_overview import PermitSummary, permit_overview
from app.services.permits import permit_version_on
from app.services.report_signoff import latest_signed, revision_needed


@dataclass(frozen=True)
class ReportStatus:
    permit: Permit
    period: MonitoringPeriod
    due: date
    status: str  # not started | data incomplete | ready for review | signed | submitted | revision needed
    detail: str


@dataclass(frozen=True)
class HeadroomLine:
    """One monthly-average limit's headroom, free of ORM objects (what the memo below keeps)."""

    outfall: str
    parameter_code: str
    monitoring_location: str
    parameter_name: str
    unit: str
    headroom: Headroom


@dataclass(frozen=True)
class HeadroomRow(HeadroomLine):
    permit: Permit | None = None


@dataclass
class Dashboard:
    today: date
    permits: list[PermitSummary]
    obligations: list[tuple[NotificationObligation, Permit]] = field(default_factory=list)
    due_this_week: list[tuple[SamplingEvent, Permit]] = field(default_factory=list)
    missed: list[tuple[SamplingEvent, Permit]] = field(default_factory=list)
    exceedances: list[tuple[Exceedance, Permit]] = field(default_factory=list)
    reports: list[ReportStatus] = field(default_factory=list)
    headroom: list[HeadroomRow] = field(default_factory=list)  # the tightest DASHBOARD_HEADROOM_ROWS
    headroom_total: int = 0  # every monthly-average limit in force (the headroom page lists them all)
    calibrations_due: list[tuple[Instrument, date | None]] = field(default_factory=list)
    failed_emails: int = 0


def _events(session: Session, first: date, last: date, status: str) -> list[tuple[SamplingEvent, Permit]]:
    rows = session.execute(select(SamplingEvent, Permit).join(Permit, Permit.id == SamplingEvent.permit_id)
                           .where(SamplingEvent.event_date >= first, SamplingEvent.event_date <= last,
                                  SamplingEvent.status == status)
                           .order_by(SamplingEvent.event_date, SamplingEvent.outfall).limit(50))
    return [(r[0], r[1]) for r in rows]


@dataclass(frozen=True)
class _BuiltStatus:
    """What a report's status reads from its build, without the build: small, and free of ORM objects."""

    error: str | None = None  # the DmrError that stopped the build
    signed_status: str | None = None  # of the latest signed revision, if any
    signed_detail: str = ""
    changes: tuple[str, ...] = ()  # revision_needed against that revision
    samples: int = 0
    missing: int = 0  # NODI_REQUIRED and MONITORING_FREQUENCY_NOT_MET flags
    violations: int = 0
    flags: int = 0


# Why a memo and not a stored status: a status is the build's verdict on the data as it stands, and a
# stored copy would need refreshing from every place that writes results, NODIs, limits or signatures.
# The build is a pure function of the stored records, and data_version (the audit chain's newest entry
# about the tables it reads) changes with every one of them, so a build summarised under a version
# stays right for as long as that version is current. The dashboard shows four reports and the reports page thirteen per permit; without the
# memo each load built them all (about a second each for a plant-sized month).
_STATUS_MEMO: VersionedMemo[_BuiltStatus] = VersionedMemo(size=256)


def _built_status(session: Session, permit: Permit, period: MonitoringPeriod) -> _BuiltStatus:
    signed = latest_signed(session, permit.id, period.label)
    try:
        built = build_dmr(session, permit.number, period.label)
    except DmrError as error:
        return _BuiltStatus(error=str(error))
    document = built.document
    summary = _BuiltStatus(
        samples=sum(p["samples"] for o in document["outfalls"] for p in o["parameters"]),
        missing=len([f for f in document["flags"] if f["code"] in ("NODI_REQUIRED", "MONITORING_FREQUENCY_NOT_MET")]),
        violations=document["violations"], flags=len(document["flags"]))
    if signed is None:
        return summary
    return _BuiltStatus(signed_status=signed.status, signed_detail=f"revision {signed.revision} signed by "
                        f"{signed.signer_name}", changes=tuple(revision_needed(session, built)))


def dmr_data_version(session: Session) -> tuple[str, int, str]:
    """The version of the data every DMR and headroom figure is built from. A page showing several read
    it once, before any of that data: each figure is then never older than its key."""
    return data_version(session, DMR_SOURCE_TABLES)


def report_status(session: Session, permit: Permit, period: MonitoringPeriod, today: date,
                  data_key: tuple[str, int, str] | None = None) -> ReportStatus | None:
    """`data_key`: dmr_data_version() as the caller read it for a page of several statuses."""
    version = permit_version_on(permit, period.end)
    if version is None:
        return None
    due = dmr_due_date(period, version.reporting_due_day)
    # The version is read before the data it keys, so a summary is never older than its key.
    key = (data_key or dmr_data_version(session), permit.id, period.label)
    built = _STATUS_MEMO.get(key, lambda: _built_status(session, permit, period))
    if built.error is not None:
        return ReportStatus(permit, period, due, "data incomplete", built.error)
    if built.signed_status is not None:
        if built.changes:
            return ReportStatus(permit, period, due, "revision needed", "; ".join(built.changes[:3]))
        return ReportStatus(permit, period, due, built.signed_status if built.signed_status != "superseded"
                            else "signed", built.signed_detail)
    if built.samples == 0:
        return ReportStatus(permit, period, due, "not started", "no results in the period yet")
    if today <= period.end or built.missing:
        detail = "period still running" if today <= period.end else f"{built.missing} item(s) to resolve"
        return ReportStatus(permit, period, due, "data incomplete", detail)
    return ReportStatus(permit, period, due, "ready for review",
                        f"{built.violations} violation(s), {built.flags} review flag(s)")


# A large permit has hundreds of monthly-average limits: the dashboard shows those with the least room
# (the ones a manager acts on) and links to the headroom page, which pages through all of them.
DASHBOARD_HEADROOM_ROWS = 20
HEADROOM_PAGE_SIZE = 50


def _headroom_of(row: HeadroomRow) -> Headroom:
    return row.headroom


@dataclass(frozen=True)
class HeadroomPage:
    today: date
    rows: list[HeadroomRow]
    total: int
    page: int
    pages: int


def headroom_page(session: Session, now: datetime, page: int = 1) -> HeadroomPage:
    """Every monthly-average limit in force today with its headroom, in permit, outfall and parameter order."""
    permits = permit_overview(session, now)
    today = _facility_day(permits, now)
    rows = _every_headroom(session, permits, today, dmr_data_version(session))
    pages = max(1, -(-len(rows) // HEADROOM_PAGE_SIZE))
    page = min(max(page, 1), pages)
    shown = rows[(page - 1) * HEADROOM_PAGE_SIZE:page * HEADROOM_PAGE_SIZE]
    return HeadroomPage(today, shown, len(rows), page, pages)


def _facility_day(permits: list[PermitSummary], now: datetime) -> date:
    return facility_today(permits[0].permit.facility.timezone if permits else "UTC", now)


def _every_headroom(session: Session, permits: list[PermitSummary], today: date,
                    data_key: tuple[str, int, str]) -> list[HeadroomRow]:
    """Every monthly-average limit in force today, permit by permit (the dashboard's and the headroom page's)."""
    return [row for summary in permits if summary.applying is not None
            for row in _headroom(session, summary.permit, today, data_key)]


# Headroom reads every monthly average of the month so far: memoised like the statuses, per facility day.
_HEADROOM_MEMO: VersionedMemo[tuple[HeadroomLine, ...]] = VersionedMemo(size=64)


def _headroom(session: Session, permit: Permit, today: date,
              data_key: tuple[str, int, str] | None = None) -> list[HeadroomRow]:
    key = (data_key or dmr_data_version(session), permit.id, today)
    lines = _HEADROOM_MEMO.get(key, lambda: tuple(_headroom_lines(session, permit, today)))
    return [HeadroomRow(**vars(line), permit=permit) for line in lines]


def _headroom_lines(session: Session, permit: Permit, today: date) -> list[HeadroomLine]:
    version = permit_version_on(permit, today)
    if version is None:
        return []
    rules = rules_of(version)
    month = period_containing(today, "monthly")
    preferences = preferences_from(permit.facility.schedule_preferences, rules["calc"]["week_start"])
    rows = []
    window = ResultsWindow(session, permit.id, month.start, month.end)
    for outfall in version.outfalls:
        for parameter in outfall.parameters:
            columns = [c for c in parameter.columns if c.statistical_base == "monthly_average"
                       and c.derived is None and c.limit_text is not None]
            if not columns:
                continue
            results, _, _, _ = measurements_for(session, permit.id, parameter, month.start, month.end, window)
            values = [v.value for v in daily_values(results, rules)]
            need = MonitoringNeed(outfall.feature_id, parameter.code, parameter.monitoring_location,
                                  parameter.frequency, parameter.sample_type, parameter.conditional)
            required = len(plan_need(need, month.start, month.end, preferences)) or len(values)
            for column in columns:
                rows.append(HeadroomLine(outfall.feature_id, parameter.code, parameter.monitoring_location,
                                          parameter.name, column.unit,
                                          average_headroom(values, parse_limit(column.limit_text), required)))
    return rows


def _calibrations(session: Session, today: date) -> list[tuple[Instrument, date | None]]:
    last = dict(session.execute(select(CalibrationEntry.instrument_id, func.max(CalibrationEntry.performed_at))
                                .where(CalibrationEntry.passed.is_(True)).group_by(CalibrationEntry.instrument_id))
                .all())
    due = []
    for instrument in session.scalars(select(Instrument).where(Instrument.active.is_(True))):
        done = last.get(instrument.id)
        next_due = (done.date() + timedelta(days=instrument.calibration_interval_days)) if done else None
        if next_due is None or next_due <= today + timedelta(days=14):
            due.append((instrument, next_due))
    return sorted(due, key=lambda pair: pair[1] or date.min)


def build_dashboard(session: Session, now: datetime) -> Dashboard:
    permits = permit_overview(session, now)
    today = _facility_day(permits, now)
    board = Dashboard(today=today, permits=permits)
    data_key = dmr_data_version(session)  # one read of the chain for every status and headroom below
    board.obligations = list_obligations(session, open_only=True)[:10]
    board.due_this_week = _events(session, today, today + timedelta(days=6), SCHEDULED)
    board.missed = _events(session, today - timedelta(days=30), today, MISSED)
    board.exceedances = [(r[0], r[1]) for r in session.execute(
        select(Exceedance, Permit).join(Permit, Permit.id == Exceedance.permit_id)
        .where(Exceedance.status == "active", Exceedance.last_day >= today - timedelta(days=30))
        .order_by(Exceedance.last_day.desc()).limit(20))]
    for summary in permits:
        version = summary.applying
        if version is None:
            continue
        current = period_containing(today, version.reporting_frequency)
        previous = period_containing(current.start - timedelta(days=1), version.reporting_frequency)
        for period in (previous, current):
            status = report_status(session, summary.permit, period, today, data_key)
            if status is not None:
                board.reports.append(status)
    headroom = _every_headroom(session, permits, today, data_key)
    board.headroom, board.headroom_total = least_room(headroom, DASHBOARD_HEADROOM_ROWS, _headroom_of), len(headroom)
    board.calibrations_due = _calibrations(session, today)
    board.failed_emails = session.scalar(select(func.count(OutboxMessage.id))
                                         .where(OutboxMessage.status == "failed")) or 0
    return board

