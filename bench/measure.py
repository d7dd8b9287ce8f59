"""Timing helpers and the benchmark figure: median of runs after a warm-up, percentiles, targets met or not."""
from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field


@dataclass
class Figure:
    """One row of the table and one entry of results.json (CONTRACTS.md section 11), plus how it was measured."""

    name: str
    value: float
    unit: str
    target: float | None
    baseline: float | None
    ratio: float | None
    ratio_target: float | None
    met: bool
    database: str = ""
    runs: int = 0
    detail: str = ""
    extra: dict = field(default_factory=dict)

    def as_json(self) -> dict:
        entry = {k: v for k, v in asdict(self).items() if k not in ("runs", "detail", "extra")}
        return entry


def figure(name: str, value: float, unit: str, *, target: float | None, baseline: float | None,
           ratio_target: float | None = None, higher_is_better: bool = False, runs: int = 0,
           detail: str = "") -> Figure:
    """`ratio` is how many times the baseline's cost the measured figure is: value/baseline for times and
    sizes, baseline/value for rates; `met` holds when the target and the ratio target both hold."""
    ratio = None
    if baseline:
        ratio = (baseline / value if higher_is_better else value / baseline) if value else None
    met = True
    if target is not None:
        met = value >= target if higher_is_better else value <= target
    if ratio_target is not None:
        met = met and ratio is not None and ratio <= ratio_target
    return Figure(name, _round(value), unit, target, _round(baseline), _round(ratio), ratio_target, met,
                  runs=runs, detail=detail)


def _round(value: float | None) -> float | None:
    if value is None:
        return None
    return round(value, 4 if abs(value) < 10 else 1)


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile: the smallest value at least p% of the values are no greater than."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def median_of_runs(run: Callable[[], float], *, runs: int, warmups: int = 1, budget_s: float | None = None) -> tuple[float, int]:
    """(median, runs made) of `run()`'s figure after the warm-ups; stops early, after at least one run,
    once `budget_s` seconds have gone (a run that takes minutes is not repeated five times)."""
    for _ in range(warmups):
        run()
    started, figures = time.perf_counter(), []
    while len(figures) < runs:
        figures.append(run())
        if budget_s is not None and time.perf_counter() - started > budget_s:
            break
    return statistics.median(figures), len(figures)
