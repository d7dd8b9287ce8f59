"""Builds the single APScheduler instance and guards it with an exclusive lock."""
from __future__ import annotations

import fcntl
import os
from dataclasses import dataclass
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from sqlalchemy import create_engine, text

from app.jobs.tasks import JOBS

# Any fixed 64-bit number: PostgreSQL's session-level advisory lock for "the scheduler runs here".
_SCHEDULER_LOCK_KEY = 0x5C4ED


class SchedulerAlreadyRunning(RuntimeError):
    """Another process holds the scheduler lock; starting a second one would double every reminder."""


@dataclass
class SchedulerLock:
    kind: str
    handle: Any

    def release(self) -> None:
        if self.kind == "file":
            fcntl.flock(self.handle, fcntl.LOCK_UN)
            self.handle.close()
        else:
            connection, engine = self.handle
            connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _SCHEDULER_LOCK_KEY})
            connection.close()
            engine.dispose()


def acquire_scheduler_lock(app) -> SchedulerLock:
    """File lock on SQLite (and anything that is not PostgreSQL), advisory lock on PostgreSQL."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("postgresql"):
        engine = create_engine(url)
        connection = engine.connect()
        got = connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": _SCHEDULER_LOCK_KEY}).scalar()
        connection.commit()
        if not got:
            connection.close()
            engine.dispose()
            raise SchedulerAlreadyRunning("another process already runs the scheduler for this database")
        return SchedulerLock("postgres", (connection, engine))
    path = os.path.join(app.instance_path, "scheduler.lock")
    handle = open(path, "a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise SchedulerAlreadyRunning(f"another process already runs the scheduler ({path} is locked)") from None
    return SchedulerLock("file", handle)


def build_scheduler(app, scheduler_class: type[BaseScheduler] = BackgroundScheduler) -> BaseScheduler:
    # The job options are given to every job explicitly, not only as job_defaults: APScheduler applies
    # its defaults only when a started scheduler adds the job, and a job must never run twice at once.
    job_options = {
        "coalesce": True,  # after downtime, run a missed job once, not once per missed slot
        "max_instances": 1,
        "misfire_grace_time": app.config["OUTFALL_SCHEDULER_MISFIRE_GRACE_SECONDS"],
    }
    scheduler = scheduler_class(timezone="UTC", job_defaults=job_options)
    for job in JOBS:
        scheduler.add_job(job.func, job.trigger, args=[app], id=job.id, replace_existing=True,
                          **job_options, **job.trigger_args)
    return scheduler
