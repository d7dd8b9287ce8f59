"""The scheduled job functions and the JOBS table the scheduler is built from.

Every job is idempotent: run twice, or again after a crash, it changes nothing more than once. Each
works in its own app context, commits what it did, and on an error rolls back and logs, so that one
failing run never stops the scheduler or leaves a half-done change behind.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable

from sqlalchemy.orm import Session

from app.extensions import db
from app.services.audit import audit_context, verify_audit_trail
from app.services.mail import MailNotConfigured, SmtpSender, SmtpSettings
from app.services.reminders import queue_due_reminders, send_pending
from app.services.schedule_upkeep import extend_schedules, refresh_schedule_statuses

log = logging.getLogger("outfall.jobs")


def check_audit_chain(app) -> bool:
    """Nightly proof that nobody edited the audit trail behind the application's back."""
    with app.app_context():
        checked, broken = verify_audit_trail(db.session)
        db.session.rollback()
    if broken is None:
        log.info("audit trail intact: %d entries checked", checked)
        return True
    log.error("audit trail BROKEN at %s", broken)
    return False


@dataclass(frozen=True)
class ReminderRun:
    queued: int
    sent: int
    failed: int
    not_sent: str | None = None  # why nothing was sent (no SMTP host), if so


def deliver_reminders(session: Session, now: datetime, config: Mapping[str, Any]) -> ReminderRun:
    """Queue the reminders due at `now` (committed), then send what is pending (one commit per message)."""
    queued = queue_due_reminders(session, now, base_url=config["OUTFALL_BASE_URL"])
    session.commit()
    try:
        settings = SmtpSettings.from_config(config)
    except MailNotConfigured as error:
        return ReminderRun(queued, 0, 0, str(error))
    with SmtpSender(settings) as sender:
        sent, failed = send_pending(session, now, sender)
    return ReminderRun(queued, sent, failed)


def _job(app, name: str, work: Callable[[Session, datetime], Any], now: datetime | None) -> Any:
    with app.app_context():
        try:
            with audit_context(db.session, actor_label="scheduler"):
                result = work(db.session, now or datetime.now(timezone.utc))
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("job %s failed; rolled back", name)
            return None
    log.info("job %s: %s", name, result)
    return result


def extend_sampling_schedules(app, now: datetime | None = None):
    """Nightly: keep every permit's schedule planned 90 days ahead."""
    return _job(app, "extend_sampling_schedules", extend_schedules, now)


def refresh_sampling_statuses(app, now: datetime | None = None):
    """Hourly: mark events collected or missed from the stored results (a missed one sends a reminder)."""
    return _job(app, "refresh_sampling_statuses", refresh_schedule_statuses, now)


def send_reminders(app, now: datetime | None = None):
    """Every 5 minutes: queue the reminders that fell due and send what is pending."""
    return _job(app, "send_reminders", lambda session, moment: deliver_reminders(session, moment, app.config), now)


def nightly_backup_job(app, now: datetime | None = None):
    """Nightly: a backup of the database and documents under OUTFALL_BACKUP_PATH, the oldest rotated out."""
    from pathlib import Path

    from app.config import document_store_path
    from app.services.backup_rotation import nightly_backup

    config = app.config
    root = Path(config.get("OUTFALL_BACKUP_PATH") or Path(app.instance_path) / "backups")
    documents = document_store_path(config, app.instance_path)
    with app.app_context():
        try:
            summary = nightly_backup(db.engine, root, documents=documents, schema=config.get("OUTFALL_DB_SCHEMA"),
                                     now=now or datetime.now(timezone.utc), keep=config["OUTFALL_BACKUP_KEEP"])
        except Exception:
            log.exception("job nightly_backup failed; the older backups are kept")
            return None
    log.info("job nightly_backup: %s, removed %d old", summary.backup.path, len(summary.removed))
    return summary


@dataclass(frozen=True)
class Job:
    id: str
    func: Callable[[Any], Any]
    trigger: str
    trigger_args: dict[str, Any]


JOBS: tuple[Job, ...] = (
    Job("check_audit_chain", check_audit_chain, "cron", {"hour": 2, "minute": 17}),
    Job("extend_sampling_schedules", extend_sampling_schedules, "cron", {"hour": 1, "minute": 43}),
    Job("refresh_sampling_statuses", refresh_sampling_statuses, "cron", {"minute": 7}),
    Job("send_reminders", send_reminders, "interval", {"minutes": 5}),
    Job("nightly_backup", nightly_backup_job, "cron", {"hour": 0, "minute": 53}),
)
