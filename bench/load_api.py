"""API write load: N clients POSTing results to gunicorn (4 workers) at once, then counting lost, duplicated and 5xx.

python -m bench.load_api [--duration 60] [--clients 20] [--workers 4]   (SQLite, and PostgreSQL when it answers)
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.database import POSTGRES_SERVER, PROJECT_ROOT, postgres_answers, reset_postgres_database

SECRET_KEY = "load-only-secret-not-for-production"
PARAMETERS = (("00530", "18", "mg/L"), ("01042", "0.012", "mg/L"))  # under the demo permit's limits
FIRST_DAY, DAYS = date(2026, 1, 1), 300  # inside the permit's first year, never in the future
REPOSTERS = 5  # every 5th client re-posts its previous batch every other time: a LIMS retrying on purpose
TIMEOUT_S = 60


def _environment(url: str, instance: Path) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": url, "OUTFALL_SECRET_KEY": SECRET_KEY,
            "OUTFALL_INSTANCE_PATH": str(instance), "PYTHONPATH": str(PROJECT_ROOT)}


def prepare(url: str, clients: int) -> list[str]:
    """Migrate the empty database, import the demo NPDES permit, and one lab tech with a token per client."""
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from app.services.permit_files import load_permit_document
    from app.services.permits import import_permit_definition
    from app.services.users import create_user, issue_api_token

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET_KEY})
    with app.app_context():
        upgrade()
        permit = PROJECT_ROOT / "app" / "demo_data" / "npdes_permit.json"
        import_permit_definition(db.session, load_permit_document(permit.read_bytes(), permit.name),
                                 actor_label="load")
        tokens = []
        for number in range(clients):
            user = create_user(db.session, email=f"lims-{number}@load.example", name=f"LIMS {number}",
                               role="labtech", password=None, actor_label="load")
            tokens.append(issue_api_token(db.session, user))
        db.session.commit()
        db.engine.dispose()
    return tokens


def _batch(client: int, number: int) -> list[dict]:
    day = FIRST_DAY + timedelta(days=(client * 37 + number) % DAYS)
    sample = f"LOAD-{client:02d}-{number:06d}"
    return [{"permit": "CT0000001", "outfall": "001", "parameter_code": code, "sample_id": sample,
             "sampled_at": f"{day.isoformat()}T08:00", "value": value, "unit": unit}
            for code, value, unit in PARAMETERS]


def _client(port: int, token: str, client: int, deadline: float, out: dict) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT_S)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    number, previous = 0, None
    while time.monotonic() < deadline:
        repost = previous is not None and client % REPOSTERS == 0 and number % 2 == 1
        rows = previous if repost else _batch(client, number)
        try:
            connection.request("POST", "/api/v1/results", body=json.dumps(rows), headers=headers)
            response = connection.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException) as error:
            out["errors"].append(f"client {client}: {type(error).__name__}: {error}")
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT_S)
        else:
            out["statuses"][response.status] = out["statuses"].get(response.status, 0) + 1
            if response.status == 201:
                counts = json.loads(body)
                out["accepted"].extend((r["sample_id"], r["parameter_code"]) for r in rows)
                out["imported"] += counts["imported"]
                out["unchanged"] += counts["unchanged"]
                out["reposts"] += repost
            elif len(out["errors"]) < 20:
                out["errors"].append(f"client {client}: {response.status} {body[:300]!r}")
        previous = rows
        number += 1
    connection.close()


def drive(port: int, tokens: list[str], duration: float) -> dict:
    """The load generator (its own process): one thread and one keep-alive connection per token."""
    out = {"statuses": {}, "accepted": [], "imported": 0, "unchanged": 0, "reposts": 0, "errors": []}
    deadline = time.monotonic() + duration
    started = time.monotonic()
    threads = [threading.Thread(target=_client, args=(port, token, i, deadline, out)) for i, token in enumerate(tokens)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    out["elapsed"] = time.monotonic() - started
    return out


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_serving(port: int, server: subprocess.Popen) -> None:
    for _attempt in range(150):
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}")
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            connection.request("GET", "/api/v1/openapi.json")
            response = connection.getresponse()
            response.read()
            if response.status == 200:
                return
        except OSError:
            time.sleep(0.2)
        finally:
            connection.close()
    raise RuntimeError("gunicorn did not answer within 30 s")


def _stored(url: str) -> tuple[set[tuple[str, str]], int, int]:
    """(sample_id, parameter) pairs stored, Result rows in all, and pairs stored more than once."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            pairs = {(s, p) for s, p in connection.execute(text("SELECT sample_id, parameter_code FROM result"))}
            total = connection.execute(text("SELECT count(*) FROM result")).scalar()
            doubled = connection.execute(text("SELECT count(*) FROM (SELECT sample_id, parameter_code FROM result "
                                              "GROUP BY sample_id, parameter_code HAVING count(*) > 1) d")).scalar()
    finally:
        engine.dispose()
    return pairs, total, doubled


