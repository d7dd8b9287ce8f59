"""The fields of one lab result (CONTRACTS.md section 4), checked and parsed, each problem naming its field."""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from app.domain.units import is_known_unit

REQUIRED = ("permit", "outfall", "parameter_code", "sample_id", "sampled_at", "value", "unit")
OPTIONAL = ("monitoring_location", "qualifier", "mdl", "rl", "method", "lab", "analyst", "analyzed_at",
            "received_at", "sample_type", "chain_of_custody", "notes", "correction_reason", "estimated",
            *("collector", "composite_start", "composite_end", "field_notes"))
# The field record of the sample itself, shared by every result of it (CONTRACTS.md section 4 extended by
# optional fields): a later row may fill a blank but never change what the sample already records.
SAMPLE_RECORD = ("collector", "composite_start", "composite_end", "field_notes")
_TRUE, _FALSE = ("true", "yes", "1", "y"), ("false", "no", "0", "n", "")
QUALIFIER_CODES = {"": "=", "=": "=", "<": "<", ">": ">", "J": "J"}
SAMPLE_TYPES = ("grab", "composite", "continuous")
_DECIMAL = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_CODE = re.compile(r"^\d{5}$")
# Control characters (tab and line breaks aside) are no lab's text, PostgreSQL refuses NUL outright, and a
# lone surrogate cannot be stored as UTF-8 at all: each would otherwise fail at the INSERT, as a 500.
_NOT_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
# The widths of the columns the text is stored in (app/models/monitoring.py); a longer value is refused
# here by name rather than by the database (PostgreSQL) or silently kept whole (SQLite).
MAX_LENGTHS = {"sample_id": 80, "value": 40, "mdl": 40, "rl": 40, "method": 80, "lab": 120, "analyst": 120,
               "chain_of_custody": 80, "collector": 120}
# Sample, analysis and receipt times of a compliance record; outside these years a date is a typo, and near
# the ends of Python's calendar the time-zone arithmetic overflows.
FIRST_YEAR, LAST_YEAR = 1900, 2199


class ResultFieldError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


@dataclass(frozen=True)
class ResultFields:
    permit: str
    outfall: str
    parameter_code: str
    monitoring_location: str | None
    sample_id: str
    sampled_at: datetime | None  # None when the lab gave only a day
    sample_date: date  # facility-local
    value: str  # decimal text as reported
    qualifier: str
    unit: str
    mdl: str | None
    rl: str | None
    method: str | None
    lab: str | None
    analyst: str | None
    analyzed_at: datetime | None
    received_at: datetime | None
    sample_type: str | None
    chain_of_custody: str | None
    notes: str | None
    correction_reason: str | None
    estimated: bool = False
    collector: str | None = None
    composite_start: datetime | None = None
    composite_end: datetime | None = None
    field_notes: str | None = None

    def sample_record(self) -> dict[str, Any]:
        """The sample's own field record given on this row (None where the row leaves it blank)."""
        return {name: getattr(self, name) for name in SAMPLE_RECORD}

    def stored_values(self) -> dict[str, Any]:
        """What a revision stores; two rows with equal stored values are the same result."""
        return {"sampled_at": self.sampled_at, "sample_date": self.sample_date, "value": self.value,
                "qualifier": self.qualifier, "unit": self.unit, "mdl": self.mdl, "rl": self.rl,
                "method": self.method, "lab": self.lab, "analyst": self.analyst, "analyzed_at": self.analyzed_at,
                "sample_type": self.sample_type, "chain_of_custody": self.chain_of_custody, "notes": self.notes,
                "estimated": self.estimated}


class _CheckedTexts(dict):
    """A row's fields already as checked_text gives each of them (see _checked_texts)."""


def _checked_texts(raw: Mapping[str, Any]) -> _CheckedTexts | None:
    """Every field's text at once, when checked_text could refuse none of them; None otherwise.

    A row is read field by field, 32 lookups for its 24 fields; in the usual row no field holds a
    character no database could store or is too long for its column, and one search of the whole
    row's text says so. Only a row that fails it is checked field by field, in order, so that its
    first problem is named exactly as before.
    """
    texts = {name: None if value is None else str(value).strip() for name, value in raw.items()}
    if _NOT_TEXT.search(" ".join(text for text in texts.values() if text)):
        return None
    for name, limit in MAX_LENGTHS.items():
        text = texts.get(name)
        if text is not None and len(text) > limit:
            return None
    return _CheckedTexts((name, text or None) for name, text in texts.items())


def _text(raw: Mapping[str, Any], name: str) -> str | None:
    if type(raw) is _CheckedTexts:
        return raw.get(name)
    return checked_text(raw.get(name), name)


def checked_text(value: Any, name: str) -> str | None:
    """The field's text, stripped; None when blank; ResultFieldError when no database could store it."""
    if value is None:
        return None
    text = str(value).strip()
    found = _NOT_TEXT.search(text)
    if found:
        raise ResultFieldError(name, f"contains the control or invalid character {found.group()!r} at position "
                                     f"{found.start() + 1}; expected plain text")
    if len(text) > MAX_LENGTHS.get(name, len(text)):
        raise ResultFieldError(name, f"expected at most {MAX_LENGTHS[name]} characters, got {len(text)}")
    return text or None


