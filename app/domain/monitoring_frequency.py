"""Frequency of analysis: was the permit's "n/d" requirement met, and what the DMR reports (RULES.md CALC-12)."""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from app.domain.measurements import Measurement
from app.domain.periods import MonitoringPeriod, weeks_for_period
from app.domain.rules_config import rule

_CONTINUOUS_CODES = ("CONT", "CONTINUOUS", "99/99")
_CODE_PATTERN = re.compile(r"^(\d{1,3})/(\d{1,3})$")


@dataclass(frozen=True)
class FrequencyRequirement:
    """A permit frequency: `samples` per `days` ("2/7" twice a week), or continuous ("CONT")."""

    code: str
    samples: int | None
    days: int | None

    @property
    def continuous(self) -> bool:
        return self.samples is None


def parse_frequency(code: str) -> FrequencyRequirement:
    """ "1/1", "2/7", "1/30", "1/90", ICIS-style "01/07", or "CONT" (also "CONT." and "99/99")."""
    text = code.strip().upper()
    if text.rstrip(".") in _CONTINUOUS_CODES:
        return FrequencyRequirement(code.strip(), None, None)
    match = _CODE_PATTERN.match(text)
    if match is None or int(match.group(1)) == 0 or int(match.group(2)) == 0:
        raise ValueError(f"frequency {code!r}: expected n/d such as 2/7 or 1/30, or CONT")
    return FrequencyRequirement(code.strip(), int(match.group(1)), int(match.group(2)))


@dataclass(frozen=True)
class Shortfall:
    """A sub-period that had fewer sample days (or samples, for n/1) than required."""

    start: date
    end: date
    required: int
    actual: int


@dataclass(frozen=True)
class FrequencyCheck:
    met: bool
    reported: str
    shortfalls: tuple[Shortfall, ...]


def _prorated(samples: int, covered_days: int, block_days: int) -> int:
    """A sub-period cut short by the monitoring period owes its share of samples, rounded half up.

    So 1/7 needs one sample in a 4-day stub week but none in a 3-day one, and 1/90 needs none in a
    monthly DMR (31/92 of a sample rounds to 0): the quarter is judged by the DMR that sees it whole
    or by the sampling schedule, not month by month.
    """
    share = Decimal(samples * covered_days) / Decimal(block_days)
    return int(share.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _calendar_blocks(period: MonitoringPeriod, months_per_block: int) -> list[tuple[date, date, int]]:
    """Calendar quarters, halves or years touching the period: (first day in period, last day, block length)."""
    blocks = []
    day = period.start
    while day <= period.end:
        first_month = (day.month - 1) // months_per_block * months_per_block + 1
        block_start = date(day.year, first_month, 1)
        next_month = first_month + months_per_block
        block_end = (date(day.year + 1, 1, 1) if next_month > 12 else date(day.year, next_month, 1)) - timedelta(days=1)
        blocks.append((max(block_start, period.start), min(block_end, period.end), (block_end - block_start).days + 1))
        day = block_end + timedelta(days=1)
    return blocks


def _sub_periods(requirement: FrequencyRequirement, period: MonitoringPeriod,
                 rules: Mapping[str, Any]) -> list[tuple[date, date, int]]:
    """(first day, last day, required count) for each sub-period the requirement applies to."""
    n, d = requirement.samples, requirement.days
    if d == 1:
        return [(day, day, n) for day in period.dates()]
    if d == 7:
        weeks = weeks_for_period(period, rule(rules, "calc.week_start"), rule(rules, "calc.week_month_assignment"))
        return [(w.start, w.end, _prorated(n, w.days, 7)) for w in weeks]
    if 28 <= d <= 31:
        # "/30" means a calendar month (NY: the month code is 30 even in February).
        return [(first, last, n) for first, last in period.months()]
    for low, high, months in ((84, 92, 3), (180, 184, 6), (365, 366, 12)):
        if low <= d <= high:
            return [(first, last, _prorated(n, (last - first).days + 1, length))
                    for first, last, length in _calendar_blocks(period, months)]
    blocks = []
    first = period.start
    while first <= period.end:
        last = min(first + timedelta(days=d - 1), period.end)
        blocks.append((first, last, _prorated(n, (last - first).days + 1, d)))
        first = last + timedelta(days=1)
    return blocks


def check_frequency(requirement: FrequencyRequirement, measurements: Iterable[Measurement],
                    period: MonitoringPeriod, rules: Mapping[str, Any]) -> FrequencyCheck:
    """CALC-12: the permit code if the requirement was met in every sub-period, else the actual count.

    Counting: sample days for n/d with d > 1 (Form 3320-1: "1/7" is one day per week), individual
    samples for n/1, days with a reading for CONT. Weekly sub-periods are the CALC-03 weeks of the
    period, so a week straddling the month start counts the previous month's sample days too, and
    the week straddling the month end is judged in the next period. A result analysed after its
    holding time is reported but does not satisfy monitoring (RULES.md section 8).
    The actual frequency is "k/<days in the period>" (e.g. "3/28" in February), k counted inside the
    period: unlike New York's fixed /30 it states exactly what happened.
    """
    valid = [m for m in measurements if not m.holding_time_exceeded]
    sample_days = {m.sample_date for m in valid}
    in_period_days = {day for day in sample_days if period.contains(day)}
    if requirement.continuous:
        missing = [day for day in period.dates() if day not in sample_days]
        shortfalls = tuple(Shortfall(day, day, 1, 0) for day in missing)
        actual = len(in_period_days)
    else:
        per_sample = requirement.days == 1
        shortfalls_list = []
        # What each sample day counts for: its samples (n/1), or itself once (n/d). A daily requirement's
        # sub-periods are single days, looked up rather than counted over the whole month each time.
        counts = Counter(m.sample_date for m in valid) if per_sample else dict.fromkeys(sample_days, 1)
        for first, last, required in _sub_periods(requirement, period, rules):
            if first == last:
                count = counts.get(first, 0)
            else:
                count = sum(number for day, number in counts.items() if first <= day <= last)
            if count < required:
                shortfalls_list.append(Shortfall(first, last, required, count))
        shortfalls = tuple(shortfalls_list)
        actual = sum(1 for m in valid if period.contains(m.sample_date)) if per_sample else len(in_period_days)
    if not shortfalls:
        return FrequencyCheck(True, requirement.code, ())
    return FrequencyCheck(False, f"{actual}/{period.days}", shortfalls)
