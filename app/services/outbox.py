"""The reminder outbox as the administrator sees it: what was sent, what failed and why, and a retry."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models.schedule import OutboxMessage
from app.services.reminders import FAILED, PENDING, SENT

STATUSES = (PENDING, SENT, FAILED)


class OutboxError(ValueError):
    """A retry that makes no sense (the message is not failed)."""


@dataclass(frozen=True)
class OutboxListing:
    messages: list[OutboxMessage]
    counts: dict[str, int]
    status: str | None
    limit: int


def outbox_listing(session: Session, *, status: str | None = None, limit: int = 200) -> OutboxListing:
    """The newest messages (optionally of one status) and how many there are of each status."""
    status = status if status in STATUSES else None
    query = select(OutboxMessage).order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()).limit(limit)
    if status is not None:
        query = query.where(OutboxMessage.status == status)
    counts = dict.fromkeys(STATUSES, 0)
    counts.update(session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())
    return OutboxListing(list(session.scalars(query)), counts, status, limit)


def retry_message(session: Session, message: OutboxMessage, *, now: datetime) -> None:
    """Put a failed message back in the queue for the next run, with a fresh set of attempts."""
    if message.status != FAILED:
        raise OutboxError(f"message {message.id} is {message.status}; only a failed message can be retried")
    message.status, message.attempts, message.next_attempt_at = PENDING, 0, now
    session.flush()
