"""The stored schedule of the demo permits over a whole year matches their frequencies, and statuses turn
at the facility's midnight across both DST changes."""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.domain.measurements import Measurement
from app.domain.monitoring_frequency import check_frequency, parse_frequency
from app.domain.periods import parse_period
from app.domain.rules_config import rule
from app.domain.sampling_schedule import sub_period
from app.models.schedule import SamplingEvent
from app.services.monitoring_data import rules_of
from app.services.permit_overview import permit_by_number
from app.services.permits import import_permit_definition
from app.services.results import record_result
from app.services.sampling_schedule import generate_schedule
from app.services.schedule_upkeep import refresh_schedule_statuses
from tests.factories import permit_document

YEAR_START, YEAR_END = date(2026, 1, 1), date(2026, 12, 31)

# Samples planned with a day in 2026, per parameter, worked out by hand from the frequency, the
# Sunday-Saturday weeks and the default Tuesday/Thursday preference:
# - NPDES (effective Thu 2026-01-01): the stub week Jan 1-3 still owes its samples (2/7: Thu 1 and
#   Fri 2; 1/7: Thu 1), 51 whole weeks follow, and the last week's Tue 29 and Thu 31 Dec fall in 2026.
# - Pretreatment (effective 2025-07-01): its 1/7 trip of the week of 28 Dec 2025 is Tue 30 Dec 2025,
#   so 2026 holds the 52 Tuesdays from 6 Jan to 29 Dec.
YEAR_COUNTS = {
    ("npdes", "001", "50050"): 0,      # CONT: read from the recorder, never a trip
    ("npdes", "001", "00530"): 106,    # 2/7: 2 + 51 * 2 + 2
    ("npdes", "001", "01042"): 53,     # 1/7: 1 + 51 + 1
    ("npdes", "001", "01092"): 53,     # 1/7
    ("npdes", "001", "00400"): 365,    # 1/1
    ("npdes", "002", "50050"): 12,     # 1/30: one per calendar month
    ("npdes", "002", "00556"): 12,     # 1/30
    ("pretreatment", "101", "50050"): 0,      # CONT
    ("pretreatment", "101", "01042"): 52,     # 1/7
    ("pretreatment", "101", "01067"): 52,     # 1/7
    ("pretreatment", "101", "00720"): 12,     # 1/30
    ("pretreatment", "101", "00400"): 365,    # 1/1
}


def _load(db, name: str):
    outcome = import_permit_definition(db.session, permit_document(name))
    db.session.commit()
    permit = permit_by_number(db.session, outcome.permit_number)
    generate_schedule(db.session, permit, today=YEAR_START, through=YEAR_END + timedelta(days=7))
    db.session.commit()
    return permit


def _planned(db, permit) -> dict[tuple[str, str], list[dict]]:
    """Every stored planned sample of the permit, per (outfall, parameter), with its trip's day."""
    samples: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for event in db.session.scalars(select(SamplingEvent).where(SamplingEvent.permit_id == permit.id,
                                                                SamplingEvent.status != "cancelled")):
        for entry in event.parameters:
            samples[(event.outfall, entry["code"])].append({
                "day": event.event_date, "start": date.fromisoformat(entry["window_start"]),
                "end": date.fromisoformat(entry["window_end"])})
    return samples


@pytest.mark.parametrize("name", ["npdes", "pretreatment"])
def test_a_year_of_the_demo_permit_holds_exactly_its_frequencies(db, name):
    permit = _load(db, name)
    version = permit.latest_version
    week_start = rule(rules_of(version), "calc.week_start")
    planned = _planned(db, permit)
    parameters = [(o.feature_id, p) for o in version.outfalls for p in o.parameters]
    assert {(name, outfall, p.code) for outfall, p in parameters} == {k for k in YEAR_COUNTS if k[0] == name}
    for outfall, parameter in parameters:
        samples = planned.get((outfall, parameter.code), [])
        in_year = [s for s in samples if YEAR_START <= s["day"] <= YEAR_END]
        assert len(in_year) == YEAR_COUNTS[(name, outfall, parameter.code)], (outfall, parameter.code)
        requirement = parse_frequency(parameter.frequency)
        if requirement.continuous or parameter.conditional:
            assert samples == []
            continue
        # Block by block (day, week, month) over the whole year: n samples on n different days,
        # each in its block, the windows covering the block's governed days exactly once.
        day = YEAR_START
        while day <= YEAR_END:
            first, last = sub_period(day, requirement.days, week_start)
            governed = max(first, version.effective)
            block = [s for s in samples if first <= s["day"] <= last]
            assert len({s["day"] for s in block}) == len(block) == requirement.samples, (parameter.code, first)
            covered = sorted(s["start"] + timedelta(days=i) for s in block
                             for i in range((s["end"] - s["start"]).days + 1))
            assert covered == [governed + timedelta(days=i) for i in range((last - governed).days + 1)]
            day = last + timedelta(days=1)


