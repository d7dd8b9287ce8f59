"""Planned sampling events (the self-monitoring schedule) and the outbox of reminder e-mails."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.audited import Audited
from app.models.base import Base, utcnow

SCHEDULED, COLLECTED, MISSED, CANCELLED = "scheduled", "collected", "missed", "cancelled"


class SamplingEvent(Audited, Base):
    """One trip to an outfall on one day for the parameters of one sample type.

    `parameters` lists, per parameter, the window in which its sample satisfies this event:
    [{"code": "00530", "location": "1", "window_start": "2026-03-01", "window_end": "2026-03-03"}].
    A re-plan cancels future events rather than deleting them, so a missed sample stays on record.
    """

    __tablename__ = "sampling_event"
    __table_args__ = (UniqueConstraint("permit_id", "outfall", "event_date", "sample_type"),
                      # The trips still open on a sample day, not the outfall's whole history (migration 0011).
                      Index("ix_sampling_event_permit_outfall_window_end", "permit_id", "outfall", "window_end"))

    id: Mapped[int] = mapped_column(primary_key=True)
    permit_id: Mapped[int] = mapped_column(ForeignKey("permit.id"), index=True)
    permit_version: Mapped[int] = mapped_column(Integer)
    outfall: Mapped[str] = mapped_column(String(4))
    event_date: Mapped[date] = mapped_column(Date, index=True)  # facility-local
    window_end: Mapped[date] = mapped_column(Date)
    sample_type: Mapped[str] = mapped_column(String(40))
    parameters: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(12), default=SCHEDULED, index=True)
    status_reason: Mapped[str | None] = mapped_column(Text)
    generated_at: Mapped[datetime] = mapped_column(default=utcnow)


class OutboxMessage(Base):
    """A reminder e-mail, written before it is sent and marked after: nothing is sent twice.

    `dedupe_key` names the reminder (kind, subject, recipient and the moment it is for); a second
    attempt to queue the same reminder finds it and stops.
    """

    __tablename__ = "outbox_message"
    __table_args__ = (UniqueConstraint("dedupe_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    due_at: Mapped[datetime] = mapped_column()
    status: Mapped[str] = mapped_column(String(12), default="pending", index=True)  # pending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
