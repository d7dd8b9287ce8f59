"""record_result: store one lab result (or its correction) and evaluate it against the permit at once.

Checking and storing are two steps (plan_result, store_result) so that an import can check every
row of a file before it stores any (CONTRACTS.md section 4: all-or-nothing by default).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.domain.result_fields import ResultFieldError, ResultFields, checked_text, parse_result_fields
from app.models.monitoring import Result, ResultRevision, Sample
from app.models.permit import MonitoredParameter, Permit
from app.models.schedule import CANCELLED, SamplingEvent
from app.services.audit import audit_context
from app.services.exceedances import EvaluationSummary, evaluate_around
from app.services.permit_overview import permit_by_number
from app.services.permits import permit_version_on
from app.services.user_directory import users_by_id, who

IMPORTED, UNCHANGED, REVISED = "imported", "unchanged", "revised"


class ResultConflict(ResultFieldError):
    """The same sample and parameter with other values, and no correction reason or no named user."""


class RevisionConflict(ResultConflict):
    """Someone stored a newer revision after the corrector read the one they meant to correct."""


@dataclass(frozen=True)
class ResultPlan:
    """A checked row: what storing it would do (imported, unchanged or revised)."""

    status: str
    permit: Permit
    parameter: MonitoredParameter
    fields: ResultFields
    result: Result | None
    sample: Sample | None


@dataclass(frozen=True)
class RecordOutcome:
    status: str  # imported | unchanged | revised
    result_id: int
    revision: int
    evaluation: EvaluationSummary | None


def find_permit(session: Session, number: object) -> Permit:
    # Checked before the lookup: PostgreSQL refuses a NUL even in a query parameter.
    text = checked_text(number, "permit") or ""
    permit = permit_by_number(session, text) if text else None
    if permit is None:
        raise ResultFieldError("permit", f"no permit numbered {text!r}; import the permit first")
    return permit


def monitored_parameter(permit: Permit, fields: ResultFields) -> MonitoredParameter:
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


def same_as_revision(revision: ResultRevision, fields: ResultFields) -> bool:
    return all(getattr(revision, name) == value for name, value in fields.stored_values().items())


def check_sample_record(sample: Sample, fields: ResultFields) -> None:
    # The field record is the sample's, not the result's: a row may add what is blank, but changing
    # who collected it or when compositing ran would rewrite a compliance record in place.
    for name, given in fields.sample_record().items():
        stored = getattr(sample, name)
        if given is not None and stored is not None and stored != given:
            shown = stored.isoformat() if hasattr(stored, "isoformat") else stored
            raise ResultConflict(name, f"sample {fields.sample_id} already records {name} {shown!r}; the sample's "
                                       "field record is not changed by a result row")


def _fill_sample_record(sample: Sample, fields: ResultFields) -> None:
    for name, given in fields.sample_record().items():
        if given is not None and getattr(sample, name) is None:
            setattr(sample, name, given)


def _check_expected_revision(session: Session, result: Result, expected: int, zone: str) -> None:
    # Optimistic locking: a correction typed against revision N must not silently replace a revision
    # N+1 that a colleague saved meanwhile; the later corrector reviews it first.
    if result.current_revision == expected:
        return
    newer = result.current
    users = users_by_id(session, {newer.entered_by_id})
    when = newer.entered_at.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M %Z")
    raise RevisionConflict("revision", f"revision {newer.revision} was saved by "
                                       f"{who(users, newer.entered_by_id, 'an import')} at {when} while you were "
                                       f"editing revision {expected}; review it and correct again")


def _claim_next_revision(session: Session, plan: ResultPlan, result: Result) -> int:
    """The next revision number, claimed against a colleague saving a correction at the same instant.

    Both corrections pass the optimistic check (each read revision N before the other saved) and both
    would insert N+1, which the unique (result_id, revision) key refuses with an error page. A
    conditional UPDATE of the result row, current_revision unchanged only if it is still N, settles it
    first and the loser gets the same RevisionConflict as the optimistic check. Chosen over catching
    the IntegrityError in a SAVEPOINT (pysqlite's SAVEPOINT outside an open transaction commits on
    RELEASE) and over SELECT ... FOR UPDATE (SQLite has no row locks, so the race would stay open
    there): the UPDATE takes PostgreSQL's row lock, or SQLite's single write lock, and re-reads the
    committed value once it has it, on both engines alike.
    """
    seen = result.current_revision
    claimed = session.execute(update(Result).where(Result.id == result.id, Result.current_revision == seen)
                              .values(current_revision=Result.current_revision)
                              .execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        session.expire(result)
        _check_expected_revision(session, result, seen, plan.permit.facility.timezone)
        raise RevisionConflict("revision", f"revision {seen} of sample {plan.fields.sample_id} "
                                           f"{plan.fields.parameter_code} changed while it was being corrected; "
                                           "review it and correct again")
    return seen + 1


def plan_result(session: Session, raw: Mapping[str, Any], *, actor_id: int | None = None,
                expected_revision: int | None = None) -> ResultPlan:
    """Check one row against the permit and what is stored; raises ResultFieldError naming the field.

    With `expected_revision` (the revision the user was looking at) a stored result whose revision has
    moved on since is refused with RevisionConflict; None keeps the plain last-writer-wins check.
    """
    permit = find_permit(session, raw.get("permit"))
    fields = parse_result_fields(raw, permit.facility.timezone)
    parameter = monitored_parameter(permit, fields)
    location = parameter.monitoring_location
    sample = session.scalar(select(Sample).where(Sample.permit_id == permit.id,
                                                 Sample.sample_code == fields.sample_id))
    if sample is not None and (sample.outfall, sample.monitoring_location) != (fields.outfall, location):
        raise ResultConflict("sample_id", f"sample {fields.sample_id} was collected at outfall {sample.outfall} "
                                          f"location {sample.monitoring_location}, not {fields.outfall} {location}")
    if sample is not None:
        check_sample_record(sample, fields)
    result = session.scalar(select(Result).where(Result.permit_id == permit.id, Result.sample_id == fields.sample_id,
                                                 Result.parameter_code == fields.parameter_code))
    if result is None:
        return ResultPlan(IMPORTED, permit, parameter, fields, None, sample)
    if expected_revision is not None:
        _check_expected_revision(session, result, expected_revision, permit.facility.timezone)
    if same_as_revision(result.current, fields):
        return ResultPlan(UNCHANGED, permit, parameter, fields, result, sample)
    if actor_id is None or not fields.correction_reason:
        raise ResultConflict("value", f"sample {fields.sample_id} {fields.parameter_code} is already stored with "
                                      f"other values (value {result.current.value}{result.current.unit}); a correction "
                                      "needs a named user and a correction_reason")
    return ResultPlan(REVISED, permit, parameter, fields, result, sample)


def _scheduled_event_id(session: Session, plan: ResultPlan) -> int | None:
    """The planned trip this sample satisfies: same outfall, its parameter due, the day inside its window."""
    day, code = plan.fields.sample_date, plan.fields.parameter_code
    # Sorted here, not by ORDER BY event_date: that ORDER BY made SQLite walk the unique (permit, outfall,
    # event_date, sample_type) index through every trip since the schedule began, instead of the
    # window_end index through the trips still open. The key is that index's order, which SQLite
    # returned trips of one day in (PostgreSQL left it unspecified). Plain columns, not entities:
    # a year of planned trips may come back.
    rows = session.execute(select(SamplingEvent.id, SamplingEvent.event_date, SamplingEvent.sample_type,
                                  SamplingEvent.parameters).where(
        SamplingEvent.permit_id == plan.permit.id, SamplingEvent.outfall == plan.fields.outfall,
        SamplingEvent.status != CANCELLED, SamplingEvent.window_end >= day,
        SamplingEvent.event_date <= day + timedelta(days=366))).all()
    for event_id, _, _, parameters in sorted(rows, key=lambda row: (row.event_date, row.sample_type)):
        for entry in parameters:
            if entry["code"] == code and entry["window_start"] <= day.isoformat() <= entry["window_end"]:
                return event_id
    return None


def store_result(session: Session, plan: ResultPlan, *, now: datetime, actor_id: int | None = None,
                 actor_label: str | None = None) -> tuple[Result, int]:
    """Store a checked row: a new result, or a new revision of it. Returns (result, revision number)."""
    fields, location = plan.fields, plan.parameter.monitoring_location
    if plan.status == UNCHANGED:
        return plan.result, plan.result.current_revision
    with audit_context(session, actor_id=actor_id, actor_label=actor_label,
                       reason=fields.correction_reason or "result recorded"):
        sample = plan.sample or session.scalar(select(Sample).where(
            Sample.permit_id == plan.permit.id, Sample.sample_code == fields.sample_id))
        if sample is None:
            sample = Sample(permit_id=plan.permit.id, sample_code=fields.sample_id, outfall=fields.outfall,
                            monitoring_location=location, sampled_at=fields.sampled_at,
                            sample_date=fields.sample_date, sample_type=fields.sample_type,
                            chain_of_custody=fields.chain_of_custody,
                            sampling_event_id=_scheduled_event_id(session, plan), **fields.sample_record())
            session.add(sample)
            session.flush()
        else:
            _fill_sample_record(sample, fields)
        result = plan.result
        if result is None:
            result = Result(permit_id=plan.permit.id, outfall=fields.outfall, parameter_code=fields.parameter_code,
                            monitoring_location=location, sample_id=fields.sample_id, sample_pk=sample.id,
                            current_revision=1, sample_date=fields.sample_date)
            session.add(result)
            session.flush()
            number = 1
        else:
            number = _claim_next_revision(session, plan, result)
        # entered_at on the caller's clock, the same one a signature is stamped with (DATA_ENTERED_AFTER_REVIEW).
        session.add(ResultRevision(result_id=result.id, revision=number, received_at=fields.received_at or now,
                                   entered_at=now,
                                   reason=fields.correction_reason if number > 1 else None,
                                   entered_by_id=actor_id, **fields.stored_values()))
        # The day moves with the revision in force (a correction may move it): the evaluation's window
        # is bounded by the result's own copy of it (migration 0016_result_sample_day).
        result.current_revision, result.sample_date = number, fields.sample_date
        session.flush()
        session.expire(result, ["revisions"])
    return result, number


def evaluation_days(plan: ResultPlan) -> list:
    """The sample days a stored row can change: its own, and for a correction the day it replaces."""
    days = {plan.fields.sample_date}
    if plan.result is not None and plan.status == REVISED:
        days.add(plan.result.current.sample_date)
    return sorted(days)


def record_result(session: Session, raw: Mapping[str, Any], *, now: datetime, actor_id: int | None = None,
                  actor_label: str | None = None, evaluate: bool = True,
                  expected_revision: int | None = None) -> RecordOutcome:
    """Store one result row (CONTRACTS.md section 4) and re-evaluate the months it touches.

    The same sample id and parameter with the same values stores nothing. Different values are a
    correction: a new revision, allowed only with a named user and a `correction_reason`.
    `expected_revision` is plan_result's optimistic-locking check.
    """
    plan = plan_result(session, raw, actor_id=actor_id, expected_revision=expected_revision)
    if plan.status == UNCHANGED:
        return RecordOutcome(UNCHANGED, plan.result.id, plan.result.current_revision, None)
    days = evaluation_days(plan)
    result, number = store_result(session, plan, now=now, actor_id=actor_id, actor_label=actor_label)
    evaluation = None
    if evaluate:
        fields = plan.fields
        why = (f"result {fields.sample_id} {fields.parameter_code} corrected: {fields.correction_reason}"
               if plan.status == REVISED else f"result {fields.sample_id} {fields.parameter_code} recorded")
        evaluation = evaluate_around(session, plan.permit, fields.outfall, fields.parameter_code,
                                     plan.parameter.monitoring_location, days, reason=why)
    return RecordOutcome(plan.status, result.id, number, evaluation)
