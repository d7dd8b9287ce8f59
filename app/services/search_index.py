"""Keeps the search index in step with the records, in the same transaction as every change to them."""
from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import event, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.models.audit import AuditEntry
# Importing the audit service registers its after_flush first: this one indexes what that one wrote.
from app.services.audit import APPENDED_SEQS
from app.services.bulk_rows import postgres_insert
from app.models.base import utcnow
from app.models.compliance import Exceedance, NoncomplianceEvent, NotificationObligation
from app.models.monitoring import Result, ResultRevision, Sample
from app.models.record import CalibrationEntry, CustodyTransfer, Document, Instrument
from app.models.report import SignedReport
from app.models.search import SearchEntry
from app.services.search_entries import AUDIT_COLUMNS, DESCRIBERS, RecordLookups

log = logging.getLogger(__name__)

AUDIT = "audit_entry"
FIELDS = ("permit_id", "outfall", "parameter_code", "record_date", "title", "body")
BATCH = 500
REBUILD_BATCH = 2000
# Both engines the app runs on have INSERT ... ON CONFLICT; the index writes rely on it.
_DIALECTS = {"postgresql": postgresql, "sqlite": sqlite}
PENDING = "search_pending"  # session.info key: entity -> ids changed in this transaction, not yet indexed
PENDING_LIMIT = 5000
# The audit trail is written by core inserts, so its new rows never pass through session.new: the
# audit service lists the seqs it appended in session.info, and they are indexed from there.

# Which index entries a changed object stands for: its own, or the record it belongs to.
_MODELS: dict[type, str] = {
    Sample: "sample", Result: "result", Document: "document", NotificationObligation: "notification_obligation",
    Exceedance: "exceedance", NoncomplianceEvent: "noncompliance_event", SignedReport: "signed_report",
    CustodyTransfer: "custody_transfer", Instrument: "instrument", CalibrationEntry: "calibration_entry",
}
# Entries whose text quotes another record (a calibration names its instrument, a transfer its sample).
_DEPENDENTS: dict[type, tuple[type, str, str]] = {
    Instrument: (CalibrationEntry, "instrument_id", "calibration_entry"),
    Sample: (CustodyTransfer, "sample_pk", "custody_transfer"),
}
MODEL_OF: dict[str, type] = {entity: model for model, entity in _MODELS.items()} | {AUDIT: AuditEntry}


def _chunks(items: Sequence, size: int = BATCH) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _describe(entity: str, rows: Sequence[Any], lookups: RecordLookups) -> list[dict[str, Any]]:
    lookups.prefetch(entity, rows)  # what the rows will ask for one by one, read for all of them at once
    entries = []
    for row in rows:
        try:
            entries.append(DESCRIBERS[entity](row, lookups))
        except SQLAlchemyError:
            raise
        except Exception:  # noqa: BLE001 - an odd record must never block the write that changed it
            log.exception("search index: cannot describe %s %s; it stays out of the index", entity, row.id)
    return entries


def _execute_batches(connection: Connection, statement: Any, rows: list[dict[str, Any]]) -> None:
    """SQLite: run an INSERT of index entries for every row, BATCH rows to an executemany.

    On SQLite the rows go as multi-row VALUES statements: a plain executemany there is one statement
    per row, and the FTS5 sync trigger pays a per-statement cost for each (most likely FTS5 writing
    its pending terms out at each statement's savepoint): indexing a year's 8,760 trips measured
    0.79 s so, against 0.12 s in statements of 500 rows. SQLAlchemy sends an executemany with RETURNING that way
    (its "insertmanyvalues", compiled once), so the ids are asked for and dropped; `.values(rows)`
    would compile each batch's thousands of parameters anew. (PostgreSQL takes the rows by COPY,
    _postgres_insert; multi-row VALUES measured no faster there.) The rows of a call name distinct
    entries (the callers' ids are distinct), so either form writes the same rows.
    """
    statement = statement.returning(SearchEntry.__table__.c.id)
    for chunk in _chunks(rows):
        connection.execute(statement, list(chunk))


