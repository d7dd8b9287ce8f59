"""The sections of the inspection binder: permits, reports as signed, results, compliance records,
field records, documents and the audit trail, each written into the archive as it is read."""
from __future__ import annotations

import json
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.domain.file_types import safe_filename
from app.domain.parameter_codes import parameter_description
from app.domain.periods import parse_period
from app.domain.sample_rules import check_holding_time
from app.models.audit import AuditEntry
from app.models.compliance import Exceedance, NoncomplianceEvent, NotificationObligation
from app.models.monitoring import Result, ResultRevision, Sample
from app.models.permit import Permit, PermitVersion
from app.models.record import CalibrationEntry, CustodyTransfer, Document, Instrument
from app.models.report import SignedReport
from app.models.user import User
from app.services.binder_zip import BinderWriter, Progress, cell, index_html, manifest_json
from app.services.documents import DocumentError, open_document

BATCH = 1000  # rows fetched per round trip for the long tables


# ---- the context and the sections ----------------------------------------------------------------------

@dataclass(frozen=True)
class Range:
    first: date
    last: date

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time.min, timezone.utc)

    @property
    def end(self) -> datetime:  # exclusive
        return datetime.combine(self.last + timedelta(days=1), time.min, timezone.utc)

    def instants(self, column):
        return (column >= self.start) & (column < self.end)

    def overlaps(self, start: date, end: date) -> bool:
        return start <= self.last and end >= self.first


def user_names(session: Session) -> dict[int, str]:
    return {u.id: f"{u.name} <{u.email}>" for u in session.scalars(select(User))}


def permit_numbers(session: Session) -> dict[int, str]:
    return {permit_id: number for permit_id, number in session.execute(select(Permit.id, Permit.number))}


@dataclass(frozen=True)
class Context:
    session: Session
    binder: BinderWriter
    span: Range
    store: Path
    permits: dict[int, str]
    users: dict[int, str]


def _permit_section(c: Context) -> Progress:
    versions = c.session.scalars(select(PermitVersion).where(PermitVersion.effective <= c.span.last,
                                                             PermitVersion.expires >= c.span.first)
                                 .order_by(PermitVersion.permit_id, PermitVersion.version))
    for version in versions:
        data = json.dumps(version.source_document, indent=2, ensure_ascii=False).encode("utf-8") + b"\n"
        yield from c.binder.add_bytes(
            f"permits/{safe_filename(version.permit.number)}-v{version.version}.json", data,
            f"Permit {version.permit.number} version {version.version} as imported ({version.effective.isoformat()} "
            f"to {version.expires.isoformat()}; canonical SHA-256 {version.source_sha256})")


def _copy_document(c: Context, document: Document, path: str, description: str,
                   expected: str | None = None) -> Generator[None, None, bool]:
    try:
        blob = open_document(document, c.store)
    except DocumentError as error:
        c.binder.summary.problems.append(f"{path}: {error}")
        return False
    with blob.open("rb") as source:
        yield from c.binder.add_stream(path, source, description, size=document.size)
    sha256 = c.binder.summary.files[-1].sha256
    if sha256 != (expected or document.sha256):
        c.binder.summary.problems.append(f"{path}: its SHA-256 {sha256} is not the {expected or document.sha256} "
                                         "recorded when it was stored")
    return True


def _signed_record(report: SignedReport, number: str, users: dict[int, str]) -> dict[str, Any]:
    return {"permit": number, "period": report.period, "revision": report.revision, "status": report.status,
            "permit_version": report.permit_version, "signer_name": report.signer_name,
            "signer_title": report.signer_title, "signed_by": users.get(report.signed_by_id),
            "signed_at": cell(report.signed_at), "certification_text": report.certification_text,
            "acknowledgements": report.acknowledgements, "files": report.files, "supersedes_id": report.supersedes_id,
            "submitted_at": cell(report.submitted_at), "confirmation_number": report.confirmation_number,
            "copy_of_record_document_id": report.copy_of_record_document_id, "document": report.document}


