"""The in-process benchmarks: DMR build, one result, a file import, search and a year's schedule."""
from __future__ import annotations

import os
import random
import subprocess
import sys
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select, text

from bench.database import PROJECT_ROOT
from bench.facility import OUTFALLS, PERMIT_NUMBER, SPECS, permit_document
from bench.history import LAB, ZONE
from bench.import_files import LAUNCHER, raw_insert, results_file
from bench.measure import Figure, figure, median_of_runs, percentile, timed

IMPORT_ROWS = {"full": 100_000, "quick": 5_000}
RSS_ROWS = {"full": 1_000_000, "quick": 50_000}
DAILY = [s for s in SPECS if s.frequency == "1/1" and s.sample_type == "24-hour composite" and s.daily_max]


@dataclass
class Bench:
    app: object
    url: str
    scale: str
    last_day: date
    runs: int
    budget_s: float

    @property
    def month(self) -> str:
        return f"{self.last_day:%Y-%m}"

    def session(self):
        from app.extensions import db

        db.session.remove()  # every run starts as a request does: a new session, nothing cached
        return db.session

    def ids(self):
        from app.models.permit import Permit
        from app.models.user import User

        session = self.session()
        labtech = session.scalar(select(User).where(User.email == "bench-labtech@example.com"))
        return session.scalar(select(Permit.id).where(Permit.number == PERMIT_NUMBER)), labtech.id, labtech.email

    def median(self, run) -> tuple[float, int]:
        return median_of_runs(run, runs=self.runs, budget_s=self.budget_s)


# The baseline must be the best hand-written query, not a slow plan of it: on SQLite the planner
# started from result's permit index and looked up every current revision of ten years (5.4 s at full
# scale); "+r.permit_id" (no index on that term, on both engines) lets it start from the month's
# revisions by their sample_date index instead (9 ms). PostgreSQL plans the month first either way.
AGGREGATE = text("""
SELECT r.outfall, r.parameter_code, COUNT(*) AS n, AVG(CAST(v.value AS DOUBLE PRECISION)) AS average,
       MAX(CAST(v.value AS DOUBLE PRECISION)) AS maximum
FROM result r JOIN result_revision v ON v.result_id = r.id AND v.revision = r.current_revision
WHERE +r.permit_id = :permit AND v.sample_date BETWEEN :first AND :last
GROUP BY r.outfall, r.parameter_code""")


def dmr_build_month(bench: Bench) -> Figure:
    from app.services.dmr_build import build_dmr

    permit_id, _, _ = bench.ids()
    first = bench.last_day.replace(day=1)

    def build() -> float:
        session = bench.session()
        return timed(lambda: build_dmr(session, PERMIT_NUMBER, bench.month))

    def aggregate() -> float:
        session = bench.session()
        return timed(lambda: session.execute(AGGREGATE, {"permit": permit_id, "first": first,
                                                         "last": bench.last_day}).all())

    value, runs = bench.median(build)
    baseline, _ = bench.median(aggregate)
    return figure("dmr_build_month", value, "s", target=1.0, baseline=baseline, ratio_target=3.0, runs=runs,
                  detail=f"build_dmr {bench.month}, {len(OUTFALLS)} outfalls x {len(SPECS)} parameters")


def _result_row(rng: random.Random, bench: Bench, number: int) -> dict:
    spec, day = rng.choice(DAILY), bench.last_day - timedelta(days=rng.randrange(25))
    sampled = datetime.combine(day, datetime.min.time(), tzinfo=ZONE).replace(hour=10)
    return {"permit": PERMIT_NUMBER, "outfall": rng.choice(OUTFALLS), "parameter_code": spec.code,
            "sample_id": f"BENCH-{number:06d}", "sampled_at": sampled.isoformat(),
            "value": f"{float(spec.daily_max) * 0.3:.3g}", "unit": spec.unit, "lab": LAB, "analyst": "J. Ortiz",
            "analyzed_at": (sampled + timedelta(hours=4)).isoformat(),
            "received_at": (sampled + timedelta(days=3)).isoformat(), "sample_type": "composite"}


