"""RULES.md 5.1 deadline arithmetic: hour windows in real time, day windows in local calendar days."""
import copy
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.deadlines import (
    Window,
    compute_deadline,
    days_after,
    end_of_local_day,
    hours_after,
    immediately,
    parse_window,
    prior_notice,
)
from app.domain.rules_config import effective_rules

NY = ZoneInfo("America/New_York")
UTC = timezone.utc
DEFAULTS = effective_rules()


def ny(*args):
    return datetime(*args, tzinfo=NY)


@pytest.mark.parametrize("text, window", [
    ("2h", Window("hours", 2)), ("24h", Window("hours", 24)), ("5d", Window("days", 5)),
    ("30d", Window("days", 30)), ("immediately", Window("immediately")), ("10d_prior", Window("days_prior", 10)),
])
def test_5_1_window_notation_round_trips(text, window):
    assert parse_window(text) == window
    assert str(window) == text


@pytest.mark.parametrize("text", ["", "2", "h2", "-2h", "2.5h", "5 d", "5w", "now"])
def test_5_1_window_notation_rejects_malformed(text):
    with pytest.raises(ValueError):
        parse_window(text)


# Hour windows are real elapsed hours: across the DST change the wall clock moves 1 h more (spring)
# or 1 h less (fall) than the window.
@pytest.mark.parametrize("aware_at, hours, expected", [
    (ny(2026, 3, 13, 9, 15), 2, "2026-03-13T11:15:00-04:00"),          # CONTRACTS.md section 8 example
    (ny(2026, 3, 8, 0, 30), 2, "2026-03-08T03:30:00-04:00"),           # 02:00 EST jumps to 03:00 EDT
    (ny(2026, 3, 7, 9, 0), 24, "2026-03-08T10:00:00-04:00"),           # 25 wall-clock hours later
    (ny(2026, 11, 1, 0, 30), 2, "2026-11-01T01:30:00-05:00"),          # the second 01:30 (EST)
    (ny(2026, 10, 31, 9, 0), 24, "2026-11-01T08:00:00-05:00"),         # 23 wall-clock hours later
    (ny(2026, 12, 31, 23, 0), 2, "2027-01-01T01:00:00-05:00"),         # over the new year
])
def test_5_1_hour_window_is_exact_elapsed_hours_across_DST(aware_at, hours, expected):
    deadline = hours_after(aware_at, hours, "America/New_York")
    assert deadline.due.isoformat() == expected
    # Same-zone datetime subtraction in Python is wall-clock arithmetic; real elapsed time is in UTC.
    assert deadline.due.astimezone(UTC) - aware_at.astimezone(UTC) == timedelta(hours=hours)
    assert deadline.due_date == date.fromisoformat(expected[:10])


def test_5_1_hour_window_from_a_UTC_awareness_is_shown_in_the_facility_zone():
    deadline = hours_after(datetime(2026, 3, 13, 13, 15, tzinfo=UTC), 2, NY)
    assert deadline.due.isoformat() == "2026-03-13T11:15:00-04:00"


def test_5_1_hour_window_due_date_is_the_local_date_not_the_UTC_date():
    # 22:00 EST + 2 h is 00:00 local on the 6th but already 05:00 UTC on the 6th; 20:00 + 2 h is
    # 22:00 local on the 5th while UTC has moved to the 6th.
    deadline = hours_after(ny(2026, 2, 5, 20, 0), 2, NY)
    assert deadline.due.astimezone(UTC).date() == date(2026, 2, 6)
    assert deadline.due_date == date(2026, 2, 5)


@pytest.mark.parametrize("aware_at, days, expected", [
    (ny(2026, 3, 13, 9, 15), 5, "2026-03-18T23:59:59-04:00"),          # CONTRACTS.md section 8 example
    (ny(2026, 3, 5, 10, 0), 5, "2026-03-10T23:59:59-04:00"),           # aware in EST, due in EDT
    (ny(2026, 10, 29, 10, 0), 5, "2026-11-03T23:59:59-05:00"),         # aware in EDT, due in EST
    (ny(2026, 3, 13, 0, 0, 1), 30, "2026-04-12T23:59:59-04:00"),
    (ny(2026, 3, 13, 23, 59, 59), 5, "2026-03-18T23:59:59-04:00"),     # the awareness time of day is irrelevant
    (ny(2026, 2, 25, 8, 0), 5, "2026-03-02T23:59:59-05:00"),           # across a month end
])
def test_5_1_day_window_ends_local_midnight_with_the_right_offset(aware_at, days, expected):
    deadline = days_after(aware_at, days, NY)
    assert deadline.due.isoformat() == expected
    assert deadline.due_date.isoformat() == expected[:10]


def test_5_1_day_window_counts_from_the_local_awareness_date_not_the_UTC_date():
    # 2026-03-13 22:00 EDT is already the 14th in UTC; the local date (13th) is day zero.
    deadline = days_after(datetime(2026, 3, 14, 2, 0, tzinfo=UTC), 5, NY)
    assert deadline.due.isoformat() == "2026-03-18T23:59:59-04:00"