def _report_section(c: Context) -> Generator[None, None, set[int]]:
    """Signed reports of periods touching the range: what was signed (JSON) and the frozen files themselves."""
    placed: set[int] = set()
    for report in c.session.scalars(select(SignedReport).order_by(SignedReport.permit_id, SignedReport.period,
                                                                  SignedReport.revision)):
        try:
            period = parse_period(report.period)
        except ValueError:
            continue
        if not c.span.overlaps(period.start, period.end):
            continue
        number = c.permits[report.permit_id]
        folder = f"reports/{safe_filename(number)}-{report.period}-rev{report.revision}"
        data = json.dumps(_signed_record(report, number, c.users), indent=2, ensure_ascii=False).encode("utf-8")
        yield from c.binder.add_bytes(f"{folder}/signed-report.json", data + b"\n",
                                      f"DMR/SMR {number} {report.period} revision {report.revision} ({report.status}) "
                                      f"as signed by {report.signer_name}, {report.signer_title}")
        frozen = [(fmt, f.get("document_id"), f.get("sha256")) for fmt, f in sorted(report.files.items())]
        if report.copy_of_record_document_id:
            frozen.append(("copy of record", report.copy_of_record_document_id, None))
        for fmt, document_id, expected in frozen:
            document = c.session.get(Document, document_id) if document_id else None
            if document is not None and (yield from _copy_document(
                    c, document, f"{folder}/{document.id}-{document.original_name}",
                    f"{number} {report.period} rev {report.revision}: {fmt} file as frozen at signing", expected)):
                placed.add(document.id)
    return placed


RESULT_HEADER = ["permit", "outfall", "monitoring_location", "parameter_code", "parameter", "sample_id", "revision",
                 "in_force", "sample_date", "sampled_at", "value", "qualifier", "unit", "mdl", "rl", "method", "lab",
                 "analyst", "analyzed_at", "holding_time_exceeded", "received_at", "sample_type", "chain_of_custody",
                 "estimated", "notes", "correction_reason", "entered_by", "entered_at"]


def _holding_exceeded(code: str, revision: ResultRevision, sample: Sample) -> bool | None:
    if revision.sampled_at is None:
        return None
    try:
        verdict = check_holding_time(code, sampled_at=revision.sampled_at, analyzed_at=revision.analyzed_at,
                                     sample_type=revision.sample_type, composite_end=sample.composite_end)
    except ValueError:
        return None
    return None if verdict is None else verdict.exceeded


def _result_rows(c: Context) -> Iterator[list[Any]]:
    touched = select(ResultRevision.result_id).where(ResultRevision.sample_date >= c.span.first,
                                                     ResultRevision.sample_date <= c.span.last)
    query = (select(ResultRevision, Result, Sample).join(Result, Result.id == ResultRevision.result_id)
             .join(Sample, Sample.id == Result.sample_pk).where(Result.id.in_(touched))
             .order_by(Sample.sample_date, Sample.sample_code, Result.parameter_code, ResultRevision.revision)
             .execution_options(yield_per=BATCH))
    for v, r, s in c.session.execute(query):
        yield [c.permits[r.permit_id], r.outfall, r.monitoring_location, r.parameter_code,
               parameter_description(r.parameter_code) or "", r.sample_id, v.revision, v.revision == r.current_revision,
               v.sample_date, v.sampled_at, v.value, v.qualifier, v.unit, v.mdl, v.rl, v.method, v.lab, v.analyst,
               v.analyzed_at, _holding_exceeded(r.parameter_code, v, s), v.received_at, v.sample_type,
               v.chain_of_custody, v.estimated, v.notes, v.reason, c.users.get(v.entered_by_id, "no named user"),
               v.entered_at]


def _results_section(c: Context) -> Progress:
    workbook = Workbook(write_only=True)
    yield from c.binder.add_table("results/results.csv", RESULT_HEADER, _result_rows(c),
                                  "Every lab result with every revision (in_force marks the one in force) and the "
                                  "reason for each correction", sheet=workbook)
    yield from c.binder.add_workbook("results/results.xlsx", workbook, "The same results as a spreadsheet")


def _part(record: dict | None, key: str) -> Any:
    return (record or {}).get(key)


