"""Read models of lab results for the results pages: the recent list, one result with its history, the entry sheet."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from app.domain.mass_loading import FLOW_PARAMETER_CODE
from app.domain.parameter_codes import parameter_description
from app.domain.result_fields import ResultFieldError, parse_result_fields
from app.domain.sample_rules import check_holding_time, check_sample_type
from app.models.compliance import ACTIVE, Exceedance
from app.models.monitoring import Result, ResultRevision, Sample
from app.models.permit import Outfall, Permit
from app.models.user import User
from app.services.monitoring_data import concentration_unit
from app.services.permit_overview import permit_by_number, summarise

PAGE_SIZE = 100
# What a revision holds, in the order the history shows a change (received_at is when, not what).
REVISION_FIELDS = ("sampled_at", "value", "qualifier", "unit", "mdl", "rl", "method", "lab", "analyst",
                   "analyzed_at", "sample_type", "chain_of_custody", "notes", "estimated")


def parameter_name(code: str) -> str:
    return parameter_description(code) or ""


# ---- the list ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ResultFilter:
    permit: str | None = None
    outfall: str | None = None
    parameter_code: str | None = None
    since: date | None = None
    until: date | None = None


@dataclass(frozen=True)
class ResultRow:
    result_id: int
    permit: str
    timezone: str
    outfall: str
    parameter_code: str
    monitoring_location: str
    sample_id: str
    sample_date: date
    sampled_at: datetime | None
    value: str
    qualifier: str
    unit: str
    revision: int
    exceeds: bool


@dataclass(frozen=True)
class ResultPage:
    rows: list[ResultRow]
    total: int
    page: int
    pages: int


def _listed(filters: ResultFilter):
    query = (select(Result, ResultRevision, Permit)
             .join(ResultRevision, (ResultRevision.result_id == Result.id)
                   & (ResultRevision.revision == Result.current_revision))
             .join(Permit, Permit.id == Result.permit_id))
    if filters.permit:
        query = query.where(Permit.number == filters.permit)
    if filters.outfall:
        query = query.where(Result.outfall == filters.outfall)
    if filters.parameter_code:
        query = query.where(Result.parameter_code == filters.parameter_code)
    if filters.since:
        query = query.where(ResultRevision.sample_date >= filters.since)
    if filters.until:
        query = query.where(ResultRevision.sample_date <= filters.until)
    return query


def recent_results(session: Session, filters: ResultFilter, page: int = 1) -> ResultPage:
    """The newest samples first, one page at a time, each marked when an active exceedance names its sample."""
    total = session.scalar(select(func.count()).select_from(_listed(filters).subquery()))
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    found = session.execute(_listed(filters).options(selectinload(Permit.facility))
                            .order_by(ResultRevision.sample_date.desc(), ResultRevision.sampled_at.desc(),
                                      Result.id.desc())
                            .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    marked = _exceeding(session, [(r, v) for r, v, _p in found])
    rows = [ResultRow(r.id, p.number, p.facility.timezone, r.outfall, r.parameter_code, r.monitoring_location,
                      r.sample_id, v.sample_date, v.sampled_at, v.value, v.qualifier, v.unit, v.revision,
                      r.id in marked) for r, v, p in found]
    return ResultPage(rows, total, page, pages)


def _is_behind(exceedance: Exceedance, result: Result) -> bool:
    # A flow result feeds every mass column of its outfall (CALC-07), so its sample stands behind those too.
    return (exceedance.permit_id == result.permit_id and exceedance.outfall == result.outfall
            and result.sample_id in (exceedance.sample_ids or [])
            and (exceedance.parameter_code == result.parameter_code
                 or result.parameter_code == FLOW_PARAMETER_CODE))


def _exceeding(session: Session, rows: list[tuple[Result, ResultRevision]]) -> set[int]:
    if not rows:
        return set()
    # Averages span at most a month either side of a sample's day; a week of slack covers a straddling week.
    first = min(v.sample_date for _r, v in rows) - timedelta(days=38)
    last = max(v.sample_date for _r, v in rows) + timedelta(days=38)
    active = session.scalars(select(Exceedance).where(
        Exceedance.status == ACTIVE, Exceedance.permit_id.in_({r.permit_id for r, _v in rows}),
        Exceedance.first_day <= last, Exceedance.last_day >= first)).all()
    return {r.id for r, _v in rows if any(_is_behind(e, r) for e in active)}


def filter_choices(session: Session) -> tuple[list[str], list[str], list[tuple[str, str]]]:
    """Permit numbers, outfall ids and parameters (code, name) that results exist for."""
    permits = list(session.scalars(select(Permit.number).order_by(Permit.number)))
    outfalls = list(session.scalars(select(Result.outfall).distinct().order_by(Result.outfall)))
    codes = session.scalars(select(Result.parameter_code).distinct().order_by(Result.parameter_code))
    return permits, outfalls, [(c, parameter_name(c)) for c in codes]


# ---- one result -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RevisionView:
    revision: ResultRevision
    entered_by: str
    reason: str | None
    changes: list[tuple[str, Any, Any]]  # (field, before, after); empty for the first entry


@dataclass(frozen=True)
class ResultDetail:
    result: Result
    permit: Permit
    timezone: str
    current: ResultRevision
    sample: Sample
    history: list[RevisionView]
    exceedances: list[Exceedance]
    siblings: list[Result]  # the other results of the same sample
    flags: list[Flag]


def result_detail(session: Session, result_id: int) -> ResultDetail | None:
    result = session.get(Result, result_id)
    if result is None:
        return None
    permit = session.get(Permit, result.permit_id)
    revisions = list(result.revisions)
    users = {u.id: u for u in session.scalars(select(User).where(
        User.id.in_({r.entered_by_id for r in revisions if r.entered_by_id})))}
    history, before = [], None
    for revision in revisions:
        user = users.get(revision.entered_by_id)
        changes = [] if before is None else [(name, getattr(before, name), getattr(revision, name))
                                             for name in REVISION_FIELDS
                                             if getattr(before, name) != getattr(revision, name)]
        who = f"{user.name} ({user.email})" if user else "no named user (an import)"
        history.append(RevisionView(revision, who, revision.reason, changes))
        before = revision
    candidates = session.scalars(select(Exceedance).where(
        Exceedance.permit_id == result.permit_id, Exceedance.outfall == result.outfall)
        .order_by(Exceedance.first_day, Exceedance.id)).all()
    siblings = session.scalars(select(Result).where(Result.sample_pk == result.sample_pk, Result.id != result.id)
                               .order_by(Result.parameter_code)).all()
    current = result.current
    return ResultDetail(result, permit, permit.facility.timezone, current, result.sample, history,
                        [e for e in candidates if _is_behind(e, result)], list(siblings),
                        _revision_flags(permit.program, result.parameter_code, current, result.sample))


def describe_exceedances(session: Session, ids: list[int]) -> list[str]:
    """One line per exceedance, e.g. "00530 daily maximum 72 mg/L over the limit 60 mg/L (2026-03-10)"."""
    found = [session.get(Exceedance, i) for i in ids]
    return [f"{e.parameter_code} {e.statistical_base.replace('_', ' ')} "
            f"{'' if e.qualifier in ('=', '') else e.qualifier}{e.value} {e.unit} over the limit {e.limit_text} "
            f"{e.unit} ({e.evaluation_key.split(':', 1)[-1]})" for e in found if e is not None]


# ---- sample rules shown beside a result -------------------------------------------------------------------

@dataclass(frozen=True)
class Flag:
    bad: bool
    text: str


def _flags(program: str, code: str, sampled_at: datetime | None, analyzed_at: datetime | None,
           sample_type: str | None, composite_end: datetime | None = None) -> list[Flag]:
    flags = []
    grab_only = check_sample_type(program, code, sample_type)
    if grab_only:
        flags.append(Flag(True, grab_only))
    if sampled_at is not None:
        try:
            holding = check_holding_time(code, sampled_at=sampled_at, analyzed_at=analyzed_at,
                                         sample_type=sample_type, composite_end=composite_end)
        except ValueError as error:  # analysed before the clock started: the times themselves are wrong
            flags.append(Flag(True, f"Holding time not judged: {error}"))
        else:
            if holding is not None:
                flags.append(Flag(holding.exceeded, holding.reason))
    return flags


def _revision_flags(program: str, code: str, revision: ResultRevision, sample: Sample | None) -> list[Flag]:
    return _flags(program, code, revision.sampled_at, revision.analyzed_at, revision.sample_type,
                  sample.composite_end if sample else None)


def sample_flags(session: Session, rows: list[dict]) -> list[list[Flag]]:
    """SAMP-01 grab-only and SAMP-05 holding-time findings for unsaved rows (none for a row that does not parse)."""
    permits = {p.number: p for p in session.scalars(select(Permit).where(
        Permit.number.in_({str(r.get("permit") or "").strip() for r in rows})))}
    flags = []
    for raw in rows:
        permit = permits.get(str(raw.get("permit") or "").strip())
        try:
            fields = parse_result_fields(raw, permit.facility.timezone) if permit else None
        except ResultFieldError:
            fields = None
        flags.append([] if fields is None else _flags(permit.program, fields.parameter_code, fields.sampled_at,
                                                      fields.analyzed_at, fields.sample_type, fields.composite_end))
    return flags


# ---- the entry sheet --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SheetParameter:
    code: str
    name: str
    monitoring_location: str
    unit: str
    sample_type: str
    limits: str  # "daily maximum 60 mg/L; monthly average 30 mg/L"


@dataclass(frozen=True)
class EntrySheet:
    permit: str
    program: str
    facility: str
    timezone: str
    version: int
    outfall: str
    description: str
    parameters: list[SheetParameter] = field(default_factory=list)


def _version_in_force(permit: Permit, now: datetime):
    summary = summarise(permit, now)
    return summary.applying or summary.latest


def entry_points(session: Session, now: datetime) -> list[tuple[str, str, str]]:
    """(permit number, outfall id, description) of every outfall under the permit versions in force."""
    permits = session.scalars(select(Permit).options(selectinload(Permit.versions), selectinload(Permit.facility))
                              .order_by(Permit.number)).all()
    return [(p.number, o.feature_id, o.description) for p in permits if p.versions
            for o in _version_in_force(p, now).outfalls]


def entry_sheet(session: Session, permit_number: str, outfall_id: str, now: datetime) -> EntrySheet | None:
    """Every parameter monitored at the outfall (one row per parameter and location), with the unit to enter in."""
    permit = permit_by_number(session, permit_number)
    if permit is None or not permit.versions:
        return None
    version = _version_in_force(permit, now)
    outfall = session.scalar(select(Outfall).where(Outfall.permit_version_id == version.id,
                                                   Outfall.feature_id == outfall_id))
    if outfall is None:
        return None
    sheet = EntrySheet(permit.number, permit.program, permit.facility.name, permit.facility.timezone,
                       version.version, outfall.feature_id, outfall.description)
    seen = set()
    for p in outfall.parameters:
        # Seasons repeat a parameter; a result is one row whatever the season.
        if (p.code, p.monitoring_location) in seen:
            continue
        seen.add((p.code, p.monitoring_location))
        unit = concentration_unit(p) or (p.columns[0].unit if p.columns else "")
        limits = "; ".join(f"{c.statistical_base.replace('_', ' ')} {c.limit_text} {c.unit}"
                           for c in p.columns if c.limit_text is not None)
        sheet.parameters.append(SheetParameter(p.code, p.name, p.monitoring_location, unit, p.sample_type,
                                               limits or "report only"))
    return sheet

