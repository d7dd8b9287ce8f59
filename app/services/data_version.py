"""The stored data's version (the head of the audit chain) and per-worker memos of read models keyed by it."""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.audit_chain import GENESIS_HASH
from app.models.audit import AuditEntry

T = TypeVar("T")


def data_version(session: Session) -> tuple[str, int, str]:
    """(database, seq, hash) of the newest audit entry: it changes with every change of a compliance record.

    Every create or update of a permit, limit, sample, result revision, NODI declaration or signed
    report writes an audit entry in the same transaction (DESIGN.md rule 6), and each entry's hash
    covers the one before it, so the head names the whole history: equal heads, equal records. A
    restored backup brings back an earlier head together with the data that head described.
    The query flushes the session first (autoflush), so its own pending changes count too.
    """
    head = session.execute(select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)).first()
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
