"""Calibration reminders (issue 5: "calibration due"): coming due, overdue, never done, failed; each once."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from app.domain.reminder_occasions import CALIBRATION_DUE, calibration_occasions
from app.domain.reminder_rules import plan_reminders
from app.domain.reminder_snapshots import InstrumentSnapshot, Recipient, ReminderSnapshot

NY = ZoneInfo("America/New_York")
UTC = timezone.utc
LABTECH = Recipient(3, "lab@plant.example", "Lee", "labtech")
MANAGER = Recipient(7, "boss@plant.example", "Morgan", "manager")
VIEWER = Recipient(9, "inspector@plant.example", "Ines", "viewer")
REGISTERED = datetime(2026, 1, 5, 14, tzinfo=UTC)


def meter(next_due=None, *, interval=30, failed_at=None) -> InstrumentSnapshot:
    return InstrumentSnapshot(4, "Flow meter FM-1", "America/New_York", interval, REGISTERED, next_due, failed_at)


def keys(instrument: InstrumentSnapshot, now: datetime) -> list[str]:
    plan = plan_reminders(ReminderSnapshot(recipients=(LABTECH, MANAGER, VIEWER), instruments=(instrument,)), now)
    return [r.key for r in plan.reminders]


DUE = datetime(2026, 3, 20, 13, 30, tzinfo=UTC)  # 09:30 EDT on Friday 20 March


@pytest.mark.parametrize("now, expected", [
    (datetime(2026, 3, 13, 11, 59, tzinfo=UTC), []),                        # 07:59 EDT, a week before
    (datetime(2026, 3, 13, 12, 0, tzinfo=UTC), ["due"]),                    # 08:00 EDT, seven days ahead
    (DUE - timedelta(seconds=1), ["due"]),
    (DUE, ["overdue"]),                                                     # the due moment itself
    (DUE + timedelta(days=6, hours=23), ["overdue"]),
    (DUE + timedelta(days=7), []),                                          # stale: the dashboard keeps showing it
])
def test_a_calibration_is_announced_a_week_ahead_and_when_overdue(now, expected):
    prefix = {"due": "calibration-due", "overdue": "calibration-overdue"}
    assert keys(meter(DUE), now) == [f"{prefix[e]}:4:{DUE.isoformat()}:user{u}" for e in expected for u in (3, 7)]


def test_lab_techs_and_managers_get_it_and_the_viewer_does_not():
    plan = plan_reminders(ReminderSnapshot(recipients=(LABTECH, MANAGER, VIEWER), instruments=(meter(DUE),)), DUE)
    assert sorted(r.recipient for r in plan.reminders) == ["boss@plant.example", "lab@plant.example"]
    assert {r.occasion.kind for r in plan.reminders} == {CALIBRATION_DUE}
    assert plan.reminders[0].occasion.link == "/records/instruments/4"


def test_a_short_interval_is_not_announced_a_week_ahead():
    daily = meter(DUE, interval=1)
    assert [o.key.split(":")[0] for o in calibration_occasions(daily)] == ["calibration-overdue"]
    weekly = meter(DUE, interval=7)  # announced three days ahead: half the interval
    ahead = calibration_occasions(weekly)[0]
    assert ahead.at == datetime(2026, 3, 17, 8, tzinfo=NY)


def test_a_failed_calibration_and_a_never_calibrated_instrument_are_reminded_once():
    failed_at = datetime(2026, 3, 2, 15, tzinfo=UTC)
    assert keys(meter(DUE, failed_at=failed_at), failed_at + timedelta(hours=1)) == [
        f"calibration-failed:4:{failed_at.isoformat()}:user3", f"calibration-failed:4:{failed_at.isoformat()}:user7"]
    assert keys(meter(None), REGISTERED + timedelta(days=1)) == ["calibration-never:4:user3", "calibration-never:4:user7"]
    assert keys(meter(None), REGISTERED + timedelta(days=8)) == []


def test_switched_off_it_is_not_sent():
    quiet = Recipient(3, "lab@plant.example", "Lee", "labtech", {CALIBRATION_DUE: False})
    plan = plan_reminders(ReminderSnapshot(recipients=(quiet,), instruments=(meter(DUE),)), DUE)
    assert plan.reminders == ()
