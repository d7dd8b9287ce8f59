"""Permits and their versions, outfalls, monitored parameters and DMR limit columns."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.audited import Audited
from app.models.base import Base, utcnow

if TYPE_CHECKING:
    from app.models.facility import Facility


class Permit(Audited, Base):
    """A permit number; its terms live in PermitVersion rows, never edited once imported."""

    __tablename__ = "permit"

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"), index=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    program: Mapped[str] = mapped_column(String(20))  # npdes | pretreatment
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    facility: Mapped[Facility] = relationship(back_populates="permits")
    versions: Mapped[list[PermitVersion]] = relationship(
        back_populates="permit", order_by="PermitVersion.version"
    )

    @property
    def latest_version(self) -> PermitVersion:
        return self.versions[-1]

    def __repr__(self) -> str:
        return f"<Permit {self.number}>"


class PermitVersion(Audited, Base):
    """One issued set of permit terms. A re-issued or modified permit is a new version."""

    __tablename__ = "permit_version"
    __table_args__ = (UniqueConstraint("permit_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    permit_id: Mapped[int] = mapped_column(ForeignKey("permit.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    issuing_authority: Mapped[str] = mapped_column(String(200))
    control_authority: Mapped[str | None] = mapped_column(String(200))
    effective: Mapped[date] = mapped_column(Date)
    expires: Mapped[date] = mapped_column(Date)
    renewal_application_days: Mapped[int] = mapped_column(Integer)
    rule_pack: Mapped[str] = mapped_column(String(40))
    rules: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    reporting_frequency: Mapped[str] = mapped_column(String(20))
    reporting_due_day: Mapped[int] = mapped_column(Integer)
    listed_24h_parameters: Mapped[list[str]] = mapped_column(JSON, default=list)
    certification_text: Mapped[str] = mapped_column(Text)
    # The definition exactly as imported, so an inspector can see what the permit said. Deferred:
    # only the binder reads it, and decoding ~180 kB of JSON per version cost every use of
    # permit.versions (each recorded result) several milliseconds.
    source_document: Mapped[dict[str, Any]] = mapped_column(JSON, deferred=True)
    source_sha256: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    permit: Mapped[Permit] = relationship(back_populates="versions")
    outfalls: Mapped[list[Outfall]] = relationship(
        back_populates="permit_version", order_by="Outfall.feature_id"
    )

    __audit_exclude__ = ("source_document",)

    @property
    def renewal_application_due(self) -> date:
        return self.expires - timedelta(days=self.renewal_application_days)


class Outfall(Audited, Base):
    """A permitted feature (outfall) of one permit version, with its limit set."""

    __tablename__ = "outfall"
    __table_args__ = (UniqueConstraint("permit_version_id", "feature_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    permit_version_id: Mapped[int] = mapped_column(ForeignKey("permit_version.id"), index=True)
    feature_id: Mapped[str] = mapped_column(String(4))  # text: "001" is not "1"
    description: Mapped[str] = mapped_column(String(300))
    limit_set: Mapped[str] = mapped_column(String(10))

    permit_version: Mapped[PermitVersion] = relationship(back_populates="outfalls")
    parameters: Mapped[list[MonitoredParameter]] = relationship(
        back_populates="outfall", order_by="MonitoredParameter.position"
    )


class MonitoredParameter(Audited, Base):
    """A parameter monitored at one monitoring location and season of an outfall (one DMR row)."""

    __tablename__ = "monitored_parameter"
    __table_args__ = (UniqueConstraint("outfall_id", "code", "monitoring_location", "season"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    outfall_id: Mapped[int] = mapped_column(ForeignKey("outfall.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # order as written in the permit
    code: Mapped[str] = mapped_column(String(5))
    name: Mapped[str] = mapped_column(String(200))
    monitoring_location: Mapped[str] = mapped_column(String(4))
    season: Mapped[int] = mapped_column(Integer, default=0)
    frequency: Mapped[str] = mapped_column(String(20))
    sample_type: Mapped[str] = mapped_column(String(40))
    conditional: Mapped[bool] = mapped_column(Boolean, default=False)

    outfall: Mapped[Outfall] = relationship(back_populates="parameters")
    columns: Mapped[list[LimitColumn]] = relationship(
        back_populates="parameter", order_by="LimitColumn.position"
    )


class LimitColumn(Audited, Base):
    """One filled DMR column (slot) of a parameter: statistical base, limit as written and unit."""

    __tablename__ = "limit_column"

    id: Mapped[int] = mapped_column(primary_key=True)
    parameter_id: Mapped[int] = mapped_column(ForeignKey("monitored_parameter.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    slot: Mapped[str] = mapped_column(String(2))  # Q1 Q2 C1 C2 C3
    statistical_base: Mapped[str] = mapped_column(String(30))
    # Text, not a number: "30" and "30.0" differ in significant figures, which rounding needs.
    limit_text: Mapped[str | None] = mapped_column(String(30))
    unit: Mapped[str] = mapped_column(String(20))
    unit_code: Mapped[str | None] = mapped_column(String(4))
    derived: Mapped[str | None] = mapped_column(String(10))  # "mass" or None
    effective: Mapped[date | None] = mapped_column(Date)
    expires: Mapped[date | None] = mapped_column(Date)

    parameter: Mapped[MonitoredParameter] = relationship(back_populates="columns")

    @property
    def is_report_only(self) -> bool:
        return self.limit_text is None
