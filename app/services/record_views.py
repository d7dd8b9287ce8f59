"""Read models of the records pages: the document register and one instrument (one sample: sample_record.py)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.calibration_due import CalibrationCheck, CalibrationStanding, calibration_standing
from app.models.compliance import NoncomplianceEvent, NotificationObligation
from app.models.monitoring import Result, Sample
from app.models.permit import Outfall, Permit, PermitVersion
from app.models.record import DOCUMENT_KINDS, CalibrationEntry, Document, Instrument
from app.services.calibration import out_of_service_since, reported_failure
from app.services.documents import DocumentError
from app.services.permit_overview import permit_by_number
from app.services.user_directory import users_by_id, who

PAGE_SIZE = 50


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
        who(users_by_id(session, {document.uploaded_by_id}), document.uploaded_by_id, "the system"),
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
    users = users_by_id(session, {e.entered_by_id for e in entries})
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
                            [(e, certificates.get(e.document_id), who(users, e.entered_by_id)) for e in entries],
                            since, failures)
