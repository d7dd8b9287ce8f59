"""Monitoring periods, DMR due dates, facility-local sample days and calendar weeks (CALC-01, CALC-03, SCHED-01)."""
from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

FREQUENCIES = ("monthly", "quarterly", "semiannual", "annual")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
WEEK_MONTH_ASSIGNMENTS = ("saturday_month", "wednesday_rule", "majority_days", "complete_weeks_only",
                          "truncate_at_month")
COMPOSITE_DATE_ATTRIBUTIONS = ("start_date", "end_date")

_PERIOD_PATTERN = re.compile(r"^(\d{4})(?:-(?:(\d{2})|Q([1-4])|H([12])))?$")


@dataclass(frozen=True)
class MonitoringPeriod:
    """A DMR monitoring period: first and last calendar day (inclusive) and its label, e.g. 2026-Q1."""

    start: date
    end: date
    label: str

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"monitoring period {self.label}: end {self.end} is before start {self.start}")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def dates(self) -> Iterator[date]:
        return _days_between(self.start, self.end)

    def months(self) -> list[tuple[date, date]]:
        """The calendar months the period touches, each clipped to the period."""
        months = []
        first = self.start
        while first <= self.end:
            last = min(_month_end(first.year, first.month), self.end)
            months.append((first, last))
            first = last + timedelta(days=1)
        return months


