"""The facility that holds the permits, with the IANA time zone its sample days are counted in."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.audited import Audited
from app.models.base import Base, utcnow

if TYPE_CHECKING:
    from app.models.permit import Permit


class Facility(Audited, Base):
    __tablename__ = "facility"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    timezone: Mapped[str] = mapped_column(String(64))
    # {"preferred_weekdays": ["tuesday", "thursday"], "holidays": ["2026-12-25", ...]}: what the
    # schedule plans around; shutdown days are holidays too.
    schedule_preferences: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    permits: Mapped[list["Permit"]] = relationship(back_populates="facility", order_by="Permit.number")

    def __repr__(self) -> str:
        return f"<Facility {self.name!r}>"

