"""The shapes of one parameter's DMR row: column definitions in, slot values and flags out (CONTRACTS.md 3, 5)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from app.domain.monitoring_frequency import parse_frequency
from app.domain.rounding import parse_limit

SLOTS = ("Q1", "Q2", "C1", "C2", "C3")
STATISTICAL_BASES = ("monthly_average", "weekly_average", "daily_maximum", "daily_minimum",
                     "instantaneous_maximum", "instantaneous_minimum", "geometric_mean", "percent_removal")
MINIMUM_BASES = ("daily_minimum", "instantaneous_minimum", "percent_removal")
AVERAGING_BASES = ("monthly_average", "weekly_average", "geometric_mean", "percent_removal")


@dataclass(frozen=True)
class ColumnDefinition:
    """One DMR column of a parameter (CONTRACTS.md section 3); `limit` is the string the permit prints."""

    slot: str
    statistical_base: str
    limit: str | None
    unit: str
    derived: str | None = None
    effective: date | None = None
    expires: date | None = None

    def __post_init__(self) -> None:
        if self.slot not in SLOTS:
            raise ValueError(f"column slot {self.slot!r}: expected one of {', '.join(SLOTS)}")
        if self.statistical_base not in STATISTICAL_BASES:
            raise ValueError(f"statistical base {self.statistical_base!r}: expected one of "
                             f"{', '.join(STATISTICAL_BASES)}")
        if self.derived not in (None, "mass"):
            raise ValueError(f"derived {self.derived!r}: only 'mass' is known")
        if self.limit is not None:
            parse_limit(self.limit)

    @property
    def minimum(self) -> bool:
        return self.statistical_base in MINIMUM_BASES

    def applies_on(self, day: date) -> bool:
        """Interim and final limits: a column covers only the days inside its own window."""
        return (self.effective is None or day >= self.effective) and (self.expires is None or day <= self.expires)


@dataclass(frozen=True)
class ParameterDefinition:
    code: str
    frequency: str
    sample_type: str
    columns: tuple[ColumnDefinition, ...]
    conditional: bool = False

    def __post_init__(self) -> None:
        slots = [c.slot for c in self.columns]
        if len(set(slots)) != len(slots):
            raise ValueError(f"parameter {self.code}: each slot may appear once, got {', '.join(slots)}")
        parse_frequency(self.frequency)


@dataclass(frozen=True)
class Flag:
    """A review item for the DMR's `flags` list, e.g. RL_ABOVE_LIMIT or MONITORING_FREQUENCY_NOT_MET."""

    code: str
    reason: str
    parameter: str | None = None
    slot: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "parameter": self.parameter, "slot": self.slot, "reason": self.reason}


@dataclass(frozen=True)
class SlotValue:
    statistical_base: str
    value: str | None
    qualifier: str | None
    unit: str
    limit: str | None
    violation: bool
    nodi: str | None

    def as_dict(self) -> dict[str, Any]:
        return {"statistical_base": self.statistical_base, "value": self.value, "qualifier": self.qualifier,
                "unit": self.unit, "limit": self.limit, "violation": self.violation, "nodi": self.nodi}


@dataclass(frozen=True)
class ParameterValues:
    """What CONTRACTS.md section 5 needs for one parameter, less its code, location and season."""

    values: Mapping[str, SlotValue]
    excursions: int
    frequency: str
    sample_type: str
    samples: int
    flags: tuple[Flag, ...] = field(default=())

    @property
    def violations(self) -> int:
        return sum(1 for v in self.values.values() if v.violation)

    def as_dict(self) -> dict[str, Any]:
        return {"values": {slot: v.as_dict() for slot, v in self.values.items()}, "excursions": self.excursions,
                "frequency": self.frequency, "sample_type": self.sample_type, "samples": self.samples,
                "flags": [f.as_dict() for f in self.flags]}
