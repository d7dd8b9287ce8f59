"""The bulk import stores exactly what storing the same rows one by one through record_result stores.

The same scenario runs twice on an emptied database (so ids come out alike): once through
import_results (bulk path), once row by row through record_result and then the import's own final
evaluation. Every stored row, audit entry (kinds, snapshots, reasons; the chain verifies) and search
entry must be the same, apart from the clock readings each path takes for itself.
"""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, select

from app.domain.periods import parse_period
from app.models.audit import AuditEntry
from app.models.compliance import Exceedance, NotificationObligation
from app.models.monitoring import Result, ResultRevision, Sample
from app.models.permit import Permit
from app.models.schedule import SamplingEvent
from app.models.search import SearchEntry
from app.services.audit import verify_audit_trail
from app.services.exceedances import evaluate_months, months_touched
from app.services.permits import import_permit_definition
from app.services.result_import import import_results
from app.services.results import record_result
from app.services.sampling_schedule import generate_schedule
from app.services.search import run_search
from app.services.users import create_user
from tests.conftest import _wipe
from tests.factories import permit_document

NOW = datetime(2026, 3, 20, 12, 0, tzinfo=timezone.utc)
CLOCK_COLUMNS = {"at", "created_at", "updated_at", "generated_at", "imported_at"}  # each path reads utcnow() for itself


def _row(sample, code, day, value, unit="mg/L", **extra):
    return {"permit": "CT0000001", "outfall": "001", "parameter_code": code, "sample_id": sample,
            "sampled_at": f"{day}T08:00", "value": value, "unit": unit, "sample_type": "composite",
            "received_at": "2026-03-19T10:00", **extra}


def _rows() -> list[dict]:
    rows = []
    for n, day in enumerate(["2026-02-26", "2026-02-27", "2026-03-02", "2026-03-03", "2026-03-05", "2026-03-10",
                             "2026-03-12", "2026-03-17"], start=1):
        # TSS above its 60 mg/L daily maximum on two days, copper (24-hour listed, RULES 5.1) on one.
        rows.append(_row(f"C-{n}", "00530", day, "75" if n in (3, 6) else "20",
                         collector="R. Diaz" if n == 2 else None))
        rows.append(_row(f"C-{n}", "01042", day, "1.8" if n == 6 else "0.2",
                         collector="R. Diaz" if n == 4 else None))  # fills a blank of its own sample's record
        rows.append(_row(f"C-{n}", "01092", day, "0.3", qualifier="<" if n % 2 else ""))
        rows.append(_row(f"F-{n}", "50050", day, "1.2", unit="MGD", sample_type="continuous"))
    rows.append(_row("P-1", "00400", "2026-03-11", "9.6", unit="SU", sample_type="grab"))
    # Already stored before the file: unchanged, corrected, and a stored sample the file adds a result to.
    rows.append(_row("OLD-1", "00530", "2026-03-04", "20"))
    rows.append(_row("OLD-2", "00530", "2026-03-06", "70", correction_reason="lab re-ran the sample"))
    rows.append(_row("OLD-3", "01042", "2026-03-09", "0.2"))
    rows.append(_row("OLD-4", "01092", "2026-03-09", "0.2", collector="K. Obi"))  # fills the stored sample's record
    return rows


def _setup(db) -> tuple[int, str]:
    import_permit_definition(db.session, permit_document("npdes"))
    user = create_user(db.session, email="lab@test.example", name="Lab", role="labtech", password=None)
    permit = db.session.scalar(select(Permit))
    generate_schedule(db.session, permit, today=date(2026, 3, 18), horizon_days=30)
    for raw in (_row("OLD-1", "00530", "2026-03-04", "20"), _row("OLD-2", "00530", "2026-03-06", "22", collector="R. Diaz"),
                _row("OLD-3", "00530", "2026-03-09", "25"), _row("OLD-4", "00530", "2026-03-09", "25")):
        record_result(db.session, raw, now=NOW, actor_id=user.id, actor_label=user.email)
    db.session.commit()
    return user.id, user.email


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if k not in CLOCK_COLUMNS}
    return value


def _table(db, model) -> list[dict]:
    table = model.__table__
    return [_plain(dict(row._mapping)) for row in db.session.execute(select(table).order_by(table.c.id))]