def _days_between(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _period(year: int, first_month: int, months: int, label: str) -> MonitoringPeriod:
    last_month = first_month + months - 1
    return MonitoringPeriod(date(year, first_month, 1), _month_end(year, last_month), label)


def parse_period(text: str) -> MonitoringPeriod:
    """`YYYY-MM`, `YYYY-Qn`, `YYYY-H1`/`YYYY-H2` or `YYYY` (CONTRACTS.md `dmr build --period`)."""
    match = _PERIOD_PATTERN.match(text.strip().upper())
    if match is None:
        raise ValueError(f"monitoring period {text!r}: expected YYYY-MM, YYYY-Qn, YYYY-H1, YYYY-H2 or YYYY")
    year = int(match.group(1))
    month, quarter, half = match.group(2), match.group(3), match.group(4)
    if month is not None:
        if not 1 <= int(month) <= 12:
            raise ValueError(f"monitoring period {text!r}: month must be 01 to 12")
        return _period(year, int(month), 1, f"{year:04d}-{int(month):02d}")
    if quarter is not None:
        return _period(year, 3 * int(quarter) - 2, 3, f"{year:04d}-Q{quarter}")
    if half is not None:
        return _period(year, 6 * int(half) - 5, 6, f"{year:04d}-H{half}")
    return _period(year, 1, 12, f"{year:04d}")


def period_containing(day: date, frequency: str) -> MonitoringPeriod:
    """The monitoring period of a reporting `frequency` (monthly|quarterly|semiannual|annual) holding `day`."""
    if frequency == "monthly":
        return _period(day.year, day.month, 1, f"{day.year:04d}-{day.month:02d}")
    if frequency == "quarterly":
        quarter = (day.month - 1) // 3 + 1
        return _period(day.year, 3 * quarter - 2, 3, f"{day.year:04d}-Q{quarter}")
    if frequency == "semiannual":
        half = 1 if day.month <= 6 else 2
        return _period(day.year, 6 * half - 5, 6, f"{day.year:04d}-H{half}")
    if frequency == "annual":
        return _period(day.year, 1, 12, f"{day.year:04d}")
    raise ValueError(f"reporting frequency {frequency!r}: expected one of {', '.join(FREQUENCIES)}")


def dmr_due_date(period: MonitoringPeriod, due_day: int) -> date:
    """SCHED-01: `due_day` of the month after the period, clamped to that month's last day.

    A due day of 31 in a 30-day month means the 30th: the permit's intent is "by the end of the
    month", and a date that does not exist cannot be a deadline.
    """
    if isinstance(due_day, bool) or not isinstance(due_day, int) or not 1 <= due_day <= 31:
        raise ValueError(f"DMR due day {due_day!r}: expected a whole number from 1 to 31")
    year, month = (period.end.year + 1, 1) if period.end.month == 12 else (period.end.year, period.end.month + 1)
    return date(year, month, min(due_day, calendar.monthrange(year, month)[1]))


def local_date(moment: datetime, timezone: str) -> date:
    """The facility-local calendar day of an aware timestamp; sample days are counted in that zone."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"timestamp {moment.isoformat()} has no UTC offset; store aware timestamps")
    return moment.astimezone(ZoneInfo(timezone)).date()


def composite_sample_date(started_at: datetime, ended_at: datetime, timezone: str,
                          attribution: str = "start_date") -> date:
    """CALC-01 `calc.composite_date_attribution`: the one calendar day a composite belongs to.

    With `end_date`, a composite ending exactly at local midnight belongs to the day it covered, not to
    the day that has just begun: a midnight-to-midnight composite is that day's sample.
    """
    if attribution not in COMPOSITE_DATE_ATTRIBUTIONS:
        raise ValueError(f"composite date attribution {attribution!r}: expected start_date or end_date")
    if ended_at < started_at:
        raise ValueError("composite ends before it starts")
    if attribution == "start_date":
        return local_date(started_at, timezone)
    local_end = ended_at.astimezone(ZoneInfo(timezone))
    if local_end.time() == time(0, 0) and ended_at > started_at:
        return local_end.date() - timedelta(days=1)
    return local_end.date()


@dataclass(frozen=True)
class CalendarWeek:
    """Seven consecutive calendar days starting on the configured week-start day (calc.week_start)."""

    start: date
    end: date


@dataclass(frozen=True)
class ReportingWeek:
    """A calendar week assigned to a monitoring period, with the sample days (start..end) it uses."""

    calendar_week: CalendarWeek
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


def _weekday_number(week_start: str) -> int:
    try:
        return WEEKDAYS.index(week_start)
    except ValueError:
        raise ValueError(f"week start {week_start!r}: expected a weekday name such as 'sunday'") from None


def calendar_week_containing(day: date, week_start: str = "sunday") -> CalendarWeek:
    start = day - timedelta(days=(day.weekday() - _weekday_number(week_start)) % 7)
    return CalendarWeek(start, start + timedelta(days=6))


def _weeks_for_month(first: date, last: date, week_start: str, assignment: str) -> list[ReportingWeek]:
    weeks = []
    week = calendar_week_containing(first, week_start)
    while week.start <= last:
        days_in_month = (min(week.end, last) - max(week.start, first)).days + 1
        if assignment == "saturday_month":
            # Colorado COG-603000 def. 10: a week goes to the month holding its Saturday, i.e. the day
            # the Sunday-Saturday week ends; with another week start we keep "the month it ends in".
            assigned = first <= week.end <= last
        elif assignment == "wednesday_rule":
            wednesday = week.start + timedelta(days=(2 - week.start.weekday()) % 7)
            assigned = first <= wednesday <= last
        elif assignment == "majority_days":
            assigned = days_in_month >= 4
        elif assignment == "complete_weeks_only":
            assigned = days_in_month == 7
        else:  # truncate_at_month
            assigned = True
        if assigned:
            if assignment == "truncate_at_month":
                weeks.append(ReportingWeek(week, max(week.start, first), min(week.end, last)))
            else:
                weeks.append(ReportingWeek(week, week.start, week.end))
        week = CalendarWeek(week.start + timedelta(days=7), week.end + timedelta(days=7))
    return weeks


def weeks_for_period(period: MonitoringPeriod, week_start: str = "sunday",
                     assignment: str = "saturday_month") -> list[ReportingWeek]:
    """CALC-03: the weeks whose weekly averages belong to `period`, each with the sample days it uses.

    The convention is applied month by month, as the conventions are written, and the months of a
    longer period are joined; for a monthly DMR that is simply the month. Except with
    `truncate_at_month`, a straddling week keeps all seven days, so samples taken in the
    neighbouring month are used (COG-603000).
    """
    if assignment not in WEEK_MONTH_ASSIGNMENTS:
        raise ValueError(f"week-to-month assignment {assignment!r}: expected one of "
                         f"{', '.join(WEEK_MONTH_ASSIGNMENTS)}")
    _weekday_number(week_start)
    weeks: list[ReportingWeek] = []
    for first, last in period.months():
        for week in _weeks_for_month(first, last, week_start, assignment):
            if week not in weeks:
                weeks.append(week)
    return weeks


@lru_cache(maxsize=4096)
def weekly_window(period: MonitoringPeriod, week_start: str = "sunday",
                  assignment: str = "saturday_month") -> tuple[date, date]:
    """First and last day whose results the period's DMR needs: the period plus its straddling weeks.

    Kept per (period, convention), all three immutable: a month's DMR asks it twice for each of its
    hundreds of parameters, and an import's evaluation once per parameter and month.
    """
    weeks = weeks_for_period(period, week_start, assignment)
    first = min([period.start] + [w.start for w in weeks])
    last = max([period.end] + [w.end for w in weeks])
    return first, last
