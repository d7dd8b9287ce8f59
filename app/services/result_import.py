"""import_results: check every row of a results file, then store all of them (or the good ones) and evaluate once."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from hashlib import blake2b

from sqlalchemy.orm import Session

from app.domain.periods import parse_period
from app.domain.result_fields import ResultFieldError
from app.models.permit import Permit
from app.services.exceedances import EvaluationSummary, evaluate_around, evaluate_months, months_touched
from app.services.results import UNCHANGED, evaluation_days, plan_result, store_result

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


def _check(session: Session, rows: Callable[[], Iterator[tuple[int, dict]]], actor_id: int | None,
           report: ImportReport) -> set[int]:
    """First pass: every row checked, nothing stored. Returns the numbers of the rejected rows."""
    seen: dict[bytes, int] = {}
    samples: dict[tuple, tuple] = {}
    rejected: set[int] = set()
    for number, raw in rows():
        problem = None
        if "__extra__" in raw:
            problem = RowProblem(number, "(beyond the header)", None, "the row has more cells than the header")
        elif _key(raw) in seen:
            problem = RowProblem(number, "sample_id", raw.get("sample_id"),
                                 f"duplicate of row {seen[_key(raw)]} (same permit, sample_id and parameter_code)")
        else:
            seen[_key(raw)] = number
            try:
                plan = plan_result(session, raw, actor_id=actor_id)
            except ResultFieldError as error:
                problem = RowProblem(number, error.field, raw.get(error.field), error.message)
            else:
                place = (plan.fields.outfall, plan.parameter.monitoring_location)
                sample_key = blake2b(f"{plan.permit.id}\x1f{plan.fields.sample_id}".encode(), digest_size=16).digest()
                first = samples.setdefault(sample_key, (number, place))
                if first[1] != place:
                    problem = RowProblem(number, "sample_id", raw.get("sample_id"),
                                         f"row {first[0]} has this sample at outfall {first[1][0]} location "
                                         f"{first[1][1]}; one sample comes from one place")
            if problem is None:
                setattr(report, plan.status, getattr(report, plan.status) + 1)
                if len(report.preview) < PREVIEW_LIMIT:
                    report.preview.append(RowPreview(number, plan.status, _summary(raw)))
        if problem is not None:
            rejected.add(number)
            report.rejected += 1
            if len(report.problems) < PROBLEM_LIMIT:
                report.problems.append(problem)
            if len(report.preview) < PREVIEW_LIMIT:
                report.preview.append(RowPreview(number, "rejected", str(problem)))
    return rejected


def import_results(session: Session, rows: Callable[[], Iterator[tuple[int, dict]]], *, now: datetime,
                   actor_id: int | None = None, actor_label: str | None = None, dry_run: bool = False,
                   skip_invalid: bool = False) -> ImportReport:
    """CONTRACTS.md section 4: all-or-nothing unless `skip_invalid`; the caller commits or rolls back.

    Rows are stored without evaluating each one; every touched parameter and month is evaluated once
    at the end, in the same transaction, so exceedances and obligations land with the results.
    """
    report = ImportReport()
    rejected = _check(session, rows, actor_id, report)
    if dry_run or (rejected and not skip_invalid) or report.imported + report.revised == 0:
        if rejected and not skip_invalid:
            report.imported = report.revised = report.unchanged = 0
        return report
    touched: dict[tuple, set] = {}
    for number, raw in rows():
        if number in rejected:
            continue
        plan = plan_result(session, raw, actor_id=actor_id)
        if plan.status == UNCHANGED:
            continue
        days = evaluation_days(plan)
        store_result(session, plan, now=now, actor_id=actor_id, actor_label=actor_label)
        target = (plan.permit.id, plan.fields.outfall, plan.fields.parameter_code, plan.parameter.monitoring_location)
        touched.setdefault(target, set()).update(m.label for d in days for m in months_touched(d))
    report.stored = True
    report.evaluation = _evaluate(session, touched)
    return report


def _evaluate(session: Session, touched: dict[tuple, set]) -> EvaluationSummary:
    summary = EvaluationSummary()
    for (permit_id, outfall, code, location), months in sorted(touched.items()):
        evaluate_months(session, session.get(Permit, permit_id), outfall, code, location,
                        [parse_period(label) for label in months], reason="results imported", summary=summary)
    return summary


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
                plan = plan_result(session, raw, actor_id=actor_id)
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
