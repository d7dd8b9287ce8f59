"""The benchmark databases: where they live, creating them afresh, and an app bound to one of them."""
from __future__ import annotations

import json
import os
import socket
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

BENCH_DIR = Path(__file__).resolve().parent
DATA_DIR = BENCH_DIR / "data"
PROJECT_ROOT = BENCH_DIR.parent
POSTGRES_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
# Only databases with this prefix are ever dropped and re-created; the test suite's `test` never is.
PG_PREFIX = "outfall_bench"
SECRET_KEY = "bench-only-secret-not-for-production"


def sqlite_url(scale: str) -> str:
    name = "bench.db" if scale == "full" else "bench-quick.db"
    return f"sqlite:///{DATA_DIR / name}"


def postgres_url(scale: str) -> str:
    return f"{POSTGRES_SERVER}/{PG_PREFIX if scale == 'full' else PG_PREFIX + '_quick'}"


def postgres_answers(host: str = "127.0.0.1", port: int = 5432) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def engine_label(url: str) -> str:
    """`sqlite 3.40.1` or `postgresql 15.20`: the engine and the server version the figures came from."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            if connection.dialect.name == "sqlite":
                version = connection.execute(text("select sqlite_version()")).scalar()
            else:
                version = connection.execute(text("show server_version")).scalar().split()[0]
        return f"{connection.dialect.name} {version}"
    finally:
        engine.dispose()


def stamp_path(url: str) -> Path:
    parsed = make_url(url)
    name = Path(parsed.database).stem if parsed.get_backend_name() == "sqlite" else parsed.database
    return DATA_DIR / f"{parsed.get_backend_name()}-{name}.generated.json"


def read_stamp(url: str) -> dict | None:
    path = stamp_path(url)
    return json.loads(path.read_text()) if path.exists() else None


def write_stamp(url: str, stamp: dict) -> None:
    stamp_path(url).write_text(json.dumps(stamp, indent=2) + "\n")


def recreate_database(url: str) -> None:
    """An empty database at `url`: the SQLite file removed, or the PostgreSQL database dropped and created."""
    stamp_path(url).unlink(missing_ok=True)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database)
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    name = parsed.database
    if not name.startswith(PG_PREFIX):
        raise SystemExit(f"refusing to drop PostgreSQL database {name!r}: benchmark databases are named "
                         f"{PG_PREFIX}*")
    reset_postgres_database(parsed, name, create=True)


def reset_postgres_database(server_url, name: str, *, create: bool) -> None:
    """Drop `name` on the server (forcing its connections off), then create it empty if `create`.
    Callers check first that `name` is one of the scratch databases they own."""
    server = create_engine(make_url(server_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            if create:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        server.dispose()


def vacuum_postgres(url: str) -> None:
    """VACUUM (ANALYZE) a PostgreSQL bench database; nothing on SQLite.

    The in-process benchmarks roll back what they write: on SQLite a rollback leaves nothing behind,
    on PostgreSQL every rolled-back row stays as a dead tuple, in the heap and in each index (six
    100,000-row imports leave 1.6 M dead search entries). The next case would then measure a bloat
    no real installation has (its imports commit, and autovacuum cleans what little dies): search
    p95 went from 113 to 237 ms and the pages' from 701 to 1,094 ms that way. So each case starts
    from a vacuumed database, as a deployment's would be.
    """
    if make_url(url).get_backend_name() != "postgresql":
        return
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text("VACUUM (ANALYZE)"))
    finally:
        engine.dispose()


def warm_cache(url: str) -> None:
    """Read a bench database's files once, before its cases, so that they start from the OS cache.

    The two full-scale facilities together (a 12 GB SQLite file, 13 GB on PostgreSQL) are more than
    this 24 GiB machine caches: measured after the other database's run, PostgreSQL's one-entry
    search baseline took 4.8 ms instead of 0.5 and its raw insert baseline ran at half speed, each
    waiting on the disk. A server of one database keeps its working set cached; so does the bench.
    PostgreSQL reads its relations with pg_prewarm (contrib) where it is installed.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        for path in (Path(parsed.database), Path(f"{parsed.database}-wal")):
            if path.exists():
                with path.open("rb") as stored:
                    while stored.read(8 << 20):
                        pass
        return
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            if connection.scalar(text("SELECT count(*) FROM pg_available_extensions WHERE name = 'pg_prewarm'")):
                connection.execute(text("CREATE EXTENSION IF NOT EXISTS pg_prewarm"))
                connection.execute(text("SELECT sum(pg_prewarm(c.oid, 'read')) FROM pg_class c "
                                        "WHERE c.relkind IN ('r', 'i', 't', 'm') AND c.relpersistence = 'p'"))
    finally:
        engine.dispose()


def bench_environment(url: str) -> dict[str, str]:
    """What a process serving the bench database needs: its URL, a shared key and an instance folder of its own."""
    instance = DATA_DIR / "instance"
    instance.mkdir(parents=True, exist_ok=True)
    return {"DATABASE_URL": url, "OUTFALL_SECRET_KEY": SECRET_KEY, "OUTFALL_INSTANCE_PATH": str(instance)}


def make_app(url: str):
    """The real application over the bench database (its factory, its config layers), not a test app."""
    os.environ.update(bench_environment(url))
    from app import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET_KEY})
