"""Pretreatment Significant Noncompliance self-check: chronic, TRC and late reports (RULES.md section 6)."""
from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from app.domain.measurements import DETECTED, DETECTED_NOT_QUANTIFIED, NOT_DETECTED, Measurement
from app.domain.nondetects import VIOLATION, judge
from app.domain.rounding import comparison_value
from app.domain.rules_config import rule

# TRC pollutant groups (SNC-B) for common EPA parameter codes, each checked against the DMR
# parameter list of 2018-10-30: BOD and CBOD 5-day, TSS, the oil & grease / HEM methods, and FOG.
# A permit names other groups per parameter; anything unmapped is "other" (the 1.2 default).
POLLUTANT_GROUPS: dict[str, str] = {
    "00310": "BOD",    # BOD, 5-day, 20 deg. C
    "80082": "CBOD",   # BOD, carbonaceous, 05 day, 20 C
    "00530": "TSS",    # Solids, total suspended
    "00556": "OG",     # Oil & grease
    "03582": "OG",     # Oil and grease
    "00552": "OG",     # Oil and grease, hexane extr method (HEM)
    "00550": "OG",     # Oil and grease (soxhlet extr.) tot.
    "00560": "OG",     # Oil & grease (freon extr.-IR meth) tot, RC
    "61210": "FOG",    # Fats, oils & grease (total o & g less TPH)
    "00400": "pH",     # pH
    "00403": "pH",     # pH, lab
}
PH_GROUP = "pH"
OTHER_GROUP = "other"

# Under `compare_period_averages` these limits are judged on period averages, not on samples.
AVERAGE_BASES = ("monthly_average", "weekly_average", "geometric_mean")
HUNDRED = 100
QUARTER_END_MONTHS = (3, 6, 9, 12)
HALF_YEAR_END_MONTHS = (6, 12)


@dataclass(frozen=True)
class SncSeries:
    """One pollutant and one limit type, with every valid result the window may hold.

    `upper_limit` and/or `lower_limit` (Decimals as written): pH gives both, so a reading outside
    the range on either side counts toward chronic. For an average limit, `period_averages` holds
    one value per averaging period (e.g. each monthly average, dated inside its month) for
    `snc.average_limits = compare_period_averages`; `measurements` are the individual results.
    """

    parameter_code: str
    statistical_base: str
    measurements: tuple[Measurement, ...]
    upper_limit: Decimal | None = None
    lower_limit: Decimal | None = None
    period_averages: tuple[Measurement, ...] | None = None
    group: str | None = None

    def __post_init__(self) -> None:
        if self.upper_limit is None and self.lower_limit is None:
            raise ValueError(f"SNC series {self.parameter_code}: needs an upper or a lower limit")
        for limit in (self.upper_limit, self.lower_limit):
            if limit is not None and (not isinstance(limit, Decimal) or not limit.is_finite()):
                raise TypeError(f"SNC series {self.parameter_code}: limits must be finite Decimals, got {limit!r}")


@dataclass(frozen=True)
class ReportDue:
    """A required report (SMR, BMR, 90-day, schedule report), its due date and when it was submitted."""

    report: str
    due: date
    submitted: date | None = None


def pollutant_group(parameter_code: str, group: str | None = None) -> str:
    return group or POLLUTANT_GROUPS.get(parameter_code, OTHER_GROUP)


def trc_factor(group: str, rules: Mapping[str, Any]) -> Decimal | None:
    """SNC-B factor of a pollutant group from `snc.trc_factor`; None where TRC does not apply (pH)."""
    factors = rule(rules, "snc.trc_factor")
    factor = factors[group] if group in factors else factors["default"]
    return None if factor is None else Decimal(str(factor))


def trc_threshold(limit: Decimal, factor: Decimal) -> Decimal:
    """limit x TRC, exact: the regulation compares with the product itself, so it is never rounded."""
    return limit * factor


