"""`flask scheduler` runs once: a second process refuses to start while the first holds the lock (a file
lock in the instance folder on SQLite, pg_try_advisory_lock on PostgreSQL), and a crash leaves no stale lock."""
from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from app.jobs.scheduler import SchedulerAlreadyRunning, acquire_scheduler_lock

ROOT = Path(__file__).resolve().parents[2]
STARTED = "scheduler running"


def _env(app) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "OUTFALL_SECRET_KEY": app.config["SECRET_KEY"],
                "OUTFALL_INSTANCE_PATH": app.instance_path, "PYTHONUNBUFFERED": "1"})
    return env


def _command() -> list[str]:
    return [sys.executable, "-m", "flask", "--app", "wsgi", "scheduler"]


class Scheduler:
    """`flask scheduler` in its own process, with its output read on a thread so that waiting never blocks."""

    def __init__(self, app):
        self.process = subprocess.Popen(_command(), cwd=ROOT, env=_env(app), stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line)

    def wait_started(self, timeout: float = 60) -> None:
        seen = []
        while True:
            try:
                line = self.lines.get(timeout=timeout)
            except queue.Empty:
                pytest.fail(f"the scheduler did not start: {''.join(seen)}")
            seen.append(line)
            if line.startswith(STARTED):
                # Printed just before scheduler.start(): a TERM at once must still end it cleanly (app/cli.py).
                return

    def stop(self, sig: int) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        code = self.process.wait(timeout=30)
        self.process.stdout.close()
        return code


def _second_start(app) -> subprocess.CompletedProcess:
    return subprocess.run(_command(), cwd=ROOT, env=_env(app), capture_output=True, text=True, timeout=120)


def _expected_refusal(app) -> str:
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        return "another process already runs the scheduler for this database"
    return f"({Path(app.instance_path) / 'scheduler.lock'} is locked)"


def test_a_second_scheduler_process_refuses_to_start(app, db):
    first = Scheduler(app)
    try:
        first.wait_started()
        second = _second_start(app)
        assert second.returncode == 1, second.stdout + second.stderr
        assert _expected_refusal(app) in second.stderr and STARTED not in second.stdout
        with pytest.raises(SchedulerAlreadyRunning):  # nor can this process take it
            acquire_scheduler_lock(app)
    finally:
        code = first.stop(signal.SIGTERM)
    assert code == 0  # SIGTERM shuts it down cleanly and releases the lock ...
    acquire_scheduler_lock(app).release()  # ... so the next one may start


def test_a_killed_scheduler_leaves_no_stale_lock(app, db):
    crashed = Scheduler(app)
    try:
        crashed.wait_started()
    finally:
        crashed.stop(signal.SIGKILL)  # no clean-up runs: the OS (or the server) drops the lock with the process
    restarted = Scheduler(app)
    try:
        restarted.wait_started()
    finally:
        assert restarted.stop(signal.SIGTERM) == 0
