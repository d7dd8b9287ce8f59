"""The reads behind search: one side of the index at a time (the records, then the audit trail),
counted by kind up to COUNT_CAP, and the hits ranked or, past COUNT_CAP matches, the newest.

search.py turns what was typed into a Query and the rows read here into hits. COUNT_CAP and
NEWEST_WINDOWS_DAYS live here, where they are read, so that a test shrinking them changes every read.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models.search import SearchEntry
from app.services.search_match import AUDIT, full_text, is_postgresql, kind_conditions, matching_ids

# Counted exactly up to here; a count of COUNT_CAP + 1 stands for "more than COUNT_CAP".
COUNT_CAP = 1000
# The newest matches of a common word are looked for in the newest quarter, two years, then all
# (PostgreSQL: its GIN index holds no order, so each window's dates are intersected inside it, 0015).
NEWEST_WINDOWS_DAYS = (92, 732, None)
RECORDS, TRAIL = "records", "audit trail"  # the two sides of the index (sides)


@dataclass(frozen=True)
class Query:
    """What the user asked: words (None: none that can match), the record type, the other filters."""
    text: str | None
    entity: str | None
    conditions: list


def _side(q: Query, side: str, kind: str | None, not_kinds: Sequence[str]) -> tuple[str | None, tuple[str, ...]]:
    """The kind / kinds left out that one side of the index means: the audit trail, or the records."""
    if side == TRAIL:
        return AUDIT, ()
    kind = kind or q.entity
    # A record kind is the records' side already; leaving the trail out as well only made FTS5 walk its
    # 4.9 M-entry doclist beside the kind's (PostgreSQL still picks the records' index: _pg_kinds).
    return kind, tuple(not_kinds) if kind else (AUDIT, *not_kinds)


def sides(q: Query) -> list[str]:
    """The records first, then the audit trail, which restates every change to every record. Every
    full-text query reads one side: on PostgreSQL each side has its own GIN index (0015_search_sides)."""
    if q.entity == AUDIT:
        return [TRAIL]
    return [RECORDS] if q.entity else [RECORDS, TRAIL]


def _select(session: Session, q: Query, *columns, side: str, kind: str | None = None,
            not_kinds: Sequence[str] = (), ranked: bool = False) -> tuple[Any, Any]:
    """(SELECT columns of one side's matches of q, narrowed to a kind or away from some; its ranking or None)."""
    kind, not_kinds = _side(q, side, kind, not_kinds)
    if q.text is None:
        return select(*columns).where(*kind_conditions(kind, not_kinds), *q.conditions), None
    # With words, the kind is matched inside the full-text index, not read from each matching row.
    source, match, ranking = full_text(session, q.text, kind=kind, not_kinds=not_kinds, ranked=ranked)
    return select(*columns).select_from(source).where(match, *q.conditions), ranking


def _matching_ids(q: Query, side: str, kind: str | None = None) -> Any:
    """SQLite: the ids of one side's entries matching q's words, from the FTS5 index alone."""
    kind, not_kinds = _side(q, side, kind, ())
    return matching_ids(q.text, kind=kind, not_kinds=not_kinds)


def capped_count(session: Session, q: Query, *, side: str, kind: str | None = None) -> int:
    """How many entries of one side match, counting no further than COUNT_CAP + 1."""
    if q.text is not None and not q.conditions and not is_postgresql(session):
        inner = _matching_ids(q, side, kind)  # FTS5 alone: no entry row is read
    else:
        inner = _select(session, q, SearchEntry.id, side=side, kind=kind)[0]
    return session.scalar(select(func.count()).select_from(inner.limit(COUNT_CAP + 1).subquery()))


def side_counts(session: Session, q: Query, side: str) -> dict[str, int]:
    """One side's matches by kind, each exact up to COUNT_CAP, so that a kind with three matches says 3
    even when another has fifty thousand. A pass reads at most COUNT_CAP + 1 matches; when it fills,
    the kinds that filled it are counted alone and the next pass looks for the others without them (a
    common word: the results fill the first pass; documents and notices are found by the second)."""
    counts: dict[str, int] = {}
    left_out: list[str] = []
    while True:
        inner = _select(session, q, SearchEntry.entity, side=side, not_kinds=left_out)[0].limit(COUNT_CAP + 1)
        inner = inner.subquery()
        seen = dict(session.execute(select(inner.c.entity, func.count()).group_by(inner.c.entity)).all())
        if sum(seen.values()) <= COUNT_CAP:
            return counts | seen  # every remaining match was read: exact
        if side == TRAIL or q.entity:
            return {q.entity or AUDIT: COUNT_CAP + 1}
        crowded = [kind for kind, n in seen.items() if n * 10 >= COUNT_CAP] or [max(seen, key=seen.get)]
        # A kind that filled the whole pass has more than COUNT_CAP already: no need to count it again.
        counts.update((kind, COUNT_CAP + 1 if seen[kind] > COUNT_CAP
                       else capped_count(session, q, side=side, kind=kind)) for kind in crowded)
        left_out += crowded


def counts(session: Session, q: Query) -> dict[str, int]:
    return {kind: n for side in sides(q) for kind, n in side_counts(session, q, side).items()}


def _newest(session: Session, q: Query, columns: Sequence[Any], limit: int, side: str) -> list[Any]:
    """One side's newest `limit` matches (record date, then id, newest first; undated last)."""
    if is_postgresql(session):
        order = (SearchEntry.record_date.desc().nulls_last(), SearchEntry.id.desc())
        query = _select(session, q, *columns, side=side)[0].order_by(*order).limit(limit)
        anchor = session.scalar(select(func.max(SearchEntry.record_date)))
        for days in NEWEST_WINDOWS_DAYS:
            # A window holding `limit` matches holds the newest `limit`: everything outside it is older.
            window = [] if days is None or anchor is None else [SearchEntry.record_date >= anchor - timedelta(days)]
            rows = session.execute(query.where(*window)).all()
            if len(rows) >= limit or not window:
                return rows
    # SQLite sorts NULL below every date, so DESC puts undated entries last, as on PostgreSQL; the
    # matching ids come from FTS5 alone and the record-date index is read from its newest end.
    order = (SearchEntry.record_date.desc(), SearchEntry.id.desc())
    if q.text is None:
        query = _select(session, q, *columns, side=side)[0]
    else:
        # "id + 0": the matching ids are a set to test each entry against, not a list to look up one by
        # one (tens of thousands for a common word); the plan walks the record-date index instead.
        query = select(*columns).where((SearchEntry.id + 0).in_(_matching_ids(q, side)), *q.conditions)
    return session.execute(query.order_by(*order).limit(limit)).all()


def _ranked(session: Session, q: Query, columns: Sequence[Any], limit: int, side: str) -> list[Any]:
    query, ranking = _select(session, q, *columns, side=side, ranked=True)
    order = (ranking, SearchEntry.record_date.desc().nulls_last(), SearchEntry.id.desc())
    return session.execute(query.order_by(*order).limit(limit)).all()


def rows(session: Session, q: Query, limit: int, many: bool) -> list[Any]:
    columns = (SearchEntry.entity, SearchEntry.entity_id, SearchEntry.title, SearchEntry.body,
               SearchEntry.record_date, SearchEntry.outfall, SearchEntry.parameter_code)
    read = _ranked if q.text is not None and not many else _newest
    rows: list[Any] = []
    for side in sides(q):
        if len(rows) < limit:
            rows += read(session, q, columns, limit - len(rows), side)
    return rows
