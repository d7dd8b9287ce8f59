"""Reminder e-mails: queue what the rules say is due into the outbox, then deliver it exactly once.

Queueing is idempotent through OutboxMessage.dedupe_key (the rule's key: kind, subject, occasion,
recipient). Delivery claims one message at a time, sends it, and commits its new state before
touching the next, so a crash can never make a message that the SMTP server accepted go out again
(DESIGN.md rule 5) -- except in the instant between the server's "250 OK" and that commit, which no
outbox can close; the Message-ID derived from the dedupe key lets a receiving side drop that copy.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Protocol

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.config import Config
from app.domain import reminder_rules as rules
from app.domain import reminder_snapshots as snapshots
from app.domain.calibration_due import FAILED as CALIBRATION_FAILED
from app.domain.permit_terms import facility_today
from app.models.compliance import NotificationObligation
from app.models.facility import Facility
from app.models.permit import Permit
from app.models.report import SignedReport
from app.models.schedule import MISSED, SCHEDULED, OutboxMessage, SamplingEvent
from app.models.user import User
from app.services.calibration import instrument_standings
from app.services.reminder_messages import RenderedMessage, render_digest, render_reminder

PENDING, SENT, FAILED = "pending", "sent", "failed"
MAX_ATTEMPTS = 8
MAX_BACKOFF = timedelta(hours=6)
# A claimed message is invisible to other senders for this long; if the process dies before it is
# marked, it is tried again after the lease.
CLAIM_LEASE = timedelta(minutes=10)


class Sender(Protocol):
    def send(self, message: OutboxMessage) -> None:
        """Deliver the message; return only once the server accepted it, raise otherwise."""


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, ... minutes after the n-th failed attempt, never more than MAX_BACKOFF."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def _recipients(session: Session) -> tuple[snapshots.Recipient, ...]:
    roles = set().union(*rules.RECIPIENT_ROLES.values())
    users = session.scalars(select(User).where(User.active.is_(True), User.role.in_(roles)).order_by(User.id))
    return tuple(snapshots.Recipient(u.id, u.email, u.name, u.role, dict(u.reminder_preferences or {})) for u in users)


def _events(session: Session, earliest: date, latest: date) -> tuple[snapshots.SamplingEventSnapshot, ...]:
    # Scheduled events near today (tomorrow/today reminders) and recently closed missed ones.
    window = earliest - rules.DIGEST_LOOKBACK - rules.STALE_AFTER - timedelta(days=2)
    rows = session.execute(
        select(SamplingEvent, Permit.number, Facility.timezone)
        .join(Permit, Permit.id == SamplingEvent.permit_id).join(Facility, Facility.id == Permit.facility_id)
        .where(or_((SamplingEvent.status == SCHEDULED) & (SamplingEvent.event_date >= window)
                   & (SamplingEvent.event_date <= latest + timedelta(days=2)),
                   (SamplingEvent.status == MISSED) & (SamplingEvent.window_end >= window)))
        .order_by(SamplingEvent.id))
    return tuple(snapshots.SamplingEventSnapshot(
        e.id, number, zone, e.outfall, e.event_date, e.window_end, e.sample_type,
        tuple(p["code"] for p in e.parameters), e.status) for e, number, zone in rows)


def _obligations(session: Session) -> tuple[snapshots.ObligationSnapshot, ...]:
    rows = session.execute(select(NotificationObligation, Permit.number)
                           .join(Permit, Permit.id == NotificationObligation.permit_id)
                           .where(NotificationObligation.status == "open").order_by(NotificationObligation.id))
    found = []
    for o, number in rows:
        parts = tuple(snapshots.ObligationPartSnapshot(name, getattr(o, f"{name}_kind"), getattr(o, f"{name}_due"),
                                                       getattr(o, f"{name}_done_at"))
                      for name in ("initial", "followup")
                      if getattr(o, f"{name}_kind") is not None and getattr(o, f"{name}_due") is not None)
        found.append(snapshots.ObligationSnapshot(o.id, number, o.timezone, o.outfall, o.parameter_code, o.rule,
                                                  o.citation, o.aware_at, o.created_at, o.status, parts))
    return tuple(found)


def permit_snapshots(session: Session) -> tuple[snapshots.PermitSnapshot, ...]:
    submitted: dict[int, set[str]] = {}
    for permit_id, period in session.execute(select(SignedReport.permit_id, SignedReport.period)
                                             .where(SignedReport.submitted_at.is_not(None))):
        submitted.setdefault(permit_id, set()).add(period)
    return tuple(snapshots.PermitSnapshot(
        p.id, p.number, p.program, p.facility.timezone,
        tuple(snapshots.PermitTerms(v.version, v.effective, v.expires, v.reporting_frequency, v.reporting_due_day,
                                    v.renewal_application_days) for v in p.versions),
        frozenset(submitted.get(p.id, ())))
        for p in session.scalars(select(Permit).order_by(Permit.id)))


def _instruments(session: Session, now: datetime) -> tuple[snapshots.InstrumentSnapshot, ...]:
    zone = _digest_timezone(session)
    found = []
    for row in instrument_standings(session, now, active_only=True):
        failed = row.standing.status == CALIBRATION_FAILED and row.last_entry is not None
        found.append(snapshots.InstrumentSnapshot(
            row.instrument.id, row.instrument.name, zone, row.instrument.calibration_interval_days,
            row.instrument.created_at, row.standing.next_due, row.last_entry.performed_at if failed else None))
    return tuple(found)


def _digest_timezone(session: Session) -> str:
    # Accounts belong to no facility; Outfall serves one facility, so its zone sets the digest hour.
    return session.scalar(select(Facility.timezone).order_by(Facility.id).limit(1)) or "UTC"


def _last_digests(session: Session) -> dict[int, datetime]:
    rows = session.execute(select(OutboxMessage.user_id, func.max(OutboxMessage.due_at))
                           .where(OutboxMessage.kind == rules.DIGEST, OutboxMessage.user_id.is_not(None))
                           .group_by(OutboxMessage.user_id))
    return {user_id: at for user_id, at in rows}


def reminder_snapshot(session: Session, now: datetime) -> snapshots.ReminderSnapshot:
    """Everything the pure rules need, read from the database."""
    zones = list(session.scalars(select(Facility.timezone))) or ["UTC"]
    days = [facility_today(zone, now) for zone in zones]
    return snapshots.ReminderSnapshot(recipients=_recipients(session), events=_events(session, min(days), max(days)),
                                  obligations=_obligations(session), permits=permit_snapshots(session),
                                  digest_timezone=_digest_timezone(session), last_digests=_last_digests(session),
                                  instruments=_instruments(session, now))


def _rows(plan: rules.ReminderPlan, base_url: str) -> list[tuple[str, OutboxMessage]]:
    rows = []
    for reminder in plan.reminders:
        rendered = render_reminder(reminder, base_url)
        rows.append((reminder.key, _message(reminder.key, reminder.occasion.kind, reminder.user_id,
                                            reminder.recipient, rendered, reminder.occasion.at)))
    for digest in plan.digests:
        rendered = render_digest(digest, base_url)
        rows.append((digest.key, _message(digest.key, rules.DIGEST, digest.user_id, digest.recipient, rendered,
                                          digest.at)))
    return rows


def _message(key: str, kind: str, user_id: int, recipient: str, rendered: RenderedMessage,
             due_at: datetime) -> OutboxMessage:
    return OutboxMessage(dedupe_key=key, kind=kind, user_id=user_id, recipient=recipient,
                         subject=rendered.subject[:300], body_text=rendered.body_text, body_html=rendered.body_html,
                         due_at=due_at, status=PENDING, attempts=0, next_attempt_at=due_at)


def _existing_keys(session: Session, keys: Iterable[str]) -> set[str]:
    keys, found = list(keys), set()
    for start in range(0, len(keys), 500):
        found |= set(session.scalars(select(OutboxMessage.dedupe_key)
                                     .where(OutboxMessage.dedupe_key.in_(keys[start:start + 500]))))
    return found


def queue_due_reminders(session: Session, now: datetime, *, base_url: str | None = None) -> int:
    """Add an outbox message for every reminder due at `now` that is not there yet; returns how many.

    Honours each person's preferences: kinds switched off are skipped, and a digest reader gets one
    summary a day instead of single messages. Flushes, never commits.
    """
    plan = rules.plan_reminders(reminder_snapshot(session, now), now)
    rows = _rows(plan, base_url or Config.OUTFALL_BASE_URL)
    for _attempt in range(2):
        existing = _existing_keys(session, [key for key, _ in rows])
        new = [message for key, message in rows if key not in existing]
        savepoint = session.begin_nested()
        try:
            session.add_all(new)
            savepoint.commit()
            return len(new)
        except IntegrityError:
            # Another process (the scheduler while `reminders send` runs by hand) queued the same
            # reminder a moment ago: its row stands, and ours is dropped on the second pass.
            savepoint.rollback()
            rows = _rows(plan, base_url or Config.OUTFALL_BASE_URL)
    return 0


def _claim(session: Session, message_id: int, now: datetime) -> bool:
    """Take the message for this run (counting the attempt); False when another run already took it."""
    claimed = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == PENDING,
               or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now))
        .values(attempts=OutboxMessage.attempts + 1, next_attempt_at=now + CLAIM_LEASE)
        .execution_options(synchronize_session=False)).rowcount
    session.commit()
    return claimed == 1


def send_pending(session: Session, now: datetime, sender: Sender) -> tuple[int, int]:
    """Deliver every pending message whose time has come; returns (sent, failed attempts).

    Unlike other services this one commits, once per message, on purpose: a sent e-mail cannot be
    rolled back, so its "sent" mark must be durable before the next message is touched. A failure
    is retried after 1, 2, 4, ... minutes (at most 6 h); after MAX_ATTEMPTS the message is failed.
    """
    session.commit()  # the caller's work is committed first, so that each commit below is one message's
    due = list(session.scalars(
        select(OutboxMessage.id)
        .where(OutboxMessage.status == PENDING,
               or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now))
        .order_by(OutboxMessage.due_at, OutboxMessage.id)))
    sent = failed = 0
    for message_id in due:
        if not _claim(session, message_id, now):
            continue
        message = session.get(OutboxMessage, message_id, populate_existing=True)
        try:
            sender.send(message)
        except Exception as error:  # noqa: BLE001  any failure is the message's, recorded and retried
            session.rollback()
            message = session.get(OutboxMessage, message_id, populate_existing=True)
            message.last_error = f"{type(error).__name__}: {error}"[:2000]
            if message.attempts >= MAX_ATTEMPTS:
                message.status, message.next_attempt_at = FAILED, None
            else:
                message.next_attempt_at = now + backoff(message.attempts)
            session.commit()
            failed += 1
            continue
        message.status, message.sent_at, message.next_attempt_at = SENT, now, None
        session.commit()
        sent += 1
    return sent, failed
