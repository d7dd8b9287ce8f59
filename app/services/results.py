"""record_result: store one lab result (or its correction) and evaluate it against the permit at once."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.result_fields import ResultFieldError, ResultFields, parse_result_fields
from app.models.monitoring import Result, ResultRevision
from app.models.permit import MonitoredParameter, Permit
from app.services.audit import audit_context
from app.services.exceedances import EvaluationSummary, evaluate_around
from app.services.permits import permit_version_on

IMPORTED, UNCHANGED, REVISED = "imported", "unchanged", "revised"


class ResultConflict(ValueError):
    """The same sample and parameter with other values, and no correction reason or no named user."""


@dataclass(frozen=True)
class RecordOutcome:
    status: str  # imported | unchanged | revised
    result_id: int
    revision: int
    evaluation: EvaluationSummary | None


def _permit(session: Session, raw: Mapping[str, Any]) -> Permit:
    number = str(raw.get("permit") or "").strip()
    permit = session.scalar(select(Permit).where(Permit.number == number)) if number else None
    if permit is None:
        raise ResultFieldError("permit", f"no permit numbered {number!r}; import the permit first")
    return permit


def _monitored_parameter(permit: Permit, fields: ResultFields) -> MonitoredParameter:
    version = permit_version_on(permit, fields.sample_date)
    if version is None:
        raise ResultFieldError("sampled_at", f"{fields.sample_date.isoformat()} is before permit {permit.number} "
                                             "took effect")
    outfalls = [o for o in version.outfalls if o.feature_id == fields.outfall]
    if not outfalls:
        known = ", ".join(o.feature_id for o in version.outfalls)
        raise ResultFieldError("outfall", f"permit {permit.number} version {version.version} has no outfall "
                                          f"{fields.outfall!r} (it has {known}; ids are text, 1 is not 001)")
    candidates = [p for p in outfalls[0].parameters if p.code == fields.parameter_code]
    if fields.monitoring_location is not None:
        candidates = [p for p in candidates if p.monitoring_location == fields.monitoring_location]
    if not candidates:
        raise ResultFieldError("parameter_code", f"outfall {fields.outfall} does not monitor "
                                                 f"{fields.parameter_code}"
                               + (f" at location {fields.monitoring_location}" if fields.monitoring_location else ""))
    if len({p.monitoring_location for p in candidates}) > 1:
        raise ResultFieldError("monitoring_location", f"{fields.parameter_code} is monitored at several locations "
                               f"({', '.join(sorted({p.monitoring_location for p in candidates}))}); name one")
    return candidates[0]


def _same(revision: ResultRevision, fields: ResultFields) -> bool:
    return all(getattr(revision, name) == value for name, value in fields.stored_values().items())


def record_result(session: Session, raw: Mapping[str, Any], *, now: datetime, actor_id: int | None = None,
                  actor_label: str | None = None, evaluate: bool = True) -> RecordOutcome:
    """Store one result row (CONTRACTS.md section 4) and re-evaluate the months it touches.

    The same sample id and parameter with the same values stores nothing. Different values are a
    correction: a new revision, allowed only with a named user and a `correction_reason`.
    """
    permit = _permit(session, raw)
    fields = parse_result_fields(raw, permit.facility.timezone)
    parameter = _monitored_parameter(permit, fields)
    location = parameter.monitoring_location
    result = session.scalar(select(Result).where(Result.permit_id == permit.id, Result.sample_id == fields.sample_id,
                                                 Result.parameter_code == fields.parameter_code))
    received_at = fields.received_at or now
    days = [fields.sample_date]
    with audit_context(session, actor_id=actor_id, actor_label=actor_label,
                       reason=fields.correction_reason or "result recorded"):
        if result is None:
            result = Result(permit_id=permit.id, outfall=fields.outfall, parameter_code=fields.parameter_code,
                            monitoring_location=location, sample_id=fields.sample_id, current_revision=1)
            session.add(result)
            session.flush()
            number, status = 1, IMPORTED
        else:
            current = result.current
            if _same(current, fields) and (result.outfall, result.monitoring_location) == (fields.outfall, location):
                return RecordOutcome(UNCHANGED, result.id, current.revision, None)
            if (result.outfall, result.monitoring_location) != (fields.outfall, location):
                raise ResultConflict(f"sample {fields.sample_id} {fields.parameter_code}: already stored for outfall "
                                     f"{result.outfall} location {result.monitoring_location}")
            if actor_id is None or not fields.correction_reason:
                raise ResultConflict(f"sample {fields.sample_id} {fields.parameter_code}: already stored with other "
                                     "values; a correction needs a named user and a correction_reason")
            days.append(current.sample_date)
            number, status = current.revision + 1, REVISED
        session.add(ResultRevision(result_id=result.id, revision=number, received_at=received_at,
                                   reason=fields.correction_reason if status == REVISED else None,
                                   entered_by_id=actor_id, **fields.stored_values()))
        result.current_revision = number
        session.flush()
        session.expire(result, ["revisions"])
    evaluation = None
    if evaluate:
        why = (f"result {fields.sample_id} {fields.parameter_code} corrected: {fields.correction_reason}"
               if status == REVISED else f"result {fields.sample_id} {fields.parameter_code} recorded")
        evaluation = evaluate_around(session, permit, fields.outfall, fields.parameter_code, location,
                                     sorted(set(days)), reason=why)
    return RecordOutcome(status, result.id, number, evaluation)
