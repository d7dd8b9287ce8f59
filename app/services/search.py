"""Finding any record from a few typed words: full text on SQLite FTS5 or PostgreSQL, plus filters.

Two regimes, so that a search at ten years of records stays instant (issue 7, bench search_p95):
- up to COUNT_CAP matches: every match is counted by kind and ranked, best first, then newest;
- more than COUNT_CAP (a common word: "copper" matches tens of thousands of entries): ranking them
  all would read every one, and the order among thousands of like entries says little. The counts
  stop at COUNT_CAP ("more than 1,000") and the hits are the newest matches, records before the
  audit trail, each read through the index from the newest end.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models.audit import AuditEntry
from app.models.permit import Permit
from app.models.record import CalibrationEntry, CustodyTransfer
from app.models.search import SearchEntry
from app.services.search_entries import KEYS_MARK
from app.services.search_index import index_pending
from app.services.search_match import (AUDIT, MAX_WORD_LENGTH, MAX_WORDS, fts5_query, full_text, is_postgresql,
                                       kind_conditions, matching_ids, tsquery, words)

__all__ = ["ENTITY_LABELS", "COUNT_CAP", "MAX_WORDS", "MAX_WORD_LENGTH", "SearchHit", "SearchGroup", "SearchOutcome",
           "search_terms", "term_pattern", "fts5_query", "tsquery", "search", "count_matches", "run_search",
           "permit_choices"]

ENTITY_LABELS: dict[str, str] = {
    "sample": "Samples", "result": "Results", "document": "Documents", "exceedance": "Exceedances",
    "notification_obligation": "Notifications", "noncompliance_event": "Noncompliance events",
    "signed_report": "Signed reports", "custody_transfer": "Custody transfers", "instrument": "Instruments",
    "calibration_entry": "Calibrations", "audit_entry": "Audit trail",
}
# Counted exactly up to here; a count of COUNT_CAP + 1 stands for "more than COUNT_CAP".
COUNT_CAP = 1000
# The hits the search page shows: the best 25 (grouped by kind, each kind's count and a link to all of
# it beside them). Fifty cost every search twice the reading and rendering for hits below the fold.
HITS_ON_PAGE = 25
SNIPPET_LENGTH = 200
# The newest matches of a common word are looked for in the newest quarter, two years, then all
# (PostgreSQL: its GIN index holds no order, so each window's dates are intersected inside it, 0015).
NEWEST_WINDOWS_DAYS = (92, 732, None)
RECORDS, TRAIL = "records", "audit trail"  # the two sides of the index (_sides)

_RUN = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class SearchHit:
    entity: str
    entity_id: str
    title: str
    snippet: str
    record_date: date | None
    outfall: str | None
    parameter_code: str | None
    # The record whose page shows this hit (a calibration is shown on its instrument's page), or
    # None when only the audit trail shows it; and the audit-trail filter that finds it.
    page: tuple[str, str] | None = None
    trail: tuple[str, str] = ("", "")


@dataclass(frozen=True)
class SearchGroup:
    entity: str
    label: str
    count: int  # every match of this kind, not only the hits shown; COUNT_CAP + 1: more than COUNT_CAP
    hits: list[SearchHit] = field(default_factory=list)

    @property
    def more(self) -> bool:
        return self.count > COUNT_CAP


@dataclass(frozen=True)
class SearchOutcome:
    hits: list[SearchHit]
    groups: list[SearchGroup]
    total: int
    terms: list[str]
    # More than COUNT_CAP records match: the hits are the newest, the counts are lower bounds.
    newest_first: bool = False

    @property
    def count_cap(self) -> int:
        return COUNT_CAP


def search_terms(text: str | None) -> list[str]:
    """The letter/digit runs of the user's words, lower case: what is matched and highlighted."""
    terms: dict[str, None] = {}
    for word in words(text):
        terms.update((run.lower(), None) for run in _RUN.findall(word))
    return list(terms)


def term_pattern(terms: Sequence[str]) -> re.Pattern | None:
    """Where a term matches: at the start of a letter or digit run ("2510" in L2510, not "51" in it)."""
    if not terms:
        return None
    parts = [(r"(?<!\d)" if term[0].isdigit() else r"(?<![^\W\d_])") + re.escape(term)
             for term in sorted(terms, key=len, reverse=True)]
    return re.compile("|".join(parts), re.IGNORECASE)