def format_threshold(limit: Decimal, factor: Decimal) -> str:
    """The threshold written to the limit's own decimal places when that loses nothing.

    "0.50" x 1.2 -> "0.60", "30" x 1.4 -> "42", but "2.6" x 1.2 -> "3.12": digits the exact
    product needs are kept, so the number shown is the number compared.
    """
    product = trc_threshold(limit, factor)
    places = max(-min(limit.as_tuple().exponent, 0), -min(product.normalize().as_tuple().exponent, 0))
    return format(product.quantize(Decimal(1).scaleb(-places)), "f")


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _window_end_months(rules: Mapping[str, Any]) -> tuple[int, ...]:
    return HALF_YEAR_END_MONTHS if rule(rules, "snc.window") == "fixed_semiannual" else QUARTER_END_MONTHS


def snc_window(window_end: date, rules: Mapping[str, Any]) -> tuple[date, date]:
    """The six-month period ending on `window_end` (first and last day, inclusive).

    `rolling_6mo_at_quarter_end` (default): evaluated at every calendar quarter end over the two
    quarters before it, which includes the Jan-Jun and Jul-Dec windows. `fixed_semiannual`: only
    Jan-Jun and Jul-Dec. Any other end date is an error rather than a silently shifted window.
    """
    months = _window_end_months(rules)
    if window_end.month not in months or window_end != _month_end(window_end.year, window_end.month):
        allowed = ", ".join(_month_end(window_end.year, m).strftime("%m-%d") for m in months)
        raise ValueError(f"SNC window end {window_end}: under snc.window {rule(rules, 'snc.window')} "
                         f"it must be one of {allowed}")
    start_month = window_end.month - 5
    start_year = window_end.year
    if start_month < 1:
        start_month += 12
        start_year -= 1
    return date(start_year, start_month, 1), window_end


def latest_window_end(day: date, rules: Mapping[str, Any]) -> date:
    """The last window end on or before `day` (for a check "as of today")."""
    candidates = [_month_end(year, month) for year in (day.year - 1, day.year) for month in _window_end_months(rules)]
    return max(end for end in candidates if end <= day)


def is_chronic(count: int, measurements: int, rules: Mapping[str, Any]) -> bool:
    """SNC-A in integers: 100*count >= chronic_pct*n, so 4 of 6 (66.7 %) qualifies and 3 of 6 does not."""
    return count > 0 and HUNDRED * count >= rule(rules, "snc.chronic_pct") * measurements


def is_trc(count: int, measurements: int, rules: Mapping[str, Any]) -> bool:
    """SNC-B in integers: 100*count >= trc_pct*n, so 2 of 6 (33.3 %) qualifies and 1 of 6 does not."""
    return count > 0 and HUNDRED * count >= rule(rules, "snc.trc_pct") * measurements


def _violates(m: Measurement, limit: Decimal, minimum: bool, rules: Mapping[str, Any]) -> bool:
    qualifier = m.qualifier
    if qualifier == DETECTED_NOT_QUANTIFIED:
        # A "J" estimate sits below the RL: above an upper limit it means the RL is above the limit,
        # which ND-05 flags and never counts; below a minimum the estimate is all there is.
        if not minimum:
            return False
        qualifier = DETECTED
    value = comparison_value(m.value, str(limit), rules)
    return judge(value, qualifier, limit, minimum) == VIOLATION


def exceeds(m: Measurement, series: SncSeries, rules: Mapping[str, Any]) -> bool:
    """SNC-A: strictly above the upper limit or strictly below the lower one ("<RL" with RL <= limit never)."""
    return ((series.upper_limit is not None and _violates(m, series.upper_limit, False, rules))
            or (series.lower_limit is not None and _violates(m, series.lower_limit, True, rules)))


