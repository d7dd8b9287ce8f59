"""Runs the benchmarks on the generated facility (SQLite, and PostgreSQL when it answers) and writes
bench/results.json in the shape of CONTRACTS.md section 11."""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from sqlalchemy.engine import make_url

from bench.database import BENCH_DIR, engine_label, postgres_answers, postgres_url, read_stamp, sqlite_url
from bench.measure import Figure

RUNS = {"full": 5, "quick": 3}
BUDGET_S = {"full": 600.0, "quick": 30.0}  # a benchmark whose runs take longer than this stops repeating
CASES = ("dmr_build_month", "record_result_p50", "import_rows_per_s", "import_peak_rss", "search_p95", "pages_p95",
         "schedule_year")


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    if hasattr(os, "sysconf") and "SC_PHYS_PAGES" in os.sysconf_names:
        memory = f", {os.sysconf('SC_PHYS_PAGES') * os.sysconf('SC_PAGE_SIZE') / 2**30:.0f} GiB"
    return (f"{platform.system()} {platform.release()} {platform.machine()}, {model}, {os.cpu_count()} CPUs{memory}, "
            f"Python {platform.python_version()}")


def reference_loop_ms() -> float:
    """A fixed pure-Python loop, best of 5, in ms: how fast this machine's core is today.

    Machines of the same name differ (and one machine differs from hour to hour, shared as it is):
    a round's seconds are compared with another round's through this figure, and its ratios, which
    are measured against a baseline in the same run, need no such help.
    """
    import timeit

    return min(timeit.repeat("sum(i * i for i in range(10**6))", number=1, repeat=5)) * 1000


def code_version() -> str:
    """The commit measured (read only: `git rev-parse`), and whether the work tree differed from it."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=BENCH_DIR, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=BENCH_DIR,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown commit"
    return f"commit {head}" + (" with local changes" if dirty else "")


def run_database(url: str, scale: str, runs: int, only: tuple[str, ...]) -> list[Figure]:
    from bench import cases, pages
    from bench.database import make_app, vacuum_postgres, warm_cache

    stamp = read_stamp(url)
    if not stamp or stamp.get("scale") != scale:
        raise SystemExit(f"{make_url(url).render_as_string()} holds no generated {scale} facility: run "
                         f"`python -m bench.generate --scale {scale} --database-url {url}` first")
    label = engine_label(url)
    app = make_app(url)
    figures: list[Figure] = []
    with app.app_context():
        # The facility is generated once; the code measured may have migrations added since (an index, a
        # column): apply them first, as a deployment would, so that today's code meets today's schema.
        from flask_migrate import upgrade

        from app.extensions import db
        upgrade()
        warm_cache(url)
        bench = cases.Bench(app, url, scale, date.fromisoformat(stamp["last"]), runs, BUDGET_S[scale])
        steps = {"dmr_build_month": cases.dmr_build_month, "record_result_p50": cases.record_result_p50,
                 "import_rows_per_s": cases.import_rows_per_s, "import_peak_rss": cases.import_peak_rss,
                 "search_p95": cases.search_p95,
                 "pages_p95": pages.pages_p95, "schedule_year": cases.schedule_year}
        for name in only:
            started = time.perf_counter()
            print(f"  {label}: {name} ...", flush=True)
            db.session.remove()
            vacuum_postgres(url)  # what the case before rolled back must not slow this one (vacuum_postgres)
            item = steps[name](bench)
            item.database = label
            figures.append(item)
            print(f"    {item.name} = {item.value} {item.unit} (baseline {item.baseline}, "
                  f"{time.perf_counter() - started:.0f} s)", flush=True)
        db.session.remove()
        db.engine.dispose()
    return figures


def _cell(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"
    return str(value)


def print_table(figures: list[Figure], where: str) -> None:
    header = ("benchmark", "database", "value", "target", "baseline", "ratio", "ratio target", "met", "runs")
    rows = [(f.name, f.database, f"{_cell(f.value)} {f.unit}", _cell(f.target), _cell(f.baseline), _cell(f.ratio),
             _cell(f.ratio_target), "yes" if f.met else "NO", str(f.runs)) for f in figures]
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    print(f"\nmeasured on {where}")
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths)))
    print()
    for f in figures:
        print(f"  {f.name} [{f.database}]: {f.detail}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", choices=("full", "quick"), default="full")
    parser.add_argument("--database", choices=("all", "sqlite", "postgresql"), default="all",
                        help="all: SQLite, and PostgreSQL when it answers on 127.0.0.1:5432")
    parser.add_argument("--runs", type=int, help="measured runs per benchmark after the warm-up (default 5, quick 3)")
    parser.add_argument("--only", nargs="+", choices=CASES, default=list(CASES))
    parser.add_argument("--out", type=Path, default=BENCH_DIR / "results.json")
    parser.add_argument("--database-url", help="the PostgreSQL database to measure instead of the default "
                                               f"{postgres_url('quick').rsplit('/', 1)[-1]} (quick) or "
                                               f"{postgres_url('full').rsplit('/', 1)[-1]} (full)")
    args = parser.parse_args(argv)
    urls = []
    if args.database in ("all", "sqlite"):
        urls.append(sqlite_url(args.scale))
    if args.database == "postgresql" or (args.database == "all" and postgres_answers()):
        urls.append(args.database_url or postgres_url(args.scale))
    elif args.database == "all":
        print("PostgreSQL does not answer on 127.0.0.1:5432: SQLite only")
    where = machine()
    print(f"benchmarks ({args.scale}) on {where}; code at {code_version()}; "
          f"reference loop {reference_loop_ms():.0f} ms", flush=True)
    figures: list[Figure] = []
    for url in urls:
        figures += run_database(url, args.scale, args.runs or RUNS[args.scale], tuple(args.only))
    print_table(figures, where)
    entries = [f.as_json() for f in figures]
    if set(args.only) != set(CASES) and args.out.exists():
        # A partial run replaces its own entries in the results of the last full run of this scale.
        previous = json.loads(args.out.read_text())
        if previous.get("scale") == args.scale and previous.get("machine") == where:
            fresh = {(e["name"], e["database"]) for e in entries}
            entries = [e for e in previous["benchmarks"] if (e["name"], e["database"]) not in fresh] + entries
            order = list(dict.fromkeys(e["database"] for e in previous["benchmarks"] + entries))
            entries.sort(key=lambda e: (order.index(e["database"]), CASES.index(e["name"])))
    document = {"machine": where, "scale": args.scale,
                "database": ", ".join(dict.fromkeys(e["database"] for e in entries)), "benchmarks": entries}
    args.out.write_text(json.dumps(document, indent=2) + "\n")
    print(f"\nwrote {args.out}; {sum(e['met'] for e in entries)} of {len(entries)} targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