def _compliance_section(c: Context) -> Progress:
    exceedances = select(Exceedance).where(Exceedance.first_day <= c.span.last, Exceedance.last_day >= c.span.first)
    yield from c.binder.add_table(
        "compliance/exceedances.csv",
        ["id", "permit", "outfall", "parameter_code", "monitoring_location", "slot", "statistical_base",
         "evaluation_key", "evaluation_month", "first_day", "last_day", "value", "qualifier", "limit", "unit",
         "sample_ids", "aware_at", "status", "status_reason"],
        ([e.id, c.permits[e.permit_id], e.outfall, e.parameter_code, e.monitoring_location, e.slot,
          e.statistical_base, e.evaluation_key, e.evaluation_month, e.first_day, e.last_day, e.value, e.qualifier,
          e.limit_text, e.unit, "; ".join(e.sample_ids or []), e.aware_at, e.status, e.status_reason]
         for e in c.session.scalars(exceedances.order_by(Exceedance.first_day, Exceedance.id))),
        "Exceedances found in the results (withdrawn ones stay, with the reason)")
    events = select(NoncomplianceEvent).where(c.span.instants(NoncomplianceEvent.discovered_at))
    yield from c.binder.add_table(
        "compliance/noncompliance_events.csv",
        ["id", "permit", "outfall", "kind", "discovered_at", "ended_at", "planned_start", "description", "reported_by",
         "created_at"],
        ([e.id, c.permits[e.permit_id], e.outfall, e.kind, e.discovered_at, e.ended_at, e.planned_start,
          e.description, c.users.get(e.reported_by_id), e.created_at]
         for e in c.session.scalars(events.order_by(NoncomplianceEvent.discovered_at, NoncomplianceEvent.id))),
        "Non-sample events reported (bypass, upset, monitoring-equipment failure, ...)")
    obligations = select(NotificationObligation).where(or_(
        c.span.instants(NotificationObligation.aware_at),
        NotificationObligation.exceedance_id.in_(exceedances.with_only_columns(Exceedance.id)),
        NotificationObligation.event_id.in_(events.with_only_columns(NoncomplianceEvent.id))))
    yield from c.binder.add_table(
        "compliance/notification_obligations.csv",
        ["id", "permit", "exceedance_id", "event_id", "outfall", "parameter_code", "rule_id", "trigger", "rule",
         "citation", "timezone", "aware_at", "initial_kind", "initial_due", "initial_done_at", "initial_to_whom",
         "initial_method", "initial_notes", "initial_record", "followup_kind", "followup_due", "followup_done_at",
         "followup_sent_on", "followup_document", "followup_notes", "followup_record", "status", "status_reason"],
        ([o.id, c.permits[o.permit_id], o.exceedance_id, o.event_id, o.outfall, o.parameter_code, o.rule_id,
          o.trigger, o.rule, o.citation, o.timezone, o.aware_at, o.initial_kind, o.initial_due, o.initial_done_at,
          _part(o.initial_record, "to_whom"), _part(o.initial_record, "method"), _part(o.initial_record, "notes"),
          o.initial_record, o.followup_kind, o.followup_due, o.followup_done_at, _part(o.followup_record, "sent_on"),
          _part(o.followup_record, "document"), _part(o.followup_record, "notes"), o.followup_record, o.status,
          o.status_reason]
         for o in c.session.scalars(obligations.order_by(NotificationObligation.aware_at, NotificationObligation.id))),
        "Notification obligations with when and how each was fulfilled")