def reaches_trc(m: Measurement, limit: Decimal, threshold: Decimal, rules: Mapping[str, Any]) -> bool:
    """SNC-B: the value equals or exceeds limit x TRC; a "<" or "J" result never does (it is below its RL)."""
    if m.qualifier in (NOT_DETECTED, DETECTED_NOT_QUANTIFIED):
        return False
    # ">x" with x at the threshold means the true value is above it, so it counts like "=x".
    return comparison_value(m.value, str(limit), rules) >= threshold


def _values_in_window(series: SncSeries, window: tuple[date, date], rules: Mapping[str, Any]) -> list[Measurement]:
    values: Iterable[Measurement] = series.measurements
    if series.statistical_base in AVERAGE_BASES and rule(rules, "snc.average_limits") == "compare_period_averages":
        if series.period_averages is None:
            raise ValueError(f"SNC series {series.parameter_code} {series.statistical_base}: "
                             "compare_period_averages needs the period averages")
        values = series.period_averages
    start, end = window
    return [m for m in values if start <= m.sample_date <= end]


def evaluate_series(series: SncSeries, window: tuple[date, date], rules: Mapping[str, Any]) -> dict[str, Any]:
    """One CONTRACTS.md section 9 `pollutants` entry: chronic and TRC for one pollutant and limit type."""
    values = _values_in_window(series, window, rules)
    chronic_count = sum(1 for m in values if exceeds(m, series, rules))
    factor = trc_factor(pollutant_group(series.parameter_code, series.group), rules)
    threshold = None
    trc_count = 0
    # TRC multiplies a ceiling; a minimum-only limit (and pH) has none to multiply.
    if factor is not None and series.upper_limit is not None:
        exact = trc_threshold(series.upper_limit, factor)
        threshold = format_threshold(series.upper_limit, factor)
        trc_count = sum(1 for m in values if reaches_trc(m, series.upper_limit, exact, rules))
    return {
        "parameter_code": series.parameter_code,
        "measurements": len(values),
        "chronic_count": chronic_count,
        "chronic": is_chronic(chronic_count, len(values), rules),
        "trc_threshold": threshold,
        "trc_count": trc_count,
        "trc": is_trc(trc_count, len(values), rules),
    }


def late_reports(reports: Iterable[ReportDue], window: tuple[date, date], as_of: date,
                 rules: Mapping[str, Any]) -> list[dict[str, Any]]:
    """SNC-F: reports due in the window and submitted more than `snc.late_report_days` after their due date.

    A report not submitted by `as_of` is measured to `as_of`; a submission dated after `as_of` is
    unknown as of then, so it is measured the same way.
    """
    limit_days = rule(rules, "snc.late_report_days")
    start, end = window
    late = []
    for report in reports:
        if not start <= report.due <= end:
            continue
        submitted = report.submitted if report.submitted is not None and report.submitted <= as_of else None
        days_late = ((submitted or as_of) - report.due).days
        if days_late > limit_days:
            late.append({"report": report.report, "due": report.due.isoformat(),
                         "submitted": submitted.isoformat() if submitted else None, "days_late": days_late})
    return late


def snc_self_check(series: Sequence[SncSeries], reports: Iterable[ReportDue], window_end: date, as_of: date,
                   rules: Mapping[str, Any]) -> dict[str, Any]:
    """The CONTRACTS.md section 9 object for the six months ending `window_end`.

    `pollutants` has one entry per series, in the order given (a pollutant with a daily and a
    monthly limit appears twice: each limit type is evaluated separately). `snc` lists the parameter
    codes in chronic or TRC SNC; late reports are SNC-F on their own and are listed, not coded.
    """
    window = snc_window(window_end, rules)
    pollutants = [evaluate_series(s, window, rules) for s in series]
    in_snc = []
    for entry in pollutants:
        if (entry["chronic"] or entry["trc"]) and entry["parameter_code"] not in in_snc:
            in_snc.append(entry["parameter_code"])
    return {
        "window": {"start": window[0].isoformat(), "end": window[1].isoformat()},
        "pollutants": pollutants,
        "late_reports": late_reports(reports, window, as_of, rules),
        "snc": in_snc,
    }
