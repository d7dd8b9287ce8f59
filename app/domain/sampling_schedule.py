"""Plans sampling events from monitoring frequencies: which days, and the window each sample may fall in.

A requirement n/d is met per sub-period (a day, a calendar week, a month, a quarter, a year). The
sub-period is split into n consecutive windows, each holding one planned day: a sample taken
anywhere in its window satisfies that event, so a Monday sample for a Tuesday plan still counts,
while two samples of a 2/7 requirement must fall on different days of the same week.
"""
from __future__ import annotations

import calendar
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from operator import attrgetter
from typing import NamedTuple

from app.domain.monitoring_frequency import parse_frequency
from app.domain.periods import WEEKDAYS

DEFAULT_PREFERRED_WEEKDAYS = ("tuesday", "thursday")
WORKDAYS = (0, 1, 2, 3, 4)  # Monday..Friday


@dataclass(frozen=True)
class MonitoringNeed:
    """One monitored parameter as the schedule sees it."""

    outfall: str
    code: str
    location: str
    frequency: str
    sample_type: str
    conditional: bool = False


class PlannedSample(NamedTuple):
    """One parameter's sample on a planned day, and the window it may be taken in.

    A NamedTuple, not a frozen dataclass: a year of a large permit plans some 100,000 of them, and
    a frozen dataclass's __init__ (one object.__setattr__ per field) was a third of the planning.
    """

    outfall: str
    code: str
    location: str
    sample_type: str
    day: date
    window_start: date
    window_end: date


@dataclass(frozen=True)
class PlannedEvent:
    """One trip: an outfall, a day, a sample type and every parameter due then, each with its window."""

    outfall: str
    day: date
    sample_type: str
    samples: tuple[PlannedSample, ...]

    @property
    def window_end(self) -> date:
        return max(s.window_end for s in self.samples)


@dataclass(frozen=True)
class SchedulePreferences:
    preferred_weekdays: tuple[str, ...] = DEFAULT_PREFERRED_WEEKDAYS
    holidays: frozenset[date] = frozenset()
    week_start: str = "sunday"

    def __post_init__(self) -> None:
        unknown = [d for d in self.preferred_weekdays if d not in WEEKDAYS]
        if unknown:
            raise ValueError(f"preferred weekdays {unknown}: expected names from {', '.join(WEEKDAYS)}")


def _month_end(day: date) -> date:
    return date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])


