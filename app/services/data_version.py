"""The stored data's version (the head of the audit chain) and per-worker memos of read models keyed by it."""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Collection, Hashable
from typing import Generic, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.audit_chain import GENESIS_HASH
from app.models.audit import AuditEntry

T = TypeVar("T")


def data_version(session: Session, entities: Collection[str] | None = None) -> tuple[str, int, str]:
    """(database, seq, hash) of the newest audit entry (about one of `entities`, the audited tables, if given).

    Every create or update of a compliance record writes an audit entry in the same transaction
    (DESIGN.md rule 6), and each entry's hash covers the one before it, so the head names the whole
    history: equal heads, equal records. With `entities`, the newest entry about those tables names
    their state: a sign-in or an obligation's progress moves the chain on but not that head. A restored
    backup brings back an earlier head together with the data that head described. The query flushes
    the session first (autoflush), so its own pending changes count too.
    """
    query = select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    if entities is not None:
        entity = AuditEntry.entity
        if session.get_bind().dialect.name == "sqlite":
            # Walk the chain back from its head (the unique seq index) until an entry about these tables:
            # without statistics SQLite would rather read every entry about them through ix_audit_entry_entity
            # and sort them all, 0.8 s for the bench's 250,000. `|| ''` keeps the term off that index.
            entity = entity + ""
        query = query.where(entity.in_(sorted(entities)))
    head = session.execute(query).first()
    database = session.get_bind().url.render_as_string(hide_password=True)
    return (database, 0, GENESIS_HASH) if head is None else (database, head.seq, head.hash)


class VersionedMemo(Generic[T]):
    """A bounded, per-process memo of values computed from stored data; callers put data_version in the key.

    Each gunicorn worker keeps its own: nothing is shared between processes, so nothing needs
    invalidating, and a key of an older version is simply never asked for again and ages out. The
    value must not hold ORM objects (they belong to the session that loaded them).
    """

    def __init__(self, size: int):
        self.size = size
        self._values: OrderedDict[Hashable, T] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
        value = compute()  # outside the lock: a slow build must not hold up other threads' hits
        with self._lock:
            self._values[key] = value
            while len(self._values) > self.size:
                self._values.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
