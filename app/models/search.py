"""One row per searchable record: what the search box matches (full-text indexed per database engine)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow

# Engine-specific full-text structures not mapped here: the SQLite FTS5 table `search_fts` (with its
# shadow tables and sync triggers, migration 0007) and, on PostgreSQL, the generated column
# `search_fts_vector` and its GIN index `ix_search_entry_fts_vector` (migration 0012_search_vector, which dropped
# 0007's `ix_search_entry_fts`). The schema guard test knows to leave them out of its comparison.
FTS_OBJECT_PREFIXES = ("search_fts", "ix_search_entry_fts")


class SearchEntry(Base):
    """Derived data, rebuilt from the records at any time: not a compliance record itself."""

    __tablename__ = "search_entry"
    __table_args__ = (UniqueConstraint("entity", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(String(40), index=True)  # sample, result, document, obligation, ...
    entity_id: Mapped[str] = mapped_column(String(40))
    permit_id: Mapped[int | None] = mapped_column(ForeignKey("permit.id"), index=True)
    outfall: Mapped[str | None] = mapped_column(String(4))
    parameter_code: Mapped[str | None] = mapped_column(String(5))
    record_date: Mapped[date | None] = mapped_column(Date, index=True)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
