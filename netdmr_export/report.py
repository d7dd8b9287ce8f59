"""One reviewed DMR as frozen dataclasses, and its CONTRACTS.md section 5 JSON."""
from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

SLOTS = ("Q1", "Q2", "C1", "C2", "C3")
QUALIFIERS = ("=", "<", ">")
# Plain notation only: the rules round once and print "27.0" or "0.005"; an exponent ("3E+1") or a
# float repr reaching this far means something upstream skipped that step, so refuse it here rather
# than print a different number in each file.
_PLAIN_DECIMAL = re.compile(r"-?\d+(\.\d+)?")
_NODI = re.compile(r"[A-Za-z0-9]{1,3}")


class ReportError(ValueError):
    """A report that cannot be exported as it stands; the message names the place and the problem."""


def _plain_decimal(text: Any, where: str) -> str:
    if not isinstance(text, str) or not _PLAIN_DECIMAL.fullmatch(text):
        raise ReportError(f"{where}: expected a decimal string in plain notation such as '27.0', got {text!r}")
    return text


def _limit(text: Any, where: str) -> str:
    if not isinstance(text, str):
        raise ReportError(f"{where}: the limit must be the permit's decimal string, got {text!r}")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ReportError(f"{where}: the limit {text!r} is not a number") from None
    if not number.is_finite():
        raise ReportError(f"{where}: the limit {text!r} is not a finite number")
    return text


def _text(value: Any, where: str) -> str:
    # Ids are text: an int here would already have lost "001"'s zeros somewhere upstream.
    if not isinstance(value, str) or not value.strip():
        raise ReportError(f"{where}: expected non-empty text, got {value!r}")
    return value


def _count(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ReportError(f"{where}: expected a whole number of at least 0, got {value!r}")
    return value


@dataclass(frozen=True)
class Flag:
    """A review item (RL_ABOVE_LIMIT, MONITORING_FREQUENCY_NOT_MET, ...) for the JSON `flags` lists."""

    code: str
    reason: str
    parameter: str | None = None
    slot: str | None = None

    def as_dict(self) -> dict[str, Any]:
        # The same key order as app.domain.dmr_columns.Flag, so both JSON producers print one shape.
        return {"code": self.code, "parameter": self.parameter, "slot": self.slot, "reason": self.reason}


@dataclass(frozen=True)
class SlotValue:
    """One DMR column of one parameter: the reported value or its NODI, and the permit's limit."""

    slot: str
    statistical_base: str
    value: str | None
    qualifier: str | None
    unit: str
    unit_code: str | None = None
    limit: str | None = None
    violation: bool = False
    nodi: str | None = None

    def __post_init__(self) -> None:
        where = f"slot {self.slot!r}"
        if self.slot not in SLOTS:
            raise ReportError(f"{where}: expected one of {', '.join(SLOTS)}")
        _text(self.statistical_base, f"{where} statistical_base")
        _text(self.unit, f"{where} unit")
        if self.unit_code is not None and not re.fullmatch(r"[A-Za-z0-9]{1,2}", str(self.unit_code)):
            raise ReportError(f"{where}: an ICIS unit code is 1-2 letters or digits, got {self.unit_code!r}")
        if self.limit is not None:
            _limit(self.limit, f"{where} limit")
        if not isinstance(self.violation, bool):
            raise ReportError(f"{where}: violation must be True or False, got {self.violation!r}")
        if self.nodi is not None and not (isinstance(self.nodi, str) and _NODI.fullmatch(self.nodi)):
            raise ReportError(f"{where}: a NODI code is 1-3 letters or digits, got {self.nodi!r}")
        if self.value is None:
            if self.qualifier is not None:
                raise ReportError(f"{where}: a qualifier {self.qualifier!r} without a value")
            return
        _plain_decimal(self.value, f"{where} value")
        if self.nodi is not None:
            raise ReportError(f"{where}: a value {self.value!r} and a NODI {self.nodi!r}; report one or the other")
        if self.qualifier not in QUALIFIERS:
            raise ReportError(f"{where}: qualifier must be one of {' '.join(QUALIFIERS)}, got {self.qualifier!r}")

    @property
    def filled(self) -> bool:
        """True when the slot reports something: a value or a NODI."""
        return self.value is not None or self.nodi is not None

    def as_dict(self) -> dict[str, Any]:
        return {"statistical_base": self.statistical_base, "value": self.value, "qualifier": self.qualifier,
                "unit": self.unit, "limit": self.limit, "violation": self.violation, "nodi": self.nodi}


def _slot_values(values: Any, code: str) -> tuple[SlotValue, ...]:
    if isinstance(values, Mapping):
        for key, value in values.items():
            if not isinstance(value, SlotValue) or value.slot != key:
                raise ReportError(f"parameter {code}: values[{key!r}] must be a SlotValue for slot {key!r}")
        values = tuple(values.values())
    values = tuple(values)
    slots = [v.slot for v in values if isinstance(v, SlotValue)]
    if len(slots) != len(values):
        raise ReportError(f"parameter {code}: values must be SlotValue objects")
    if len(set(slots)) != len(slots):
        raise ReportError(f"parameter {code}: each slot may appear once, got {', '.join(slots)}")
    return values


@dataclass(frozen=True)
class ParameterReport:
    """One parameter at one monitoring location and season; `values` keeps the permit's column order.

    `frequency_code` and `sample_type_code` are the ICIS codes, when the permit gives them; the XML
    leaves those optional elements out rather than derive a code the evidence does not support.
    """

    code: str
    monitoring_location: str
    season: int
    values: tuple[SlotValue, ...] | Mapping[str, SlotValue]
    excursions: int
    frequency: str
    sample_type: str
    samples: int
    flags: tuple[Flag, ...] = ()
    comment: str | None = None
    name: str | None = None
    frequency_code: str | None = None
    sample_type_code: str | None = None

    def __post_init__(self) -> None:
        _text(self.code, "parameter code")
        where = f"parameter {self.code}"
        _text(self.monitoring_location, f"{where} monitoring_location")
        if isinstance(self.season, bool) or not isinstance(self.season, int):
            raise ReportError(f"{where}: season must be a whole number, got {self.season!r}")
        _count(self.excursions, f"{where} excursions")
        _count(self.samples, f"{where} samples")
        # Frozen, yet the caller may hand over a dict or a list: store one immutable shape.
        object.__setattr__(self, "values", _slot_values(self.values, self.code))
        object.__setattr__(self, "flags", tuple(self.flags))

    def slot(self, slot: str) -> SlotValue | None:
        return next((v for v in self.values if v.slot == slot), None)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "monitoring_location": self.monitoring_location, "season": self.season,
                "values": {v.slot: v.as_dict() for v in self.values},
                "excursions": self.excursions, "frequency": self.frequency, "sample_type": self.sample_type,
                "samples": self.samples, "flags": [f.as_dict() for f in self.flags]}