def _decimal_text(raw: Mapping[str, Any], name: str, required: bool = False) -> str | None:
    text = _text(raw, name)
    if text is None:
        if required:
            raise ResultFieldError(name, "required, expected a decimal number such as 12.5")
        return None
    try:
        ok = _DECIMAL.match(text) is not None and Decimal(text).is_finite()
    except InvalidOperation:
        ok = False
    if not ok:
        raise ResultFieldError(name, f"expected a decimal number such as 12.5, got {text!r}")
    return text


def parse_moment(text: str, name: str, zone: ZoneInfo) -> tuple[datetime | None, date]:
    """ISO date or date-time; without an offset it is facility-local (CONTRACTS.md section 4)."""
    try:
        if "T" not in text and " " not in text and len(text) == 10:
            moment, day = None, date.fromisoformat(text)
        else:
            moment = datetime.fromisoformat(text)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=zone)
            day = moment.astimezone(zone).date()
    except ValueError:
        raise ResultFieldError(name, f"expected an ISO 8601 date or date-time such as 2026-03-13T09:15, "
                                     f"got {text!r}") from None
    except OverflowError:  # e.g. 9999-12-31T23:59-12:00, which is in the year 10000 in UTC
        day = None
    if day is None or not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ResultFieldError(name, f"expected a date in the years {FIRST_YEAR} to {LAST_YEAR}, got {text!r}")
    return moment, day


def _moment(raw: Mapping[str, Any], name: str, zone: ZoneInfo) -> datetime | None:
    text = _text(raw, name)
    if text is None:
        return None
    moment, day = parse_moment(text, name, zone)
    # A bare day for an analysis or receipt time means the start of that local day.
    return moment or datetime.combine(day, time(0), tzinfo=zone)


_KNOWN = frozenset(REQUIRED + OPTIONAL)


def parse_result_fields(raw: Mapping[str, Any], timezone: str) -> ResultFields:
    """Raises ResultFieldError on the first field that is missing or malformed."""
    zone = ZoneInfo(timezone)
    unknown = sorted(set(raw) - _KNOWN)
    if unknown:
        raise ResultFieldError(unknown[0], f"unknown field; expected only {', '.join(REQUIRED + OPTIONAL)}")
    raw = _checked_texts(raw) or raw
    for name in REQUIRED:
        if _text(raw, name) is None:
            raise ResultFieldError(name, "required, but empty or missing")
    code = _text(raw, "parameter_code")
    if not _CODE.match(code):
        raise ResultFieldError("parameter_code", f"expected a 5-digit parameter code such as 00530, got {code!r}")
    qualifier_text = _text(raw, "qualifier") or ""
    if qualifier_text not in QUALIFIER_CODES:
        raise ResultFieldError("qualifier", f"expected empty, <, >, or J, got {qualifier_text!r}")
    unit = _text(raw, "unit")
    if not is_known_unit(unit):
        raise ResultFieldError("unit", f"unknown unit {unit!r}; expected e.g. mg/L, ug/L, MGD, gpd, SU, cfu/100mL")
    sample_type = _text(raw, "sample_type")
    if sample_type is not None and sample_type not in SAMPLE_TYPES:
        raise ResultFieldError("sample_type", f"expected one of {', '.join(SAMPLE_TYPES)}, got {sample_type!r}")
    estimated_text = (_text(raw, "estimated") or "").lower()
    if estimated_text not in _TRUE + _FALSE:
        raise ResultFieldError("estimated", f"expected true or false, got {estimated_text!r}")
    sampled_at, sample_date = parse_moment(_text(raw, "sampled_at"), "sampled_at", zone)
    value = _decimal_text(raw, "value", required=True)
    if QUALIFIER_CODES[qualifier_text] == "<" and Decimal(value) < 0:
        raise ResultFieldError("value", "a non-detect's reporting limit cannot be negative")
    analyzed_at = _moment(raw, "analyzed_at", zone)
    if analyzed_at is not None and sampled_at is not None and analyzed_at < sampled_at:
        raise ResultFieldError("analyzed_at", f"{analyzed_at.isoformat()} is before sampled_at "
                                              f"{sampled_at.isoformat()}")
    composite_start, composite_end = _moment(raw, "composite_start", zone), _moment(raw, "composite_end", zone)
    if composite_start is not None and composite_end is not None and composite_end < composite_start:
        raise ResultFieldError("composite_end", f"{composite_end.isoformat()} is before composite_start "
                                                f"{composite_start.isoformat()}")
    return ResultFields(
        permit=_text(raw, "permit"), outfall=_text(raw, "outfall"), parameter_code=code,
        monitoring_location=_text(raw, "monitoring_location"), sample_id=_text(raw, "sample_id"),
        sampled_at=sampled_at, sample_date=sample_date, value=value, qualifier=QUALIFIER_CODES[qualifier_text],
        unit=unit, mdl=_decimal_text(raw, "mdl"), rl=_decimal_text(raw, "rl"), method=_text(raw, "method"),
        lab=_text(raw, "lab"), analyst=_text(raw, "analyst"), analyzed_at=analyzed_at,
        received_at=_moment(raw, "received_at", zone), sample_type=sample_type,
        chain_of_custody=_text(raw, "chain_of_custody"), notes=_text(raw, "notes"),
        correction_reason=_text(raw, "correction_reason"), estimated=estimated_text in _TRUE,
        collector=_text(raw, "collector"), composite_start=composite_start, composite_end=composite_end,
        field_notes=_text(raw, "field_notes"))