def test_5_1_day_window_exact_elapsed_adds_N_times_24_real_hours():
    deadline = days_after(ny(2026, 3, 5, 10, 0), 5, NY, day_window="exact_elapsed")
    assert deadline.due.isoformat() == "2026-03-10T11:00:00-04:00"      # 120 h later; wall clock +1 h
    assert deadline.due.astimezone(UTC) - ny(2026, 3, 5, 10, 0).astimezone(UTC) == timedelta(hours=120)


@pytest.mark.parametrize("aware_at, expected", [
    (ny(2026, 3, 13, 9, 0), date(2026, 3, 20)),      # Friday: Mon 16 .. Fri 20
    (ny(2026, 3, 14, 9, 0), date(2026, 3, 20)),      # Saturday: the weekend counts for nothing
    (ny(2026, 3, 16, 9, 0), date(2026, 3, 23)),      # Monday: Tue 17 .. Mon 23
])
def test_5_1_working_days_count_monday_to_friday(aware_at, expected):
    deadline = days_after(aware_at, 5, NY, day_window="working_days")
    assert deadline.due_date == expected
    assert deadline.due.time() == time(23, 59, 59)


def test_5_1_working_days_skip_listed_holidays():
    deadline = days_after(ny(2026, 3, 13, 9, 0), 5, NY, day_window="working_days",
                          holidays={date(2026, 3, 16)})
    assert deadline.due_date == date(2026, 3, 23)


def test_5_1_no_weekend_rollforward_by_default():
    # Monday + 5 calendar days is Saturday; the federal rules give no extension.
    deadline = compute_deadline("5d", ny(2026, 3, 2, 9, 0), NY, DEFAULTS)
    assert deadline.due.isoformat() == "2026-03-07T23:59:59-05:00"


def test_5_1_weekend_rollforward_moves_saturday_to_monday_end_of_day():
    rules = effective_rules({"notify": {"weekend_rollforward": True}})
    deadline = compute_deadline("5d", ny(2026, 3, 2, 9, 0), NY, rules)
    # Monday 9 March is already EDT (the clocks changed on Sunday 8 March).
    assert deadline.due.isoformat() == "2026-03-09T23:59:59-04:00"


@pytest.mark.parametrize("aware_at, expected", [
    (ny(2026, 3, 3, 9, 0), date(2026, 3, 9)),        # Sunday -> Monday
    (ny(2026, 3, 4, 9, 0), date(2026, 3, 9)),        # Monday stays
    (ny(2026, 3, 5, 9, 0), date(2026, 3, 10)),       # Tuesday stays
])
def test_5_1_weekend_rollforward_moves_only_weekend_days(aware_at, expected):
    rules = effective_rules({"notify": {"weekend_rollforward": True}})
    assert compute_deadline("5d", aware_at, NY, rules).due_date == expected


def test_5_1_weekend_rollforward_with_exact_elapsed_ends_on_monday():
    rules = effective_rules({"notify": {"day_window": "exact_elapsed", "weekend_rollforward": True}})
    deadline = compute_deadline("5d", ny(2026, 3, 2, 14, 0), NY, rules)
    assert deadline.due.isoformat() == "2026-03-09T23:59:59-04:00"


def test_5_1_weekend_rollforward_never_touches_hour_windows():
    rules = effective_rules({"notify": {"weekend_rollforward": True}})
    deadline = compute_deadline("2h", ny(2026, 3, 7, 10, 0), NY, rules)          # a Saturday
    assert deadline.due.isoformat() == "2026-03-07T12:00:00-05:00"


def test_5_1_day_window_setting_is_read_from_the_rules():
    rules = effective_rules({"notify": {"day_window": "working_days"}})
    assert compute_deadline("5d", ny(2026, 3, 13, 9, 0), NY, rules).due_date == date(2026, 3, 20)
    assert compute_deadline("5d", ny(2026, 3, 13, 9, 0), NY, DEFAULTS).due_date == date(2026, 3, 18)


def test_5_3_immediately_is_due_at_awareness():
    deadline = compute_deadline("immediately", datetime(2026, 3, 13, 13, 15, tzinfo=UTC), NY, DEFAULTS)
    assert deadline.due.isoformat() == "2026-03-13T09:15:00-04:00"
    assert deadline.due_date == date(2026, 3, 13)


def test_5_2_anticipated_bypass_notice_due_ten_days_before_the_planned_start():
    deadline = compute_deadline("10d_prior", ny(2026, 3, 1, 9, 0), NY, DEFAULTS,
                                planned_start=ny(2026, 3, 20, 6, 0))
    assert deadline.due.isoformat() == "2026-03-10T23:59:59-04:00"


def test_5_2_anticipated_bypass_planned_as_a_date_and_across_DST():
    deadline = prior_notice(date(2026, 3, 15), 10, NY)
    assert deadline.due.isoformat() == "2026-03-05T23:59:59-05:00"


