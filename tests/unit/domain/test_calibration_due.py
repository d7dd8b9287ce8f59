"""Calibration due dates: the interval runs from the last calibration that passed; a failure calibrates nothing."""
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from app.domain.calibration_due import (CURRENT, DUE_SOON, FAILED, NEVER, OVERDUE, CalibrationCheck,
                                        calibration_standing, needs_calibration, next_calibration_due)

UTC = timezone.utc
NY = ZoneInfo("America/New_York")
T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize("interval, expected", [
    (1, datetime(2026, 3, 3, 9, 30, tzinfo=UTC)),
    (30, datetime(2026, 4, 1, 9, 30, tzinfo=UTC)),
    (365, datetime(2027, 3, 2, 9, 30, tzinfo=UTC)),
])
def test_next_due_is_the_last_calibration_plus_the_interval(interval, expected):
    assert next_calibration_due(T0, interval) == expected


def test_next_due_keeps_the_wall_clock_across_a_dst_change():
    # A daily pH check at 08:00 facility time stays at 08:00 after the spring change (aware arithmetic
    # on the facility's zone adds calendar days).
    before = datetime(2026, 3, 7, 8, 0, tzinfo=NY)
    assert next_calibration_due(before, 1).astimezone(NY).hour == 8


@pytest.mark.parametrize("bad", [0, -3, 1.5, True, "7"])
def test_an_interval_must_be_whole_days_of_at_least_one(bad):
    with pytest.raises(ValueError, match="interval_days"):
        next_calibration_due(T0, bad)


def test_naive_times_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        next_calibration_due(datetime(2026, 3, 2, 9, 30), 30)
    with pytest.raises(ValueError, match="now"):
        calibration_standing([], 30, datetime(2026, 3, 2))


@pytest.mark.parametrize("history, days_later, status", [
    ([], 0, NEVER),
    ([CalibrationCheck(T0, True)], 10, CURRENT),
    ([CalibrationCheck(T0, True)], 25, DUE_SOON),
    ([CalibrationCheck(T0, True)], 30, OVERDUE),
    ([CalibrationCheck(T0, True)], 45, OVERDUE),
    ([CalibrationCheck(T0, True), CalibrationCheck(T0 + timedelta(days=5), False)], 6, FAILED),
    # A failure followed by a good calibration: current again, counted from the good one.
    ([CalibrationCheck(T0, False), CalibrationCheck(T0 + timedelta(hours=2), True)], 20, CURRENT),
    ([CalibrationCheck(T0, False)], 1, FAILED),
])
def test_standing(history, days_later, status):
    standing = calibration_standing(history, 30, T0 + timedelta(days=days_later, hours=2))
    assert standing.status == status
    assert needs_calibration(standing) == (status in (NEVER, OVERDUE, FAILED))


def test_due_at_this_very_moment_is_overdue():
    assert calibration_standing([CalibrationCheck(T0, True)], 30, T0 + timedelta(days=30)).status == OVERDUE


def test_overdue_by_and_the_order_of_the_history_does_not_matter():
    history = [CalibrationCheck(T0 + timedelta(days=10), True), CalibrationCheck(T0, True)]
    standing = calibration_standing(history, 30, T0 + timedelta(days=45))
    assert standing.last_passed == T0 + timedelta(days=10)
    assert standing.next_due == T0 + timedelta(days=40)
    assert standing.overdue_by == timedelta(days=5)


def test_a_failed_last_entry_still_shows_when_the_good_calibration_ran_out():
    history = [CalibrationCheck(T0, True), CalibrationCheck(T0 + timedelta(days=40), False)]
    standing = calibration_standing(history, 30, T0 + timedelta(days=41))
    assert (standing.status, standing.next_due, standing.overdue_by) == (FAILED, T0 + timedelta(days=30),
                                                                         timedelta(days=11))