def _stored(db) -> dict:
    audit = [_plain({k: getattr(e, k) for k in ("seq", "actor_id", "actor_label", "entity", "entity_id", "action",
                                                  "before", "after", "reason")})
             for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq))]
    hits = {word: [(h.entity, h.entity_id, h.title) for h in run_search(db.session, word).hits]
            for word in ("C-3", "OLD-2", "copper", "R. Diaz")}
    return {"samples": _table(db, Sample), "results": _table(db, Result), "revisions": _table(db, ResultRevision),
            "exceedances": _table(db, Exceedance), "obligations": _table(db, NotificationObligation),
            "audit": audit, "hits": hits,
            # The index's own row ids follow the order its batches were written in, not the records.
            "search": sorted(({k: v for k, v in e.items() if k != "id"} for e in _table(db, SearchEntry)),
                             key=lambda e: (e["entity"], int(e["entity_id"])))}


def _row_by_row(db, actor_id, actor_label) -> None:
    """The row path: record_result for each row, then the import's evaluation of every touched month."""
    touched: dict[tuple, set] = {}
    for raw in _rows():
        outcome = record_result(db.session, raw, now=NOW, actor_id=actor_id, actor_label=actor_label,
                                evaluate=False)
        if outcome.status == "unchanged":
            continue
        result = db.session.get(Result, outcome.result_id)
        days = {date.fromisoformat(raw["sampled_at"][:10])}
        if outcome.status == "revised":
            days |= {r.sample_date for r in result.revisions}
        touched.setdefault((result.permit_id, result.outfall, result.parameter_code, result.monitoring_location),
                           set()).update(m.label for d in days for m in months_touched(d))
    for (permit_id, outfall, code, location), months in sorted(touched.items()):
        evaluate_months(db.session, db.session.get(Permit, permit_id), outfall, code, location,
                        [parse_period(m) for m in months], reason="results imported")


def test_bulk_import_stores_what_record_result_stores_row_by_row(db):
    actor = _setup(db)
    report = import_results(db.session, lambda: iter(enumerate(_rows(), start=1)), now=NOW,
                            actor_id=actor[0], actor_label=actor[1])
    assert (report.imported, report.revised, report.unchanged, report.rejected) == (35, 1, 1, 0), report.problems
    db.session.commit()
    bulk = _stored(db)
    assert verify_audit_trail(db.session)[1] is None

    db.session.remove()
    _wipe(db)
    actor = _setup(db)
    _row_by_row(db, *actor)
    db.session.commit()
    rows = _stored(db)
    assert verify_audit_trail(db.session)[1] is None

    # The scenario reaches every branch the comparison is meant to cover.
    assert any(s["sampling_event_id"] for s in rows["samples"])
    assert {e["parameter_code"] for e in rows["exceedances"]} >= {"00530", "01042", "00400"}
    assert rows["obligations"]
    assert {(a["entity"], a["action"]) for a in rows["audit"]} >= {("sample", "update"), ("result", "update")}
    assert all(rows["hits"].values())
    for part in bulk:
        assert bulk[part] == rows[part], part


def _count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_bad_last_row_stores_nothing(db):
    _setup(db)
    before = [_count(db, m) for m in (Sample, Result, ResultRevision, AuditEntry, Exceedance)]
    rows = _rows()[:-4] + [_row("Z-1", "00530", "2026-03-13", "twelve")]
    report = import_results(db.session, lambda: iter(enumerate(rows, start=1)), now=NOW)
    assert not report.stored and report.imported == 0 and report.rejected == 1
    assert [str(p) for p in report.problems] == [
        f"row {len(rows)}, column value 'twelve': expected a decimal number such as 12.5, got 'twelve'"]
    db.session.rollback()
    assert [_count(db, m) for m in (Sample, Result, ResultRevision, AuditEntry, Exceedance)] == before


def test_skip_invalid_stores_the_good_rows_in_bulk(db):
    _setup(db)
    rows = _rows()[:8] + [_row("Z-1", "00530", "2026-03-13", "twelve"), _rows()[0]]
    report = import_results(db.session, lambda: iter(enumerate(rows, start=1)), now=NOW, skip_invalid=True)
    assert report.stored and (report.imported, report.rejected) == (8, 2)
    assert [p.message for p in report.problems] == [
        "expected a decimal number such as 12.5, got 'twelve'",
        "duplicate of row 1 (same permit, sample_id and parameter_code)"]
    assert {r.sample_id for r in db.session.scalars(select(Result))} == {"OLD-1", "OLD-2", "OLD-3", "OLD-4",
                                                                          "C-1", "C-2", "F-1", "F-2"}
    db.session.commit()
    assert verify_audit_trail(db.session)[1] is None


