"""Records an inspector asks for: stored documents, instrument calibrations and sample custody transfers."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.audited import Audited
from app.models.base import Base, utcnow

DOCUMENT_KINDS = ("permit", "lab_report", "chain_of_custody", "calibration_certificate", "correspondence",
                  "notification_letter", "dmr_copy_of_record", "other")
INSTRUMENT_KINDS = ("ph_meter", "flow_meter", "sampler", "thermometer", "other")


class Document(Audited, Base):
    """A stored file: content-addressed by SHA-256 in the document store, described and linked here.

    It may not be disposed of before `retention_until`; disposal after that is an audited admin
    action that keeps this row (status `disposed`) so the record of what existed remains.
    """

    __tablename__ = "document"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(100))  # detected from the content, not the name
    original_name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(40), index=True)
    title: Mapped[str] = mapped_column(String(300))
    document_date: Mapped[date] = mapped_column(Date, index=True)
    permit_id: Mapped[int | None] = mapped_column(ForeignKey("permit.id"), index=True)
    outfall: Mapped[str | None] = mapped_column(String(4))
    sample_pk: Mapped[int | None] = mapped_column(ForeignKey("sample.id"), index=True)
    result_id: Mapped[int | None] = mapped_column(ForeignKey("result.id"), index=True)
    obligation_id: Mapped[int | None] = mapped_column(ForeignKey("notification_obligation.id"), index=True)
    report_ref: Mapped[str | None] = mapped_column(String(40))  # e.g. "CT0000001 2026-03"
    extracted_text: Mapped[str | None] = mapped_column(Text)
    retention_until: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="active")  # active | disposed
    status_reason: Mapped[str | None] = mapped_column(Text)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    __audit_exclude__ = ("extracted_text",)


class Instrument(Audited, Base):
    """A field instrument whose readings become results: a pH meter, a flow meter, a sampler."""

    __tablename__ = "instrument"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    serial_number: Mapped[str | None] = mapped_column(String(80))
    permit_id: Mapped[int | None] = mapped_column(ForeignKey("permit.id"))
    outfall: Mapped[str | None] = mapped_column(String(4))
    calibration_interval_days: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CalibrationEntry(Audited, Base):
    """One calibration or check of an instrument: standards used, readings, pass or fail, who did it."""

    __tablename__ = "calibration_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instrument.id"), index=True)
    performed_at: Mapped[datetime] = mapped_column()
    standards: Mapped[str | None] = mapped_column(Text)  # e.g. "pH 4.00 / 7.00 / 10.00 buffers, lot 2231"
    readings: Mapped[str | None] = mapped_column(Text)
    passed: Mapped[bool] = mapped_column(Boolean)
    technician: Mapped[str] = mapped_column(String(120))
    notes: Mapped[str | None] = mapped_column(Text)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CustodyTransfer(Audited, Base):
    """One hand-over of a sample on its chain of custody (relinquished by, received by, when)."""

    __tablename__ = "custody_transfer"

    id: Mapped[int] = mapped_column(primary_key=True)
    sample_pk: Mapped[int] = mapped_column(ForeignKey("sample.id"), index=True)
    relinquished_by: Mapped[str] = mapped_column(String(120))
    relinquished_at: Mapped[datetime] = mapped_column()
    received_by: Mapped[str] = mapped_column(String(120))
    received_at: Mapped[datetime] = mapped_column()
    notes: Mapped[str | None] = mapped_column(Text)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
