"""Which reminder e-mails are due at a moment, and to whom: pure rules over plain snapshots.

The occasions themselves (what falls due when) are app/domain/reminder_occasions.py's; this module
picks each recipient's by role and preferences, and gathers a digest user's into one daily message.
A reminder's key is its occasion's key and its recipient, so a reminder queued once is recognised
after a restart by its key alone.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# The kinds, Occasion and the occasion rules are imported here too: callers name them through this module.
from app.domain.reminder_occasions import (  # noqa: F401
    CALIBRATION_DUE, OBLIGATION_APPROACHING, OBLIGATION_OPENED, OBLIGATION_OVERDUE, PERMIT_RENEWAL, REPORT_DUE,
    REPORT_OVERDUE, SAMPLING_DUE, SAMPLING_MISSED, STALE_AFTER, Occasion, calibration_occasions, local_instant,
    occasions, reporting_periods)
from app.domain.reminder_snapshots import ReminderSnapshot

DIGEST = "digest"  # the preference key, and the kind of the daily summary message

# The preference keys of User.reminder_preferences, with the words the profile page shows.
KINDS: dict[str, str] = {
    SAMPLING_DUE: "Sampling due tomorrow and today",
    SAMPLING_MISSED: "Sampling missed",
    OBLIGATION_OPENED: "New notification obligation",
    OBLIGATION_APPROACHING: "Notification deadline approaching",
    OBLIGATION_OVERDUE: "Notification overdue",
    REPORT_DUE: "DMR/SMR due in 7 days",
    REPORT_OVERDUE: "DMR/SMR overdue",
    PERMIT_RENEWAL: "Permit renewal application due",
    CALIBRATION_DUE: "Instrument calibration due, overdue or failed",
}
RECIPIENT_ROLES: dict[str, frozenset[str]] = {
    kind: frozenset({"labtech"} if kind == SAMPLING_DUE else {"manager"}) for kind in KINDS}
# The lab techs calibrate; the manager answers for readings from an uncalibrated instrument.
RECIPIENT_ROLES[CALIBRATION_DUE] = frozenset({"labtech", "manager"})


DIGEST_AT = time(7, 0)
# How far back a digest reaches when the previous one was never queued (an outage).
DIGEST_LOOKBACK = timedelta(days=7)


@dataclass(frozen=True)
class Reminder:
    key: str  # occasion key + recipient: "obligation-half:12:initial:user7"
    user_id: int
    recipient: str
    name: str
    occasion: Occasion


@dataclass(frozen=True)
class Digest:
    key: str  # "digest:2026-03-10:user7"
    user_id: int
    recipient: str
    name: str
    at: datetime
    day: date
    items: tuple[Occasion, ...]


@dataclass(frozen=True)
class ReminderPlan:
    reminders: tuple[Reminder, ...]
    digests: tuple[Digest, ...]


def wants(preferences: Mapping[str, object] | None, kind: str) -> bool:
    """Every kind is on unless the person switched it off."""
    return (preferences or {}).get(kind, True) is not False


def is_digest(preferences: Mapping[str, object] | None) -> bool:
    return (preferences or {}).get(DIGEST, False) is True


def kinds_for_role(role: str) -> list[str]:
    return [kind for kind in KINDS if role in RECIPIENT_ROLES[kind]]


def latest_digest_moment(now: datetime, zone_name: str) -> tuple[date, datetime]:
    """The local day and instant of the most recent DIGEST_AT at or before `now`."""
    zone = ZoneInfo(zone_name)
    day = now.astimezone(zone).date()
    moment = local_instant(day, DIGEST_AT, zone)
    if moment > now:
        day -= timedelta(days=1)
        moment = local_instant(day, DIGEST_AT, zone)
    return day, moment


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"now {now.isoformat()} has no UTC offset")


def plan_reminders(snapshot: ReminderSnapshot, now: datetime) -> ReminderPlan:
    """The reminders due at `now`, per recipient (role and preferences), and the digests due.

    A reminder is due while at <= now < expires. A digest user gets, at DIGEST_AT local, one message
    listing the occasions that fell due since the previous digest and are still current then.
    """
    _require_aware(now)
    digest_day, digest_at = latest_digest_moment(now, snapshot.digest_timezone)
    candidates = occasions(snapshot, min(now, digest_at - DIGEST_LOOKBACK), now)
    reminders: list[Reminder] = []
    digests: list[Digest] = []
    for user in snapshot.recipients:
        wanted = [o for o in candidates if user.role in RECIPIENT_ROLES[o.kind] and wants(user.preferences, o.kind)]
        if not is_digest(user.preferences):
            reminders += [Reminder(f"{o.key}:user{user.id}", user.id, user.email, user.name, o)
                          for o in wanted if o.at <= now < o.expires]
            continue
        last = snapshot.last_digests.get(user.id)
        if last is not None and last >= digest_at:
            continue
        previous = local_instant(digest_day - timedelta(days=1), DIGEST_AT, ZoneInfo(snapshot.digest_timezone))
        since = max(last or previous, digest_at - DIGEST_LOOKBACK)
        items = tuple(sorted((o for o in wanted if since < o.at <= digest_at < o.expires),
                             key=lambda o: (o.at, o.key)))
        if items:
            digests.append(Digest(f"digest:{digest_day.isoformat()}:user{user.id}", user.id, user.email, user.name,
                                  digest_at, digest_day, items))
    reminders.sort(key=lambda r: (r.occasion.at, r.key))
    return ReminderPlan(tuple(reminders), tuple(digests))
