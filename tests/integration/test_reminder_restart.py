"""Exactly once across a restart: the process sending reminders is killed mid-run (SIGKILL, while the SMTP
server holds a message), then started again; every reminder reaches the server once and only once."""
from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from app.models.schedule import OutboxMessage
from app.services.mail import message_id
from tests.integration.test_reminders import BASE_URL, NOW, NOW_ARG, Inbox, free_port, plant  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
MAIL_FROM = "reminders@plant.example"


class HoldSecondMessage(Inbox):
    """Accepts the first message at once; holds the second in DATA (never answering 250) until released."""

    def __init__(self):
        super().__init__()
        self.holding, self.release, self.seen = threading.Event(), threading.Event(), 0

    async def handle_DATA(self, server, session, envelope):
        self.seen += 1
        if self.seen == 2 and not self.release.is_set():
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
            return "451 4.3.0 the client went away before this was accepted"
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def smtp(app, monkeypatch):
    from aiosmtpd.controller import Controller

    inbox, port = HoldSecondMessage(), free_port()
    for key, value in (("OUTFALL_SMTP_HOST", "127.0.0.1"), ("OUTFALL_SMTP_PORT", port),
                       ("OUTFALL_MAIL_FROM", MAIL_FROM), ("OUTFALL_BASE_URL", BASE_URL)):
        monkeypatch.setitem(app.config, key, value)
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        inbox.release.set()
        controller.stop()


def _database_url(app) -> str:
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    schema = app.config.get("OUTFALL_DB_SCHEMA")
    if schema:  # the PostgreSQL run keeps its tables in a schema of its own
        url = url.update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


def _reminders_send(app, port: int) -> subprocess.Popen:
    env = dict(os.environ)
    env.update({"DATABASE_URL": _database_url(app), "OUTFALL_SECRET_KEY": app.config["SECRET_KEY"],
                "OUTFALL_INSTANCE_PATH": app.instance_path, "OUTFALL_SMTP_HOST": "127.0.0.1",
                "OUTFALL_SMTP_PORT": str(port), "OUTFALL_MAIL_FROM": MAIL_FROM, "OUTFALL_BASE_URL": BASE_URL})
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "reminders", "send", "--now", NOW_ARG],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _count(db, **filters) -> int:
    query = select(func.count(OutboxMessage.id))
    for name, value in filters.items():
        query = query.where(getattr(OutboxMessage, name) == value)
    return db.session.scalar(query)


def _send(runner, moment) -> str:
    result = runner.invoke(args=["reminders", "send", "--now", moment.isoformat()])
    assert result.exit_code == 0, result.output
    return result.output.strip()


def test_a_process_killed_mid_run_never_makes_a_reminder_go_out_twice(app, runner, db, plant, smtp):
    inbox, port = smtp
    process = _reminders_send(app, port)
    held = inbox.holding.wait(timeout=120)
    if process.poll() is None:
        process.send_signal(signal.SIGKILL)  # the process dies with the second message in flight
    output = process.communicate(timeout=30)
    assert held, (process.returncode, output, inbox.seen)
    inbox.release.set()
    db.session.remove()  # read only what the dead process committed
    total = _count(db)
    assert total >= 3 and len(inbox.messages) == 1
    assert _count(db, status="sent") == 1 and _count(db, status="pending") == total - 1

    # Restarted at once: everything but the message that was in flight goes; that one waits out its lease.
    assert _send(runner, NOW) == f"queued 0, sent {total - 2}, failed 0"
    in_flight = db.session.scalars(select(OutboxMessage).where(OutboxMessage.status == "pending")).one()
    assert in_flight.attempts == 1 and in_flight.sent_at is None
    # 07:40 at the plant: nothing new falls due before 08:00, so the held message is the only one sent.
    assert _send(runner, NOW + timedelta(minutes=10)) == "queued 0, sent 1, failed 0"
    assert _count(db, status="sent") == total
    assert _send(runner, NOW + timedelta(minutes=15)) == "queued 0, sent 0, failed 0"

    # The server accepted each reminder exactly once: one Message-ID per outbox row, none repeated.
    received = [m["Message-ID"] for m in inbox.messages]
    expected = {message_id(key, MAIL_FROM) for key in db.session.scalars(select(OutboxMessage.dedupe_key))}
    assert len(received) == len(set(received)) == len(expected) and set(received) == expected