def _write(connection: Connection, entries: list[dict[str, Any]]) -> None:
    """Insert new entries and update changed ones; an unchanged entry is left alone (its updated_at too).

    One INSERT ... ON CONFLICT DO UPDATE ... WHERE changed per batch: no query first to find which
    entries exist, which made a rebuild on PostgreSQL read the growing table once per batch, and two
    sessions describing the same new record no longer collide on the unique key. The entry keeps
    its id, and so its place among equally ranked hits.
    """
    if not entries:
        return
    table = SearchEntry.__table__
    now = utcnow()
    if connection.dialect.name == "postgresql":
        _postgres_insert(connection, [{**entry, "updated_at": now} for entry in entries], _UPSERT)
        return
    statement = _DIALECTS[connection.dialect.name].insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=["entity", "entity_id"],
        set_={**{f: statement.excluded[f] for f in FIELDS}, "updated_at": statement.excluded.updated_at},
        where=or_(*(table.c[f].is_distinct_from(statement.excluded[f]) for f in FIELDS)))
    _execute_batches(connection, statement, [{**entry, "updated_at": now} for entry in entries])


def _columns(entity: str) -> list[Any]:
    table = MODEL_OF[entity].__table__
    # An audit entry's before/after images (JSON, most of the row) are not part of its index entry.
    return [table.c[name] for name in AUDIT_COLUMNS] if entity == AUDIT else list(table.c)


def _described(connection: Connection, entity: str, key: str, keys: Iterable[int], lookups: RecordLookups
               ) -> list[dict[str, Any]]:
    """The index entries of the rows of `entity` whose `key` column is one of `keys`, BATCH at a time."""
    column = MODEL_OF[entity].__table__.c[key]
    entries: list[dict[str, Any]] = []
    for chunk in _chunks(sorted(set(keys))):
        rows = connection.execute(select(*_columns(entity)).where(column.in_(chunk))).all()
        entries += _describe(entity, rows, lookups)
    return entries


def _index_rows(connection: Connection, entity: str, rows: Sequence[Any], lookups: RecordLookups) -> int:
    entries = _describe(entity, rows, lookups)
    _write(connection, entries)
    return len(entries)


# _write's ON CONFLICT: a changed entry takes the new text; an unchanged one is left alone, updated_at too.
_UPSERT = ("DO UPDATE SET " + ", ".join(f"{f} = excluded.{f}" for f in (*FIELDS, "updated_at"))
           + " WHERE " + " OR ".join(f"search_entry.{f} IS DISTINCT FROM excluded.{f}" for f in FIELDS))


def _postgres_insert(connection: Connection, rows: list[dict[str, Any]], on_conflict: str) -> None:
    """INSERT the rows (distinct entries) by bulk_rows.postgres_insert, ON CONFLICT (entity, entity_id)
    `on_conflict`: by COPY through a staging table, or a few as one statement of arrays."""
    postgres_insert(connection, SearchEntry.__table__, rows, f"ON CONFLICT (entity, entity_id) {on_conflict}")


def _described_appended_audit_entries(session: Session, lookups: RecordLookups) -> list[dict[str, Any]]:
    """The index entries of the audit entries this session appended since the last call (the audit
    service lists their seqs)."""
    seqs = session.info.pop(APPENDED_SEQS, None)
    if not seqs:
        return []
    # Read by seq, only AUDIT_COLUMNS (_columns): the before/after images (JSON, the bulk of a row) are
    # not part of an audit entry's index entry, and a year's planned trips append thousands at once.
    return _described(session.connection(), AUDIT, "seq", seqs, lookups)


def _changed_records(session: Session) -> dict[str, set[int]]:
    """entity -> ids to re-describe for this flush."""
    changed: dict[str, set[int]] = defaultdict(set)
    touched = list(session.new) + [o for o in session.dirty if session.is_modified(o, include_collections=False)]
    for obj in touched:
        if isinstance(obj, ResultRevision):
            changed["result"].add(obj.result_id)  # a correction changes what the result's entry says
        elif type(obj) in _MODELS:
            changed[_MODELS[type(obj)]].add(obj.id)
    for model, (dependent, column, entity) in _DEPENDENTS.items():
        ids = changed.get(_MODELS[model])
        if ids and any(type(o) is model and o in session.dirty for o in touched):
            changed[entity].update(session.connection().scalars(
                select(dependent.__table__.c.id).where(dependent.__table__.c[column].in_(sorted(ids)))))
    return changed


