"""The query plans of the hot statements of build_dmr and run_search, as the bench database runs them.

python -m bench.explain [--scale quick|full] [--database-url URL]: each use case is run once with every
statement timed; the statements that took most of its time are shown with EXPLAIN QUERY PLAN (SQLite)
or EXPLAIN (ANALYZE, BUFFERS) (PostgreSQL), run with the parameters they were sent with.
"""
from __future__ import annotations

import argparse
import time
from collections import defaultdict
from datetime import date

from sqlalchemy import event

from bench.database import engine_label, read_stamp, sqlite_url
from bench.facility import PERMIT_NUMBER

TOP = 3


class StatementLog:
    """Per distinct statement: how often it ran, its total time, and one set of its parameters."""

    def __init__(self, engine) -> None:
        self.engine, self.started = engine, {}
        self.stats: dict[str, list] = defaultdict(lambda: [0, 0.0, None])

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        self.started[id(cursor)] = time.perf_counter()

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        entry = self.stats[statement]
        entry[0] += 1
        entry[1] += time.perf_counter() - self.started.pop(id(cursor), time.perf_counter())
        entry[2] = entry[2] if entry[2] is not None else (None if executemany else parameters)

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._before)
        event.listen(self.engine, "after_cursor_execute", self._after)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)

    def hottest(self, count: int = TOP) -> list[tuple[str, int, float, object]]:
        ranked = sorted(self.stats.items(), key=lambda item: item[1][1], reverse=True)
        return [(sql, n, seconds, params) for sql, (n, seconds, params) in ranked
                if params is not None and sql.lstrip().upper().startswith("SELECT")][:count]


def _plan(connection, sql: str, params) -> list[str]:
    raw = connection.connection.driver_connection
    prefix = "EXPLAIN QUERY PLAN " if connection.dialect.name == "sqlite" else "EXPLAIN (ANALYZE, BUFFERS) "
    cursor = raw.cursor()
    try:
        cursor.execute(prefix + sql, params)
        rows = cursor.fetchall()
    finally:
        cursor.close()
    if connection.dialect.name == "sqlite":
        return [f"{'  ' * (1 if parent else 0)}{detail}" for _, parent, _, detail in rows]
    return [row[0] for row in rows]


def explain(url: str, last: date) -> str:
    from bench.database import make_app
    from app.extensions import db
    from app.services.dmr_build import build_dmr
    from app.services.search import run_search

    app, lines = make_app(url), [f"## {engine_label(url)}", ""]
    with app.app_context():
        cases = (("build_dmr", lambda s: build_dmr(s, PERMIT_NUMBER, f"{last:%Y-%m}")),
                 ("run_search('copper')", lambda s: run_search(s, "copper")),
                 ("run_search sample id", lambda s: run_search(s, f"L{last:%y%m}-0042")))
        for name, call in cases:
            db.session.remove()
            with StatementLog(db.engine) as log:
                started = time.perf_counter()
                call(db.session)
                total = time.perf_counter() - started
            sql_time = sum(entry[1] for entry in log.stats.values())
            runs = sum(entry[0] for entry in log.stats.values())
            lines += [f"### {name}: {total:.3f} s, {runs} statements taking {sql_time:.3f} s", ""]
            connection = db.session.connection()
            for sql, count, seconds, params in log.hottest():
                lines += [f"{count} x, {seconds:.3f} s in all:", "```sql", " ".join(sql.split()), "```", "```"]
                lines += _plan(connection, sql, params) + ["```", ""]
            db.session.rollback()
        db.session.remove()
        db.engine.dispose()
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", choices=("full", "quick"), default="quick")
    parser.add_argument("--database-url")
    args = parser.parse_args()
    url = args.database_url or sqlite_url(args.scale)
    stamp = read_stamp(url)
    if not stamp:
        raise SystemExit(f"{url}: no generated facility; run bench.generate first")
    print(explain(url, date.fromisoformat(stamp["last"])))


if __name__ == "__main__":
    main()
