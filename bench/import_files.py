"""Results files for the import benchmarks (CONTRACTS.md section 4 CSV), and the raw-insert baseline."""
from __future__ import annotations

import csv
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bench.database import DATA_DIR
from bench.facility import OUTFALLS, PERMIT_NUMBER, SPECS
from bench.history import LAB, ZONE

COLUMNS = ("permit", "outfall", "parameter_code", "sample_id", "sampled_at", "value", "unit", "qualifier", "rl",
           "mdl", "method", "lab", "analyst", "analyzed_at", "received_at", "sample_type", "chain_of_custody")
COMPOSITE = [s for s in SPECS if s.sample_type == "24-hour composite" and s.frequency == "1/1"]


def results_file(rows: int, last_day: date, tag: str) -> Path:
    """A lab's export of `rows` new results: daily composites of every outfall over the days before
    `last_day`, every sample carrying the whole daily panel; written once and reused."""
    path = DATA_DIR / f"import-{tag}-{rows}.csv"
    if path.exists():
        return path
    temporary = path.with_suffix(".tmp")
    with temporary.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(COLUMNS)
        written, sample = 0, 0
        while written < rows:
            day = last_day - timedelta(days=(sample // len(OUTFALLS)) % 28)
            outfall = OUTFALLS[sample % len(OUTFALLS)]
            sample += 1
            code = f"X{tag[:1].upper()}{sample:07d}"
            sampled = datetime.combine(day, datetime.min.time(), tzinfo=ZONE).replace(hour=9)
            for index, spec in enumerate(COMPOSITE):
                if written == rows:
                    break
                nd = (sample + index) % 5 == 0 and spec.rl is not None
                value = spec.rl if nd else f"{float(spec.daily_max or 400) * (0.2 + (sample * 7 + index) % 30 / 100):.3g}"
                out.writerow((PERMIT_NUMBER, outfall, spec.code, code, sampled.strftime("%Y-%m-%dT%H:%M"), value,
                              spec.unit, "<" if nd else "", spec.rl or "", "", "EPA 200.7", LAB, "J. Ortiz",
                              (sampled + timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M"),
                              (sampled + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"), "composite",
                              f"COC-{code}"))
                written += 1
    temporary.replace(path)
    return path


def raw_insert(session: Session, path: Path, permit_id: int, entered_by: int | None) -> int:
    """The baseline: the same rows parsed by csv and inserted by three executemany calls, nothing checked."""
    from app.models.monitoring import Result, ResultRevision, Sample

    connection = session.connection()
    next_ids = {t: (connection.scalar(select(func.max(t.c.id))) or 0) + 1
                for t in (Sample.__table__, Result.__table__, ResultRevision.__table__)}
    samples, results, revisions, sample_ids = [], [], [], {}
    now = datetime.now(ZONE)
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            sampled = datetime.fromisoformat(row["sampled_at"]).replace(tzinfo=ZONE)
            if row["sample_id"] not in sample_ids:
                sample_ids[row["sample_id"]] = next_ids[Sample.__table__] + len(samples)
                samples.append({"id": sample_ids[row["sample_id"]], "permit_id": permit_id, "sample_code": row["sample_id"],
                                "outfall": row["outfall"], "monitoring_location": "1", "sampled_at": sampled,
                                "sample_date": sampled.date(), "sample_type": row["sample_type"],
                                "chain_of_custody": row["chain_of_custody"], "created_at": now})
            result_id = next_ids[Result.__table__] + len(results)
            results.append({"id": result_id, "permit_id": permit_id, "outfall": row["outfall"],
                            "parameter_code": row["parameter_code"], "monitoring_location": "1",
                            "sample_id": row["sample_id"], "sample_pk": sample_ids[row["sample_id"]],
                            "current_revision": 1, "sample_date": sampled.date(), "created_at": now})
            revisions.append({"result_id": result_id, "revision": 1, "sampled_at": sampled, "sample_date": sampled.date(),
                              "value": row["value"], "qualifier": row["qualifier"] or "=", "unit": row["unit"],
                              "mdl": row["mdl"] or None, "rl": row["rl"] or None, "method": row["method"],
                              "lab": row["lab"], "analyst": row["analyst"],
                              "analyzed_at": datetime.fromisoformat(row["analyzed_at"]).replace(tzinfo=ZONE),
                              "received_at": datetime.fromisoformat(row["received_at"]).replace(tzinfo=ZONE),
                              "sample_type": row["sample_type"], "chain_of_custody": row["chain_of_custody"],
                              "estimated": False, "entered_by_id": entered_by, "entered_at": now})
    connection.execute(Sample.__table__.insert(), samples)
    connection.execute(Result.__table__.insert(), results)
    connection.execute(ResultRevision.__table__.insert(), revisions)
    return len(revisions)


def _peak_rss(url: str, path: str) -> None:
    """Run in its own process: a dry-run import of the file, then the process's peak RSS in MB on stdout."""
    import resource

    from bench.database import make_app
    from app.extensions import db
    from app.models.base import utcnow
    from app.services.result_files import row_reader
    from app.services.result_import import import_results

    app = make_app(url)
    with app.app_context():
        started, imported, rejected = time.perf_counter(), 0, 0
        db.session.connection()  # the baseline ("-"): the same process and connection, importing nothing
        if path != "-":
            report = import_results(db.session, row_reader(lambda: open(path, "rb"), path), now=utcnow(),
                                    dry_run=True)
            imported, rejected = report.imported, report.rejected
        seconds = time.perf_counter() - started
        db.session.rollback()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux
    print(f"{peak_mb:.1f} {seconds:.1f} {imported} {rejected}")


# Linux carries the peak RSS of the process image an exec replaces into the new program's ru_maxrss, so a
# child forked straight from the (large) benchmark process would report the benchmark's own size. A small
# launcher in between forks the measured process from a few megabytes instead.
LAUNCHER = "import subprocess, sys; sys.exit(subprocess.call(sys.argv[1:]))"


if __name__ == "__main__":
    _peak_rss(sys.argv[1], sys.argv[2])
