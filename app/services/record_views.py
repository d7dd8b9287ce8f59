"""Read models of the records pages: the document register, one instrument, and everything about one sample."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from app.domain.calibration_due import CalibrationCheck, CalibrationStanding, calibration_standing
from app.domain.parameter_codes import parameter_description
from app.domain.periods import parse_period
from app.domain.sample_rules import check_holding_time, holding_time
from app.models.compliance import Exceedance, NoncomplianceEvent, NotificationObligation
from app.models.monitoring import Result, ResultRevision, Sample
from app.models.permit import LimitColumn, MonitoredParameter, Outfall, Permit, PermitVersion
from app.models.record import DOCUMENT_KINDS, CalibrationEntry, CustodyTransfer, Document, Instrument
from app.models.report import SignedReport
from app.models.schedule import SamplingEvent
from app.models.user import User
from app.services.calibration import out_of_service_since, reported_failure
from app.services.custody import custody_gaps, custody_transfers
from app.services.documents import DocumentError
from app.services.permit_overview import permit_by_number
from app.services.permits import permit_version_on

PAGE_SIZE = 50
REVISION_FIELDS = ("sampled_at", "value", "qualifier", "unit", "mdl", "rl", "method", "lab", "analyst",
                   "analyzed_at", "sample_type", "chain_of_custody", "notes", "estimated")


def _who(users: dict[int, User], user_id: int | None, nobody: str = "no named user") -> str:
    user = users.get(user_id) if user_id else None
    return f"{user.name} ({user.email})" if user else nobody


def _users(session: Session, ids: set[int | None]) -> dict[int, User]:
    wanted = {i for i in ids if i}
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_(wanted)))} if wanted else {}


def facility_today(session: Session, permit_id: int | None, now: datetime) -> date:
    """Today at the facility holding the permit; with no permit, the earliest calendar day on Earth, so a
    retention date is never taken as passed while it is still running somewhere."""
    permit = session.get(Permit, permit_id) if permit_id else None
    return now.astimezone(ZoneInfo(permit.facility.timezone if permit else "Etc/GMT+12")).date()


# ---- the document register --------------------------------------------------------------------------------

@dataclass(frozen=True)
class DocumentFilter:
    kind: str | None = None
    permit: str | None = None
    outfall: str | None = None
    since: date | None = None
    until: date | None = None


@dataclass(frozen=True)
class DocumentPage:
    rows: list[tuple[Document, str | None]]  # (document, permit number)
    total: int
    page: int
    pages: int


def list_documents(session: Session, filters: DocumentFilter, page: int = 1) -> DocumentPage:
    query = select(Document, Permit.number).outerjoin(Permit, Permit.id == Document.permit_id)
    if filters.kind:
        query = query.where(Document.kind == filters.kind)
    if filters.permit:
        query = query.where(Permit.number == filters.permit)
    if filters.outfall:
        query = query.where(Document.outfall == filters.outfall)
    if filters.since:
        query = query.where(Document.document_date >= filters.since)
    if filters.until:
        query = query.where(Document.document_date <= filters.until)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    rows = session.execute(query.order_by(Document.document_date.desc(), Document.id.desc())
                           .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return DocumentPage([(d, number) for d, number in rows], total, page, pages)


def document_filter_choices(session: Session) -> tuple[tuple[str, ...], list[str], list[str]]:
    """(kinds, permit numbers, outfall ids) to filter and upload by."""
    permits = list(session.scalars(select(Permit.number).order_by(Permit.number)))
    outfalls = list(session.scalars(select(Outfall.feature_id).distinct().order_by(Outfall.feature_id)))
    return DOCUMENT_KINDS, permits, outfalls


@dataclass(frozen=True)
class DocumentLinks:
    permit_number: str | None
    outfall: str | None
    sample_pk: int | None
    obligation_id: int | None


def resolve_document_links(session: Session, permit_number: str | None, outfall: str | None, sample_code: str | None,
                           obligation_id: int | None) -> DocumentLinks:
    """Turn what the upload form names (permit, sample code, obligation id) into ids, taking the permit from the
    sample or obligation when it was not chosen: the permit sets how long the document is kept (SCHED-05)."""
    permit = permit_by_number(session, permit_number) if permit_number else None
    if permit_number and permit is None:
        raise DocumentError(f"permit: no permit numbered {permit_number!r}")
    sample_pk = None
    if sample_code:
        query = select(Sample).where(Sample.sample_code == sample_code)
        if permit is not None:
            query = query.where(Sample.permit_id == permit.id)
        samples = list(session.scalars(query))
        if not samples:
            raise DocumentError(f"sample code: no sample {sample_code!r}"
                                + (f" under permit {permit.number}" if permit else ""))
        if len(samples) > 1:
            raise DocumentError(f"sample code: {sample_code!r} exists under several permits; choose the permit")
        sample_pk, permit = samples[0].id, permit or session.get(Permit, samples[0].permit_id)
    if obligation_id is not None:
        obligation = session.get(NotificationObligation, obligation_id)
        if obligation is None:
            raise DocumentError(f"obligation id: no notification obligation {obligation_id}")
        if permit is not None and obligation.permit_id != permit.id:
            raise DocumentError(f"obligation id: obligation {obligation_id} belongs to another permit")
        permit = permit or session.get(Permit, obligation.permit_id)
    if outfall:
        if permit is None:
            raise DocumentError("outfall: choose the permit the outfall belongs to")
        known = set(session.scalars(select(Outfall.feature_id).join(PermitVersion)
                                    .where(PermitVersion.permit_id == permit.id)))
        if outfall not in known:
            raise DocumentError(f"outfall: permit {permit.number} has no outfall {outfall!r} "
                                f"(it has {', '.join(sorted(known))}; ids are text, 1 is not 001)")
    return DocumentLinks(permit.number if permit else None, outfall, sample_pk, obligation_id)


@dataclass(frozen=True)
class DocumentDetail:
    document: Document
    permit: Permit | None
    sample: Sample | None
    result: Result | None
    obligation: NotificationObligation | None
    uploaded_by: str
    calibration: CalibrationEntry | None
    today: date  # at the facility: the day disposal is judged on

    @property
    def retained(self) -> bool:
        return self.today <= self.document.retention_until


def document_detail(session: Session, document_id: int, now: datetime) -> DocumentDetail | None:
    document = session.get(Document, document_id)
    if document is None:
        return None
    get = session.get
    return DocumentDetail(
        document, get(Permit, document.permit_id) if document.permit_id else None,
        get(Sample, document.sample_pk) if document.sample_pk else None,
        get(Result, document.result_id) if document.result_id else None,
        get(NotificationObligation, document.obligation_id) if document.obligation_id else None,
        _who(_users(session, {document.uploaded_by_id}), document.uploaded_by_id, "the system"),
        session.scalar(select(CalibrationEntry).where(CalibrationEntry.document_id == document.id).limit(1)),
        facility_today(session, document.permit_id, now))


# ---- one instrument ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReportableFailure:
    """A failure the page offers to report: a failed calibration, or a flow meter out of service."""

    calibration_id: int | None
    discovered_at: datetime
    what: str
    reported: NoncomplianceEvent | None


@dataclass(frozen=True)
class InstrumentDetail:
    instrument: Instrument
    permit: Permit | None
    timezone: str
    standing: CalibrationStanding
    entries: list[tuple[CalibrationEntry, Document | None, str]]  # newest first: entry, certificate, entered by
    out_of_service_since: datetime | None
    failures: list[ReportableFailure] = field(default_factory=list)


def instrument_detail(session: Session, instrument_id: int, now: datetime) -> InstrumentDetail | None:
    instrument = session.get(Instrument, instrument_id)
    if instrument is None:
        return None
    permit = session.get(Permit, instrument.permit_id) if instrument.permit_id else None
    entries = list(session.scalars(select(CalibrationEntry).where(CalibrationEntry.instrument_id == instrument.id)
                                   .order_by(CalibrationEntry.performed_at.desc(), CalibrationEntry.id.desc())))
    standing = calibration_standing([CalibrationCheck(e.performed_at, e.passed) for e in entries],
                                    instrument.calibration_interval_days, now)
    users = _users(session, {e.entered_by_id for e in entries})
    certificates = {d.id: d for d in session.scalars(select(Document).where(
        Document.id.in_({e.document_id for e in entries if e.document_id})))}
    since = out_of_service_since(session, instrument)
    failures = []
    if instrument.permit_id is not None:
        if since is not None and instrument.kind == "flow_meter":
            failures.append(ReportableFailure(None, since, "flow meter out of service",
                                              reported_failure(session, instrument, since)))
        for entry in entries:
            if not entry.passed:
                failures.append(ReportableFailure(entry.id, entry.performed_at, "failed calibration",
                                                  reported_failure(session, instrument, entry.performed_at)))
    return InstrumentDetail(instrument, permit, permit.facility.timezone if permit else "UTC", standing,
                            [(e, certificates.get(e.document_id), _who(users, e.entered_by_id)) for e in entries],
                            since, failures)


# ---- everything about one sample --------------------------------------------------------------------------

@dataclass(frozen=True)
class RevisionLine:
    revision: ResultRevision
    entered_by: str
    changes: list[tuple[str, Any, Any]]  # (field, before, after); empty for the first entry


@dataclass(frozen=True)
class ResultRecord:
    result: Result
    current: ResultRevision
    name: str
    history: list[RevisionLine]
    holding_time: str | None  # the verdict in words, or why it could not be judged
    holding_time_exceeded: bool
    parameter: MonitoredParameter | None  # as the applied permit version monitors it
    columns: list[LimitColumn]


@dataclass(frozen=True)
class SampleRecord:
    sample: Sample
    permit: Permit
    timezone: str
    version: PermitVersion | None
    outfall: Outfall | None
    event: SamplingEvent | None
    custody: list[CustodyTransfer]
    custody_gaps: list[str]
    custody_entered_by: dict[int, str]
    results: list[ResultRecord]
    exceedances: list[Exceedance]
    obligations: list[NotificationObligation]
    reports: list[SignedReport]
    documents: list[Document]


def samples_by_code(session: Session, code: str) -> list[tuple[Sample, str]]:
    """(sample, permit number) of every sample with this id: ids are unique within a permit only."""
    return [(s, number) for s, number in session.execute(
        select(Sample, Permit.number).join(Permit, Permit.id == Sample.permit_id)
        .where(Sample.sample_code == code.strip()).order_by(Permit.number))]


def _holding(code: str, revision: ResultRevision, sample: Sample) -> tuple[str | None, bool]:
    """SAMP-05's verdict in words (None when Table II has no row for the parameter) and whether it was exceeded."""
    if holding_time(code) is None:
        return None, False
    if revision.sampled_at is None:
        return "Holding time not judged: the sampling time was not recorded.", False
    try:
        verdict = check_holding_time(code, sampled_at=revision.sampled_at, analyzed_at=revision.analyzed_at,
                                     sample_type=revision.sample_type, composite_end=sample.composite_end)
    except ValueError as error:
        return f"Holding time not judged: {error}", True
    if verdict is None:  # known code, so the analysis time is what is missing
        return "Holding time not judged: the analysis time was not recorded.", False
    return verdict.reason, verdict.exceeded


