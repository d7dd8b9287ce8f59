"""The per-permit rule configuration of RULES.md section 9: defaults, overrides and validation."""
from __future__ import annotations

import copy
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

# RULES.md section 9, as data. Every key here can be overridden by a permit's `rules` block
# (CONTRACTS.md section 3); the permit controls, these are only what applies when it is silent.
DEFAULT_RULES: dict[str, Any] = {
    "profile": "federal_default",
    "calc": {
        "average_method": "arithmetic",
        "daily_value_from_multiple_samples": "arithmetic_mean",
        "composite_date_attribution": "start_date",
        "mass_factor_lb": "8.34",
        "mass_flow_source": "same_day_flow",
        "monthly_avg_mass": "mean_of_daily_masses",
        "week_start": "sunday",
        "week_month_assignment": "saturday_month",
        "geomean": {"zero": "1", "lt": "value", "gt": "value"},
    },
    "nd": {
        "avg_substitution": "zero",
        "dnq_substitution": "zero",
        "all_nd_report": "lt_max_rl",
        "ml_above_limit": "flag_not_violation",
    },
    "rounding": {
        "mode": "sigfigs_of_limit",
        "tie_break": "half_up",
        "report_only_sigfigs": 3,
        "compare_after_rounding": True,
    },
    "excursions": {
        "count_unit": "sample_day_per_row",
        "count_weekly_average": True,
        "count_monthly_average": False,
    },
    "nodi": {"allow_B": False},
    "ph": {"continuous_excursion_allowance": False},
    "notify": {
        "day_window": "calendar_date",
        "weekend_rollforward": False,
        "average_awareness": "last_result_received",
        "pretreatment_notify_on_average_violation": True,
        "ct_two_times_operator": ">",
    },
    "pt": {"resample_exempt": False},
    "snc": {
        "window": "rolling_6mo_at_quarter_end",
        "chronic_pct": 66,
        "trc_pct": 33,
        "trc_factor": {
            "BOD": "1.4", "CBOD": "1.4", "TSS": "1.4", "OG": "1.4", "FOG": "1.4",
            "pH": None, "default": "1.2",
        },
        "average_limits": "compare_period_averages",
        "late_report_days": 45,
        "milestone_days": 90,
    },
    "records": {"retention_years": 3},
}

# Allowed values for the enumerated keys; a value outside these is a configuration error, because a
# typo here would silently change how a DMR number is computed.
CHOICES: dict[str, tuple[Any, ...]] = {
    "profile": ("federal_default", "CT_NPDES", "CT_SPDES", "TX_TPDES", "CA_SIP", "OR_DEQ", "OH_EPA",
                "CO_CDPHE", "NY_DEC", "IA_DNR"),
    "calc.average_method": ("arithmetic", "flow_weighted"),
    "calc.daily_value_from_multiple_samples": ("arithmetic_mean", "flow_weighted_mean", "max_of_samples"),
    "calc.composite_date_attribution": ("start_date", "end_date"),
    "calc.mass_flow_source": ("same_day_flow", "composite_period_flow"),
    "calc.monthly_avg_mass": ("mean_of_daily_masses",),
    "calc.week_start": ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"),
    "calc.week_month_assignment": ("saturday_month", "wednesday_rule", "majority_days",
                                   "complete_weeks_only", "truncate_at_month"),
    "calc.geomean.lt": ("value", "half_value"),
    "calc.geomean.gt": ("value",),
    "nd.avg_substitution": ("zero", "dl_for_dnq", "rl", "half_rl", "half_dl", "ca_median"),
    "nd.dnq_substitution": ("zero", "dl", "estimated"),
    "nd.all_nd_report": ("lt_max_rl",),
    "nd.ml_above_limit": ("flag_not_violation",),
    "rounding.mode": ("sigfigs_of_limit", "decimals_of_limit", "none", "ny_precision_rules"),
    "rounding.tie_break": ("half_up", "half_even"),
    "excursions.count_unit": ("sample_day_per_row", "per_column"),
    "notify.day_window": ("calendar_date", "exact_elapsed", "working_days"),
    "notify.average_awareness": ("last_result_received",),
    "notify.ct_two_times_operator": (">", ">="),
    "snc.window": ("rolling_6mo_at_quarter_end", "fixed_semiannual"),
    "snc.average_limits": ("compare_period_averages", "compare_individual_samples"),
}