@dataclass(frozen=True)
class OutfallReport:
    """One outfall (permitted feature) and limit set; `nodi` covers the whole DMR (e.g. C, no discharge)."""

    outfall: str
    limit_set: str
    nodi: str | None = None
    parameters: tuple[ParameterReport, ...] = ()

    def __post_init__(self) -> None:
        _text(self.outfall, "outfall")
        _text(self.limit_set, f"outfall {self.outfall} limit_set")
        object.__setattr__(self, "parameters", tuple(self.parameters))
        if self.nodi is not None and not (isinstance(self.nodi, str) and _NODI.fullmatch(self.nodi)):
            raise ReportError(f"outfall {self.outfall}: a NODI code is 1-3 letters or digits, got {self.nodi!r}")
        if self.nodi is not None:
            # A form-level NODI replaces every value of the DMR (the ICIS schema allows one or the other).
            for parameter in self.parameters:
                for value in parameter.values:
                    if value.value is not None:
                        raise ReportError(f"outfall {self.outfall} has NODI {self.nodi} for the whole DMR, "
                                          f"yet parameter {parameter.code} slot {value.slot} has a value")

    def as_dict(self) -> dict[str, Any]:
        return {"outfall": self.outfall, "limit_set": self.limit_set, "nodi": self.nodi,
                "parameters": [p.as_dict() for p in self.parameters]}


@dataclass(frozen=True)
class DmrReport:
    """One reviewed report for one monitoring period: everything the exports print, nothing looked up."""

    permit: str
    version: int
    program: str
    period_start: date
    period_end: date
    due: date
    outfalls: tuple[OutfallReport, ...]
    violations: int
    flags: tuple[Flag, ...] = ()
    certification_text: str = ""
    facility_name: str = ""
    comments: str | None = None

    def __post_init__(self) -> None:
        _text(self.permit, "permit")
        for name in ("period_start", "period_end", "due"):
            # A datetime is a date too, but would print a time into every file.
            if type(getattr(self, name)) is not date:
                raise ReportError(f"{name}: expected a date, got {getattr(self, name)!r}")
        if self.period_end < self.period_start:
            raise ReportError(f"period ends {self.period_end} before it starts {self.period_start}")
        _count(self.violations, "violations")
        object.__setattr__(self, "outfalls", tuple(self.outfalls))
        object.__setattr__(self, "flags", tuple(self.flags))

    def as_dict(self) -> dict[str, Any]:
        return {"permit": self.permit, "version": self.version, "program": self.program,
                "period": {"start": self.period_start.isoformat(), "end": self.period_end.isoformat()},
                "due": self.due.isoformat(),
                "outfalls": [o.as_dict() for o in self.outfalls],
                "violations": self.violations, "flags": [f.as_dict() for f in self.flags]}


def build_json(report: DmrReport) -> bytes:
    """CONTRACTS.md section 5: UTF-8 JSON, keys in the contract's order, a trailing newline."""
    text = json.dumps(report.as_dict(), indent=2, ensure_ascii=False)
    return (text + "\n").encode("utf-8")
