"""Finding any record from a few typed words: full text on SQLite FTS5 or PostgreSQL, plus filters."""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import case, column, func, literal_column, select, table
from sqlalchemy.dialects import postgresql  # noqa: F401  (gives func.to_tsvector & co. their PostgreSQL types)
from sqlalchemy.orm import Session

from app.models.audit import AuditEntry
from app.models.permit import Permit
from app.models.record import CalibrationEntry, CustodyTransfer
from app.models.search import SearchEntry
from app.services.search_entries import KEYS_MARK
from app.services.search_index import index_pending

ENTITY_LABELS: dict[str, str] = {
    "sample": "Samples", "result": "Results", "document": "Documents", "exceedance": "Exceedances",
    "notification_obligation": "Notifications", "noncompliance_event": "Noncompliance events",
    "signed_report": "Signed reports", "custody_transfer": "Custody transfers", "instrument": "Instruments",
    "calibration_entry": "Calibrations", "audit_entry": "Audit trail",
}
MAX_WORDS = 12
MAX_WORD_LENGTH = 80
SNIPPET_LENGTH = 200

_RUN = re.compile(r"[^\W_]+")
_FTS = table("search_fts", column("rowid"))
_SIMPLE = literal_column("'simple'")


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
    count: int  # every match of this kind, not only the hits shown
    hits: list[SearchHit] = field(default_factory=list)


@dataclass(frozen=True)
class SearchOutcome:
    hits: list[SearchHit]
    groups: list[SearchGroup]
    total: int
    terms: list[str]


def _words(text: str | None) -> list[str]:
    """The user's words that can match anything: each holds a letter or digit; control characters go."""
    cleaned = "".join(ch if ch.isprintable() else " " for ch in (text or ""))
    return [w[:MAX_WORD_LENGTH] for w in cleaned.split() if _RUN.search(w)][:MAX_WORDS]


def search_terms(text: str | None) -> list[str]:
    """The letter/digit runs of the user's words, lower case: what is matched and highlighted."""
    terms: dict[str, None] = {}
    for word in _words(text):
        terms.update((run.lower(), None) for run in _RUN.findall(word))
    return list(terms)


def term_pattern(terms: Sequence[str]) -> re.Pattern | None:
    """Where a term matches: at the start of a letter or digit run ("2510" in L2510, not "51" in it)."""
    if not terms:
        return None
    parts = [(r"(?<!\d)" if term[0].isdigit() else r"(?<![^\W\d_])") + re.escape(term)
             for term in sorted(terms, key=len, reverse=True)]
    return re.compile("|".join(parts), re.IGNORECASE)


def fts5_query(text: str | None) -> str:
    """Each word a quoted prefix term: FTS5 reads nothing in it as syntax (AND, NEAR(, *, -)."""
    return " ".join('"' + word.replace('"', '""') + '"*' for word in _words(text))


def tsquery(text: str | None) -> str:
    """Every letter/digit run as a prefix lexeme, all required; nothing else ever reaches to_tsquery."""
    return " & ".join(f"{term}:*" for term in search_terms(text))


def _filters(entity, permit_id, outfall, parameter_code, date_from, date_to) -> list:
    conditions = []
    for column_, value in ((SearchEntry.entity, entity), (SearchEntry.permit_id, permit_id),
                           (SearchEntry.outfall, outfall), (SearchEntry.parameter_code, parameter_code)):
        if value not in (None, ""):
            conditions.append(column_ == value)
    if date_from is not None:
        conditions.append(SearchEntry.record_date >= date_from)
    if date_to is not None:
        conditions.append(SearchEntry.record_date <= date_to)
    return conditions