def run_load(url: str, *, duration: float, clients: int = 20, workers: int = 4) -> dict:
    """Prepare the (empty) database at `url`, serve it with gunicorn, load it from a separate process, count."""
    with tempfile.TemporaryDirectory(prefix="outfall-load-") as scratch:
        scratch = Path(scratch)
        environment = _environment(url, scratch / "instance")
        prepared = subprocess.run([sys.executable, "-m", "bench.load_api", "prepare", url, str(clients),
                                   str(scratch / "t.json")], cwd=PROJECT_ROOT, env=environment, capture_output=True,
                                  text=True)
        if prepared.returncode:
            raise RuntimeError(f"preparing {url} failed:\n{prepared.stderr}")
        if make_url(url).get_backend_name() == "sqlite":
            # WAL lets the workers' reads go on while one of them writes.
            with sqlite3.connect(make_url(url).database) as connection:
                connection.execute("PRAGMA journal_mode=WAL")
        port = _free_port()
        with (scratch / "gunicorn.log").open("w") as log_file:
            server = subprocess.Popen([str(PROJECT_ROOT / ".venv" / "bin" / "gunicorn"), "-w", str(workers), "-b",
                                       f"127.0.0.1:{port}", "--timeout", "120", "--log-level", "warning",
                                       "wsgi:app"], cwd=PROJECT_ROOT, env=environment, stderr=log_file)
            try:
                _wait_until_serving(port, server)
                driven = subprocess.run([sys.executable, "-m", "bench.load_api", "drive", str(port),
                                         str(scratch / "t.json"), str(duration)], cwd=PROJECT_ROOT, env=environment,
                                        check=True, capture_output=True, text=True)
            finally:
                server.send_signal(signal.SIGTERM)
                server.wait(timeout=60)
        out = json.loads(driven.stdout)
        log = (scratch / "gunicorn.log").read_text()
    pairs, total, doubled = _stored(url)
    accepted = {tuple(p) for p in out["accepted"]}
    requests = sum(out["statuses"].values())
    return {"database": make_url(url).get_backend_name(), "clients": clients, "workers": workers,
            "seconds": round(out["elapsed"], 1), "requests": requests,
            "requests_per_s": round(requests / out["elapsed"], 1),
            "rows_per_s": round(len(out["accepted"]) / out["elapsed"], 1),
            "new_rows_per_s": round(out["imported"] / out["elapsed"], 1),
            "statuses": {str(k): v for k, v in sorted(out["statuses"].items())},
            "server_errors": sum(v for k, v in out["statuses"].items() if int(k) >= 500),
            "reposts": out["reposts"], "unchanged": out["unchanged"], "new_rows": out["imported"],
            "lost": len(accepted - pairs), "duplicated": doubled, "stored": total,
            "client_errors": out["errors"][:20], "locked_in_log": log.count("database is locked"),
            "tracebacks_in_log": log.count("Traceback")}


def fresh_postgres_database(name: str, server_url: str = POSTGRES_SERVER) -> str:
    """An empty database `name` on the server (dropped first if a killed run left it); returns its URL."""
    if not name.startswith("outfall_load"):
        raise ValueError(f"refusing to re-create {name!r}: load databases are named outfall_load*")
    reset_postgres_database(f"{server_url}/postgres", name, create=True)
    return f"{server_url}/{name}"


def drop_postgres_database(name: str, server_url: str = POSTGRES_SERVER) -> None:
    if not name.startswith("outfall_load"):
        raise ValueError(f"refusing to drop {name!r}: load databases are named outfall_load*")
    reset_postgres_database(f"{server_url}/postgres", name, create=False)


def main(argv: list[str]) -> int:
    if argv[:1] == ["prepare"]:
        Path(argv[3]).write_text(json.dumps(prepare(argv[1], int(argv[2]))))
        return 0
    if argv[:1] == ["drive"]:
        print(json.dumps(drive(int(argv[1]), json.loads(Path(argv[2]).read_text()), float(argv[3]))))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args(argv)
    figures = []
    with tempfile.TemporaryDirectory(prefix="outfall-load-db-") as folder:
        figures.append(run_load(f"sqlite:///{Path(folder) / 'load.db'}", duration=args.duration,
                                clients=args.clients, workers=args.workers))
    if postgres_answers():
        url = fresh_postgres_database("outfall_load")
        try:
            figures.append(run_load(url, duration=args.duration, clients=args.clients, workers=args.workers))
        finally:
            drop_postgres_database("outfall_load")
    for figure in figures:
        print(json.dumps(figure))
    return 0 if all(f["lost"] == f["duplicated"] == f["server_errors"] == 0 and not f["client_errors"]
                    for f in figures) else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