def record_result_p50(bench: Bench, samples: int = 20) -> Figure:
    from app.models.base import utcnow
    from app.models.monitoring import ResultRevision
    from app.services.results import record_result
    from app.services.search_index import index_pending

    permit_id, labtech_id, label = bench.ids()
    rng, counter = random.Random(7), iter(range(10**6))
    revision_of = bench.session().scalar(select(ResultRevision.result_id).limit(1))

    def one_result() -> float:
        session, row = bench.session(), _result_row(rng, bench, next(counter))
        # What the request's commit would add (the search index of the new records) is timed too.
        seconds = timed(lambda: (record_result(session, row, now=utcnow(), actor_id=labtech_id, actor_label=label),
                                 index_pending(session)))
        session.rollback()
        return seconds

    def bare_insert() -> float:
        session = bench.session()
        connection = session.connection()
        row = {"result_id": revision_of, "revision": 1000 + next(counter), "sample_date": bench.last_day,
               "value": "0.12", "qualifier": "=", "unit": "mg/L", "received_at": utcnow(), "estimated": False,
               "entered_at": utcnow()}
        seconds = timed(lambda: connection.execute(insert(ResultRevision.__table__), row))
        session.rollback()
        return seconds

    value, runs = bench.median(lambda: percentile([one_result() for _ in range(samples)], 50))
    baseline, _ = bench.median(lambda: percentile([bare_insert() for _ in range(samples)], 50))
    return figure("record_result_p50", value * 1000, "ms", target=25.0, baseline=baseline * 1000, runs=runs,
                  detail=f"p50 of {samples} fresh results per run, each rolled back")


def import_rows_per_s(bench: Bench) -> Figure:
    from app.models.base import utcnow
    from app.services.result_files import row_reader
    from app.services.result_import import import_results
    from app.services.search_index import index_pending

    rows = IMPORT_ROWS[bench.scale]
    path = results_file(rows, bench.last_day, bench.scale)
    permit_id, labtech_id, label = bench.ids()

    def run_import(file: Path) -> float:
        session = bench.session()
        reader = row_reader(lambda: open(file, "rb"), file.name)

        def work():
            report = import_results(session, reader, now=utcnow(), actor_id=labtech_id, actor_label=label)
            assert report.stored and report.rejected == 0, report.problems[:3]
            index_pending(session)

        seconds = timed(work)
        session.rollback()
        return seconds

    def baseline_insert() -> float:
        session = bench.session()
        seconds = timed(lambda: raw_insert(session, path, permit_id, labtech_id))
        session.rollback()
        return seconds

    small = results_file(200, bench.last_day, "warmup")
    run_import(small)  # the warm-up: a small file, so that a slow import is not paid for twice
    seconds, runs = median_of_runs(lambda: run_import(path), runs=bench.runs, warmups=0, budget_s=bench.budget_s)
    baseline, _ = bench.median(baseline_insert)
    rate = figure("import_rows_per_s", rows / seconds, "rows/s", target=10_000, baseline=rows / baseline,
                  ratio_target=5.0, higher_is_better=True, runs=runs,
                  detail=f"import_results of {rows:,} new rows (checked, stored, evaluated, indexed), rolled back")
    return rate


def _rss(bench: Bench, path: str) -> tuple[float, float]:
    output = subprocess.run([sys.executable, "-c", LAUNCHER, sys.executable, "-m", "bench.import_files", bench.url,
                             path], cwd=PROJECT_ROOT,
                            capture_output=True, text=True, check=True, env=os.environ.copy()).stdout
    peak, seconds, *_ = output.split()
    return float(peak), float(seconds)


