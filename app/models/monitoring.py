"""Samples as collected, and lab results: one identity per (permit, sample id, parameter) with immutable revisions."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.audited import Audited
from app.models.base import Base, utcnow


class Sample(Audited, Base):
    """What was collected at a monitoring location: the field record and chain of custody.

    `sample_code` is the lab's or facility's sample identifier (CONTRACTS.md section 4 `sample_id`);
    one sample may carry results of several parameters (a composite split for TSS and metals).
    """

    __tablename__ = "sample"
    __table_args__ = (UniqueConstraint("permit_id", "sample_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    permit_id: Mapped[int] = mapped_column(ForeignKey("permit.id"), index=True)
    sample_code: Mapped[str] = mapped_column(String(80))
    outfall: Mapped[str] = mapped_column(String(4))
    monitoring_location: Mapped[str] = mapped_column(String(4))
    sampled_at: Mapped[datetime | None] = mapped_column()
    sample_date: Mapped[date] = mapped_column(Date, index=True)
    sample_type: Mapped[str | None] = mapped_column(String(20))
    collector: Mapped[str | None] = mapped_column(String(120))
    lab: Mapped[str | None] = mapped_column(String(120))
    chain_of_custody: Mapped[str | None] = mapped_column(String(80))
    composite_start: Mapped[datetime | None] = mapped_column()
    composite_end: Mapped[datetime | None] = mapped_column()
    field_notes: Mapped[str | None] = mapped_column(Text)
    # The scheduled sampling event this sample satisfies, once the schedule exists (issue 5).
    sampling_event_id: Mapped[int | None] = mapped_column(Integer, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Result(Audited, Base):
    """A result's identity. Its numbers live in ResultRevision rows; a correction adds a revision.

    `current_revision` points at the revision in force; moving it (with `sample_date`, that revision's
    sample day) is the only update this row ever sees, and it is audited like every other change.
    """

    __tablename__ = "result"
    __table_args__ = (UniqueConstraint("permit_id", "sample_id", "parameter_code"),
                      # Evaluation (a recorded result, an import) reads one outfall's few codes in a few
                      # months, not the permit nor the codes' whole history (migration 0016_result_sample_day).
                      Index("ix_result_permit_outfall_parameter_day", "permit_id", "outfall", "parameter_code",
                            "sample_date"))

    id: Mapped[int] = mapped_column(primary_key=True)
    permit_id: Mapped[int] = mapped_column(ForeignKey("permit.id"), index=True)
    outfall: Mapped[str] = mapped_column(String(4))  # permitted feature id, as text
    parameter_code: Mapped[str] = mapped_column(String(5))
    monitoring_location: Mapped[str] = mapped_column(String(4))
    sample_id: Mapped[str] = mapped_column(String(80))
    sample_pk: Mapped[int] = mapped_column(ForeignKey("sample.id"), index=True)
    current_revision: Mapped[int] = mapped_column(Integer, default=1)
    # The sample day of the revision in force, kept in step with current_revision wherever a result or a
    # revision is stored: the evaluation's window is bounded by it in the index above; the day itself
    # lives on the revision (a correction may move it), which has neither outfall nor parameter.
    sample_date: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    revisions: Mapped[list[ResultRevision]] = relationship(
        back_populates="result", order_by="ResultRevision.revision"
    )
    sample: Mapped[Sample] = relationship()

    @property
    def current(self) -> ResultRevision:
        return next(r for r in self.revisions if r.revision == self.current_revision)


class ResultRevision(Audited, Base):
    """What the lab reported, exactly; never edited once stored.

    Numbers are kept as the decimal text the lab wrote ("0.50" is not "0.5": the digits matter for
    rounding), and parsed into Decimal by the domain; SQLite has no exact decimal type.
    """

    __tablename__ = "result_revision"
    __table_args__ = (UniqueConstraint("result_id", "revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    result_id: Mapped[int] = mapped_column(ForeignKey("result.id"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    sampled_at: Mapped[datetime | None] = mapped_column()
    sample_date: Mapped[date] = mapped_column(Date, index=True)  # facility-local calendar day
    value: Mapped[str] = mapped_column(String(40))
    qualifier: Mapped[str] = mapped_column(String(1))  # = < > J
    unit: Mapped[str] = mapped_column(String(20))
    mdl: Mapped[str | None] = mapped_column(String(40))
    rl: Mapped[str | None] = mapped_column(String(40))
    method: Mapped[str | None] = mapped_column(String(80))
    lab: Mapped[str | None] = mapped_column(String(120))
    analyst: Mapped[str | None] = mapped_column(String(120))
    analyzed_at: Mapped[datetime | None] = mapped_column()
    received_at: Mapped[datetime] = mapped_column()
    sample_type: Mapped[str | None] = mapped_column(String(20))
    chain_of_custody: Mapped[str | None] = mapped_column(String(80))
    notes: Mapped[str | None] = mapped_column(Text)
    # An estimate (e.g. flow from pump run-time while the meter was down): reported, and flagged.
    estimated: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str | None] = mapped_column(Text)  # why this revision replaced the one before
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    entered_at: Mapped[datetime] = mapped_column(default=utcnow)

    result: Mapped[Result] = relationship(back_populates="revisions")
