"""Instruments and their calibration log: register, calibrate, take out of service, report an equipment failure."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.calibration_due import CalibrationCheck, CalibrationStanding, calibration_standing, needs_calibration
from app.models.audit import AuditEntry
from app.models.compliance import NoncomplianceEvent, NotificationObligation
from app.models.permit import Outfall, Permit, PermitVersion
from app.models.record import INSTRUMENT_KINDS, CalibrationEntry, Instrument
from app.services.audit import audit_context
from app.services.documents import DEFAULT_MAX_BYTES, DocumentError, DocumentUpload, store_document
from app.services.events import EventError, EventReport, report_event
from app.services.permit_overview import permit_by_number

EQUIPMENT_FAILURE = "monitoring_equipment_failure"
# A phone's clock typed to the minute may run a little ahead of the server's.
CLOCK_GRACE = timedelta(minutes=5)


class CalibrationError(ValueError):
    """The instrument or calibration cannot be recorded; the message names the field. Nothing was stored."""


@dataclass(frozen=True)
class InstrumentSpec:
    name: str
    kind: str
    calibration_interval_days: int
    serial_number: str | None = None
    permit_number: str | None = None
    outfall: str | None = None


@dataclass(frozen=True)
class CalibrationRecord:
    instrument_id: int
    performed_at: datetime
    passed: bool
    technician: str
    standards: str | None = None
    readings: str | None = None
    notes: str | None = None
    certificate_data: bytes | None = None  # the certificate file, stored as kind calibration_certificate
    certificate_name: str | None = None


def _text(value: str | None) -> str | None:
    return (value or "").strip() or None


def _permit(session: Session, number: str | None) -> Permit | None:
    if not number:
        return None
    permit = permit_by_number(session, number)
    if permit is None:
        raise CalibrationError(f"permit: no permit numbered {number!r}")
    return permit


def register_instrument(session: Session, spec: InstrumentSpec, *, actor_id: int | None = None,
                        actor_label: str | None = None) -> Instrument:
    name = _text(spec.name)
    if name is None:
        raise CalibrationError("name: give the instrument a name people recognise (e.g. \"Outfall 001 pH meter\")")
    if spec.kind not in INSTRUMENT_KINDS:
        raise CalibrationError(f"kind: expected one of {', '.join(INSTRUMENT_KINDS)}, got {spec.kind!r}")
    interval = spec.calibration_interval_days
    if isinstance(interval, bool) or not isinstance(interval, int) or interval < 1:
        raise CalibrationError("calibration_interval_days: a whole number of days, at least 1")
    if session.scalar(select(Instrument.id).where(Instrument.name == name)) is not None:
        raise CalibrationError(f"name: an instrument named {name!r} is already registered")
    permit, outfall = _permit(session, _text(spec.permit_number)), _text(spec.outfall)
    if outfall is not None:
        if permit is None:
            raise CalibrationError("outfall: choose the permit the outfall belongs to")
        known = set(session.scalars(select(Outfall.feature_id).join(PermitVersion)
                                    .where(PermitVersion.permit_id == permit.id)))
        if outfall not in known:
            raise CalibrationError(f"outfall: permit {permit.number} has no outfall {outfall!r} "
                                   f"(it has {', '.join(sorted(known))}; ids are text, 1 is not 001)")
    with audit_context(session, actor_id=actor_id, actor_label=actor_label, reason="instrument registered"):
        instrument = Instrument(name=name[:120], kind=spec.kind, serial_number=_text(spec.serial_number),
                                permit_id=permit.id if permit else None, outfall=outfall,
                                calibration_interval_days=interval, active=True)
        session.add(instrument)
        session.flush()
    return instrument


def _instrument(session: Session, instrument_id: int) -> Instrument:
    instrument = session.get(Instrument, instrument_id)
    if instrument is None:
        raise CalibrationError(f"instrument {instrument_id}: not found")
    return instrument


def _zone(session: Session, instrument: Instrument) -> ZoneInfo:
    permit = session.get(Permit, instrument.permit_id) if instrument.permit_id else None
    return ZoneInfo(permit.facility.timezone if permit else "UTC")


def record_calibration(session: Session, record: CalibrationRecord, *, now: datetime, store: Path,
                       max_bytes: int = DEFAULT_MAX_BYTES, actor_id: int | None = None,
                       actor_label: str | None = None) -> CalibrationEntry:
    """One calibration or check, with its certificate when one is given. A failure is recorded like a pass:
    the log must show it (and the page then offers to report the monitoring-equipment failure)."""
    instrument = _instrument(session, record.instrument_id)
    if not isinstance(record.performed_at, datetime) or record.performed_at.utcoffset() is None:
        raise CalibrationError("performed_at: a date and time with its time zone is needed")
    if record.performed_at > now + CLOCK_GRACE:
        raise CalibrationError("performed_at: a calibration cannot be recorded before it is done (it is in the future)")
    technician = _text(record.technician)
    if technician is None:
        raise CalibrationError("technician: say who calibrated the instrument")
    if not isinstance(record.passed, bool):
        raise CalibrationError("passed: say whether the calibration passed or failed")
    document_id = None
    if record.certificate_data:
        # Checked last, so a refused entry never leaves a certificate in the store for nothing.
        permit = session.get(Permit, instrument.permit_id) if instrument.permit_id else None
        local_day = record.performed_at.astimezone(_zone(session, instrument)).date()
        try:
            document = store_document(session, DocumentUpload(
                data=record.certificate_data, filename=record.certificate_name or "certificate",
                kind="calibration_certificate", title=f"Calibration certificate: {instrument.name}",
                document_date=local_day, permit_number=permit.number if permit else None,
                outfall=instrument.outfall), store=store, max_bytes=max_bytes, actor_id=actor_id,
                actor_label=actor_label)
        except DocumentError as error:
            raise CalibrationError(f"certificate: {error}") from None
        document_id = document.id
    verdict = "passed" if record.passed else "FAILED"
    with audit_context(session, actor_id=actor_id, actor_label=actor_label,
                       reason=f"calibration of {instrument.name} recorded ({verdict})"):
        entry = CalibrationEntry(instrument_id=instrument.id, performed_at=record.performed_at,
                                 standards=_text(record.standards), readings=_text(record.readings),
                                 passed=record.passed, technician=technician[:120], notes=_text(record.notes),
                                 document_id=document_id, entered_by_id=actor_id)
        session.add(entry)
        session.flush()
    return entry


def set_instrument_in_service(session: Session, instrument_id: int, in_service: bool, *, reason: str,
                              actor_id: int | None = None, actor_label: str | None = None) -> Instrument:
    """Take an instrument out of service (or put it back); the audit trail keeps when and why."""
    instrument = _instrument(session, instrument_id)
    reason = _text(reason)
    if reason is None:
        raise CalibrationError("reason: say why (e.g. \"flow meter display blank, sensor fault\")")
    if instrument.active == in_service:
        raise CalibrationError(f"{instrument.name} is already {'in' if in_service else 'out of'} service")
    with audit_context(session, actor_id=actor_id, actor_label=actor_label, reason=reason):
        instrument.active = in_service
        session.flush()
    return instrument


def out_of_service_since(session: Session, instrument: Instrument) -> datetime | None:
    """When the instrument was last taken out of service, read from the audit trail (None if it is in service)."""
    if instrument.active:
        return None
    entries = session.scalars(select(AuditEntry).where(AuditEntry.entity == Instrument.__tablename__,
                                                       AuditEntry.entity_id == str(instrument.id))
                              .order_by(AuditEntry.seq.desc()))
    for entry in entries:
        if (entry.after or {}).get("active") is False and (entry.before or {}).get("active", True) is not False:
            return entry.at
    return instrument.created_at  # registered out of service: that is the earliest it was known


def reported_failure(session: Session, instrument: Instrument, discovered_at: datetime) -> NoncomplianceEvent | None:
    """The equipment-failure event already reported for this instrument at this moment, if any."""
    if instrument.permit_id is None:
        return None
    return session.scalar(select(NoncomplianceEvent).where(
        NoncomplianceEvent.permit_id == instrument.permit_id, NoncomplianceEvent.kind == EQUIPMENT_FAILURE,
        NoncomplianceEvent.discovered_at == discovered_at,
        (NoncomplianceEvent.outfall == instrument.outfall) if instrument.outfall is not None
        else NoncomplianceEvent.outfall.is_(None)).order_by(NoncomplianceEvent.id).limit(1))


def failure_moment(session: Session, instrument: Instrument, calibration_id: int | None) -> tuple[datetime, str]:
    """(discovered_at, what happened) of a reportable failure: a failed calibration, or a flow meter out of service."""
    if calibration_id is not None:
        entry = session.get(CalibrationEntry, calibration_id)
        if entry is None or entry.instrument_id != instrument.id:
            raise CalibrationError(f"calibration {calibration_id}: not a calibration of {instrument.name}")
        if entry.passed:
            raise CalibrationError(f"calibration {calibration_id} passed; there is no failure to report")
        what = f"{instrument.name} failed calibration (technician {entry.technician}"
        what += f"; readings: {entry.readings})" if entry.readings else ")"
        return entry.performed_at, what
    if instrument.kind != "flow_meter" or instrument.active:
        raise CalibrationError(f"{instrument.name}: only a failed calibration or a flow meter out of service is "
                               "reported from here; use Obligations → report an event for anything else")
    return out_of_service_since(session, instrument), f"flow meter {instrument.name} taken out of service"


def report_equipment_failure(session: Session, instrument_id: int, *, calibration_id: int | None = None,
                             actor_id: int | None = None, actor_label: str | None = None,
                             ) -> tuple[NoncomplianceEvent, list[NotificationObligation]]:
    """report_event(kind monitoring_equipment_failure) for the instrument's permit and outfall, discovered when
    the calibration failed (or the flow meter went out of service). Reporting the same failure twice is refused."""
    instrument = _instrument(session, instrument_id)
    if instrument.permit_id is None:
        raise CalibrationError(f"{instrument.name} is not tied to a permit, so the failure has no permit to be "
                               "reported under; report it from Obligations → report an event")
    discovered_at, what = failure_moment(session, instrument, calibration_id)
    already = reported_failure(session, instrument, discovered_at)
    if already is not None:
        raise CalibrationError(f"this failure was already reported as event {already.id}")
    permit = session.get(Permit, instrument.permit_id)
    serial = f", serial {instrument.serial_number}" if instrument.serial_number else ""
    try:
        return report_event(session, EventReport(
            permit=permit.number, kind=EQUIPMENT_FAILURE, discovered_at=discovered_at, outfall=instrument.outfall,
            description=f"{what}. Instrument: {instrument.kind.replace('_', ' ')}{serial}."),
            actor_id=actor_id, actor_label=actor_label)
    except EventError as error:
        raise CalibrationError(str(error)) from None


@dataclass(frozen=True)
class InstrumentStanding:
    instrument: Instrument
    standing: CalibrationStanding
    last_entry: CalibrationEntry | None


def instrument_standings(session: Session, now: datetime, *, active_only: bool = False) -> list[InstrumentStanding]:
    """Every instrument with its next due time and status, the ones needing calibration first."""
    query = select(Instrument).order_by(Instrument.name)
    if active_only:
        query = query.where(Instrument.active.is_(True))
    instruments = list(session.scalars(query))
    entries: dict[int, list[CalibrationEntry]] = {}
    for entry in session.scalars(select(CalibrationEntry).where(
            CalibrationEntry.instrument_id.in_([i.id for i in instruments])).order_by(CalibrationEntry.performed_at)):
        entries.setdefault(entry.instrument_id, []).append(entry)
    rows = []
    for instrument in instruments:
        history = entries.get(instrument.id, [])
        standing = calibration_standing([CalibrationCheck(e.performed_at, e.passed) for e in history],
                                        instrument.calibration_interval_days, now)
        rows.append(InstrumentStanding(instrument, standing, history[-1] if history else None))
    # Those needing calibration first, never calibrated and the most overdue at the top; then by next due time.
    never = datetime.min.replace(tzinfo=timezone.utc)
    return sorted(rows, key=lambda r: (not needs_calibration(r.standing), r.standing.next_due or never,
                                       r.instrument.name))


def overdue_instruments(session: Session, now: datetime) -> list[InstrumentStanding]:
    """Instruments in service whose calibration is overdue, failed or never done."""
    return [r for r in instrument_standings(session, now, active_only=True) if needs_calibration(r.standing)]
