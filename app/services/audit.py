"""Writes the audit trail in the same transaction as every change to a compliance record."""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple

from sqlalchemy import event, inspect, select, text
from sqlalchemy.orm import Session, scoped_session

from app.domain.audit_chain import GENESIS_HASH, BrokenLink, entry_hash, first_broken_link
from app.models.audit import AuditEntry
from app.models.audited import json_value
from app.models.base import utcnow
from app.services.bulk_rows import insert_rows

# Any fixed 64-bit number: the PostgreSQL advisory lock that serialises appends to the chain.
_AUDIT_CHAIN_LOCK = 0x0A0D17


class ComplianceRecordDeletion(RuntimeError):
    """Raised when code tries to delete a compliance record: corrections are new revisions."""


@contextmanager
def audit_context(session: Session, *, actor_id: int | None = None, actor_label: str | None = None,
                  reason: str | None = None) -> Iterator[None]:
    """Attribute the changes flushed inside the block to this actor, with this reason."""
    saved = {k: session.info.get(k) for k in ("audit_actor_id", "audit_actor_label", "audit_reason")}
    session.info["audit_actor_id"] = actor_id if actor_id is not None else saved["audit_actor_id"]
    session.info["audit_actor_label"] = actor_label or saved["audit_actor_label"]
    session.info["audit_reason"] = reason
    try:
        yield
    finally:
        session.info.update(saved)


def set_actor(session: Session, actor_id: int | None, actor_label: str | None) -> None:
    session.info["audit_actor_id"] = actor_id
    session.info["audit_actor_label"] = actor_label


# session.info key: seqs of the audit entries this session appended and the search index has not taken yet.
APPENDED_SEQS = "audit_appended_seqs"


def _snapshot_before(obj: Any) -> dict[str, Any]:
    state = inspect(obj)
    before = {}
    for attr in state.mapper.column_attrs:
        if attr.key in obj.__audit_exclude__:
            continue
        history = state.attrs[attr.key].history
        value = history.deleted[0] if history.deleted else getattr(obj, attr.key)
        before[attr.key] = json_value(value)
    return before


# session.info key: where the chain's tail stands once this session has appended in its current
# transaction: (that transaction, seq, hash). The first append of a transaction takes the chain (the
# advisory lock on PostgreSQL; SQLite's write lock comes with the INSERT) and keeps it to the end of the
# transaction, so no other writer can move the tail meanwhile and the next append of the same
# transaction needs neither the lock nor the tail query again: a recorded result appends in three
# flushes, and on PostgreSQL those were four statements of about 0.3 ms each. Any transaction or
# savepoint ending forgets it (_forget_tail): a savepoint rolled back takes its entries with it.
_TAIL = "audit_chain_tail"


def _append(session: Session, rows: list[dict[str, Any]]) -> None:
    if isinstance(session, scoped_session):  # the app's db.session: the Session it stands for now
        session = session()
    connection = session.connection()
    transaction = session.get_transaction()
    known = session.info.get(_TAIL)
    if known is not None and known[0] is transaction:
        seq, prev_hash = known[1], known[2]
    else:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _AUDIT_CHAIN_LOCK})
        tail = connection.execute(
            select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
        ).first()
        seq, prev_hash = (tail.seq, tail.hash) if tail else (0, GENESIS_HASH)
    for row in rows:
        seq += 1
        row.update(seq=seq, prev_hash=prev_hash)
        row["hash"] = prev_hash = entry_hash(row)
    insert_rows(connection, AuditEntry.__table__, rows)
    session.info[_TAIL] = (transaction, seq, prev_hash)  # only once the entries are in
    # The search index takes exactly these entries (by seq) instead of rescanning the trail's tail.
    session.info.setdefault(APPENDED_SEQS, []).extend(row["seq"] for row in rows)


@event.listens_for(Session, "after_transaction_end")
def _forget_tail(session: Session, transaction) -> None:
    # The database transaction ending, or a savepoint, released as well as rolled back: the next append
    # asks again. (Each flush runs in a subtransaction of the session's own, which ends with it and
    # leaves the database transaction, and so the chain, as it was.)
    if transaction.parent is None or transaction.nested:
        session.info.pop(_TAIL, None)


