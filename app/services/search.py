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
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.audit import AuditEntry
from app.models.permit import Permit
from app.models.record import CalibrationEntry, CustodyTransfer
from app.models.search import SearchEntry
from app.services.search_entries import KEYS_MARK
from app.services import search_reads as reads
from app.services.search_index import index_pending
from app.services.search_match import MAX_WORD_LENGTH, MAX_WORDS, fts5_query, tsquery, words

__all__ = ["ENTITY_LABELS", "MAX_WORDS", "MAX_WORD_LENGTH", "SearchHit", "SearchGroup", "SearchOutcome",
           "search_terms", "term_pattern", "fts5_query", "tsquery", "search", "count_matches", "run_search",
           "permit_choices"]

ENTITY_LABELS: dict[str, str] = {
    "sample": "Samples", "result": "Results", "document": "Documents", "exceedance": "Exceedances",
    "notification_obligation": "Notifications", "noncompliance_event": "Noncompliance events",
    "signed_report": "Signed reports", "custody_transfer": "Custody transfers", "instrument": "Instruments",
    "calibration_entry": "Calibrations", "audit_entry": "Audit trail",
}
# The hits the search page shows: the best 25 (grouped by kind, each kind's count and a link to all of
# it beside them). Fifty cost every search twice the reading and rendering for hits below the fold.
HITS_ON_PAGE = 25
SNIPPET_LENGTH = 200

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
        return self.count > reads.COUNT_CAP


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
        return reads.COUNT_CAP


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


def _query(text: str | None, *, entity: str | None = None, permit_id: int | None = None, outfall: str | None = None,
           parameter_code: str | None = None, date_from: date | None = None,
           date_to: date | None = None) -> reads.Query | None:
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
    return reads.Query(text, entity, conditions)


def _hits(session: Session, q: reads.Query, limit: int, many: bool) -> list[SearchHit]:
    rows = reads.rows(session, q, limit, many)
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
    many = q.text is not None and sum(reads.capped_count(session, q, side=side)
                                      for side in reads.sides(q)) > reads.COUNT_CAP
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
    return reads.counts(session, q)


def run_search(session: Session, text: str | None, *, limit: int = HITS_ON_PAGE, **filters: Any) -> SearchOutcome:
    """The search page: the best hits, grouped by kind in order of their best hit, with counts."""
    q = _query(text, **filters)
    if q is None:
        return SearchOutcome([], [], 0, search_terms(text))
    index_pending(session)
    counts = reads.counts(session, q)
    many = sum(counts.values()) > reads.COUNT_CAP
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
