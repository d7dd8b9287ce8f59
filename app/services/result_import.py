"""import_results: check every row of a results file, then store all of them (or the good ones) and evaluate once."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from hashlib import blake2b

from sqlalchemy.orm import Session

from app.domain.result_fields import ResultFieldError
from app.services import results as row_path
from app.services.batch_evaluation import evaluate_touched
from app.services.exceedances import EvaluationSummary, evaluate_around, months_reading
from app.services.result_bulk import FilePlanner, ReadRow, chunks_of
from app.services.result_bulk_store import BulkStore
from app.services.results import UNCHANGED, evaluation_days, store_result

PREVIEW_LIMIT = 2000  # rows kept for the upload page's preview; counts cover every row regardless
PROBLEM_LIMIT = 1000  # row problems kept in memory; a file of a million bad rows is still counted whole


@dataclass(frozen=True)
class RowProblem:
    row: int
    column: str
    value: str | None
    message: str

    def __str__(self) -> str:
        shown = "" if self.value in (None, "") else f" {self.value!r}"
        return f"row {self.row}, column {self.column}{shown}: {self.message}"


@dataclass(frozen=True)
class RowPreview:
    row: int
    status: str  # imported | unchanged | revised | rejected
    summary: str


@dataclass
class ImportReport:
    imported: int = 0
    unchanged: int = 0
    revised: int = 0
    rejected: int = 0
    stored: bool = False
    problems: list[RowProblem] = field(default_factory=list)
    preview: list[RowPreview] = field(default_factory=list)
    evaluation: EvaluationSummary | None = None

    @property
    def line(self) -> str:
        """CONTRACTS.md section 2: `imported N, unchanged M, rejected K` (a revision counts as imported)."""
        return f"imported {self.imported + self.revised}, unchanged {self.unchanged}, rejected {self.rejected}"


def _key(raw: dict) -> bytes:
    # Duplicate detection for files of any length: a 16-byte digest per row, not the row itself.
    text = "\x1f".join(str(raw.get(k) or "").strip() for k in ("permit", "sample_id", "parameter_code"))
    # surrogatepass: a lone surrogate is refused by the field check that follows, not by this digest.
    return blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def _summary(raw: dict) -> str:
    qualifier = (raw.get("qualifier") or "").strip()
    return (f"{raw.get('outfall') or '?'} {raw.get('parameter_code') or '?'} {raw.get('sample_id') or '?'} "
            f"{raw.get('sampled_at') or '?'}: {qualifier}{raw.get('value') or '?'} {raw.get('unit') or ''}").strip()


def plan_result(session: Session, raw: dict, *, planner: FilePlanner, number: int) -> ReadRow:
    """A row's own checks as it is read (permit, fields, monitored parameter), against the file's caches.

    What is already stored is looked up for a chunk of read rows at once (result_bulk.chunks_of);
    only CHUNK rows ever wait for it, so a file of any length is still read, not held. (It keeps the
    row path's name: the streaming test hooks result_import.plan_result to see each row handled as read.)
    """
    return planner.read(number, raw)


def _reader(session: Session, planner: FilePlanner, seen: dict[bytes, int] | None):
    def read(number: int, raw: dict) -> ReadRow:
        if seen is not None:  # the check pass: problems found before any lookup
            if "__extra__" in raw:
                return ReadRow(number, raw, outcome=RowProblem(number, "(beyond the header)", None,
                                                               "the row has more cells than the header"))
            key = _key(raw)
            if key in seen:
                return ReadRow(number, raw, outcome=RowProblem(
                    number, "sample_id", raw.get("sample_id"),
                    f"duplicate of row {seen[key]} (same permit, sample_id and parameter_code)"))
            seen[key] = number
        return plan_result(session, raw, planner=planner, number=number)
    return read


def _field_record_conflict(number: int, raw: dict, record: dict, records: dict[bytes, dict],
                           sample_key: bytes) -> RowProblem | None:
    """Two rows of one file giving the same sample different field records (collector, compositing times,
    notes): refused here, naming the column, as a stored sample's record is; a later row may still fill a
    blank. Only an 8-byte digest of each given value is kept, and only for samples that have one, so a
    long file stays within its memory."""
    for name, value in record.items():
        if value is None:
            continue
        given = records.setdefault(sample_key, {})
        digest = blake2b(str(value).encode("utf-8", "surrogatepass"), digest_size=8).digest()
        earlier = given.setdefault(name, (digest, number))
        if earlier[0] != digest:
            return RowProblem(number, name, raw.get(name), f"row {earlier[1]} gives this sample another {name}; "
                                                           "one sample has one field record")
    return None


def _check(session: Session, rows: Callable[[], Iterator[tuple[int, dict]]], planner: FilePlanner,
           report: ImportReport) -> tuple[set[int], dict[int, tuple]]:
    """First pass: every row checked, nothing stored. Returns the rejected rows' numbers and, per permit,
    the first and last sample day of the rows that passed."""
    seen: dict[bytes, int] = {}
    samples: dict[bytes, tuple] = {}
    records: dict[bytes, dict[str, tuple[bytes, int]]] = {}  # field-record digests of the samples that give one
    rejected: set[int] = set()
    days: dict[int, tuple] = {}
    for chunk, found in chunks_of(rows(), planner, _reader(session, planner, seen)):
        for read in chunk:
            number, raw, problem = read.number, read.raw, read.outcome
            if problem is None:
                try:
                    plan = planner.plan(read, found)
                except ResultFieldError as error:
                    problem = RowProblem(number, error.field, raw.get(error.field), error.message)
                else:
                    place = (plan.fields.outfall, plan.parameter.monitoring_location)
                    sample_key = blake2b(f"{plan.permit.id}\x1f{plan.fields.sample_id}".encode(),
                                         digest_size=16).digest()
                    first = samples.setdefault(sample_key, (number, place))
                    if first[1] != place:
                        problem = RowProblem(number, "sample_id", raw.get("sample_id"),
                                             f"row {first[0]} has this sample at outfall {first[1][0]} location "
                                             f"{first[1][1]}; one sample comes from one place")
                    else:
                        problem = _field_record_conflict(number, raw, plan.fields.sample_record(), records,
                                                         sample_key)
                if problem is None:
                    setattr(report, plan.status, getattr(report, plan.status) + 1)
                    day = plan.fields.sample_date
                    low, high = days.get(plan.permit.id, (day, day))
                    days[plan.permit.id] = (min(low, day), max(high, day))
                    if len(report.preview) < PREVIEW_LIMIT:
                        report.preview.append(RowPreview(number, plan.status, _summary(raw)))
            if problem is not None:
                rejected.add(number)
                report.rejected += 1
                if len(report.problems) < PROBLEM_LIMIT:
                    report.problems.append(problem)
                if len(report.preview) < PREVIEW_LIMIT:
                    report.preview.append(RowPreview(number, "rejected", str(problem)))
    return rejected, days


def import_results(session: Session, rows: Callable[[], Iterator[tuple[int, dict]]], *, now: datetime,
                   actor_id: int | None = None, actor_label: str | None = None, dry_run: bool = False,
                   skip_invalid: bool = False) -> ImportReport:
    """CONTRACTS.md section 4: all-or-nothing unless `skip_invalid`; the caller commits or rolls back.

    Rows are stored without evaluating each one; every touched parameter and month is evaluated once
    at the end, in the same transaction, so exceedances and obligations land with the results. New
    results are written in bulk (result_bulk_store); a correction goes through store_result.
    """
    report = ImportReport()
    planner = FilePlanner(session, actor_id)
    rejected, days = _check(session, rows, planner, report)
    if dry_run or (rejected and not skip_invalid) or report.imported + report.revised == 0:
        if rejected and not skip_invalid:
            report.imported = report.revised = report.unchanged = 0
        return report
    store = BulkStore(session, planner, now=now, actor_id=actor_id, actor_label=actor_label, days=days)
    touched: dict[tuple, set] = {}
    # months_reading depends only on the permit's versions and the day, and a file's rows share few days.
    months: dict[tuple[int, object], list[str]] = {}
    for chunk, found in chunks_of(rows(), planner, _reader(session, planner, None)):
        for read in chunk:
            if read.number in rejected:
                continue
            plan = planner.plan(read, found)
            if plan.status == UNCHANGED:
                continue
            if not store.add(plan):
                store.flush()  # the row path's entries follow every earlier row's, as they would row by row
                plan = row_path.plan_result(session, read.raw, actor_id=actor_id)
                store_result(session, plan, now=now, actor_id=actor_id, actor_label=actor_label)
            target = (plan.permit.id, plan.fields.outfall, plan.fields.parameter_code,
                      plan.parameter.monitoring_location)
            # The months whose DMR window reads the day (CALC-03), as recording the row alone would.
            for day in evaluation_days(plan):
                labels = months.get((plan.permit.id, day))
                if labels is None:
                    labels = months[(plan.permit.id, day)] = [m.label for m in months_reading(plan.permit, day)]
                touched.setdefault(target, set()).update(labels)
    store.flush()
    report.stored = True
    report.evaluation = evaluate_touched(session, touched, reason="results imported")
    return report


@dataclass(frozen=True)
class Verdict:
    """What the engine would find if a row were stored: the exceedances it would create or clear."""

    row: int
    status: str
    problem: RowProblem | None
    exceedances: tuple[str, ...]
    cleared: tuple[str, ...]


def _describe(session: Session, ids: list[int]) -> tuple[str, ...]:
    from app.models.compliance import Exceedance

    found = [session.get(Exceedance, i) for i in ids]
    return tuple(f"{e.parameter_code} {e.statistical_base.replace('_', ' ')} {e.value} {e.unit} "
                 f"over the limit {e.limit_text} ({e.evaluation_key.split(':', 1)[1]})" for e in found if e)


def preview_verdicts(session: Session, rows: list[dict], *, now: datetime, actor_id: int | None = None,
                     actor_label: str | None = None) -> list[Verdict]:
    """Store the rows inside a SAVEPOINT, evaluate, read what the engine found, and roll it all back.

    The entry form shows the verdict before anything is saved; it is the same engine that judges
    the stored result, so the preview cannot disagree with what saving does.
    """
    verdicts = []
    savepoint = session.begin_nested()
    try:
        for number, raw in enumerate(rows, start=1):
            try:
                plan = row_path.plan_result(session, raw, actor_id=actor_id)
            except ResultFieldError as error:
                verdicts.append(Verdict(number, "rejected", RowProblem(number, error.field, raw.get(error.field),
                                                                       error.message), (), ()))
                continue
            if plan.status == UNCHANGED:
                verdicts.append(Verdict(number, UNCHANGED, None, (), ()))
                continue
            days = evaluation_days(plan)
            store_result(session, plan, now=now, actor_id=actor_id, actor_label=actor_label)
            summary = evaluate_around(session, plan.permit, plan.fields.outfall, plan.fields.parameter_code,
                                      plan.parameter.monitoring_location, days, reason="preview")
            verdicts.append(Verdict(number, plan.status, None, _describe(session, summary.created + summary.updated),
                                    _describe(session, summary.withdrawn)))
    finally:
        savepoint.rollback()
    return verdicts
