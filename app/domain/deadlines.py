"""Notification deadline arithmetic: when an obligation is due, from awareness, window and zone (RULES.md 5.1)."""
from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from app.domain.rules_config import rule

HOURS = "hours"
DAYS = "days"
IMMEDIATELY = "immediately"
DAYS_PRIOR = "days_prior"
WINDOW_KINDS = (HOURS, DAYS, IMMEDIATELY, DAYS_PRIOR)
DAY_WINDOWS = ("calendar_date", "exact_elapsed", "working_days")

# "The end of the N-th local calendar day" (CONTRACTS.md section 8) is shown as 23:59:59, which is
# what a person reads as "by the end of that day"; the instant itself is the last whole second.
END_OF_DAY = time(23, 59, 59)
SATURDAY = 5

_WINDOW_PATTERN = re.compile(r"^(\d+)(h|d|d_prior)$")


@dataclass(frozen=True)
class Window:
    """How long after becoming aware (or before a planned date) something is due.

    `hours`: awareness + N real hours. `days`: N days, counted as `notify.day_window` says.
    `immediately`: due at the moment of awareness. `days_prior`: N days before a planned date
    (anticipated bypass, 122.41(m)(3)(i), 403.17(c)(1)).
    """

    kind: str
    amount: int = 0

    def __post_init__(self) -> None:
        if self.kind not in WINDOW_KINDS:
            raise ValueError(f"window kind {self.kind!r}: expected one of {', '.join(WINDOW_KINDS)}")
        if isinstance(self.amount, bool) or not isinstance(self.amount, int) or self.amount < 0:
            raise ValueError(f"window amount must be a non-negative whole number, got {self.amount!r}")
        if self.kind == IMMEDIATELY and self.amount != 0:
            raise ValueError("an immediate window has no amount")

    def __str__(self) -> str:
        suffix = {HOURS: "h", DAYS: "d", DAYS_PRIOR: "d_prior"}
        return IMMEDIATELY if self.kind == IMMEDIATELY else f"{self.amount}{suffix[self.kind]}"


def parse_window(text: str | Window) -> Window:
    """Rule packs write windows as "2h", "24h", "5d", "30d", "10d_prior" or "immediately"."""
    if isinstance(text, Window):
        return text
    if text == IMMEDIATELY:
        return Window(IMMEDIATELY)
    match = _WINDOW_PATTERN.match(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"window {text!r}: expected e.g. '24h', '5d', '10d_prior' or 'immediately'")
    kind = {"h": HOURS, "d": DAYS, "d_prior": DAYS_PRIOR}[match.group(2)]
    return Window(kind, int(match.group(1)))


@dataclass(frozen=True)
class Deadline:
    """A due instant in the facility's zone (so its isoformat carries the local UTC offset) and its local date."""

    due: datetime
    due_date: date


def facility_zone(zone: str | ZoneInfo) -> ZoneInfo:
    return zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)


def _require_aware(name: str, moment: datetime) -> None:
    # A naive time would silently be read in the server's zone; awareness must say where it happened.
    if not isinstance(moment, datetime) or moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got {moment!r}")


def _in_zone(moment: datetime, zone: ZoneInfo) -> Deadline:
    local = moment.astimezone(zone)
    return Deadline(local, local.date())


def end_of_local_day(day: date, zone: str | ZoneInfo) -> Deadline:
    """23:59:59 local on `day`, with the offset in force then (EST or EDT on the same calendar)."""
    zone = facility_zone(zone)
    wall = datetime.combine(day, END_OF_DAY, tzinfo=zone)
    # The round trip through UTC normalises a wall time that falls in a gap (a zone that changes its
    # clocks at midnight) to the instant that really exists; in US zones it changes nothing.
    return _in_zone(wall.astimezone(timezone.utc), zone)


def _is_business_day(day: date, holidays: Collection[date]) -> bool:
    return day.weekday() < SATURDAY and day not in holidays


def _roll_forward(day: date, holidays: Collection[date]) -> date:
    while not _is_business_day(day, holidays):
        day += timedelta(days=1)
    return day


def _add_working_days(start: date, days: int, holidays: Collection[date]) -> date:
    # The awareness day is day zero; day one is the next working day (Texas "5 working days").
    day = start
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if _is_business_day(day, holidays):
            counted += 1
    return day


