"""What the facility declares for a report: No Data Indicators for an outfall or a parameter and period."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
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