def _snippet(body: str, pattern: re.Pattern | None) -> str:
    text = " · ".join(line.strip() for line in body.split(KEYS_MARK)[0].splitlines() if line.strip())
    found = pattern.search(text) if pattern else None
    start = 0
    if found and found.start() > SNIPPET_LENGTH // 3:
        start = text.rfind(" ", 0, found.start() - SNIPPET_LENGTH // 3) + 1
    end = start + SNIPPET_LENGTH
    if end < len(text):
        end = text.rfind(" ", start, end) if text.rfind(" ", start, end) > start else end
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")


def _pages(session: Session, rows: Sequence[Any]) -> dict[tuple[str, str], tuple[tuple[str, str] | None,
                                                                                  tuple[str, str]]]:
    """(page, audit-trail filter) of each hit; three kinds are shown on another record's page."""
    ids: dict[str, list[int]] = {}
    for row in rows:
        if row.entity in ("calibration_entry", "custody_transfer", "audit_entry"):
            ids.setdefault(row.entity, []).append(int(row.entity_id))
    pages = {(r.entity, r.entity_id): ((r.entity, r.entity_id), (r.entity, r.entity_id)) for r in rows}
    for entity, model, owner, column_ in (("calibration_entry", CalibrationEntry, "instrument", "instrument_id"),
                                          ("custody_transfer", CustodyTransfer, "sample", "sample_pk")):
        if entity in ids:
            for record_id, owner_id in session.execute(select(model.id, getattr(model, column_))
                                                       .where(model.id.in_(ids[entity]))):
                pages[(entity, str(record_id))] = ((owner, str(owner_id)), (entity, str(record_id)))
    if "audit_entry" in ids:
        audited = select(AuditEntry.id, AuditEntry.entity, AuditEntry.entity_id).where(
            AuditEntry.id.in_(ids["audit_entry"]))
        for record_id, entity, entity_id in session.execute(audited):
            pages[("audit_entry", str(record_id))] = (None, (entity, entity_id))
    return pages


@dataclass(frozen=True)
class _Query:
    """What the user asked: words (None: none that can match), the record type, the other filters."""
    text: str | None
    entity: str | None
    conditions: list


def _query(text: str | None, *, entity: str | None = None, permit_id: int | None = None, outfall: str | None = None,
           parameter_code: str | None = None, date_from: date | None = None,
           date_to: date | None = None) -> _Query | None:
    """None when there is nothing to look for: no word that can match and no filter."""
    conditions = []
    for column_, value in ((SearchEntry.permit_id, permit_id), (SearchEntry.outfall, outfall),
                           (SearchEntry.parameter_code, parameter_code)):
        if value not in (None, ""):
            conditions.append(column_ == value)
    if date_from is not None:
        conditions.append(SearchEntry.record_date >= date_from)
    if date_to is not None:
        conditions.append(SearchEntry.record_date <= date_to)
    entity = entity or None
    text = text if search_terms(text) else None
    if text is None and entity is None and not conditions:
        return None
    return _Query(text, entity, conditions)


def _side(q: _Query, side: str, kind: str | None, not_kinds: Sequence[str]) -> tuple[str | None, tuple[str, ...]]:
    """The kind / kinds left out that one side of the index means: the audit trail, or the records."""
    if side == TRAIL:
        return AUDIT, ()
    kind = kind or q.entity
    # A record kind is the records' side already; leaving the trail out as well only made FTS5 walk its
    # 4.9 M-entry doclist beside the kind's (PostgreSQL still picks the records' index: _pg_kinds).
    return kind, tuple(not_kinds) if kind else (AUDIT, *not_kinds)


def _sides(q: _Query) -> list[str]:
    """The records first, then the audit trail, which restates every change to every record. Every
    full-text query reads one side: on PostgreSQL each side has its own GIN index (0015_search_sides)."""
    if q.entity == AUDIT:
        return [TRAIL]
    return [RECORDS] if q.entity else [RECORDS, TRAIL]


def _select(session: Session, q: _Query, *columns, side: str, kind: str | None = None,
            not_kinds: Sequence[str] = (), ranked: bool = False) -> tuple[Any, Any]:
    """(SELECT columns of one side's matches of q, narrowed to a kind or away from some; its ranking or None)."""
    kind, not_kinds = _side(q, side, kind, not_kinds)
    if q.text is None:
        return select(*columns).where(*kind_conditions(kind, not_kinds), *q.conditions), None
    # With words, the kind is matched inside the full-text index, not read from each matching row.
    source, match, ranking = full_text(session, q.text, kind=kind, not_kinds=not_kinds, ranked=ranked)
    return select(*columns).select_from(source).where(match, *q.conditions), ranking


def _matching_ids(q: _Query, side: str, kind: str | None = None) -> Any:
    """SQLite: the ids of one side's entries matching q's words, from the FTS5 index alone."""
    kind, not_kinds = _side(q, side, kind, ())
    return matching_ids(q.text, kind=kind, not_kinds=not_kinds)


def _capped_count(session: Session, q: _Query, *, side: str, kind: str | None = None) -> int:
    """How many entries of one side match, counting no further than COUNT_CAP + 1."""
    if q.text is not None and not q.conditions and not is_postgresql(session):
        inner = _matching_ids(q, side, kind)  # FTS5 alone: no entry row is read
    else:
        inner = _select(session, q, SearchEntry.id, side=side, kind=kind)[0]
    return session.scalar(select(func.count()).select_from(inner.limit(COUNT_CAP + 1).subquery()))


def _side_counts(session: Session, q: _Query, side: str) -> dict[str, int]:
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
                       else _capped_count(session, q, side=side, kind=kind)) for kind in crowded)
        left_out += crowded