def _full_text(session: Session, text: str) -> tuple[Any, Any, Any]:
    """(FROM clause, match condition, ordering by relevance) for this engine."""
    if session.connection().dialect.name == "postgresql":
        # The exact expression of the GIN index ix_search_entry_fts (migration 0007): any other
        # spelling and PostgreSQL reads the whole table.
        document = func.to_tsvector(_SIMPLE, SearchEntry.title + literal_column("' '") + SearchEntry.body)
        query = func.to_tsquery(_SIMPLE, tsquery(text))
        # Ranked on the title weighted A over the body, as FTS5's bm25 weighs the title ten to one.
        weighted = func.setweight(func.to_tsvector(_SIMPLE, SearchEntry.title), literal_column("'A'")).op("||")(
            func.to_tsvector(_SIMPLE, SearchEntry.body))
        return SearchEntry.__table__, document.op("@@")(query), func.ts_rank(weighted, query).desc()
    source = _FTS.join(SearchEntry.__table__, SearchEntry.id == _FTS.c.rowid)
    # A title match weighs ten times a body match; bm25 is lower for better matches.
    ranked = func.bm25(literal_column("search_fts"), literal_column("10.0"), literal_column("1.0"))
    return source, literal_column("search_fts").op("MATCH")(fts5_query(text)), ranked.asc()


def _matching(session: Session, text: str | None, conditions: list, *columns) -> Any:
    if not search_terms(text):
        return select(*columns).where(*conditions), None
    source, match, ranking = _full_text(session, text)
    return select(*columns).select_from(source).where(match, *conditions), ranking


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


def search(session: Session, text: str | None, *, entity: str | None = None, permit_id: int | None = None,
           outfall: str | None = None, parameter_code: str | None = None, date_from: date | None = None,
           date_to: date | None = None, limit: int = 50) -> list[SearchHit]:
    """The records matching every word (a prefix of it), best first, then newest.

    Without words, the newest records the filters select; without words or filters, nothing.
    """
    conditions = _filters(entity, permit_id, outfall, parameter_code, date_from, date_to)
    if not search_terms(text) and not conditions:
        return []
    index_pending(session)  # what this transaction changed is found too, committed or not
    columns = (SearchEntry.entity, SearchEntry.entity_id, SearchEntry.title, SearchEntry.body,
               SearchEntry.record_date, SearchEntry.outfall, SearchEntry.parameter_code)
    query, ranking = _matching(session, text, conditions, *columns)
    # The audit trail restates every change to every record: the records themselves come first.
    order = [case((SearchEntry.entity == "audit_entry", 1), else_=0)] + ([ranking] if ranking is not None else [])
    rows = session.execute(query.order_by(*order, SearchEntry.record_date.desc().nulls_last(),
                                          SearchEntry.id.desc()).limit(limit)).all()
    pattern, pages = term_pattern(search_terms(text)), _pages(session, rows)
    return [SearchHit(row.entity, row.entity_id, row.title, _snippet(row.body, pattern), row.record_date,
                      row.outfall, row.parameter_code, *pages[(row.entity, row.entity_id)]) for row in rows]


def count_matches(session: Session, text: str | None, *, entity: str | None = None, permit_id: int | None = None,
                  outfall: str | None = None, parameter_code: str | None = None, date_from: date | None = None,
                  date_to: date | None = None) -> dict[str, int]:
    """How many records of each kind match, however many search() shows."""
    conditions = _filters(entity, permit_id, outfall, parameter_code, date_from, date_to)
    if not search_terms(text) and not conditions:
        return {}
    index_pending(session)
    query, _ranking = _matching(session, text, conditions, SearchEntry.entity, func.count(SearchEntry.id))
    return dict(session.execute(query.group_by(SearchEntry.entity)).all())


def run_search(session: Session, text: str | None, *, limit: int = 50, **filters: Any) -> SearchOutcome:
    """The search page: the best hits, grouped by kind in order of their best hit, with counts."""
    hits = search(session, text, limit=limit, **filters)
    counts = count_matches(session, text, **filters)
    groups: dict[str, list[SearchHit]] = {}
    for hit in hits:
        groups.setdefault(hit.entity, []).append(hit)
    # Kinds that matched but had no room among the hits still show their count, in the usual order.
    known = list(ENTITY_LABELS)
    order = list(groups) + sorted(set(counts) - set(groups), key=lambda e: known.index(e) if e in known else len(known))
    found = [SearchGroup(e, ENTITY_LABELS.get(e, e.replace("_", " ")), counts.get(e, len(groups.get(e, []))),
                         groups.get(e, [])) for e in order]
    return SearchOutcome(hits, found, sum(counts.values()), search_terms(text))


def permit_choices(session: Session) -> list[tuple[int, str]]:
    """(id, number) of every permit, for the search page's permit filter."""
    return [tuple(row) for row in session.execute(select(Permit.id, Permit.number).order_by(Permit.number))]