def test_5_2_anticipated_bypass_is_never_rolled_forward_past_the_10_days():
    # 10 days before Tuesday 17 March is Saturday 7 March: moving it to Monday would leave 8 days.
    rules = effective_rules({"notify": {"weekend_rollforward": True}})
    deadline = compute_deadline("10d_prior", ny(2026, 2, 1, 9, 0), NY, rules, planned_start=date(2026, 3, 17))
    assert deadline.due_date == date(2026, 3, 7)


def test_5_2_anticipated_bypass_learned_too_late_is_due_at_once():
    # "If possible" ten days before: learned 3 days ahead, the notice is due the moment it is known.
    aware = ny(2026, 3, 17, 8, 0)
    deadline = compute_deadline("10d_prior", aware, NY, DEFAULTS, planned_start=date(2026, 3, 20))
    assert deadline.due == aware


def test_5_2_prior_notice_window_needs_a_planned_start():
    with pytest.raises(ValueError, match="planned start"):
        compute_deadline("10d_prior", ny(2026, 3, 1, 9, 0), NY, DEFAULTS)


def test_5_1_naive_awareness_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        hours_after(datetime(2026, 3, 13, 9, 15), 2, NY)
    with pytest.raises(ValueError, match="timezone-aware"):
        days_after(datetime(2026, 3, 13, 9, 15), 5, NY)
    with pytest.raises(ValueError, match="timezone-aware"):
        immediately(datetime(2026, 3, 13, 9, 15), NY)


def test_5_1_unknown_day_window_is_refused():
    with pytest.raises(ValueError, match="day_window"):
        days_after(ny(2026, 3, 13, 9, 15), 5, NY, day_window="business_hours")


def test_5_1_end_of_local_day_in_a_zone_that_changes_clocks_at_midnight():
    # America/Santiago jumps from 24:00 to 01:00 in September; 23:59:59 still exists and keeps -04:00.
    deadline = end_of_local_day(date(2026, 9, 5), "America/Santiago")
    assert deadline.due.isoformat() == "2026-09-05T23:59:59-04:00"


# Property tests: awareness anywhere around the 2026 US DST changes, in several zones.
ZONES = st.sampled_from(["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles",
                         "America/Phoenix", "Pacific/Honolulu", "Europe/London", "Australia/Lord_Howe"])
AWARENESS = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31),
                         timezones=st.just(UTC))
WINDOWS = st.sampled_from(["2h", "24h", "72h", "5d", "30d", "immediately"])
RULE_SETS = st.sampled_from([
    effective_rules(),
    effective_rules({"notify": {"day_window": "exact_elapsed"}}),
    effective_rules({"notify": {"day_window": "working_days", "weekend_rollforward": True}}),
])


@given(aware_at=AWARENESS, zone=ZONES, window=WINDOWS, rules=RULE_SETS)
def test_5_1_property_deadlines_are_pure(aware_at, zone, window, rules):
    before = copy.deepcopy(rules)
    first = compute_deadline(window, aware_at, zone, rules)
    assert compute_deadline(window, aware_at, zone, rules) == first
    assert rules == before                                   # the configuration is only read
    assert first.due.tzinfo == ZoneInfo(zone)
    assert first.due_date == first.due.date()
    assert first.due >= aware_at


@given(aware_at=AWARENESS, zone=ZONES, hours=st.sampled_from([2, 24, 72]))
def test_5_1_property_hour_deadline_is_exactly_N_hours_after_awareness_in_UTC(aware_at, zone, hours):
    deadline = hours_after(aware_at, hours, zone)
    assert deadline.due.astimezone(UTC) - aware_at.astimezone(UTC) == timedelta(hours=hours)
    # The offset shown is the zone's real offset at that instant (EST or EDT, never a stale one).
    assert deadline.due.utcoffset() == ZoneInfo(zone).utcoffset(deadline.due.replace(tzinfo=None))


@given(aware_at=AWARENESS, zone=ZONES, days=st.sampled_from([5, 30]))
def test_5_1_property_calendar_day_deadline_ends_day_N_local(aware_at, zone, days):
    deadline = days_after(aware_at, days, zone)
    local_aware = aware_at.astimezone(ZoneInfo(zone))
    assert deadline.due_date - local_aware.date() == timedelta(days=days)
    assert deadline.due.time() == time(23, 59, 59)
    assert deadline.due.utcoffset() == ZoneInfo(zone).utcoffset(deadline.due.replace(tzinfo=None))


@given(aware_at=AWARENESS, zone=ZONES, days=st.sampled_from([5, 30]))
def test_5_1_property_weekend_rollforward_never_ends_on_a_weekend_and_moves_at_most_two_days(aware_at, zone, days):
    rules = effective_rules({"notify": {"weekend_rollforward": True}})
    rolled = compute_deadline(f"{days}d", aware_at, zone, rules)
    plain = compute_deadline(f"{days}d", aware_at, zone, DEFAULTS)
    assert rolled.due_date.weekday() < 5
    assert timedelta(0) <= rolled.due_date - plain.due_date <= timedelta(days=2)
