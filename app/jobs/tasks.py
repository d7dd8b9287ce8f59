"""The scheduled job functions and the JOBS table the scheduler is built from."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Callable

from app.extensions import db
from app.services.audit import verify_audit_trail

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
class Job:
    id: str
    func: Callable[[Any], Any]
    trigger: str
    trigger_args: dict[str, Any]


JOBS: tuple[Job, ...] = (
    Job("check_audit_chain", check_audit_chain, "cron", {"hour": 2, "minute": 17}),
)