# Keys whose values are decimal numbers written as strings (or numbers) in the permit JSON.
DECIMAL_KEYS = {"calc.mass_factor_lb", "calc.geomean.zero"}
INT_KEYS = {"rounding.report_only_sigfigs", "snc.chronic_pct", "snc.trc_pct", "snc.late_report_days",
            "snc.milestone_days", "records.retention_years"}
BOOL_KEYS = {"rounding.compare_after_rounding", "excursions.count_weekly_average",
             "excursions.count_monthly_average", "nodi.allow_B", "ph.continuous_excursion_allowance",
             "notify.weekend_rollforward", "notify.pretreatment_notify_on_average_violation",
             "pt.resample_exempt"}
# Free-form maps whose keys the permit may extend (pollutant groups for the TRC factor).
OPEN_MAPS = {"snc.trc_factor"}


class RuleConfigError(ValueError):
    """A rules block that names an unknown key or an impossible value; `path` is its JSON path."""

    def __init__(self, path: str, message: str):
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


def _check_leaf(dotted: str, value: Any, json_path: str) -> None:
    if dotted in CHOICES and value not in CHOICES[dotted]:
        allowed = ", ".join(repr(c) for c in CHOICES[dotted])
        raise RuleConfigError(json_path, f"expected one of {allowed}, got {value!r}")
    if dotted in BOOL_KEYS and not isinstance(value, bool):
        raise RuleConfigError(json_path, f"expected true or false, got {value!r}")
    if dotted in INT_KEYS and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        raise RuleConfigError(json_path, f"expected a non-negative whole number, got {value!r}")
    if dotted in DECIMAL_KEYS:
        try:
            if isinstance(value, bool) or Decimal(str(value)) <= 0:
                raise ValueError
        except (ArithmeticError, ValueError):
            raise RuleConfigError(json_path, f"expected a positive decimal number, got {value!r}") from None


def _merge(base: dict, override: Mapping, dotted_prefix: str, json_prefix: str) -> None:
    for key, value in override.items():
        dotted = f"{dotted_prefix}.{key}" if dotted_prefix else key
        json_path = f"{json_prefix}.{key}"
        if dotted_prefix in OPEN_MAPS:
            if value is not None:
                _check_leaf("calc.mass_factor_lb", value, json_path)  # same shape: a positive decimal
            base[key] = None if value is None else str(value)
            continue
        if key not in base:
            raise RuleConfigError(json_path, "unknown rule key")
        if isinstance(base[key], dict):
            if not isinstance(value, Mapping):
                raise RuleConfigError(json_path, "expected an object")
            _merge(base[key], value, dotted, json_path)
        else:
            _check_leaf(dotted, value, json_path)
            base[key] = str(value) if dotted in DECIMAL_KEYS else value


def effective_rules(*overrides: Mapping | None, json_path: str = "$.permit.rules") -> dict[str, Any]:
    """Defaults with each override layered on in order (permit, then outfall, then parameter).

    Raises RuleConfigError naming the JSON path of the first bad key or value.
    """
    rules = copy.deepcopy(DEFAULT_RULES)
    for override in overrides:
        if override is None:
            continue
        if not isinstance(override, Mapping):
            raise RuleConfigError(json_path, "expected an object")
        _merge(rules, override, "", json_path)
    return rules


_DOTTED_PARTS: dict[str, tuple[str, ...]] = {}  # rule() is asked ~60,000 times for a month's DMR


def rule(rules: Mapping[str, Any], dotted: str) -> Any:
    """Look up `calc.week_start`-style keys; Decimal keys come back as Decimal."""
    node: Any = rules
    parts = _DOTTED_PARTS.get(dotted)
    if parts is None:
        parts = _DOTTED_PARTS[dotted] = tuple(dotted.split("."))
    for part in parts:
        node = node[part]
    if dotted in DECIMAL_KEYS and node is not None:
        return Decimal(str(node))
    return node
