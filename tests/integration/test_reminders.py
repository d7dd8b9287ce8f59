"""Reminder e-mails end to end: `reminders send` through a real SMTP server (aiosmtpd) on loopback.

Nothing here mocks smtplib: the messages cross a socket to an SMTP server that records what it accepted.
"""
from __future__ import annotations

import email
import email.policy
import socket
from datetime import date, datetime, timedelta, timezone

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from app.models.compliance import NotificationObligation
from app.models.schedule import OutboxMessage, SamplingEvent
from app.services.events import EventReport, report_event
from app.services.mail import SmtpSender, SmtpSettings, message_id
from app.services.permits import import_permit_definition
from app.services.reminders import MAX_ATTEMPTS, queue_due_reminders, send_pending
from app.services.schedule_upkeep import extend_schedules, refresh_schedule_statuses
from tests.factories import create_test_user, permit_document

# Monday 2026-03-09 07:30 EDT: today's and tomorrow's sampling, the February DMR due on the 15th.
NOW = datetime(2026, 3, 9, 11, 30, tzinfo=timezone.utc)
NOW_ARG = "2026-03-09T07:30:00-04:00"
BASE_URL = "https://outfall.plant.example"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    """An aiosmtpd handler that keeps every message the server accepted."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"

    def subjects_for(self, address: str) -> list[str]:
        # strip(): a long subject is folded right after "Subject:", and unfolding keeps the space.
        return sorted(m["Subject"].strip() for m, e in zip(self.messages, self.envelopes) if e.rcpt_tos == [address])


class SmtpServer:
    def __init__(self, port: int):
        self.port, self.inbox, self.controller = port, Inbox(), None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp(app, monkeypatch):
    server = SmtpServer(free_port())
    monkeypatch.setitem(app.config, "OUTFALL_SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "OUTFALL_SMTP_PORT", server.port)
    monkeypatch.setitem(app.config, "OUTFALL_MAIL_FROM", "reminders@plant.example")
    monkeypatch.setitem(app.config, "OUTFALL_BASE_URL", BASE_URL)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def plant(db):
    import_permit_definition(db.session, permit_document("npdes"))
    db.session.commit()
    people = {role: create_test_user(db.session, role=role, email=f"{role}@plant.example")
              for role in ("labtech", "manager", "viewer", "admin")}
    return people


def _send(runner, now: str = NOW_ARG):
    result = runner.invoke(args=["reminders", "send", "--now", now])
    assert result.exit_code == 0, result.output
    return result.output


def _count(db, **filters) -> int:
    query = select(func.count(OutboxMessage.id))
    for name, value in filters.items():
        query = query.where(getattr(OutboxMessage, name) == value)
    return db.session.scalar(query)


def _events_on(db, day: date) -> list[SamplingEvent]:
    return list(db.session.scalars(select(SamplingEvent).where(SamplingEvent.event_date == day,
                                                               SamplingEvent.status == "scheduled")))


def test_reminders_send_delivers_exactly_the_due_reminders_and_a_second_run_none(runner, db, plant, smtp):
    output = _send(runner)
    total = _count(db)
    assert output.strip() == f"queued {total}, sent {total}, failed 0"
    assert len(smtp.inbox.messages) == total > 0
    # The lab tech: one "today" per trip planned for Monday, one "tomorrow" per trip for Tuesday, nothing else.
    today, tomorrow = _events_on(db, date(2026, 3, 9)), _events_on(db, date(2026, 3, 10))
    assert today and tomorrow
    labtech = smtp.inbox.subjects_for("labtech@plant.example")
    assert len(labtech) == len(today) + len(tomorrow)
    assert sum(s.startswith("Sampling today") for s in labtech) == len(today)
    assert sum(s.startswith("Sampling tomorrow") for s in labtech) == len(tomorrow)
    # The manager: the February DMR due on the 15th, January's overdue, and the trips missed last week.
    manager = smtp.inbox.subjects_for("manager@plant.example")
    assert "DMR for 2026-02 due 2026-03-15 — CT0000001" in manager
    assert "DMR for 2026-01 overdue since 2026-02-15 — CT0000001" in manager
    missed = [s for s in manager if s.startswith("Sampling missed")]
    assert missed and len(missed) + 2 == len(manager)
    assert not smtp.inbox.subjects_for("viewer@plant.example") and not smtp.inbox.subjects_for("admin@plant.example")

    assert _send(runner).strip() == "queued 0, sent 0, failed 0"
    assert len(smtp.inbox.messages) == total


def test_the_message_is_multipart_alternative_with_absolute_links_and_a_stable_message_id(runner, db, plant, smtp):
    _send(runner)
    row = db.session.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key.like("sampling-today:%"))
                             .limit(1)).one()
    received = next(m for m in smtp.inbox.messages if m["Message-ID"] == message_id(row.dedupe_key,
                                                                                     "reminders@plant.example"))
    assert received.get_content_type() == "multipart/alternative"
    assert received["To"] == "labtech@plant.example" and "reminders@plant.example" in received["From"]
    text = received.get_body(preferencelist=("plain",)).get_content()
    html = received.get_body(preferencelist=("html",)).get_content()
    assert f"{BASE_URL}/permits/CT0000001" in text and f'href="{BASE_URL}/permits/CT0000001"' in html
    assert f"{BASE_URL}/auth/profile" in text
    assert row.status == "sent" and row.sent_at == NOW and row.attempts == 1


def test_the_links_in_messages_are_real_routes(app, db, plant, smtp, runner):
    _send(runner)
    adapter = app.url_map.bind("outfall.plant.example")
    for body in db.session.scalars(select(OutboxMessage.body_text)):
        for word in body.split():
            if word.startswith(BASE_URL):
                path = word[len(BASE_URL):].split("#")[0] or "/"
                adapter.match(path, method="GET")  # raises NotFound for a broken link


def test_a_refused_connection_is_retried_after_backoff_until_the_server_is_back(app, runner, db, plant, monkeypatch):
    server = SmtpServer(free_port())  # nothing listens there yet: connection refused
    monkeypatch.setitem(app.config, "OUTFALL_SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "OUTFALL_SMTP_PORT", server.port)
    try:
        first = _send(runner)
        total = _count(db)
        assert first.strip() == f"queued {total}, sent 0, failed {total}"
        row = db.session.scalars(select(OutboxMessage).limit(1)).one()
        assert (row.status, row.attempts, row.next_attempt_at) == ("pending", 1, NOW + timedelta(minutes=1))
        assert "ConnectionRefusedError" in row.last_error
        server.start()
        assert _send(runner, "2026-03-09T07:30:59-04:00").strip() == "queued 0, sent 0, failed 0"  # backing off
        assert _send(runner, "2026-03-09T07:31:00-04:00").strip() == f"queued 0, sent {total}, failed 0"
        assert len(server.inbox.messages) == total
        assert _count(db, status="sent") == total
    finally:
        server.stop()


def test_backoff_doubles_and_the_message_fails_after_8_attempts(db, plant):
    queue_due_reminders(db.session, NOW)
    db.session.commit()
    one = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id).limit(1)).one().id
    sender = SmtpSender(SmtpSettings(host="127.0.0.1", port=free_port(), timeout=5))
    moment, delays = NOW, []
    for _attempt in range(MAX_ATTEMPTS):
        send_pending(db.session, moment, sender)
        row = db.session.get(OutboxMessage, one)
        if row.status == "failed":
            break
        delays.append(row.next_attempt_at - moment)
        moment = row.next_attempt_at
    assert delays == [timedelta(minutes=m) for m in (1, 2, 4, 8, 16, 32, 64)]
    assert (row.status, row.attempts, row.next_attempt_at) == ("failed", MAX_ATTEMPTS, None)
    assert "ConnectionRefusedError" in row.last_error
    assert send_pending(db.session, moment + timedelta(days=1), sender) == (0, 0)  # failed stays failed


class Crash(BaseException):
    """The process dying: not an error the sender could record."""


class CrashOnSecond:
    def __init__(self, sender):
        self.sender, self.calls = sender, 0

    def send(self, message):
        self.calls += 1
        if self.calls == 2:
            raise Crash()
        self.sender.send(message)


def test_a_crash_between_messages_never_resends_what_was_sent(app, db, plant, smtp):
    extend_schedules(db.session, NOW)
    refresh_schedule_statuses(db.session, NOW)
    queue_due_reminders(db.session, NOW, base_url=BASE_URL)
    db.session.commit()
    total = _count(db)
    assert total >= 3
    with SmtpSender(SmtpSettings.from_config(app.config)) as sender:
        with pytest.raises(Crash):
            send_pending(db.session, NOW, CrashOnSecond(sender))
    db.session.rollback()
    db.session.remove()  # the "restart": a fresh session reading only what was committed
    assert _count(db, status="sent") == 1 and len(smtp.inbox.messages) == 1
    first_id = smtp.inbox.messages[0]["Message-ID"]
    with SmtpSender(SmtpSettings.from_config(app.config)) as sender:
        # The message being sent at the crash is held for the claim lease; all the others go now.
        assert send_pending(db.session, NOW, sender) == (total - 2, 0)
        assert send_pending(db.session, NOW + timedelta(minutes=10), sender) == (1, 0)
        assert send_pending(db.session, NOW + timedelta(hours=1), sender) == (0, 0)
    ids = [m["Message-ID"] for m in smtp.inbox.messages]
    assert len(ids) == total == len(set(ids)) and ids.count(first_id) == 1


def test_preferences_are_honoured(runner, db, plant, smtp):
    plant["labtech"].reminder_preferences = {"sampling_due": False}
    plant["manager"].reminder_preferences = {"sampling_missed": False, "report_overdue": False}
    db.session.commit()
    _send(runner)
    assert smtp.inbox.subjects_for("labtech@plant.example") == []
    assert smtp.inbox.subjects_for("manager@plant.example") == ["DMR for 2026-02 due 2026-03-15 — CT0000001"]


def test_a_digest_reader_gets_one_summary_a_day(runner, db, plant, smtp):
    plant["labtech"].reminder_preferences = {"digest": True}
    db.session.commit()
    _send(runner)
    (subject,) = smtp.inbox.subjects_for("labtech@plant.example")
    count = len(_events_on(db, date(2026, 3, 9))) + len(_events_on(db, date(2026, 3, 10)))
    assert subject == f"Outfall daily summary for 2026-03-09: {count} reminders"
    digest = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "digest")).one()
    assert digest.dedupe_key == f"digest:2026-03-09:user{plant['labtech'].id}"
    assert digest.body_text.count("Sampling today") == len(_events_on(db, date(2026, 3, 9)))
    # Later that day: no second digest; the next morning: the next one.
    _send(runner, "2026-03-09T16:00:00-04:00")
    assert len(smtp.inbox.subjects_for("labtech@plant.example")) == 1
    _send(runner, "2026-03-10T07:00:00-04:00")
    assert smtp.inbox.subjects_for("labtech@plant.example")[-1].startswith("Outfall daily summary for 2026-03-10")
    assert _count(db, kind="digest") == 2 and _count(db, recipient="labtech@plant.example") == 2


def test_a_new_obligation_is_announced_at_once_and_reminded_before_its_deadline(runner, db, plant, smtp):
    _event, obligations = report_event(db.session, EventReport(
        permit="CT0000001", kind="upset", discovered_at=NOW - timedelta(minutes=10)))
    for obligation in obligations:
        obligation.created_at = NOW - timedelta(minutes=5)  # opened "now" on the test's clock
    db.session.commit()
    _send(runner)
    manager = smtp.inbox.subjects_for("manager@plant.example")
    assert sum(s.startswith("New notification obligation: CT0000001") for s in manager) == len(obligations)
    obligation = db.session.scalars(select(NotificationObligation).order_by(NotificationObligation.id)).first()
    due = obligation.initial_due.astimezone(timezone.utc)
    _send(runner, (due - timedelta(minutes=59)).isoformat())
    assert any(s.startswith("1 hour left") for s in smtp.inbox.subjects_for("manager@plant.example"))


def test_without_an_smtp_host_it_queues_and_says_why_nothing_was_sent(app, runner, db, plant, monkeypatch):
    monkeypatch.setitem(app.config, "OUTFALL_SMTP_HOST", None)
    result = runner.invoke(args=["reminders", "send", "--now", NOW_ARG])
    assert result.exit_code == 0, result.output
    total = _count(db)
    assert total > 0 and _count(db, status="pending") == total
    assert result.output.splitlines() == [f"queued {total}, sent 0, failed 0",
                                          "not sent: OUTFALL_SMTP_HOST is not set"]


def test_a_bad_now_is_refused(runner, db):
    result = runner.invoke(args=["reminders", "send", "--now", "Monday morning"])
    assert result.exit_code == 1 and "--now: expected an ISO 8601" in result.output


def test_the_jobs_plan_refresh_and_send_idempotently(app, db, plant, smtp):
    from app.jobs.tasks import extend_sampling_schedules, refresh_sampling_statuses, send_reminders

    change = extend_sampling_schedules(app, NOW)
    assert change.added > 0 and extend_sampling_schedules(app, NOW).added == 0
    assert refresh_sampling_statuses(app, NOW)["missed"] > 0
    run = send_reminders(app, NOW)
    assert run.queued == run.sent == len(smtp.inbox.messages) > 0 and run.failed == 0
    again = send_reminders(app, NOW + timedelta(minutes=5))
    assert (again.queued, again.sent, again.failed) == (0, 0, 0)


def test_a_failing_job_rolls_back_and_logs(app, db, plant, caplog, monkeypatch):
    from app.jobs import tasks

    def broken(session, now):
        session.add(OutboxMessage(dedupe_key="half-done", kind="x", recipient="x@plant.example", subject="s",
                                  body_text="b", due_at=now))
        session.flush()
        raise RuntimeError("database went away")

    monkeypatch.setattr(tasks, "extend_schedules", broken)
    assert tasks.extend_sampling_schedules(app, NOW) is None
    assert "job extend_sampling_schedules failed" in caplog.text
    assert _count(db, dedupe_key="half-done") == 0
