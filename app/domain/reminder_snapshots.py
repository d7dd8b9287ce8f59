"""What the reminder rules read: plain, frozen snapshots of people, sampling events, obligations and permits."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class Recipient:
    id: int
    email: str
    name: str
    role: str
    preferences: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class SamplingEventSnapshot:
    id: int
    permit_number: str
    timezone: str
    outfall: str
    event_date: date  # facility-local
    window_end: date
    sample_type: str
    parameter_codes: tuple[str, ...]
    status: str  # scheduled | collected | missed | cancelled


@dataclass(frozen=True)
class ObligationPartSnapshot:
    name: str  # initial | followup
    kind: str  # oral, written_report, ...
    due: datetime
    done_at: datetime | None = None


@dataclass(frozen=True)
class ObligationSnapshot:
    id: int
    permit_number: str
    timezone: str
    outfall: str | None
    parameter_code: str | None
    rule: str
    citation: str
    aware_at: datetime
    opened_at: datetime
    status: str  # open | done | withdrawn
    parts: tuple[ObligationPartSnapshot, ...]


@dataclass(frozen=True)
class PermitTerms:
    version: int
    effective: date
    expires: date
    reporting_frequency: str
    reporting_due_day: int
    renewal_application_days: int


@dataclass(frozen=True)
class PermitSnapshot:
    id: int
    number: str
    program: str  # npdes (DMR) | pretreatment (SMR)
    timezone: str
    versions: tuple[PermitTerms, ...]
    submitted_periods: frozenset[str] = frozenset()  # period labels whose report is recorded as submitted


@dataclass(frozen=True)
class InstrumentSnapshot:
    """An instrument in service and where its calibration stands (app/domain/calibration_due.py)."""

    id: int
    name: str
    timezone: str
    interval_days: int
    registered_at: datetime
    next_due: datetime | None  # None: never calibrated
    failed_at: datetime | None = None  # the latest entry failed: out of calibration since then


@dataclass(frozen=True)
class ReminderSnapshot:
    recipients: tuple[Recipient, ...] = ()
    events: tuple[SamplingEventSnapshot, ...] = ()
    obligations: tuple[ObligationSnapshot, ...] = ()
    permits: tuple[PermitSnapshot, ...] = ()
    digest_timezone: str = "UTC"
    last_digests: Mapping[int, datetime] = field(default_factory=dict)  # user id -> moment of the last digest
    instruments: tuple[InstrumentSnapshot, ...] = ()