@pytest.mark.parametrize("name", ["npdes", "pretreatment"])
def test_sampling_on_the_planned_days_meets_the_dmr_frequency_check_every_month(db, name):
    permit = _load(db, name)
    version = permit.latest_version
    rules = rules_of(version)
    planned = _planned(db, permit)
    checked = 0
    for outfall in version.outfalls:
        for parameter in outfall.parameters:
            requirement = parse_frequency(parameter.frequency)
            if requirement.continuous or parameter.conditional:
                continue
            days = [s["day"] for s in planned[(outfall.feature_id, parameter.code)]]
            measurements = [Measurement(Decimal("1"), day, "mg/L") for day in days]
            for month in range(1, 13):
                period = parse_period(f"2026-{month:02d}")
                check = check_frequency(requirement, measurements, period, rules)
                assert check.met, (parameter.code, period.label, check.shortfalls)
                checked += 1
            if requirement.samples == 2 and requirement.days == 7:
                # The check can fail: drop one planned sample of a mid-June week and June falls short.
                fewer = [m for m in measurements if m.sample_date != date(2026, 6, 11)]
                assert len(fewer) == len(measurements) - 1
                assert not check_frequency(requirement, fewer, parse_period("2026-06"), rules).met
    assert checked >= 12 * 4


def _tss(db, sample_id: str, sampled_at: str) -> None:
    record_result(db.session, {"permit": "CT0000001", "outfall": "001", "parameter_code": "00530",
                               "sample_id": sample_id, "sampled_at": sampled_at, "value": "12", "unit": "mg/L"},
                  now=datetime(2026, 11, 2, tzinfo=timezone.utc))


def _status(db, day: date) -> str:
    return db.session.scalars(select(SamplingEvent.status).where(
        SamplingEvent.event_date == day, SamplingEvent.outfall == "001",
        SamplingEvent.sample_type == "24-hour composite")).one()


@pytest.mark.parametrize("thursday, local_midnight_utc", [
    # Thursday's TSS trip has the window Thu..Sat. New York's midnight after that Saturday is 05:00 UTC
    # before the spring change (EST) and 04:00 UTC on the autumn change day (still EDT until 02:00).
    (date(2026, 3, 5), datetime(2026, 3, 8, 5, 0, tzinfo=timezone.utc)),
    (date(2026, 10, 29), datetime(2026, 11, 1, 4, 0, tzinfo=timezone.utc)),
])
def test_a_trip_turns_missed_at_the_facilitys_midnight_across_dst(db, thursday, local_midnight_utc):
    _load(db, "npdes")
    refresh_schedule_statuses(db.session, local_midnight_utc - timedelta(seconds=1))
    assert _status(db, thursday) == "scheduled"  # Saturday 23:59:59 at the plant: the window is open
    refresh_schedule_statuses(db.session, local_midnight_utc)
    assert _status(db, thursday) == "missed"


def test_a_sample_late_on_the_last_local_day_of_the_window_counts(db):
    _load(db, "npdes")
    # 23:30 on Saturday 31 October at the plant is 03:30 UTC on 1 November.
    _tss(db, "LATE-1", "2026-10-31T23:30")
    refresh_schedule_statuses(db.session, datetime(2026, 11, 2, 12, tzinfo=timezone.utc))
    assert _status(db, date(2026, 10, 29)) == "collected"
