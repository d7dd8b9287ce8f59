"""The scale-out path (README "Scaling out"): two machines, each gunicorn with its own instance folder, share
one database, one secret key and one document directory behind a load balancer without sticky sessions;
exactly one scheduler runs among them (PostgreSQL advisory lock).

Each "machine" is a real gunicorn process with 2 workers on its own loopback port; the client sends every
request to the other machine than the one before, as a round-robin balancer would.
"""
from __future__ import annotations

import hashlib
import http.client
import os
import re
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from bench.load_api import PROJECT_ROOT, _free_port, _wait_until_serving

GUNICORN = PROJECT_ROOT / ".venv" / "bin" / "gunicorn"
SECRET_KEY = "scale-out-test-secret-not-for-production"
PASSWORD = "Tidal-Basin-Outfall-2026"
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"

pytestmark = pytest.mark.skipif(not GUNICORN.exists(), reason="gunicorn is not installed in .venv")


def machine_environment(url: str, root: Path, name: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": url, "OUTFALL_SECRET_KEY": SECRET_KEY,
            "OUTFALL_INSTANCE_PATH": str(root / name / "instance"),
            "OUTFALL_DOCUMENTS_PATH": str(root / "shared-documents"), "PYTHONPATH": str(PROJECT_ROOT),
            "PYTHONUNBUFFERED": "1"}


def flask(environment: dict[str, str], *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=PROJECT_ROOT, env=environment,
                          input=stdin, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


class Machine:
    def __init__(self, environment: dict[str, str], log: Path):
        self.port = _free_port()
        self.log = log.open("w")
        self.process = subprocess.Popen([str(GUNICORN), "-w", "2", "-b", f"127.0.0.1:{self.port}", "--timeout", "120",
                                         "--log-level", "warning", "wsgi:app"], cwd=PROJECT_ROOT, env=environment,
                                        stderr=self.log)
        _wait_until_serving(self.port, self.process)

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=60)
        self.log.close()


class RoundRobin:
    """A browser behind a balancer: cookies kept by hand (the session cookie is Secure, the test is plain
    HTTP), each request to the next machine."""

    def __init__(self, machines: list[Machine]):
        self.machines, self.turn, self.cookies, self.served_by = machines, 0, {}, []

    def request(self, method: str, path: str, body: bytes | None = None, content_type: str | None = None):
        machine = self.machines[self.turn % len(self.machines)]
        self.turn += 1
        self.served_by.append(machine.port)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        if content_type:
            headers["Content-Type"] = content_type
        connection = http.client.HTTPConnection("127.0.0.1", machine.port, timeout=60)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    self.cookies[name] = rest.split(";", 1)[0]
            return response.status, dict(response.getheaders()), data
        finally:
            connection.close()

    def csrf_token(self, path: str) -> str:
        status, _headers, page = self.request("GET", path)
        assert status == 200, page[:500]
        return re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1).decode()


def multipart(fields: dict[str, str], file_field: str, filename: str, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
             for name, value in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="{filename}"\r\n'
                 f"Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def prepare(url: str, environment: dict[str, str]) -> None:
    if url.startswith("sqlite"):
        # WAL: the machines' readers go on while one of them writes (the load test's setting too).
        import sqlite3
        flask(environment, "db", "upgrade")
        with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
            connection.execute("PRAGMA journal_mode=WAL")
    else:
        flask(environment, "db", "upgrade")
    flask(environment, "users", "create", "manager@scale.example", "--role", "manager", "--name", "Pat Manager",
          stdin=PASSWORD + "\n")
    flask(environment, "permits", "import", str(PROJECT_ROOT / "app" / "demo_data" / "npdes_permit.json"))


def test_two_machines_share_sessions_documents_and_records(scratch_database, tmp_path):
    shared_database = scratch_database("scale")
    a_env = machine_environment(shared_database, tmp_path, "a")
    b_env = machine_environment(shared_database, tmp_path, "b")
    prepare(shared_database, a_env)
    machines = [Machine(a_env, tmp_path / "a.log"), Machine(b_env, tmp_path / "b.log")]
    try:
        browser = RoundRobin(machines)
        # Signed in through one machine with the other's form: the session lives in the signed cookie.
        token = browser.csrf_token("/auth/login")
        status, headers, _ = browser.request(
            "POST", "/auth/login", f"csrf_token={token}&email=manager%40scale.example&password={PASSWORD}".encode(),
            "application/x-www-form-urlencoded")
        assert status == 302 and "/auth/login" not in headers.get("Location", ""), headers
        status, _h, page = browser.request("GET", "/")
        assert status == 200 and b"Pat Manager" in page

        token = browser.csrf_token("/records/documents/upload")
        body, content_type = multipart({"csrf_token": token, "kind": "lab_report", "title": "Lab report, March",
                                        "document_date": "2026-03-14", "permit": ""}, "file", "march.pdf", PDF)
        status, headers, page = browser.request("POST", "/records/documents/upload", body, content_type)
        assert status == 302, page[:2000]
        document_path = headers["Location"].split("://", 1)[-1]
        document_path = document_path[document_path.index("/records/"):]

        # Stored once, in the shared directory, by its checksum; neither machine's instance folder holds it.
        digest = hashlib.sha256(PDF).hexdigest()
        stored = [p for p in (tmp_path / "shared-documents").rglob("*") if p.is_file()]
        assert len(stored) == 1 and stored[0].read_bytes() == PDF and digest in str(stored[0])
        for name in ("a", "b"):
            assert not any(p.is_file() for p in (tmp_path / name / "instance").rglob(f"*{digest}*"))

        # Both machines serve it: each download goes to the next machine.
        for _ in machines:
            status, headers, data = browser.request("GET", document_path + "/download")
            assert status == 200 and data == PDF and headers["Content-Type"].startswith("application/pdf")
        assert len(set(browser.served_by)) == 2
    finally:
        for machine in machines:
            machine.stop()
    for name in ("a", "b"):
        assert "Traceback" not in (tmp_path / f"{name}.log").read_text()


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
                    reason="several machines need PostgreSQL: on SQLite the scheduler lock is a file on one machine")
def test_exactly_one_scheduler_among_machines(scratch_database, tmp_path):
    shared_database = scratch_database("scale")
    a_env = machine_environment(shared_database, tmp_path, "a")
    b_env = machine_environment(shared_database, tmp_path, "b")
    prepare(shared_database, a_env)
    first = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "scheduler"], cwd=PROJECT_ROOT,
                             env=a_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        line = first.stdout.readline()
        assert line.startswith("scheduler running"), line
        # Machine b has an instance folder (and so a lock file) of its own: only the database lock stops it.
        second = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "scheduler"], cwd=PROJECT_ROOT,
                                env=b_env, capture_output=True, text=True, timeout=120)
        assert second.returncode == 1, second.stdout + second.stderr
        assert "another process already runs the scheduler for this database" in second.stdout + second.stderr
    finally:
        first.send_signal(signal.SIGTERM)
        first.wait(timeout=60)
        first.stdout.close()
