"""Frozen inputs of the DMR calculations: one measurement (a sample result) as the service layer reads it."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

DETECTED = "="
NOT_DETECTED = "<"
GREATER_THAN = ">"
DETECTED_NOT_QUANTIFIED = "J"
QUALIFIERS = (DETECTED, NOT_DETECTED, GREATER_THAN, DETECTED_NOT_QUANTIFIED)


class CalculationError(ValueError):
    """The data cannot support a calculation the rules ask for; the message names what is missing."""


def _require_decimal(name: str, value: object, optional: bool = False) -> None:
    if value is None and optional:
        return
    # bool is an int and float has lost the digits as written: neither belongs in the compliance path.
    if not isinstance(value, Decimal) or not value.is_finite():
        raise TypeError(f"measurement {name} must be a finite Decimal, got {value!r}")


@dataclass(frozen=True)
class Measurement:
    """One result of one parameter, with the facility-local calendar day it is attributed to.

    `value` is the number as reported: for "<" it is the reporting limit the sample was not detected
    at (CONTRACTS.md section 4), for "J" the laboratory's estimate. `sample_date` is computed by the
    caller with periods.local_date or periods.composite_sample_date, so no time zone is needed here.
    `sampled_at` may be None when the lab reported only a date. `flow` (MGD) is the flow belonging
    to the sample: the instantaneous flow at a grab or the flow over a composite's period; it is used
    only by flow-weighted daily values and `calc.mass_flow_source = composite_period_flow`.
    """

    value: Decimal
    sample_date: date
    unit: str
    qualifier: str = DETECTED
    mdl: Decimal | None = None
    rl: Decimal | None = None
    sampled_at: datetime | None = None
    sample_type: str | None = None
    sample_id: str | None = None
    parameter_code: str | None = None
    flow: Decimal | None = None
    holding_time_exceeded: bool = False
    estimated: bool = False

    def __post_init__(self) -> None:
        # The checks inline, _require_decimal only to refuse: a month's DMR builds some 17,000 of these.
        value, mdl, rl, flow = self.value, self.mdl, self.rl, self.flow
        if not (isinstance(value, Decimal) and value.is_finite()):
            _require_decimal("value", value)
        if mdl is not None and not (isinstance(mdl, Decimal) and mdl.is_finite()):
            _require_decimal("mdl", mdl)
        if rl is not None and not (isinstance(rl, Decimal) and rl.is_finite()):
            _require_decimal("rl", rl)
        if flow is not None and not (isinstance(flow, Decimal) and flow.is_finite()):
            _require_decimal("flow", flow)
        if self.qualifier not in QUALIFIERS:
            raise ValueError(f"measurement qualifier {self.qualifier!r}: expected one of {', '.join(QUALIFIERS)}")
        if not isinstance(self.sample_date, date) or isinstance(self.sample_date, datetime):
            raise TypeError("measurement sample_date must be a date (the facility-local calendar day)")
        if self.sampled_at is not None and (self.sampled_at.tzinfo is None or self.sampled_at.utcoffset() is None):
            raise ValueError("measurement sampled_at must be timezone-aware")
        if self.qualifier == NOT_DETECTED and self.value < 0:
            raise ValueError("a non-detect's reporting limit cannot be negative")

    @property
    def is_not_detected(self) -> bool:
        return self.qualifier == NOT_DETECTED

    @property
    def is_detected_not_quantified(self) -> bool:
        return self.qualifier == DETECTED_NOT_QUANTIFIED

    @property
    def reporting_limit(self) -> Decimal | None:
        """The RL this result can be reported "<" against: its own number for a non-detect."""
        return self.value if self.qualifier == NOT_DETECTED else self.rl

    @property
    def label(self) -> str:
        """How a flag's reason names this result for a reviewer."""
        return f"{self.sample_id} ({self.sample_date.isoformat()})" if self.sample_id else self.sample_date.isoformat()


class SharedMeasurements(tuple):
    """Measurements that several calculations read unchanged, such as an outfall's flow, which each of
    its parameters takes for masses and flow-weighted averages.

    Being a tuple it cannot change, so a value worked out from it (its daily flows) is kept and
    given to the next reader rather than worked out again. A computation that raises is not kept.
    """

    def derived(self, name: str, compute: Callable[[SharedMeasurements], Any]) -> Any:
        kept = self.__dict__.setdefault("_derived", {})
        if name not in kept:
            kept[name] = compute(self)
        return kept[name]