def _records_section(c: Context) -> Progress:
    instruments = {i.id: i for i in c.session.scalars(select(Instrument).order_by(Instrument.name))}
    yield from c.binder.add_table(
        "records/instruments.csv",
        ["id", "name", "kind", "serial_number", "permit", "outfall", "calibration_interval_days", "in_service"],
        ([i.id, i.name, i.kind, i.serial_number, c.permits.get(i.permit_id), i.outfall, i.calibration_interval_days,
          i.active] for i in instruments.values()),
        "The instruments whose readings become results")
    certificates = dict(c.session.execute(select(Document.id, Document.sha256)
                                          .where(Document.kind == "calibration_certificate")).all())
    entries = select(CalibrationEntry).where(c.span.instants(CalibrationEntry.performed_at))
    yield from c.binder.add_table(
        "records/calibration_log.csv",
        ["id", "instrument", "kind", "serial_number", "performed_at", "passed", "standards", "readings", "technician",
         "notes", "certificate_document_id", "certificate_sha256", "entered_by", "entered_at"],
        ([e.id, instruments[e.instrument_id].name, instruments[e.instrument_id].kind,
          instruments[e.instrument_id].serial_number, e.performed_at, e.passed, e.standards, e.readings, e.technician,
          e.notes, e.document_id, certificates.get(e.document_id), c.users.get(e.entered_by_id), e.created_at]
         for e in c.session.scalars(entries.order_by(CalibrationEntry.performed_at, CalibrationEntry.id))),
        "Calibration log: every calibration and check, passed or failed")
    transfers = (select(CustodyTransfer, Sample).join(Sample, Sample.id == CustodyTransfer.sample_pk)
                 .where(Sample.sample_date >= c.span.first, Sample.sample_date <= c.span.last)
                 .order_by(Sample.sample_date, Sample.sample_code, CustodyTransfer.relinquished_at, CustodyTransfer.id))
    yield from c.binder.add_table(
        "records/custody.csv",
        ["sample_id", "permit", "outfall", "sample_date", "chain_of_custody", "relinquished_by", "relinquished_at",
         "received_by", "received_at", "notes", "entered_by", "entered_at"],
        ([s.sample_code, c.permits[s.permit_id], s.outfall, s.sample_date, s.chain_of_custody, t.relinquished_by,
          t.relinquished_at, t.received_by, t.received_at, t.notes, c.users.get(t.entered_by_id), t.created_at]
         for t, s in c.session.execute(transfers)),
        "Chain of custody: every hand-over of every sample")


def _documents_section(c: Context, placed: set[int]) -> Progress:
    in_range = list(c.session.scalars(select(Document).where(Document.document_date >= c.span.first,
                                                             Document.document_date <= c.span.last)
                                      .order_by(Document.document_date, Document.id)))
    where: dict[int, str] = {}
    for document in in_range:
        if document.id in placed:
            where[document.id] = "with its signed report under reports/"
        elif document.status != "active":
            where[document.id] = f"not included: {document.status} ({document.status_reason})"
        else:
            path = f"documents/{document.id}-{document.original_name}"
            copied = yield from _copy_document(c, document, path,
                                               f"{document.kind.replace('_', ' ')}: {document.title}")
            where[document.id] = path if copied else "missing from the document store"
    yield from c.binder.add_table(
        "documents/register.csv",
        ["id", "kind", "title", "document_date", "permit", "outfall", "sample_pk", "result_id", "obligation_id",
         "report_ref", "original_name", "content_type", "size", "sha256", "retention_until", "status",
         "status_reason", "uploaded_by", "uploaded_at", "in_binder"],
        ([d.id, d.kind, d.title, d.document_date, c.permits.get(d.permit_id), d.outfall, d.sample_pk, d.result_id,
          d.obligation_id, d.report_ref, d.original_name, d.content_type, d.size, d.sha256, d.retention_until,
          d.status, d.status_reason, c.users.get(d.uploaded_by_id), d.uploaded_at, where[d.id]] for d in in_range),
        "Register of the documents dated in the range, with where each is in the binder")


def _audit_section(c: Context) -> Progress:
    query = (select(AuditEntry).where(c.span.instants(AuditEntry.at)).order_by(AuditEntry.seq)
             .execution_options(yield_per=BATCH))
    yield from c.binder.add_table(
        "audit/audit_trail.csv",
        ["seq", "at", "actor", "entity", "entity_id", "action", "reason", "before", "after", "prev_hash", "hash"],
        ([a.seq, a.at, a.actor_label, a.entity, a.entity_id, a.action, a.reason, a.before, a.after, a.prev_hash,
          a.hash] for a in c.session.scalars(query)),
        "Audit trail: who changed which compliance record, when, from what to what, and why (hash-chained)")


# ---- in the binder's order ---------------------------------------------------------------------------------

def all_sections(c: Context, now: datetime, generated_by: str) -> Progress:
    yield from _permit_section(c)
    placed = yield from _report_section(c)
    yield from _results_section(c)
    yield from _compliance_section(c)
    yield from _records_section(c)
    yield from _documents_section(c, placed)
    yield from _audit_section(c)
    facilities = ", ".join(sorted({p.facility.name for p in c.session.scalars(select(Permit))})) or "no facility"
    summary = c.binder.summary
    yield from c.binder.add_bytes("index.html", index_html(summary, facilities, now, generated_by),
                                  "This page: what is in the binder")
    c.binder.archive.writestr("manifest.json", manifest_json(summary, now, generated_by))
