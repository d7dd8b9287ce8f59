"""The document store: files kept by SHA-256 under one folder, described and linked in the database."""
from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from app.domain.file_types import FileTypeError, detect_content_type, safe_filename
from app.domain.rules_config import rule
from app.models.permit import Permit
from app.models.record import DOCUMENT_KINDS, Document
from app.services.audit import audit_context
from app.services.monitoring_data import rules_of
from app.services.permit_overview import permit_by_number

DEFAULT_MAX_BYTES = 25 * 1024 * 1024
DEFAULT_RETENTION_YEARS = 3  # 40 CFR 122.41(j)(2), 403.12(o): SCHED-05
CT_RETENTION_YEARS = 5


class DocumentError(ValueError):
    """The upload cannot be stored; the message says what was expected. Nothing was written."""


@dataclass(frozen=True)
class DocumentUpload:
    data: bytes
    filename: str
    kind: str
    title: str
    document_date: date
    permit_number: str | None = None
    outfall: str | None = None
    sample_pk: int | None = None
    result_id: int | None = None
    obligation_id: int | None = None
    report_ref: str | None = None


def blob_path(store: Path, sha256: str) -> Path:
    return store / sha256[:2] / sha256[2:4] / sha256


def _write_blob(store: Path, sha256: str, data: bytes) -> Path:
    """Write once, atomically: a temporary file renamed into place, so a full disk leaves no half file."""
    target = blob_path(store, sha256)
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def _extract_text(data: bytes, content_type: str) -> str | None:
    if content_type.startswith("text/"):
        return data.decode("utf-8", errors="replace")[:200_000]
    if content_type == "application/pdf":
        try:
            from io import BytesIO

            from pypdf import PdfReader
            reader = PdfReader(BytesIO(data))
            return "\n".join((page.extract_text() or "") for page in reader.pages[:200])[:200_000] or None
        except Exception:  # noqa: BLE001 - a PDF we cannot read is still stored, just not searchable inside
            return None
    return None


def retention_years(permit: Permit | None, on: date) -> int:
    """SCHED-05: 3 years federal, more where the permit's rules say (`records.retention_years`, CT: 5)."""
    if permit is None:
        return DEFAULT_RETENTION_YEARS
    from app.services.permits import permit_version_on

    version = permit_version_on(permit, on) or permit.versions[-1]
    # CT DEEP keeps DMR copies five years (RULES.md 5.4, SCHED-05): the CT packs carry that floor.
    state_floor = CT_RETENTION_YEARS if version.rule_pack.startswith("ct_") else DEFAULT_RETENTION_YEARS
    return max(state_floor, int(rule(rules_of(version), "records.retention_years")))


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def store_document(session: Session, upload: DocumentUpload, *, store: Path, max_bytes: int = DEFAULT_MAX_BYTES,
                   actor_id: int | None = None, actor_label: str | None = None) -> Document:
    if upload.kind not in DOCUMENT_KINDS:
        raise DocumentError(f"kind: expected one of {', '.join(DOCUMENT_KINDS)}, got {upload.kind!r}")
    if not upload.data:
        raise DocumentError("file: it is empty")
    if len(upload.data) > max_bytes:
        raise DocumentError(f"file: {len(upload.data):,} bytes is over the {max_bytes:,}-byte limit")
    if not (upload.title or "").strip():
        raise DocumentError("title: say what the document is")
    name = safe_filename(upload.filename)
    try:
        content_type = detect_content_type(upload.data, name)
    except FileTypeError as error:
        raise DocumentError(f"file: {error}") from None
    permit = None
    if upload.permit_number:
        permit = permit_by_number(session, upload.permit_number)
        if permit is None:
            raise DocumentError(f"permit: no permit numbered {upload.permit_number!r}")
    sha256 = hashlib.sha256(upload.data).hexdigest()
    try:
        _write_blob(store, sha256, upload.data)
    except OSError as error:
        raise DocumentError(f"the document store cannot be written ({error.strerror}); nothing was stored") from None
    with audit_context(session, actor_id=actor_id, actor_label=actor_label, reason="document stored"):
        document = Document(sha256=sha256, size=len(upload.data), content_type=content_type, original_name=name,
                            kind=upload.kind, title=upload.title.strip()[:300], document_date=upload.document_date,
                            permit_id=permit.id if permit else None, outfall=upload.outfall,
                            sample_pk=upload.sample_pk, result_id=upload.result_id,
                            obligation_id=upload.obligation_id, report_ref=upload.report_ref,
                            extracted_text=_extract_text(upload.data, content_type),
                            retention_until=_add_years(upload.document_date,
                                                       retention_years(permit, upload.document_date)),
                            status="active", uploaded_by_id=actor_id)
        session.add(document)
        session.flush()
    return document


def open_document(document: Document, store: Path) -> Path:
    path = blob_path(store, document.sha256)
    if not path.is_file():
        raise DocumentError(f"document {document.id}: its file is missing from the store")
    return path


def dispose_document(session: Session, document: Document, *, today: date, reason: str, actor_id: int | None,
                     actor_label: str | None) -> Document:
    """Retire a document whose retention has run out: the row stays (disposed), the file may then be removed."""
    if document.status != "active":
        raise DocumentError(f"document {document.id} is already {document.status}")
    if today <= document.retention_until:
        raise DocumentError(f"document {document.id} must be kept until {document.retention_until.isoformat()} "
                            "(record retention); it cannot be disposed of before then")
    if not (reason or "").strip():
        raise DocumentError("reason: say why it is disposed of")
    with audit_context(session, actor_id=actor_id, actor_label=actor_label, reason=reason.strip()):
        document.status, document.status_reason = "disposed", reason.strip()
        session.flush()
    return document

