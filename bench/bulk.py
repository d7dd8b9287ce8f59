"""Bulk writes for the generator: samples, results, revisions and documents by core executemany, each
with the audit entry the app would write, chained exactly as app.services.audit chains them."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.engine import Connection

from app.domain.audit_chain import GENESIS_HASH, entry_hash
from app.models.audit import AuditEntry
from app.models.audited import json_value
from app.models.monitoring import Result, ResultRevision, Sample
from app.models.record import Document

BATCH_ROWS = 20_000
TABLES = (Sample.__table__, Result.__table__, ResultRevision.__table__, Document.__table__)
# Left out of a record's audit snapshot, as the model's __audit_exclude__ says.
EXCLUDED = {Document.__table__.name: set(Document.__audit_exclude__)}


def snapshot(table_name: str, row: dict[str, Any], columns: list[str]) -> dict[str, Any]:
    """What Audited.audit_snapshot() records for a new row: every column, as JSON."""
    excluded = EXCLUDED.get(table_name, set())
    return {name: json_value(row.get(name)) for name in columns if name not in excluded}


class BulkWriter:
    """Buffers rows with ids assigned here and appends their audit entries to the chain's tail.

    Must be the only writer while it runs: it reads the chain's tail and the highest ids once.
    """

    def __init__(self, connection: Connection, *, actor_id: int | None, actor_label: str) -> None:
        self.connection = connection
        self.actor_id, self.actor_label = actor_id, actor_label
        self.rows: dict[str, list[dict[str, Any]]] = {t.name: [] for t in TABLES}
        self.audit: list[dict[str, Any]] = []
        self.columns = {t.name: [c.name for c in t.columns] for t in TABLES}
        self.next_id = {t.name: (connection.scalar(select(func.max(t.c.id))) or 0) + 1 for t in TABLES}
        audit = AuditEntry.__table__
        tail = connection.execute(select(audit.c.seq, audit.c.hash).order_by(audit.c.seq.desc()).limit(1)).first()
        self.seq, self.prev_hash = (tail.seq, tail.hash) if tail else (0, GENESIS_HASH)
        self.written = {name: 0 for name in [*self.rows, audit.name]}

    def _entry(self, at: datetime, entity: str, entity_id: int, action: str, before: dict | None,
               after: dict | None, reason: str | None) -> None:
        self.seq += 1
        row = {"seq": self.seq, "at": at, "actor_id": self.actor_id, "actor_label": self.actor_label,
               "entity": entity, "entity_id": str(entity_id), "action": action, "before": before, "after": after,
               "reason": reason, "prev_hash": self.prev_hash}
        row["hash"] = self.prev_hash = entry_hash(row)
        self.audit.append(row)

    def create(self, table_name: str, values: dict[str, Any], *, at: datetime, reason: str | None) -> int:
        """Buffer a new row (its id assigned now) and its `create` audit entry; returns the id."""
        row_id = self.next_id[table_name]
        self.next_id[table_name] += 1
        row = {name: None for name in self.columns[table_name]}
        row.update(values, id=row_id)
        self.rows[table_name].append(row)
        self._entry(at, table_name, row_id, "create", None, snapshot(table_name, row, self.columns[table_name]), reason)
        return row_id

    def update(self, table_name: str, before: dict[str, Any], changes: dict[str, Any], *, at: datetime,
               reason: str | None) -> dict[str, Any]:
        """Audit an update of a row still in the buffer (a correction moving current_revision)."""
        row = next(r for r in reversed(self.rows[table_name]) if r["id"] == before["id"])
        old = snapshot(table_name, row, self.columns[table_name])
        row.update(changes)
        self._entry(at, table_name, row["id"], "update", old, snapshot(table_name, row, self.columns[table_name]),
                    reason)
        return row

    def maybe_flush(self) -> None:
        """Flush once a batch is full; called between samples, so an update never targets a flushed row."""
        if len(self.audit) >= BATCH_ROWS:
            self.flush()

    def flush(self) -> None:
        """Insert the buffered rows parent tables first, then their audit entries."""
        for table in TABLES:
            rows = self.rows[table.name]
            if rows:
                self.connection.execute(table.insert(), rows)
                self.written[table.name] += len(rows)
                rows.clear()
        if self.audit:
            self.connection.execute(AuditEntry.__table__.insert(), self.audit)
            self.written[AuditEntry.__tablename__] += len(self.audit)
            self.audit.clear()

    def finish(self) -> dict[str, int]:
        """Flush, and on PostgreSQL move each id sequence past the ids assigned here."""
        self.flush()
        if self.connection.dialect.name == "postgresql":
            for table in (*TABLES, AuditEntry.__table__):
                self.connection.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 1) FROM {table.name}))"))
        return dict(self.written)
