"""Everything about one sample on one page: the trip, custody, each result with its revisions and holding
time, the limits that applied, the exceedances and obligations it caused, and the reports it was on."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from app.domain.parameter_codes import parameter_description
from app.domain.periods import FREQUENCIES, parse_period, period_containing
from app.domain.sample_rules import check_holding_time, holding_time
from app.models.compliance import Exceedance, NotificationObligation
from app.models.monitoring import Result, ResultRevision, Sample
from app.models.permit import LimitColumn, MonitoredParameter, Outfall, Permit, PermitVersion
from app.models.record import CustodyTransfer, Document
from app.models.report import SignedReport
from app.models.schedule import SamplingEvent
from app.models.user import User
from app.services.custody import custody_gaps, custody_transfers
from app.services.permits import permit_version_on
from app.services.result_views import REVISION_FIELDS
from app.services.user_directory import users_by_id, who


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
        history.append(RevisionLine(revision, who(users, revision.entered_by_id, "import without a named user"),
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
    users = users_by_id(session, {v.entered_by_id for r in results for v in r.revisions}
                   | {t.entered_by_id for t in custody})
    days = [sample.sample_date] + [v.sample_date for r in results for v in r.revisions]
    exceedances = [e for e in session.scalars(select(Exceedance).where(
        Exceedance.permit_id == sample.permit_id, Exceedance.outfall == sample.outfall,
        Exceedance.first_day <= max(days), Exceedance.last_day >= min(days))
        .order_by(Exceedance.first_day, Exceedance.id)) if sample.sample_code in (e.sample_ids or [])]
    obligations = list(session.scalars(select(NotificationObligation).where(
        NotificationObligation.exceedance_id.in_([e.id for e in exceedances]))
        .order_by(NotificationObligation.initial_due, NotificationObligation.id))) if exceedances else []
    # Only the periods that can hold the sample's day: each signed report carries its whole DMR document,
    # and reading every one the permit ever signed grows with its history.
    labels = [period_containing(sample.sample_date, frequency).label for frequency in FREQUENCIES]
    reports = [r for r in session.scalars(select(SignedReport).where(SignedReport.permit_id == permit.id,
                                                                     SignedReport.period.in_(labels))
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
                        custody_gaps(custody), {t.id: who(users, t.entered_by_id) for t in custody},
                        [_result_record(r, sample, parameters, users) for r in results], exceedances, obligations,
                        reports, documents)


def _period_holds(label: str, day: date) -> bool:
    try:
        return parse_period(label).contains(day)
    except ValueError:
        return False
