"""Page latency under load: gunicorn (4 workers) over the bench database, 16 clients in a separate process."""
from __future__ import annotations

import http.client
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import time
from urllib.parse import quote_plus, urlencode

from sqlalchemy import select

from bench.database import DATA_DIR, PROJECT_ROOT, bench_environment
from bench.facility import PERMIT_NUMBER
from bench.load import USER_AGENT
from bench.measure import Figure, figure, percentile

WORKERS, CLIENTS = 4, 16
LOGIN = "/auth/login"
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _request(port: int, method: str, path: str, *, cookie: str = "", body: str | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"User-Agent": USER_AGENT, **({"Cookie": cookie} if cookie else {})}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    content = response.read().decode("utf-8", "replace")
    connection.close()
    return response, content


def _cookie(response, fallback: str = "") -> str:
    for name, value in response.getheaders():
        if name.lower() == "set-cookie" and value.startswith("session="):
            return value.split(";", 1)[0]
    return fallback


def sign_in(port: int, email: str, password: str) -> str:
    """The session cookie of a real sign-in: GET the form for its CSRF token, POST it."""
    response, page = _request(port, "GET", LOGIN)
    match = _CSRF.search(page)
    if match is None:
        raise RuntimeError("no csrf_token field on the login page")
    cookie = _cookie(response)
    form = urlencode({"email": email, "password": password, "csrf_token": match.group(1) or match.group(2)})
    response, _ = _request(port, "POST", LOGIN, cookie=cookie, body=form)
    if response.status != 302:
        raise RuntimeError(f"sign-in answered HTTP {response.status}, expected a redirect")
    return _cookie(response, cookie)


def _start_gunicorn(url: str, port: int) -> subprocess.Popen:
    log = open(DATA_DIR / "gunicorn.log", "ab")
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", str(WORKERS), "--bind",
                                f"127.0.0.1:{port}", "--timeout", "120", "wsgi:app"], cwd=PROJECT_ROOT,
                               env={**os.environ, **bench_environment(url)}, stdout=log, stderr=log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}; see {DATA_DIR / 'gunicorn.log'}")
        try:
            if _request(port, "GET", LOGIN)[0].status == 200:
                return process
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise RuntimeError("gunicorn did not answer within 60 s")


def _load(port: int, cookie: str, paths: list[str], requests_per_client: int, clients: int = CLIENTS) -> dict:
    output = subprocess.run([sys.executable, "-m", "bench.load", str(port), cookie, str(clients),
                             str(requests_per_client), *paths], cwd=PROJECT_ROOT, capture_output=True, text=True,
                            check=True).stdout
    result = json.loads(output)
    if result["error_count"]:
        raise RuntimeError(f"{result['error_count']} failed requests, e.g. {result['errors'][:3]}")
    return result


def pages_p95(bench) -> Figure:
    from app.models.monitoring import Sample

    requests_per_client = 8 if bench.scale == "full" else 4
    session = bench.session()
    sample_pk = session.scalar(select(Sample.id).where(Sample.lab.is_not(None)).order_by(Sample.id.desc()).limit(1))
    paths = ["/", f"/permits/{PERMIT_NUMBER}", f"/records/samples/{sample_pk}", "/search/?q=" + quote_plus("copper 007")]
    port = _free_port()
    server = _start_gunicorn(bench.url, port)
    try:
        cookie = sign_in(port, "bench-manager@example.com", "outfall-bench")
        _load(port, cookie, paths, len(paths), clients=WORKERS)  # warm-up: every worker sees every page
        rounds, per_page, started = [], {p: [] for p in paths}, time.perf_counter()
        while len(rounds) < bench.runs and (not rounds or time.perf_counter() - started < bench.budget_s):
            timings = _load(port, cookie, paths, requests_per_client)["timings"]
            rounds.append(percentile([s for _, s in timings], 95))
            for path, seconds in timings:
                per_page[path].append(seconds)
        _load(port, "", [LOGIN], 2, clients=WORKERS)
        baseline = statistics.median(percentile([s for _, s in _load(port, "", [LOGIN], requests_per_client)["timings"]],
                                                95) for _ in range(bench.runs))
    finally:
        server.terminate()
        server.wait(timeout=30)
    value = statistics.median(rounds)
    shown = ", ".join(f"{p.split('?')[0]} {percentile(v, 95) * 1000:.0f}" for p, v in per_page.items())
    result = figure("pages_p95", value * 1000, "ms", target=200.0, baseline=baseline * 1000, runs=len(rounds),
                    detail=f"{CLIENTS} clients, {WORKERS} gunicorn workers; p95 ms by page: {shown}")
    result.extra = {p: round(percentile(v, 95) * 1000, 1) for p, v in per_page.items()}
    return result
