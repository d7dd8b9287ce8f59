"""The reports pages' read models and use cases: periods and statuses, one DMR laid out for review, its files."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.dmr_derivation import SlotDerivation, derive_parameter
from app.domain.dmr_values import dmr_measurement_window
from app.domain.periods import MonitoringPeriod, period_containing
from app.domain.permit_terms import facility_today
from app.models.monitoring import Result, ResultRevision
from app.models.permit import Permit
from app.models.record import Document
from app.models.report import NodiDeclaration, SignedReport
from app.services.dashboard import ReportStatus, dmr_data_version, report_status
from app.services.dmr_build import BuiltDmr, build_dmr
from app.services.dmr_files import render_dmr
from app.services.documents import DocumentError, DocumentUpload, store_document
from app.services.monitoring_data import ResultsWindow, measurements_for, parameter_definition, rules_of
from app.services.permit_overview import permit_by_number
from app.services.permits import permit_version_on
from app.services.report_signoff import (SIGNED, Signature, SignOffError, flag_key, record_submission,
                                         revision_needed, sign_report)

HISTORY = 12  # the index lists the current period and the twelve before it
# Content type and file extension of each `dmr build` format.
FILE_TYPES = {"json": ("application/json", "json"), "icis-xml": ("application/xml", "xml"),
              "netdmr-csv": ("text/csv", "csv"),
              "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx")}


@dataclass(frozen=True)
class PermitReports:
    permit: Permit
    frequency: str
    today: date
    reports: list[ReportStatus]


def recent_periods(frequency: str, today: date, count: int = HISTORY) -> list[MonitoringPeriod]:
    """The period containing `today` and the `count` before it, newest first."""
    periods = [period_containing(today, frequency)]
    while len(periods) <= count:
        periods.append(period_containing(periods[-1].start - timedelta(days=1), frequency))
    return periods


def report_index(session: Session, now: datetime) -> list[PermitReports]:
    """Every permit's recent periods with the dashboard's status of each (periods before the permit are left out)."""
    listing = []
    data_key = dmr_data_version(session)  # read once, before the data of every status it keys
    for permit in session.scalars(select(Permit).order_by(Permit.number)):
        today = facility_today(permit.facility.timezone, now)
        version = permit_version_on(permit, today) or permit.latest_version
        statuses = [report_status(session, permit, period, today, data_key)
                    for period in recent_periods(version.reporting_frequency, today)]
        listing.append(PermitReports(permit, version.reporting_frequency, today,
                                     [s for s in statuses if s is not None]))
    return listing


@dataclass(frozen=True)
class SourceResult:
    """A stored result behind a daily value: where to read it and which revision is in force."""

    result_id: int
    sample_pk: int
    sample_code: str
    revision: int
    value: str
    qualifier: str
    unit: str
    rl: str | None
    sampled_at: datetime | None
    estimated: bool
    correction: str | None  # the reason the revision in force replaced the one before


@dataclass(frozen=True)
class FlagGroup:
    """Review flags that share one acknowledgement key (the same flag can arise at two outfalls)."""

    key: str
    code: str
    parameter: str | None
    slot: str | None
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class ReviewParameter:
    entry: dict[str, Any]  # the document's parameter (CONTRACTS.md section 5)
    name: str
    required_frequency: str
    derivations: dict[str, SlotDerivation]
    flag_keys: tuple[str, ...]

    @property
    def anchor(self) -> str:
        return f"{self.entry['code']}-{self.entry['monitoring_location']}-{self.entry['season']}"


@dataclass(frozen=True)
class ReviewOutfall:
    entry: dict[str, Any]
    description: str
    parameters: list[ReviewParameter]
    sources: dict[tuple[str, str], SourceResult]  # (sample id, parameter code) -> stored result


@dataclass(frozen=True)
class ReportReview:
    built: BuiltDmr
    status: ReportStatus
    today: date
    outfalls: list[ReviewOutfall]
    flags: list[FlagGroup]
    changes: list[str]  # what differs from the last signed revision
    revisions: list[SignedReport]  # newest first; superseded ones stay
    documents: dict[int, Document]  # the signed files and copies of record, by id
    declarations: list[NodiDeclaration]  # newest first, superseded ones too
    fingerprint: str  # of the values reviewed, so a signature covers exactly what was on the screen

    @property
    def current(self) -> SignedReport | None:
        return self.revisions[0] if self.revisions else None

    @property
    def period_ended(self) -> bool:
        return self.today > self.built.period.end

    @property
    def may_sign(self) -> bool:
        return self.period_ended and (self.current is None or bool(self.changes))

    @property
    def flag_keys(self) -> list[str]:
        return [group.key for group in self.flags]

    @property
    def nodi_targets(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """(outfall, [(parameter code, name)]) of the version in force, for the NODI form."""
        return [(o.feature_id, [(p.code, p.name) for p in o.parameters]) for o in self.built.version.outfalls]


def fingerprint(document: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(document, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def find_permit(session: Session, number: str) -> Permit | None:
    return permit_by_number(session, number)


def _sources(session: Session, permit_id: int, outfall: str, first: date, last: date) -> dict:
    rows = session.execute(
        select(Result, ResultRevision)
        .join(ResultRevision, (ResultRevision.result_id == Result.id)
              & (ResultRevision.revision == Result.current_revision))
        .where(Result.permit_id == permit_id, Result.outfall == outfall,
               ResultRevision.sample_date >= first, ResultRevision.sample_date <= last))
    return {(r.sample_id, r.parameter_code): SourceResult(
        r.id, r.sample_pk, r.sample_id, v.revision, v.value, v.qualifier, v.unit, v.rl, v.sampled_at,
        bool(v.estimated), v.reason if v.revision > 1 else None) for r, v in rows}


def _flag_groups(outfalls: list[dict[str, Any]]) -> list[FlagGroup]:
    grouped: dict[str, FlagGroup] = {}
    for outfall in outfalls:
        for parameter in outfall["parameters"]:
            for flag in parameter["flags"]:
                key, reason = flag_key(flag), f"outfall {outfall['outfall']}: {flag['reason']}"
                known = grouped.get(key)
                reasons = (known.reasons if known else ()) + (reason,)
                grouped[key] = FlagGroup(key, flag["code"], flag.get("parameter"), flag.get("slot"), reasons)
    return list(grouped.values())


def _review_outfall(session: Session, built: BuiltDmr, entry: dict[str, Any]) -> ReviewOutfall:
    outfall = next(o for o in built.version.outfalls if o.feature_id == entry["outfall"])
    rules = rules_of(built.version)
    first, last = dmr_measurement_window(built.period, rules)
    window = ResultsWindow(session, built.permit.id, first, last)
    parameters = []
    for parameter, values in zip(outfall.parameters, entry["parameters"]):
        derivations = {}
        if entry["nodi"] is None:  # a slot with a NODI shows the declaration instead of its derivation
            results, flows, influent, _ = measurements_for(session, built.permit.id, parameter, first, last, window)
            derivations = derive_parameter(parameter_definition(parameter), results, built.period, rules,
                                           flows=flows, influent=influent)
        parameters.append(ReviewParameter(values, parameter.name, parameter.frequency, derivations,
                                          tuple(dict.fromkeys(flag_key(f) for f in values["flags"]))))
    return ReviewOutfall(entry, outfall.description, parameters,
                         _sources(session, built.permit.id, outfall.feature_id, first, last))


def report_review(session: Session, permit_number: str, period_label: str, now: datetime) -> ReportReview | None:
    """One report as built now, with derivations, flags, signed revisions and NODIs; None for an unknown permit.

    A period the permit does not report (wrong label or frequency) raises DmrError from build_dmr.
    """
    permit = find_permit(session, permit_number)
    if permit is None:
        return None
    built = build_dmr(session, permit.number, period_label)
    today = facility_today(permit.facility.timezone, now)
    status = report_status(session, permit, built.period, today)
    revisions = list(session.scalars(select(SignedReport).where(
        SignedReport.permit_id == permit.id, SignedReport.period == built.period.label)
        .order_by(SignedReport.revision.desc())))
    document_ids = {f["document_id"] for r in revisions for f in r.files.values() if "document_id" in f}
    document_ids |= {r.copy_of_record_document_id for r in revisions if r.copy_of_record_document_id}
    documents = {d.id: d for d in session.scalars(select(Document).where(Document.id.in_(document_ids)))}
    declarations = list(session.scalars(select(NodiDeclaration).where(
        NodiDeclaration.permit_id == permit.id, NodiDeclaration.period == built.period.label)
        .order_by(NodiDeclaration.id.desc())))
    outfalls = [_review_outfall(session, built, entry) for entry in built.document["outfalls"]]
    return ReportReview(built, status, today, outfalls, _flag_groups(built.document["outfalls"]),
                        revision_needed(session, built), revisions, documents, declarations,
                        fingerprint(built.document))


def report_file(session: Session, permit_number: str, period_label: str, fmt: str, *, now: datetime,
                contact: str) -> tuple[str, str, bytes]:
    """(file name, content type, bytes) of one format of the report as built now, e.g. CT0000001_2026-03.xml."""
    built = build_dmr(session, permit_number, period_label)
    data = render_dmr(built, fmt, now=now, contact=contact)
    content_type, extension = FILE_TYPES[fmt]
    return f"{built.permit.number}_{built.period.label}.{extension}", content_type, data


def sign_reviewed_report(session: Session, permit_number: str, period_label: str, reviewed: str,
                         signature: Signature, acknowledgements: dict[str, str], *, now: datetime, store: Path,
                         actor_id: int, actor_label: str) -> SignedReport:
    """sign_report, refused before the period ends or when the values differ from those the signer reviewed."""
    built = build_dmr(session, permit_number, period_label)
    if facility_today(built.permit.facility.timezone, now) <= built.period.end:
        raise SignOffError(f"period: {built.period.label} runs until {built.period.end.isoformat()}; a report "
                           "is signed once its monitoring period is over")
    if fingerprint(built.document) != reviewed:
        raise SignOffError("the report changed since this page was opened (new or corrected data); review the "
                           "values below and sign again")
    return sign_report(session, permit_number, period_label, signature, acknowledgements, now=now, store=store,
                       actor_id=actor_id, actor_label=actor_label)


@dataclass(frozen=True)
class CopyOfRecord:
    data: bytes
    filename: str


def record_report_submission(session: Session, permit_number: str, period_label: str, revision: int, *,
                             submitted_at: datetime, confirmation_number: str, copy: CopyOfRecord | None,
                             store: Path, max_bytes: int, actor_id: int, actor_label: str) -> SignedReport:
    """The submission of one signed revision, with the copy of record (if given) kept in the document store."""
    permit = find_permit(session, permit_number)
    report = None if permit is None else session.scalar(select(SignedReport).where(
        SignedReport.permit_id == permit.id, SignedReport.period == period_label, SignedReport.revision == revision))
    if report is None:
        raise SignOffError(f"revision: {permit_number} {period_label} has no signed revision {revision}")
    if report.status != SIGNED:
        raise SignOffError(f"revision: revision {revision} is {report.status}; only the signed, current revision "
                           "is submitted")
    document_id = None
    if copy is not None:
        try:
            document = store_document(session, DocumentUpload(
                data=copy.data, filename=copy.filename, kind="dmr_copy_of_record",
                title=f"Copy of record {permit_number} {period_label} revision {revision}",
                document_date=facility_today(permit.facility.timezone, submitted_at), permit_number=permit.number,
                report_ref=f"{permit.number} {period_label}"), store=store, max_bytes=max_bytes,
                actor_id=actor_id, actor_label=actor_label)
        except DocumentError as error:
            raise SignOffError(str(error)) from None
        document_id = document.id
    return record_submission(session, report.id, submitted_at=submitted_at, confirmation_number=confirmation_number,
                             copy_of_record_document_id=document_id, actor_id=actor_id, actor_label=actor_label)
