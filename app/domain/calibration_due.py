"""When an instrument's next calibration is due, and whether it is overdue, from its calibration history."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

CURRENT, DUE_SOON, OVERDUE, FAILED, NEVER = "current", "due_soon", "overdue", "failed", "never_calibrated"
# A week's warning is enough to book the lab or buy buffer; a daily check gets warned the day it is due.
DUE_SOON_DAYS = 7


@dataclass(frozen=True)
class CalibrationCheck:
    """One calibration or check as the history shows it: when, and whether it passed."""

    performed_at: datetime
    passed: bool


@dataclass(frozen=True)
class CalibrationStanding:
    status: str  # current | due_soon | overdue | failed | never_calibrated
    last_passed: datetime | None
    next_due: datetime | None  # None: never calibrated, so due now
    overdue_by: timedelta | None


def _aware(name: str, moment: datetime) -> None:
    if not isinstance(moment, datetime) or moment.utcoffset() is None:
        raise ValueError(f"{name}: a timezone-aware datetime is needed, got {moment!r}")


def next_calibration_due(last_calibration: datetime, interval_days: int) -> datetime:
    """The last calibration plus the instrument's interval (whole days, at the same time of day)."""
    _aware("last_calibration", last_calibration)
    if isinstance(interval_days, bool) or not isinstance(interval_days, int) or interval_days < 1:
        raise ValueError(f"interval_days: expected a whole number of days of at least 1, got {interval_days!r}")
    return last_calibration + timedelta(days=interval_days)


def calibration_standing(history: Iterable[CalibrationCheck], interval_days: int, now: datetime,
                         *, due_soon_days: int = DUE_SOON_DAYS) -> CalibrationStanding:
    """Where an instrument stands on `now`.

    The interval runs from the last calibration that passed: a failed one calibrates nothing. When the
    latest entry failed, the instrument is `failed` (out of calibration now) whatever the due date says.
    """
    _aware("now", now)
    checks = sorted(history, key=lambda c: c.performed_at)
    for check in checks:
        _aware("performed_at", check.performed_at)
    passed = [c.performed_at for c in checks if c.passed]
    last_passed = passed[-1] if passed else None
    due = next_calibration_due(last_passed, interval_days) if last_passed else None
    if checks and not checks[-1].passed:
        return CalibrationStanding(FAILED, last_passed, due, (now - due) if due and due <= now else None)
    if due is None:
        return CalibrationStanding(NEVER, None, None, None)
    if due <= now:
        return CalibrationStanding(OVERDUE, last_passed, due, now - due)
    if due - now <= timedelta(days=due_soon_days):
        return CalibrationStanding(DUE_SOON, last_passed, due, None)
    return CalibrationStanding(CURRENT, last_passed, due, None)


def needs_calibration(standing: CalibrationStanding) -> bool:
    """Overdue, never calibrated or failed: readings taken now are not from a calibrated instrument."""
    return standing.status in (OVERDUE, FAILED, NEVER)