def test_rows_spanning_several_store_chunks_link_their_samples(db, monkeypatch):
    import app.services.result_bulk as result_bulk
    import app.services.result_bulk_store as result_bulk_store

    # Small chunks: a sample's second row is looked up and stored in a later chunk than its first.
    monkeypatch.setattr(result_bulk, "CHUNK", 3)
    monkeypatch.setattr(result_bulk_store, "STORE_CHUNK", 2)
    actor_id, actor_label = _setup(db)
    report = import_results(db.session, lambda: iter(enumerate(_rows(), start=1)), now=NOW, actor_id=actor_id,
                            actor_label=actor_label)
    assert report.stored and report.rejected == 0
    db.session.commit()
    for sample in db.session.scalars(select(Sample)):
        assert {r.sample_pk for r in db.session.scalars(select(Result).where(Result.sample_id == sample.sample_code))} \
            == {sample.id}
    assert db.session.scalars(select(Sample).where(Sample.sample_code == "C-4")).one().collector == "R. Diaz"
    assert verify_audit_trail(db.session)[1] is None
    assert _count(db, SamplingEvent) > 0


def test_each_refusal_is_the_row_paths_own_message(db):
    from app.domain.result_fields import ResultFieldError
    from app.services.results import plan_result

    _setup(db)
    bad = [_row("B-1", "00530", "2025-12-31", "20"),  # before the permit took effect
           _row("B-2", "00530", "2026-03-02", "20", outfall="1"),  # ids are text: 1 is not 001
           _row("B-3", "00556", "2026-03-02", "20"),  # monitored at outfall 002 only
           _row("OLD-1", "00530", "2026-03-04", "21"),  # other values, no correction reason
           _row("OLD-1", "01042", "2026-03-04", "0.2", outfall="002"),  # the stored sample's place is 001
           _row("OLD-2", "01042", "2026-03-06", "0.2", collector="K. Obi"),  # the stored sample names R. Diaz
           _row("B-4", "00530", "2026-03-02", "20", permit="CT9999999"),
           _row("B-5", "00530", "2026-03-02", "20", unit="furlongs")]
    bad.append(bad[1] | {"sample_id": "B-6"})  # the same refusal again: from the cache, with the same message
    expected = []
    for number, raw in enumerate(bad, start=1):
        with pytest.raises(ResultFieldError) as refused:
            plan_result(db.session, raw, actor_id=None)
        expected.append(f"row {number}, column {refused.value.field}: {refused.value.message}")
    report = import_results(db.session, lambda: iter(enumerate(bad, start=1)), now=NOW, dry_run=True)
    assert report.rejected == len(bad)
    assert [f"row {p.row}, column {p.column}: {p.message}" for p in report.problems] == expected


def test_the_import_leaves_nothing_for_a_full_re_evaluation_to_find(db):
    """CALC-03, CALC-07: the import evaluates each touched parameter-month once, from one read per outfall,
    over the months that read each row's day; evaluating every month of every parameter from scratch
    afterwards must create, update or withdraw nothing and write no audit entry."""
    from app.services.exceedances import evaluate_parameter_month

    actor = _setup(db)
    report = import_results(db.session, lambda: iter(enumerate(_rows(), start=1)), now=NOW,
                            actor_id=actor[0], actor_label=actor[1])
    assert report.evaluation.created, "the file's planted exceedances were found"
    db.session.commit()
    entries = _count(db, AuditEntry)
    permit = db.session.scalar(select(Permit))
    for label in ("2026-01", "2026-02", "2026-03", "2026-04"):
        for version in permit.versions:
            for outfall in version.outfalls:
                for parameter in outfall.parameters:
                    summary = evaluate_parameter_month(db.session, permit, outfall.feature_id, parameter.code,
                                                       parameter.monitoring_location, parse_period(label),
                                                       reason="full re-evaluation")
                    assert (summary.created, summary.updated, summary.withdrawn) == ([], [], []), (
                        label, parameter.code)
    db.session.flush()
    assert _count(db, AuditEntry) == entries


def test_the_final_evaluation_reads_the_limit_columns_in_one_query(db):
    """No N+1 (issue 9): the evaluation of every touched parameter-month reads the permit's limit columns
    once, not one query per parameter, however many parameters the file touches."""
    from sqlalchemy import event

    actor = _setup(db)
    db.session.expire_all()  # as a new request's session: nothing of the permit loaded yet
    statements: list[str] = []

    def log(conn, cursor, statement, *args):
        statements.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", log)
    try:
        report = import_results(db.session, lambda: iter(enumerate(_rows(), start=1)), now=NOW,
                                actor_id=actor[0], actor_label=actor[1])
    finally:
        event.remove(db.engine, "before_cursor_execute", log)
    assert report.evaluation.created
    column_reads = [s for s in statements if s.startswith("SELECT") and "FROM limit_column" in s]
    assert len(column_reads) == 1, column_reads
