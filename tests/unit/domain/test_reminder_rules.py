"""Reminder rules with a frozen clock: who is reminded of what, from when, and under which stable key (DST included)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from app.domain.reminder_rules import DIGEST, kinds_for_role, latest_digest_moment, local_instant, plan_reminders, wants
from app.domain.reminder_snapshots import (ObligationPartSnapshot, ObligationSnapshot, PermitSnapshot, PermitTerms,
                                           Recipient, ReminderSnapshot, SamplingEventSnapshot)

NY_NAME = "America/New_York"
NY = ZoneInfo(NY_NAME)
UTC = timezone.utc
LABTECH = Recipient(3, "lab@plant.example", "Lee", "labtech")
MANAGER = Recipient(7, "boss@plant.example", "Morgan", "manager")
VIEWER = Recipient(9, "inspector@plant.example", "Ines", "viewer")
PEOPLE = (LABTECH, MANAGER, VIEWER)


def ny(*args) -> datetime:
    return datetime(*args, tzinfo=NY)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def event(day: date, status: str = "scheduled", window_end: date | None = None, zone: str = NY_NAME,
          event_id: int = 45) -> SamplingEventSnapshot:
    return SamplingEventSnapshot(event_id, "CT0000001", zone, "001", day, window_end or day, "24-hour composite",
                                 ("00530", "01042"), status)


def keys(now: datetime, *, people=PEOPLE, **snapshot) -> list[str]:
    return [r.key for r in plan_reminders(ReminderSnapshot(recipients=people, **snapshot), now).reminders]


# --- sampling due: to lab techs, "tomorrow" from 07:00 the day before, "today" from 06:00 --------------------

@pytest.mark.parametrize("now, expected", [
    # 2026-03-08 is the Sunday US daylight saving time begins: the day before is still EST (UTC-5).
    (utc(2026, 3, 7, 11, 59), []),
    (utc(2026, 3, 7, 12, 0), ["sampling-tomorrow:45:user3"]),         # 07:00 EST
    (utc(2026, 3, 8, 4, 59), ["sampling-tomorrow:45:user3"]),         # 23:59 EST: still "tomorrow"
    (utc(2026, 3, 8, 5, 0), []),                                      # local midnight: tomorrow is over
    (utc(2026, 3, 8, 9, 59), []),                                     # 05:59 EDT
    (utc(2026, 3, 8, 10, 0), ["sampling-today:45:user3"]),            # 06:00 EDT, one hour earlier in UTC
    (utc(2026, 3, 9, 3, 59), ["sampling-today:45:user3"]),            # 23:59 EDT
    (utc(2026, 3, 9, 4, 0), []),
])
def test_sampling_reminders_across_the_spring_dst_change(now, expected):
    assert keys(now, events=(event(date(2026, 3, 8)),)) == expected


@pytest.mark.parametrize("now, expected", [
    # 2026-11-01: clocks fall back at 02:00 EDT; 06:00 that morning is EST (UTC-5).
    (utc(2026, 10, 31, 10, 59), []),
    (utc(2026, 10, 31, 11, 0), ["sampling-tomorrow:45:user3"]),       # 07:00 EDT
    (utc(2026, 11, 1, 10, 59), []),                                   # 05:59 EST
    (utc(2026, 11, 1, 11, 0), ["sampling-today:45:user3"]),           # 06:00 EST
])
def test_sampling_reminders_across_the_autumn_dst_change(now, expected):
    assert keys(now, events=(event(date(2026, 11, 1)),)) == expected


def test_a_local_midnight_that_does_not_exist_is_handled():
    # Chile springs forward at midnight: 2026-09-06 begins at 01:00 -03.
    santiago = event(date(2026, 9, 6), zone="America/Santiago")
    assert local_instant(date(2026, 9, 6), time(0), ZoneInfo("America/Santiago")) == utc(2026, 9, 6, 4)
    assert keys(utc(2026, 9, 6, 4, 30), events=(santiago,)) == []
    assert keys(utc(2026, 9, 6, 9, 0), events=(santiago,)) == ["sampling-today:45:user3"]  # 06:00 -03


@pytest.mark.parametrize("status", ["collected", "cancelled"])
def test_no_sampling_reminder_for_an_event_already_collected_or_cancelled(status):
    assert keys(utc(2026, 3, 8, 12), events=(event(date(2026, 3, 8), status),)) == []


# --- sampling missed: to managers, once, when its window has closed ------------------------------------------

def test_a_missed_event_reminds_the_managers_once_and_goes_stale_after_a_week():
    missed = (event(date(2026, 3, 10), "missed", window_end=date(2026, 3, 14)),)
    assert keys(ny(2026, 3, 14, 23, 59), events=missed) == []
    assert keys(ny(2026, 3, 15, 0, 0), events=missed) == ["sampling-missed:45:user7"]
    assert keys(ny(2026, 3, 20, 12), events=missed) == ["sampling-missed:45:user7"]  # same key: queued once
    assert keys(ny(2026, 3, 22, 0, 1), events=missed) == []


# --- notification obligations: to managers ----------------------------------------------------------------

def obligation(aware: datetime, *parts: ObligationPartSnapshot, status: str = "open",
               opened: datetime | None = None) -> ObligationSnapshot:
    return ObligationSnapshot(12, "CT0000001", NY_NAME, "001", "01092", "ct_spdes: 2x maximum daily limit",
                              "CT DEEP notification table", aware, opened or aware, status, parts)


def part(name: str, kind: str, due: datetime, done_at: datetime | None = None) -> ObligationPartSnapshot:
    return ObligationPartSnapshot(name, kind, due, done_at)


def manager_keys(now: datetime, *obligations: ObligationSnapshot) -> list[str]:
    return keys(now, people=(MANAGER, LABTECH), obligations=obligations)


def test_an_hour_window_reminds_when_opened_at_half_time_one_hour_before_and_when_overdue():
    aware = ny(2026, 3, 13, 9, 15)
    o = obligation(aware, part("initial", "oral", aware + timedelta(hours=24)))
    assert manager_keys(aware, o) == ["obligation-opened:12:user7"]
    assert manager_keys(ny(2026, 3, 13, 21, 14), o) == ["obligation-opened:12:user7"]
    assert manager_keys(ny(2026, 3, 13, 21, 15), o) == ["obligation-opened:12:user7",
                                                       "obligation-half:12:initial:user7"]
    assert "obligation-hour:12:initial:user7" in manager_keys(ny(2026, 3, 14, 8, 15), o)
    at_due = manager_keys(ny(2026, 3, 14, 9, 15), o)
    assert "obligation-overdue:12:initial:2026-03-14:user7" in at_due
    assert not [k for k in at_due if "half" in k or "hour" in k]  # approaching is over once it is due
    # Still not done: a daily 08:00 overdue reminder, each day under its own key.
    assert "obligation-overdue:12:initial:2026-03-15:user7" in manager_keys(ny(2026, 3, 15, 8, 0), o)
    assert "obligation-overdue:12:initial:2026-03-15:user7" not in manager_keys(ny(2026, 3, 15, 7, 59), o)


def test_a_24_hour_window_across_the_spring_change_counts_real_hours():
    aware = ny(2026, 3, 7, 12, 0)                     # 17:00 UTC, EST
    due = ny(2026, 3, 8, 13, 0)                       # 24 real hours later: 17:00 UTC, but 13:00 EDT
    assert due.astimezone(UTC) - aware.astimezone(UTC) == timedelta(hours=24)
    o = obligation(aware, part("initial", "oral", due))
    assert "obligation-half:12:initial:user7" not in manager_keys(utc(2026, 3, 8, 4, 59), o)
    assert "obligation-half:12:initial:user7" in manager_keys(utc(2026, 3, 8, 5, 0), o)
    assert "obligation-hour:12:initial:user7" in manager_keys(utc(2026, 3, 8, 16, 0), o)
    assert "obligation-hour:12:initial:user7" not in manager_keys(utc(2026, 3, 8, 15, 59), o)


def test_a_two_hour_window_has_half_time_and_one_hour_left_at_once():
    aware = ny(2026, 3, 13, 9, 15)
    o = obligation(aware, part("initial", "oral", aware + timedelta(hours=2)))
    assert manager_keys(ny(2026, 3, 13, 10, 15), o) == [
        "obligation-opened:12:user7", "obligation-half:12:initial:user7", "obligation-hour:12:initial:user7"]


def test_a_day_window_reminds_daily_at_8_local_across_the_autumn_change():
    aware = ny(2026, 10, 30, 10, 0)
    due = ny(2026, 11, 4, 23, 59, 59)
    o = obligation(aware, part("followup", "written_report", due))
    daily = {d: [k for k in manager_keys(now, o) if k.startswith("obligation-daily")]
             for d, now in [("10-31 07:59 EDT", utc(2026, 10, 31, 11, 59)), ("10-31 08:00 EDT", utc(2026, 10, 31, 12)),
                            ("11-01 07:59 EST", utc(2026, 11, 1, 12, 59)), ("11-01 08:00 EST", utc(2026, 11, 1, 13))]}
    assert daily == {"10-31 07:59 EDT": [], "10-31 08:00 EDT": ["obligation-daily:12:followup:2026-10-31:user7"],
                     "11-01 07:59 EST": ["obligation-daily:12:followup:2026-10-31:user7"],
                     "11-01 08:00 EST": ["obligation-daily:12:followup:2026-11-01:user7"]}
    # No "1 hour left" for a day window; half time is half the real time.
    assert not [k for now in (ny(2026, 11, 4, 23, 0), ny(2026, 11, 4, 23, 30)) for k in manager_keys(now, o)
                if k.startswith("obligation-hour")]
    half = utc(2026, 11, 2, 9, 29, 59, 500000)  # halfway in real time (the fall-back hour counts)
    assert half - aware.astimezone(UTC) == due.astimezone(UTC) - half
    assert "obligation-half:12:followup:user7" in manager_keys(half, o)
    assert "obligation-half:12:followup:user7" not in manager_keys(half - timedelta(seconds=1), o)


def test_a_done_part_a_done_or_withdrawn_obligation_reminds_no_more():
    aware = ny(2026, 3, 13, 9, 15)
    oral = part("initial", "oral", aware + timedelta(hours=2), done_at=aware + timedelta(minutes=30))
    report = part("followup", "written_report", ny(2026, 3, 18, 23, 59, 59))
    now = ny(2026, 3, 13, 10, 45)
    assert [k for k in manager_keys(now, obligation(aware, oral, report)) if ":initial" in k] == []
    assert manager_keys(now, obligation(aware, oral, report, status="done")) == []
    assert manager_keys(now, obligation(aware, oral, report, status="withdrawn")) == []


def test_overdue_repeats_stop_30_days_after_the_deadline():
    aware = ny(2026, 3, 13, 9, 15)
    o = obligation(aware, part("initial", "oral", aware + timedelta(hours=2)))
    assert "obligation-overdue:12:initial:2026-04-12:user7" in manager_keys(ny(2026, 4, 12, 9), o)
    assert manager_keys(ny(2026, 4, 14, 9), o) == []


def test_an_old_obligation_is_not_announced_as_new():
    aware = ny(2026, 3, 1, 9, 0)
    o = obligation(aware, part("followup", "written_report", ny(2026, 3, 31, 23, 59, 59)))
    assert "obligation-opened:12:user7" not in manager_keys(ny(2026, 3, 13, 9), o)


# --- DMR/SMR due and overdue: to managers, per permit and period ---------------------------------------------

def permit(frequency: str = "monthly", program: str = "npdes", submitted: frozenset[str] = frozenset(),
           effective: date = date(2026, 3, 1), expires: date = date(2030, 12, 31)) -> PermitSnapshot:
    return PermitSnapshot(4, "CT0000001", program, NY_NAME,
                          (PermitTerms(1, effective, expires, frequency, 15, 180),), submitted)


def report_keys(now: datetime, p: PermitSnapshot) -> list[str]:
    return [k for k in keys(now, people=(MANAGER, LABTECH), permits=(p,)) if k.startswith("report")]


@pytest.mark.parametrize("now, expected", [
    (ny(2026, 4, 8, 7, 59), []),
    (ny(2026, 4, 8, 8, 0), ["report-due:4:2026-03:user7"]),
    (ny(2026, 4, 15, 23, 59), ["report-due:4:2026-03:user7"]),
    (ny(2026, 4, 16, 7, 59), []),
    # "submitted" is not known to the rules unless recorded, so overdue fires daily ...
    (ny(2026, 4, 16, 8, 0), ["report-overdue:4:2026-03:2026-04-16:user7"]),
    (ny(2026, 5, 8, 8, 0), ["report-due:4:2026-04:user7", "report-overdue:4:2026-03:2026-05-08:user7"]),
    # ... for 30 days after the due date, then it stops.
    (ny(2026, 5, 15, 12, 0), ["report-due:4:2026-04:user7", "report-overdue:4:2026-03:2026-05-15:user7"]),
    (ny(2026, 5, 16, 8, 0), ["report-overdue:4:2026-04:2026-05-16:user7"]),
])
def test_monthly_dmr_due_in_7_days_then_overdue_daily(now, expected):
    assert sorted(report_keys(now, permit())) == sorted(expected)


def test_a_submitted_report_is_not_reminded_of():
    assert report_keys(ny(2026, 4, 16, 8, 0), permit(submitted=frozenset({"2026-03"}))) == []


def test_quarterly_smr_periods_and_subject():
    plan = plan_reminders(ReminderSnapshot(recipients=(MANAGER,), permits=(permit("quarterly", "pretreatment"),)),
                          ny(2026, 4, 8, 8))
    (reminder,) = plan.reminders
    assert reminder.key == "report-due:4:2026-Q1:user7"
    assert reminder.occasion.subject == "SMR for 2026-Q1 due 2026-04-15 — CT0000001"
    assert report_keys(ny(2026, 5, 8, 8), permit("quarterly")) == ["report-overdue:4:2026-Q1:2026-05-08:user7"]


def test_no_report_reminders_after_the_permit_expired():
    expired = permit(expires=date(2026, 12, 31))
    assert report_keys(ny(2027, 1, 20, 8), expired) == ["report-overdue:4:2026-12:2027-01-20:user7"]
    assert report_keys(ny(2027, 2, 14, 8), expired) == ["report-overdue:4:2026-12:2027-02-14:user7"]
    assert report_keys(ny(2027, 2, 15, 8), expired) == []  # no January 2027 report: the permit had expired


# --- permit renewal: 180, 90 and 30 days before the application is due --------------------------------------

@pytest.mark.parametrize("now, expected", [
    (ny(2030, 1, 5, 7, 59), []),                        # application due 2030-07-04 (180 days before 12-31)
    (ny(2030, 1, 5, 8, 0), ["renewal:4:v1:180d:user7"]),
    (ny(2030, 4, 5, 7, 59), ["renewal:4:v1:180d:user7"]),
    (ny(2030, 4, 5, 8, 0), ["renewal:4:v1:90d:user7"]),  # EDT now: the UTC hour moved, the local one did not
    (ny(2030, 6, 4, 8, 0), ["renewal:4:v1:30d:user7"]),
    (ny(2030, 7, 4, 23, 59), ["renewal:4:v1:30d:user7"]),
    (ny(2030, 7, 5, 0, 0), []),
])
def test_renewal_application_reminders(now, expected):
    assert [k for k in keys(now, people=(MANAGER, LABTECH), permits=(permit(),)) if k.startswith("renewal")] == expected


# --- preferences, digests, keys -----------------------------------------------------------------------------

def test_recipients_follow_roles_and_preferences():
    assert kinds_for_role("labtech") == ["sampling_due", "calibration_due"]
    assert "sampling_due" not in kinds_for_role("manager") and kinds_for_role("viewer") == []
    assert wants({}, "sampling_due") and not wants({"sampling_due": False}, "sampling_due")
    quiet = Recipient(3, "lab@plant.example", "Lee", "labtech", {"sampling_due": False})
    assert keys(utc(2026, 3, 8, 10), people=(quiet,), events=(event(date(2026, 3, 8)),)) == []


def test_computing_twice_gives_the_same_keys():
    snapshot = dict(events=(event(date(2026, 3, 8)),),
                    obligations=(obligation(ny(2026, 3, 8, 5), part("initial", "oral", ny(2026, 3, 9, 5))),))
    first = keys(utc(2026, 3, 8, 10), **snapshot)
    assert first == keys(utc(2026, 3, 8, 10), **snapshot) == keys(utc(2026, 3, 8, 10, 4), **snapshot)
    assert len(first) == len(set(first))


def test_a_digest_reader_gets_one_summary_at_7_local_instead():
    reader = Recipient(3, "lab@plant.example", "Lee", "labtech", {DIGEST: True})
    events = (event(date(2026, 3, 8), event_id=1), event(date(2026, 3, 9), event_id=2))
    snapshot = ReminderSnapshot(recipients=(reader,), events=events, digest_timezone=NY_NAME)
    before = plan_reminders(snapshot, utc(2026, 3, 8, 10, 59))  # 06:59 EDT: yesterday's digest is the latest
    assert before.reminders == () and [d.key for d in before.digests] == ["digest:2026-03-07:user3"]
    plan = plan_reminders(snapshot, utc(2026, 3, 8, 11, 0))     # 07:00 EDT
    assert plan.reminders == ()
    (digest,) = plan.digests
    assert digest.key == "digest:2026-03-08:user3" and digest.at == utc(2026, 3, 8, 11)
    assert [o.key for o in digest.items] == ["sampling-today:1", "sampling-tomorrow:2"]
    # Once queued (recorded as the last digest), not again that day.
    done = ReminderSnapshot(recipients=(reader,), events=events, digest_timezone=NY_NAME,
                            last_digests={3: digest.at})
    assert plan_reminders(done, utc(2026, 3, 8, 15)).digests == ()


def test_the_digest_hour_follows_local_time_across_dst():
    assert latest_digest_moment(utc(2026, 3, 7, 12, 0), NY_NAME) == (date(2026, 3, 7), utc(2026, 3, 7, 12))
    assert latest_digest_moment(utc(2026, 3, 8, 11, 30), NY_NAME) == (date(2026, 3, 8), utc(2026, 3, 8, 11))


def test_now_must_carry_an_offset():
    with pytest.raises(ValueError, match="no UTC offset"):
        plan_reminders(ReminderSnapshot(), datetime(2026, 3, 8, 10))