def _result_record(result: Result, sample: Sample, parameters: list[MonitoredParameter],
                   users: dict[int, User]) -> ResultRecord:
    history, before = [], None
    for revision in result.revisions:
        changes = [] if before is None else [(n, getattr(before, n), getattr(revision, n)) for n in REVISION_FIELDS
                                             if getattr(before, n) != getattr(revision, n)]
        history.append(RevisionLine(revision, _who(users, revision.entered_by_id, "import without a named user"),
                                    changes))
        before = revision
    current = result.current
    parameter = next((p for p in parameters
                      if p.code == result.parameter_code and p.monitoring_location == result.monitoring_location),
                     None)
    columns = [c for c in (parameter.columns if parameter else [])
               if (c.effective is None or c.effective <= current.sample_date)
               and (c.expires is None or current.sample_date <= c.expires)]
    text, exceeded = _holding(result.parameter_code, current, sample)
    return ResultRecord(result, current, parameter_description(result.parameter_code) or "", history, text,
                        exceeded, parameter, columns)


def sample_record(session: Session, sample_id: int) -> SampleRecord | None:
    sample = session.get(Sample, sample_id)
    if sample is None:
        return None
    permit = session.get(Permit, sample.permit_id)
    version = permit_version_on(permit, sample.sample_date)
    outfall = next((o for o in version.outfalls if o.feature_id == sample.outfall), None) if version else None
    # Each result shows its parameter's limits: load them all at once, not a query per result.
    parameters = list(session.scalars(select(MonitoredParameter).where(MonitoredParameter.outfall_id == outfall.id)
                                      .options(selectinload(MonitoredParameter.columns))
                                      .order_by(MonitoredParameter.position))) if outfall else []
    results = list(session.scalars(select(Result).where(Result.sample_pk == sample.id)
                                   .options(selectinload(Result.revisions)).order_by(Result.parameter_code)))
    custody = custody_transfers(session, sample.id)
    users = _users(session, {v.entered_by_id for r in results for v in r.revisions}
                   | {t.entered_by_id for t in custody})
    days = [sample.sample_date] + [v.sample_date for r in results for v in r.revisions]
    exceedances = [e for e in session.scalars(select(Exceedance).where(
        Exceedance.permit_id == sample.permit_id, Exceedance.outfall == sample.outfall,
        Exceedance.first_day <= max(days), Exceedance.last_day >= min(days))
        .order_by(Exceedance.first_day, Exceedance.id)) if sample.sample_code in (e.sample_ids or [])]
    obligations = list(session.scalars(select(NotificationObligation).where(
        NotificationObligation.exceedance_id.in_([e.id for e in exceedances]))
        .order_by(NotificationObligation.initial_due, NotificationObligation.id))) if exceedances else []
    reports = [r for r in session.scalars(select(SignedReport).where(SignedReport.permit_id == permit.id)
                                          .order_by(SignedReport.period, SignedReport.revision))
               if _period_holds(r.period, sample.sample_date)]
    links = [Document.sample_pk == sample.id]
    if results:
        links.append(Document.result_id.in_([r.id for r in results]))
    if obligations:
        links.append(Document.obligation_id.in_([o.id for o in obligations]))
    documents = list(session.scalars(select(Document).where(or_(*links)).order_by(Document.document_date,
                                                                                   Document.id)))
    event = session.get(SamplingEvent, sample.sampling_event_id) if sample.sampling_event_id else None
    return SampleRecord(sample, permit, permit.facility.timezone, version, outfall, event, custody,
                        custody_gaps(custody), {t.id: _who(users, t.entered_by_id) for t in custody},
                        [_result_record(r, sample, parameters, users) for r in results], exceedances, obligations,
                        reports, documents)


def _period_holds(label: str, day: date) -> bool:
    try:
        return parse_period(label).contains(day)
    except ValueError:
        return False