def sub_period(day: date, days: int, week_start: str = "sunday") -> tuple[date, date]:
    """The block of a frequency's denominator that contains `day` (1, 7, 30, 90, 365 -> day, week, ...)."""
    if days == 1:
        return day, day
    if days == 7:
        offset = (day.weekday() - WEEKDAYS.index(week_start)) % 7
        start = day - timedelta(days=offset)
        return start, start + timedelta(days=6)
    if days in (28, 30, 31):
        return day.replace(day=1), _month_end(day)
    if days in (90, 91, 92):
        first_month = 3 * ((day.month - 1) // 3) + 1
        start = date(day.year, first_month, 1)
        return start, _month_end(date(day.year, first_month + 2, 1))
    if days in (182, 183):
        start = date(day.year, 1 if day.month <= 6 else 7, 1)
        return start, _month_end(date(day.year, start.month + 5, 1))
    if days in (365, 366):
        return date(day.year, 1, 1), date(day.year, 12, 31)
    raise ValueError(f"frequency denominator {days}: expected 1, 7, 30, 90, 182 or 365 days")


def _spread(pool: Sequence[date], n: int) -> list[date]:
    """n days spread evenly over the pool, the first one first (e.g. Tue and Thu of a week for 2/7)."""
    return [pool[(i * len(pool)) // n] for i in range(n)]


def plan_block(first: date, last: date, n: int, preferences: SchedulePreferences) -> list[tuple[date, date, date]]:
    """(planned day, window start, window end) for n samples in first..last; windows partition the block."""
    allowed = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    allowed = [d for d in allowed if d not in preferences.holidays]
    n = min(n, len(allowed))
    if n == 0:
        return []
    wanted = {WEEKDAYS.index(d) for d in preferences.preferred_weekdays}
    preferred = [d for d in allowed if d.weekday() in wanted]
    workdays = [d for d in allowed if d.weekday() in WORKDAYS]
    pool = preferred if len(preferred) >= n else workdays if len(workdays) >= n else allowed
    days = _spread(pool, n)
    plans = []
    for i, day in enumerate(days):
        start = first if i == 0 else plans[-1][2] + timedelta(days=1)
        end = last if i == n - 1 else days[i + 1] - timedelta(days=1)
        plans.append((day, start, end))
    return plans


def plan_need(need: MonitoringNeed, first: date, last: date, preferences: SchedulePreferences, *,
              until: date | None = None) -> list[PlannedSample]:
    """Every planned sample of one parameter between first and last (inclusive), clipped to that range.

    Pass the days the permit version governs, not a display window: a block cut short plans its n
    samples into fewer days, and a horizon that moved would then move the plan with it. To look
    only so far ahead, pass `until` instead: planning stops after the block holding that day, and
    every block planned is the same as in the whole plan (later days of that block may follow).

    Continuous monitoring (CONT) is read from the recorder, not sampled; conditional monitoring is
    sampled only when triggered (NODI 9 otherwise): neither gets planned trips.
    """
    requirement = parse_frequency(need.frequency)
    if requirement.continuous or need.conditional:
        return []
    days = _plan_days(requirement.days, requirement.samples, first, last, preferences, until, {})
    return [PlannedSample(need.outfall, need.code, need.location, need.sample_type, day, window_start, window_end)
            for day, window_start, window_end in days]


# (block start, block end, samples) -> plan_block's answer, for one set of preferences.
_BlockPlans = dict[tuple[date, date, int], list[tuple[date, date, date]]]


def _plan_days(block_days: int, samples: int, first: date, last: date, preferences: SchedulePreferences,
               until: date | None, blocks: _BlockPlans) -> list[tuple[date, date, date]]:
    """(planned day, window start, window end) of every block of an n/d requirement, as plan_need plans them."""
    stop = last if until is None else min(last, until)
    planned, day = [], first
    while day <= stop:
        block_start, block_end = sub_period(day, block_days, preferences.week_start)
        start, end = max(block_start, first), min(block_end, last)
        key = (start, end, samples)
        plans = blocks.get(key)
        if plans is None:
            plans = blocks[key] = plan_block(start, end, samples, preferences)
        planned += plans
        day = block_end + timedelta(days=1)
    return planned


def plan_events(needs: Iterable[MonitoringNeed], first: date, last: date,
                preferences: SchedulePreferences, *, until: date | None = None) -> list[PlannedEvent]:
    """One event per outfall, day and sample type, so one trip collects everything due that day.

    `until` as in plan_need. The parameters of a permit share their days (every daily parameter has
    the same ones), so each frequency's days are planned once for all of them, and each block once.
    """
    grouped: dict[tuple[str, date, str], list[PlannedSample]] = {}
    blocks: _BlockPlans = {}
    days_of: dict[tuple[int, int], list[tuple[date, date, date]]] = {}
    # Taken in parameter order (a stable sort), each event's samples arrive in the order it lists them.
    for need in sorted(needs, key=attrgetter("code", "location")):
        requirement = parse_frequency(need.frequency)
        if requirement.continuous or need.conditional:
            continue
        frequency = (requirement.days, requirement.samples)
        days = days_of.get(frequency)
        if days is None:
            days = days_of[frequency] = _plan_days(*frequency, first, last, preferences, until, blocks)
        outfall, code, location, sample_type = need.outfall, need.code, need.location, need.sample_type
        for day, window_start, window_end in days:
            sample = PlannedSample(outfall, code, location, sample_type, day, window_start, window_end)
            key = (outfall, day, sample_type)
            found = grouped.get(key)
            if found is None:
                grouped[key] = [sample]
            else:
                found.append(sample)
    return [PlannedEvent(outfall, day, sample_type, tuple(samples))
            for (outfall, day, sample_type), samples in sorted(grouped.items())]


def preferences_from(raw: dict | None, week_start: str = "sunday") -> SchedulePreferences:
    """The facility's stored preferences (JSON) as SchedulePreferences; bad entries are an error, not ignored."""
    raw = raw or {}
    holidays: Collection[date] = frozenset(date.fromisoformat(d) for d in raw.get("holidays", []))
    return SchedulePreferences(tuple(raw.get("preferred_weekdays") or DEFAULT_PREFERRED_WEEKDAYS),
                               frozenset(holidays), week_start)
