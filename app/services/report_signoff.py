"""Sign-off of a DMR/SMR: every review flag acknowledged, the certification signed, the values and files frozen.

After signing, data that would change the report raises "revision needed"; signing again makes a
new revision that supersedes the old one, which stays readable.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.report import SignedReport
from app.services.audit import audit_context
from app.services.dmr_build import DATA_AFTER_REVIEW, BuiltDmr, DmrError, build_dmr
from app.services.dmr_files import FORMATS, render_dmr
from app.services.documents import DocumentError, DocumentUpload, store_document

SIGNED, SUBMITTED, SUPERSEDED = "signed", "submitted", "superseded"


class SignOffError(ValueError):
    """Signing (or recording the submission) cannot be done; the message names what is missing."""


@dataclass(frozen=True)
class Signature:
    name: str
    title: str
    certify: bool  # the signer ticked "I certify under penalty of law ..." (122.22(d))


def flag_key(flag: dict[str, Any]) -> str:
    """A review flag's identity for acknowledgement: code, parameter and slot."""
    return f"{flag['code']}|{flag.get('parameter') or ''}|{flag.get('slot') or ''}"


def latest_signed(session: Session, permit_id: int, period: str) -> SignedReport | None:
    return session.scalar(select(SignedReport).where(SignedReport.permit_id == permit_id,
                                                     SignedReport.period == period)
                          .order_by(SignedReport.revision.desc()).limit(1))


def revision_needed(session: Session, built: BuiltDmr) -> list[str]:
    """What differs between the current data and the last signed revision (empty: nothing, or not signed)."""
    signed = latest_signed(session, built.permit.id, built.period.label)
    if signed is None:
        return []
    before, after = signed.document, built.document
    changes = []
    for old, new in zip(before.get("outfalls", []), after.get("outfalls", [])):
        for p_old, p_new in zip(old["parameters"], new["parameters"]):
            for slot, value in p_new["values"].items():
                was = p_old["values"].get(slot, {})
                if (was.get("value"), was.get("nodi")) != (value["value"], value["nodi"]):
                    changes.append(f"{new['outfall']} {p_new['code']} {slot}: {was.get('value') or was.get('nodi')} "
                                   f"-> {value['value'] or value['nodi']}")
    if not changes and _without_review_marks(before) != _without_review_marks(after):
        changes.append("review flags or counts changed")
    return changes


def _without_review_marks(document: dict[str, Any]) -> dict[str, Any]:
    # "Entered after the review" is measured from the latest signature, so it is not itself a change of the
    # report: comparing it would make every re-signed report look changed at once.
    def keep(flags: list[dict]) -> list[dict]:
        return [f for f in flags if f["code"] != DATA_AFTER_REVIEW]

    return {**document, "flags": keep(document.get("flags", [])),
            "outfalls": [{**o, "parameters": [{**p, "flags": keep(p.get("flags", []))} for p in o["parameters"]]}
                         for o in document.get("outfalls", [])]}


def sign_report(session: Session, permit_number: str, period_label: str, signature: Signature,
                acknowledgements: dict[str, str], *, now: datetime, store: Path, actor_id: int,
                actor_label: str) -> SignedReport:
    """Freeze the report as built now, with the files' checksums; refuses while a flag is unacknowledged."""
    if not signature.certify:
        raise SignOffError("certification: the signer must certify the statement of 40 CFR 122.22(d) as the "
                           "permit words it")
    if not signature.name.strip() or not signature.title.strip():
        raise SignOffError("signature: name and title of the signatory (122.22(a)-(b)) are required")
    built = build_dmr(session, permit_number, period_label)
    flags = built.document["flags"]
    missing = [flag_key(f) for f in flags if not (acknowledgements.get(flag_key(f)) or "").strip()]
    if missing:
        raise SignOffError("review flags not acknowledged: " + "; ".join(missing))
    previous = latest_signed(session, built.permit.id, built.period.label)
    if previous is not None and not revision_needed(session, built):
        raise SignOffError(f"revision {previous.revision} is already signed and the data has not changed")
    files: dict[str, Any] = {}
    for fmt in FORMATS:
        try:
            data = render_dmr(built, fmt, now=now)
        except DmrError as error:
            files[fmt] = {"error": str(error)}
            continue
        name = f"{built.permit.number}-{built.period.label}-rev{(previous.revision + 1) if previous else 1}.{fmt}"
        try:
            document = store_document(session, DocumentUpload(
                data=data, filename=name.replace("icis-xml", "xml").replace("netdmr-csv", "csv"),
                kind="dmr_copy_of_record", title=f"{fmt} as signed", document_date=now.date(),
                permit_number=built.permit.number, report_ref=f"{built.permit.number} {built.period.label}"),
                store=store, actor_id=actor_id, actor_label=actor_label)
        except DocumentError as error:
            raise SignOffError(f"the signed files could not be kept: {error}") from None
        files[fmt] = {"sha256": hashlib.sha256(data).hexdigest(), "document_id": document.id}
    with audit_context(session, actor_id=actor_id, actor_label=actor_label,
                       reason=f"{built.permit.number} {built.period.label} signed"):
        if previous is not None:
            previous.status = SUPERSEDED
        report = SignedReport(
            permit_id=built.permit.id, period=built.period.label, revision=(previous.revision + 1) if previous else 1,
            permit_version=built.version.version, document=built.document, files=files,
            acknowledgements=[{"flag": k, "comment": acknowledgements[k].strip()} for k in map(flag_key, flags)],
            certification_text=built.version.certification_text, signer_name=signature.name.strip(),
            signer_title=signature.title.strip(), signed_by_id=actor_id, signed_at=now,
            supersedes_id=previous.id if previous else None, status=SIGNED)
        session.add(report)
        session.flush()
    return report


def record_submission(session: Session, report_id: int, *, submitted_at: datetime, confirmation_number: str,
                      copy_of_record_document_id: int | None, actor_id: int, actor_label: str) -> SignedReport:
    report = session.get(SignedReport, report_id)
    if report is None:
        raise SignOffError(f"report {report_id}: not found")
    if report.status != SIGNED:
        raise SignOffError(f"report {report_id} is {report.status}; only a signed, current revision is submitted")
    if not (confirmation_number or "").strip():
        raise SignOffError("confirmation number: the one NetDMR (or the state system) gave the submission")
    with audit_context(session, actor_id=actor_id, actor_label=actor_label, reason="submission recorded"):
        report.status, report.submitted_at = SUBMITTED, submitted_at
        report.confirmation_number = confirmation_number.strip()
        report.copy_of_record_document_id = copy_of_record_document_id
        session.flush()
    return report
