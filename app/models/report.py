"""What the facility declares for a report (No Data Indicators) and the reports it signs."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.audited import Audited
from app.models.base import Base, utcnow


class NodiDeclaration(Audited, Base):
    """`dmr set-nodi`: a NODI for a whole outfall (parameter_code None) or one parameter, for one period.

    A later declaration for the same place replaces an earlier one by marking it superseded, so the
    history of what was declared, when and why stays readable.
    """

    __tablename__ = "nodi_declaration"

    id: Mapped[int] = mapped_column(primary_key=True)
    permit_id: Mapped[int] = mapped_column(ForeignKey("permit.id"), index=True)
    period: Mapped[str] = mapped_column(String(8))  # YYYY-MM, YYYY-Qn, YYYY-Hn or YYYY
    outfall: Mapped[str] = mapped_column(String(4))
    parameter_code: Mapped[str | None] = mapped_column(String(5))
    monitoring_location: Mapped[str | None] = mapped_column(String(4))
    code: Mapped[str] = mapped_column(String(2))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="active")  # active | superseded
    declared_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    declared_at: Mapped[datetime] = mapped_column(default=utcnow)


class SignedReport(Audited, Base):
    """A DMR/SMR as signed: frozen values, the certification signed, the files' checksums, the submission.

    A correction after signing is a new revision that supersedes this one; this row never changes
    again except to record its submission.
    """

    __tablename__ = "signed_report"
    __table_args__ = (UniqueConstraint("permit_id", "period", "revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    permit_id: Mapped[int] = mapped_column(ForeignKey("permit.id"), index=True)
    period: Mapped[str] = mapped_column(String(8))
    revision: Mapped[int] = mapped_column(Integer)
    permit_version: Mapped[int] = mapped_column(Integer)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)  # CONTRACTS.md section 5, as signed
    files: Mapped[dict[str, Any]] = mapped_column(JSON)  # format -> {"sha256", "document_id"} or {"error"}
    acknowledgements: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    certification_text: Mapped[str] = mapped_column(Text)
    signer_name: Mapped[str] = mapped_column(String(200))
    signer_title: Mapped[str] = mapped_column(String(200))
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    signed_at: Mapped[datetime] = mapped_column()
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("signed_report.id"))
    status: Mapped[str] = mapped_column(String(12), default="signed")  # signed | submitted | superseded
    submitted_at: Mapped[datetime | None] = mapped_column()
    confirmation_number: Mapped[str | None] = mapped_column(String(80))
    copy_of_record_document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))

    __audit_exclude__ = ("document",)