def _counts(session: Session, q: _Query) -> dict[str, int]:
    return {kind: n for side in _sides(q) for kind, n in _side_counts(session, q, side).items()}


def _newest(session: Session, q: _Query, columns: Sequence[Any], limit: int, side: str) -> list[Any]:
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


def _ranked(session: Session, q: _Query, columns: Sequence[Any], limit: int, side: str) -> list[Any]:
    query, ranking = _select(session, q, *columns, side=side, ranked=True)
    order = (ranking, SearchEntry.record_date.desc().nulls_last(), SearchEntry.id.desc())
    return session.execute(query.order_by(*order).limit(limit)).all()


def _rows(session: Session, q: _Query, limit: int, many: bool) -> list[Any]:
    columns = (SearchEntry.entity, SearchEntry.entity_id, SearchEntry.title, SearchEntry.body,
               SearchEntry.record_date, SearchEntry.outfall, SearchEntry.parameter_code)
    read = _ranked if q.text is not None and not many else _newest
    rows: list[Any] = []
    for side in _sides(q):
        if len(rows) < limit:
            rows += read(session, q, columns, limit - len(rows), side)
    return rows


def _hits(session: Session, q: _Query, limit: int, many: bool) -> list[SearchHit]:
    rows = _rows(session, q, limit, many)
    pattern, pages = term_pattern(search_terms(q.text)), _pages(session, rows)
    return [SearchHit(row.entity, row.entity_id, row.title, _snippet(row.body, pattern), row.record_date,
                      row.outfall, row.parameter_code, *pages[(row.entity, row.entity_id)]) for row in rows]


def search(session: Session, text: str | None, *, entity: str | None = None, permit_id: int | None = None,
           outfall: str | None = None, parameter_code: str | None = None, date_from: date | None = None,
           date_to: date | None = None, limit: int = 50) -> list[SearchHit]:
    """The records matching every word (the last one may be the start of a word): best first, then
    newest; past COUNT_CAP matches, the newest. Records before audit entries. Without words, the newest
    records the filters select; without words or filters, nothing."""
    q = _query(text, entity=entity, permit_id=permit_id, outfall=outfall, parameter_code=parameter_code,
               date_from=date_from, date_to=date_to)
    if q is None:
        return []
    index_pending(session)  # what this transaction changed is found too, committed or not
    many = q.text is not None and sum(_capped_count(session, q, side=side) for side in _sides(q)) > COUNT_CAP
    return _hits(session, q, limit, many)


def count_matches(session: Session, text: str | None, *, entity: str | None = None, permit_id: int | None = None,
                  outfall: str | None = None, parameter_code: str | None = None, date_from: date | None = None,
                  date_to: date | None = None) -> dict[str, int]:
    """How many records of each kind match, however many search() shows; exact up to COUNT_CAP, and
    COUNT_CAP + 1 for a kind with more."""
    q = _query(text, entity=entity, permit_id=permit_id, outfall=outfall, parameter_code=parameter_code,
               date_from=date_from, date_to=date_to)
    if q is None:
        return {}
    index_pending(session)
    return _counts(session, q)


def run_search(session: Session, text: str | None, *, limit: int = HITS_ON_PAGE, **filters: Any) -> SearchOutcome:
    """The search page: the best hits, grouped by kind in order of their best hit, with counts."""
    q = _query(text, **filters)
    if q is None:
        return SearchOutcome([], [], 0, search_terms(text))
    index_pending(session)
    counts = _counts(session, q)
    many = sum(counts.values()) > COUNT_CAP
    hits = _hits(session, q, limit, many)
    groups: dict[str, list[SearchHit]] = {}
    for hit in hits:
        groups.setdefault(hit.entity, []).append(hit)
    # Kinds that matched but had no room among the hits still show their count, in the usual order.
    known = list(ENTITY_LABELS)
    order = list(groups) + sorted(set(counts) - set(groups), key=lambda e: known.index(e) if e in known else len(known))
    found = [SearchGroup(e, ENTITY_LABELS.get(e, e.replace("_", " ")), counts.get(e, len(groups.get(e, []))),
                         groups.get(e, [])) for e in order]
    return SearchOutcome(hits, found, sum(counts.values()), search_terms(text), newest_first=many)


def permit_choices(session: Session) -> list[tuple[int, str]]:
    """(id, number) of every permit, for the search page's permit filter."""
    return [tuple(row) for row in session.execute(select(Permit.id, Permit.number).order_by(Permit.number))]