def _base_row(info: dict, entity: str, entity_id: str, action: str,
              before: dict | None, after: dict | None, reason: str | None = None) -> dict[str, Any]:
    """`info`: the session's info, read once by the caller (the app's scoped session looks its session
    up in the app context on every attribute: 26,000 lookups for a year's schedule)."""
    return {
        "at": utcnow(),
        "actor_id": info.get("audit_actor_id"),
        "actor_label": info.get("audit_actor_label") or "system",
        "entity": entity, "entity_id": entity_id, "action": action,
        "before": before, "after": after,
        "reason": reason if reason is not None else info.get("audit_reason"),
    }


class Change(NamedTuple):
    """One change to a compliance record written by a bulk statement, as the flush hook would audit it."""

    entity: str  # the table name, as the flush hook names it
    entity_id: int | str
    action: str  # create | update
    before: dict | None
    after: dict | None
    reason: str | None = None  # None: the audit_context's reason


_SNAPSHOT_KEYS: dict[type, list[str]] = {}


def snapshot_of(model: type, values: dict[str, Any]) -> dict[str, Any]:
    """What `audit_snapshot()` gives for an object of `model` holding these column values."""
    keys = _SNAPSHOT_KEYS.get(model)
    if keys is None:
        keys = _SNAPSHOT_KEYS[model] = [attr.key for attr in inspect(model).column_attrs
                                        if attr.key not in model.__audit_exclude__]
    return {key: json_value(values.get(key)) for key in keys}


def record_changes(session: Session, changes: Iterable[Change]) -> None:
    """Audit changes that bulk INSERTs and UPDATEs wrote past the flush hook: one entry per change, in
    the caller's transaction and in the order given, chained after the trail's tail like any other.

    The actor is the session's audit_context, as for a flushed change; each change may carry its own reason.
    """
    info = session.info
    rows = [_base_row(info, c.entity, str(c.entity_id), c.action, c.before, c.after, c.reason) for c in changes]
    if rows:
        _append(session, rows)


def record_event(session: Session, *, entity: str, entity_id: str | int, action: str,
                 before: dict | None = None, after: dict | None = None, reason: str | None = None) -> None:
    """An explicit audit entry for something that is not a row change (a sign-in, a lock-out)."""
    session.flush()
    _append(session, [_base_row(session.info, entity, str(entity_id), action, before, after, reason)])


@event.listens_for(Session, "before_flush")
def _refuse_deletion(session: Session, flush_context, instances) -> None:
    for obj in session.deleted:
        if getattr(obj, "__audited__", False):
            raise ComplianceRecordDeletion(
                f"{type(obj).__name__} {getattr(obj, 'id', '')} is a compliance record and cannot be "
                "deleted; record a correction or withdrawal instead"
            )


@event.listens_for(Session, "after_flush")
def _audit_changes(session: Session, flush_context) -> None:
    # History is still intact in after_flush, so the before-image can be rebuilt here.
    rows, info = [], session.info
    for obj in list(session.new):
        if getattr(obj, "__audited__", False):
            rows.append(_base_row(info, type(obj).__tablename__, str(obj.id), "create",
                                  None, obj.audit_snapshot()))
    for obj in list(session.dirty):
        if getattr(obj, "__audited__", False) and session.is_modified(obj, include_collections=False):
            before, after = _snapshot_before(obj), obj.audit_snapshot()
            if before != after:
                rows.append(_base_row(info, type(obj).__tablename__, str(obj.id), "update",
                                      before, after))
    if rows:
        _append(session, rows)


def verify_audit_trail(session: Session) -> tuple[int, BrokenLink | None]:
    """(entries checked, first broken link or None), reading the chain in seq order."""
    columns = [getattr(AuditEntry, name) for name in
               ("id", "seq", "at", "actor_id", "actor_label", "entity", "entity_id", "action",
                "before", "after", "reason", "prev_hash", "hash")]
    count = 0

    def entries():
        nonlocal count
        # yield_per streams through a server-side cursor on PostgreSQL; it must be closed even when
        # the check stops at the first broken link, or the cursor outlives the command.
        with session.execute(select(*columns).order_by(AuditEntry.seq)
                             .execution_options(yield_per=1000)) as result:
            for row in result:
                count += 1
                yield row._asdict()

    rows = entries()
    try:
        broken = first_broken_link(rows)
    finally:
        rows.close()
    return count, broken