def _note(session: Session, changed: dict[str, Iterable[int]]) -> None:
    pending = session.info.setdefault(PENDING, defaultdict(set))
    for entity, ids in changed.items():
        pending[entity].update(ids)
    # A long import would otherwise hold every id it touched until commit: index in bounded batches.
    if sum(map(len, pending.values())) + len(session.info.get(APPENDED_SEQS, ())) >= PENDING_LIMIT:
        index_pending(session)


def _note_changes(session: Session, _flush_context) -> None:
    # Only noted here: one result is stored in several flushes, so describing it at each would do the
    # work several times over. The notes are indexed once, at commit or before a search reads the index.
    _note(session, _changed_records(session))


def note_written(session: Session, written: dict[str, Iterable[int]]) -> None:
    """Note records that bulk statements wrote past the flush hook (entity -> ids), to be indexed as
    a flushed change is: at commit, before a search, or in a batch once the notes reach PENDING_LIMIT."""
    if event.contains(Session, "after_flush", _note_changes):  # only where the index listens at all
        _note(session, written)


def index_pending(session: Session) -> None:
    """Describe every record changed (and audit entry appended) in this transaction so far."""
    pending = session.info.pop(PENDING, None)
    if not pending and not session.info.get(APPENDED_SEQS):
        return
    connection = session.connection()
    lookups = RecordLookups(connection)
    entries: list[dict[str, Any]] = []
    for entity, ids in (pending or {}).items():
        entries += _described(connection, entity, "id", ids, lookups)
    entries += _described_appended_audit_entries(session, lookups)
    # One write for every kind: a recorded result's sample, result and audit entries were three
    # statements. An audit entry's index entry never changes once written, and _write leaves an
    # unchanged entry alone, so one that another session indexed first (a sign-in, picked up by two
    # sessions at once) is simply found there, as ON CONFLICT DO NOTHING found it before.
    _write(connection, entries)


def _index_before_commit(session: Session) -> None:
    session.flush()  # commit would flush after this hook: what that flush writes must be indexed too
    index_pending(session)


def _forget_rolled_back(session: Session, previous_transaction) -> None:
    # A savepoint rolled back leaves the outer transaction's notes standing (a noted id whose row is
    # gone is simply not found); only the outermost rollback discards them.
    if previous_transaction.parent is None and not previous_transaction.nested:
        session.info.pop(PENDING, None)
        session.info.pop(APPENDED_SEQS, None)


_LISTENERS = (("after_flush", _note_changes), ("before_commit", _index_before_commit),
              ("after_soft_rollback", _forget_rolled_back))


def register_search_index() -> None:
    """Listen to every session's flushes and commits (once, however many apps the process builds)."""
    for name, listener in _LISTENERS:
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)


def rebuild_search_index(session: Session) -> int:
    """(Re)index every record, in batches; returns how many entries were written or confirmed."""
    session.flush()
    connection = session.connection()
    lookups = RecordLookups(connection)
    count = 0
    for entity, model in MODEL_OF.items():
        table = model.__table__
        last = 0
        while True:
            # Read by key range, the rows themselves: no separate query for each batch's ids.
            rows = connection.execute(select(*_columns(entity)).where(table.c.id > last)
                                      .order_by(table.c.id).limit(REBUILD_BATCH)).all()
            if not rows:
                break
            count += _index_rows(connection, entity, rows, lookups)
            last = rows[-1].id
    # Only these kinds are indexed; an entry of any other kind is left over from an older version.
    connection.execute(SearchEntry.__table__.delete().where(SearchEntry.__table__.c.entity.not_in(list(MODEL_OF))))
    return count