def import_peak_rss(bench: Bench) -> Figure:
    rows = RSS_ROWS[bench.scale]
    path = results_file(rows, bench.last_day, bench.scale)
    peak, seconds = _rss(bench, str(path))
    baseline, _ = _rss(bench, "-")
    return figure("import_peak_rss", peak, "MB", target=300.0, baseline=baseline, runs=1,
                  detail=f"dry-run import of {rows:,} rows in its own process ({seconds:.0f} s); "
                         "baseline: the same process importing nothing")


def _queries(session) -> list[str]:
    from app.models.monitoring import Sample

    codes = session.scalars(select(Sample.sample_code).where(Sample.lab.is_not(None)).order_by(Sample.id.desc())
                            .limit(400)).all()
    meters = session.scalars(select(Sample.sample_code).where(Sample.lab.is_(None)).order_by(Sample.id.desc())
                             .limit(400)).all()
    cocs = session.scalars(select(Sample.chain_of_custody).where(Sample.chain_of_custody.is_not(None))
                           .order_by(Sample.id).limit(400)).all()
    rng = random.Random(11)
    return [*rng.sample(codes, 4), *rng.sample(meters, 2), *rng.sample(cocs, 3),
            "copper", "total suspended solids", "hexavalent chromium", "mercury outfall 007",
            "2026-11-17", "2026-10-03 zinc", "transcription error", "lab report", "calibration certificate",
            "daily maximum exceedance", "L2611"]


def search_p95(bench: Bench) -> Figure:
    from app.models.search import SearchEntry
    from app.services.search import run_search

    queries = _queries(bench.session())
    entity_ids = bench.session().scalars(select(SearchEntry.entity_id).where(SearchEntry.entity == "sample")
                                         .limit(len(queries))).all()

    def searches() -> float:
        session = bench.session()
        return percentile([timed(lambda q=q: run_search(session, q)) for q in queries], 95)

    def lookups() -> float:
        session = bench.session()
        return percentile([timed(lambda i=i: session.execute(select(SearchEntry).where(
            SearchEntry.entity == "sample", SearchEntry.entity_id == i)).all()) for i in entity_ids], 95)

    value, runs = bench.median(searches)
    baseline, _ = bench.median(lookups)
    return figure("search_p95", value * 1000, "ms", target=200.0, baseline=baseline * 1000, runs=runs,
                  detail=f"p95 of {len(queries)} queries (sample ids, COC numbers, parameters, dates)")


def schedule_year(bench: Bench) -> Figure:
    from app.models.permit import Permit
    from app.services.permits import import_permit_definition
    from app.services.sampling_schedule import generate_schedule
    from app.services.search_index import index_pending

    year = date(bench.last_day.year, 1, 1)

    def plan(outfalls: tuple[str, ...], number: str) -> float:
        session = bench.session()
        # A permit taking effect on 1 January, so that the schedule covers exactly one year of it.
        import_permit_definition(session, permit_document(year, year.replace(year=year.year + 5),
                                                          outfalls=outfalls, number=number), actor_label="bench")
        permit = session.scalar(select(Permit).where(Permit.number == number))
        # The import's own search entries (its audit trail) belong to the import's request, which
        # would index them at its commit: index them here, untimed, so that the figure is the schedule's.
        index_pending(session)
        seconds = timed(lambda: (generate_schedule(session, permit, today=year, horizon_days=0,
                                                   through=year.replace(month=12, day=31)), index_pending(session)))
        session.rollback()
        return seconds

    value, runs = bench.median(lambda: plan(OUTFALLS, "CT0099002"))
    baseline, _ = bench.median(lambda: plan(OUTFALLS[:1], "CT0099003"))
    return figure("schedule_year", value, "s", target=2.0, baseline=baseline, runs=runs,
                  detail=f"generate_schedule for {year.year}, {len(OUTFALLS)} outfalls x {len(SPECS)} parameters; "
                         "baseline: one outfall")
