"""Noncompliance: exceedances found in results, reported events, and the notifications they oblige."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.audited import Audited
from app.models.base import Base, utcnow

ACTIVE = "active"
WITHDRAWN = "withdrawn"


class Exceedance(Audited, Base):
    """A value beyond a limit column, for one unit of evaluation (a day, a reading, a week, a period).

    `evaluation_key` names that unit ("day:2026-03-13", "week:2026-03-08", "period:2026-03"), so a
    re-evaluation finds the exceedance it found before. A correction that clears it withdraws it
    (status and reason); it is never deleted.
    """

    __tablename__ = "exceedance"
    __table_args__ = (UniqueConstraint("limit_column_id", "evaluation_key"),
                      # The stored exceedances of the months an evaluation judges (migration 0011).
                      Index("ix_exceedance_permit_outfall_parameter_month", "permit_id", "outfall", "parameter_code",
                            "evaluation_month"))

    id: Mapped[int] = mapped_column(primary_key=True)
    permit_id: Mapped[int] = mapped_column(ForeignKey("permit.id"), index=True)
    limit_column_id: Mapped[int] = mapped_column(ForeignKey("limit_column.id"), index=True)
    outfall: Mapped[str] = mapped_column(String(4))
    parameter_code: Mapped[str] = mapped_column(String(5))
    monitoring_location: Mapped[str] = mapped_column(String(4))
    slot: Mapped[str] = mapped_column(String(2))
    statistical_base: Mapped[str] = mapped_column(String(30))
    evaluation_key: Mapped[str] = mapped_column(String(40))
    # The calendar month whose evaluation found it (a straddling week belongs to one month, CALC-03).
    evaluation_month: Mapped[str] = mapped_column(String(7), index=True)
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    value: Mapped[str] = mapped_column(String(40))  # the reported (rounded) value judged, ND-07
    qualifier: Mapped[str] = mapped_column(String(1))
    limit_text: Mapped[str] = mapped_column(String(30))
    unit: Mapped[str] = mapped_column(String(20))
    sample_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    aware_at: Mapped[datetime] = mapped_column()
    status: Mapped[str] = mapped_column(String(12), default=ACTIVE)
    status_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class NoncomplianceEvent(Audited, Base):
    """A non-sample event (bypass, upset, equipment failure, ...) reported by the facility."""

    __tablename__ = "noncompliance_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    permit_id: Mapped[int] = mapped_column(ForeignKey("permit.id"), index=True)
    outfall: Mapped[str | None] = mapped_column(String(4))
    kind: Mapped[str] = mapped_column(String(40))
    discovered_at: Mapped[datetime] = mapped_column()
    ended_at: Mapped[datetime | None] = mapped_column()
    planned_start: Mapped[datetime | None] = mapped_column()  # anticipated bypass only
    description: Mapped[str | None] = mapped_column(Text)
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class NotificationObligation(Audited, Base):
    """One notification a rule requires for an exceedance or an event (CONTRACTS.md section 8).

    The initial part (oral call, notice) and the follow-up part (written report, repeat sampling
    results) each have their due instant, the local due date, and, once done, when and how.
    """

    __tablename__ = "notification_obligation"
    __table_args__ = (
        UniqueConstraint("exceedance_id", "rule_id"),
        UniqueConstraint("event_id", "rule_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    permit_id: Mapped[int] = mapped_column(ForeignKey("permit.id"), index=True)
    exceedance_id: Mapped[int | None] = mapped_column(ForeignKey("exceedance.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("noncompliance_event.id"), index=True)
    outfall: Mapped[str | None] = mapped_column(String(4))
    parameter_code: Mapped[str | None] = mapped_column(String(5))
    rule_id: Mapped[str] = mapped_column(String(80))
    trigger: Mapped[str] = mapped_column(String(40))
    rule: Mapped[str] = mapped_column(String(200))
    citation: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    aware_at: Mapped[datetime] = mapped_column()
    initial_kind: Mapped[str | None] = mapped_column(String(30))
    initial_due: Mapped[datetime | None] = mapped_column(index=True)
    initial_due_date: Mapped[date | None] = mapped_column(Date)
    initial_done_at: Mapped[datetime | None] = mapped_column()
    initial_record: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # to whom, how, notes
    followup_kind: Mapped[str | None] = mapped_column(String(30))
    followup_due: Mapped[datetime | None] = mapped_column(index=True)
    followup_due_date: Mapped[date | None] = mapped_column(Date)
    followup_done_at: Mapped[datetime | None] = mapped_column()
    followup_record: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # date sent, document, notes
    status: Mapped[str] = mapped_column(String(12), default="open")  # open | done | withdrawn
    status_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