def hours_after(aware_at: datetime, hours: int, zone: str | ZoneInfo) -> Deadline:
    """5.1 hour windows: awareness + N elapsed hours, added in UTC so a DST change neither adds nor eats an hour."""
    _require_aware("aware_at", aware_at)
    instant = aware_at.astimezone(timezone.utc) + timedelta(hours=hours)
    return _in_zone(instant, facility_zone(zone))


def days_after(aware_at: datetime, days: int, zone: str | ZoneInfo, *, day_window: str = "calendar_date",
               weekend_rollforward: bool = False, holidays: Collection[date] = frozenset()) -> Deadline:
    """5.1 day windows.

    `calendar_date` (default): end of the N-th local calendar day after the local awareness date.
    `exact_elapsed`: awareness + N x 24 real hours. `working_days`: end of the N-th Monday-Friday
    day after the awareness date, skipping `holidays`. With `weekend_rollforward` a due date on a
    Saturday, Sunday or listed holiday moves to the end of the next business day; the federal rules
    have none (5.1), so it is off unless the permit says otherwise.
    """
    _require_aware("aware_at", aware_at)
    if day_window not in DAY_WINDOWS:
        raise ValueError(f"notify.day_window {day_window!r}: expected one of {', '.join(DAY_WINDOWS)}")
    zone = facility_zone(zone)
    local_aware = aware_at.astimezone(zone)
    if day_window == "exact_elapsed":
        deadline = hours_after(aware_at, 24 * days, zone)
        if weekend_rollforward and not _is_business_day(deadline.due_date, holidays):
            return end_of_local_day(_roll_forward(deadline.due_date, holidays), zone)
        return deadline
    if day_window == "working_days":
        due_day = _add_working_days(local_aware.date(), days, holidays)
    else:
        due_day = local_aware.date() + timedelta(days=days)
    if weekend_rollforward:
        due_day = _roll_forward(due_day, holidays)
    return end_of_local_day(due_day, zone)


def immediately(aware_at: datetime, zone: str | ZoneInfo) -> Deadline:
    """403.12(f) "immediately" allows no grace: the obligation is due the moment the facility knows."""
    _require_aware("aware_at", aware_at)
    return _in_zone(aware_at, facility_zone(zone))


def prior_notice(planned_start: datetime | date, days: int, zone: str | ZoneInfo,
                 aware_at: datetime | None = None) -> Deadline:
    """Anticipated bypass: notice "if possible at least ten days before the date of the bypass".

    Reading: the planned start's local date minus N days, due by the end of that local day, so that
    N whole calendar days separate the notice day from the bypass day. No weekend roll-forward here:
    moving the notice later would give the authority less than the N days the rule asks for. When the
    facility learns of the bypass too late for that ("if possible"), the notice is due at once: the
    due is then the awareness instant, never a time before the facility knew.
    """
    zone = facility_zone(zone)
    if isinstance(planned_start, datetime):
        _require_aware("planned_start", planned_start)
        planned_day = planned_start.astimezone(zone).date()
    elif isinstance(planned_start, date):
        planned_day = planned_start
    else:
        raise ValueError(f"planned_start must be a date or an aware datetime, got {planned_start!r}")
    deadline = end_of_local_day(planned_day - timedelta(days=days), zone)
    if aware_at is not None:
        _require_aware("aware_at", aware_at)
        if deadline.due < aware_at:
            return immediately(aware_at, zone)
    return deadline


def compute_deadline(window: Window | str, aware_at: datetime, zone: str | ZoneInfo, rules: Mapping[str, Any], *,
                     planned_start: datetime | date | None = None,
                     holidays: Collection[date] = frozenset()) -> Deadline:
    """The due instant of one window under the permit's `notify.*` configuration.

    Weekend roll-forward applies to day windows only: hour windows are the oral/telephone reports,
    which the rules require around the clock (CT asks for a call at the start of the next business
    day only as a footnote, and the 2-hour window still starts at awareness).
    """
    window = parse_window(window)
    if window.kind == HOURS:
        return hours_after(aware_at, window.amount, zone)
    if window.kind == DAYS:
        return days_after(aware_at, window.amount, zone, day_window=rule(rules, "notify.day_window"),
                          weekend_rollforward=rule(rules, "notify.weekend_rollforward"), holidays=holidays)
    if window.kind == IMMEDIATELY:
        return immediately(aware_at, zone)
    if planned_start is None:
        raise ValueError(f"a {window} prior-notice window needs the planned start of the event")
    return prior_notice(planned_start, window.amount, zone, aware_at)
