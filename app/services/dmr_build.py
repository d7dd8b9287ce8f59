"""build_dmr: one permit's DMR/SMR values for one monitoring period, as CONTRACTS.md section 5; set_nodi."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.dmr_derivation import derivations_of
from app.domain.dmr_values import calculate_parameter, dmr_measurement_window
from app.domain.nodi import NodiError, check_nodi, nodi_flag
from app.domain.periods import MonitoringPeriod, dmr_due_date, parse_period, period_containing
from app.domain.presubmission_checks import presubmission_flags
from app.domain.rules_config import rule
from app.domain.statistics import PhAveragingError
from app.models.facility import Facility
from app.models.monitoring import Result, ResultRevision, Sample
from app.models.permit import LimitColumn, MonitoredParameter, Outfall, Permit, PermitVersion
from app.models.report import NodiDeclaration, SignedReport
from app.services.audit import audit_context
from app.services.monitoring_data import ResultsWindow, measurements_for, parameter_definition, rules_of
from app.services.permit_overview import WITH_LIMIT_COLUMNS, permit_by_number
from app.services.permits import permit_version_on

ACTIVE, SUPERSEDED = "active", "superseded"
# The audited tables a build reads (services.data_version keys memos of builds by their audit head).
# A table added to what build_dmr reads must be added here, or a memo would outlive its change.
DMR_SOURCE_TABLES = frozenset(model.__tablename__ for model in (
    Facility, Permit, PermitVersion, Outfall, MonitoredParameter, LimitColumn, Sample, Result, ResultRevision,
    NodiDeclaration, SignedReport))


class DmrError(ValueError):
    """The report cannot be built as asked; the message names the option and what was expected."""


@dataclass(frozen=True)
class BuiltDmr:
    permit: Permit
    version: PermitVersion
    period: MonitoringPeriod
    document: dict[str, Any]  # CONTRACTS.md section 5


def _permit(session: Session, number: str) -> Permit:
    permit = permit_by_number(session, number)
    if permit is None:
        raise DmrError(f"--permit: no permit numbered {number!r}")
    return permit


def reporting_period(permit: Permit, label: str) -> tuple[PermitVersion, MonitoringPeriod]:
    """The period, checked against the reporting frequency of the version in force at its end."""
    try:
        period = parse_period(label)
    except ValueError as error:
        raise DmrError(f"--period: {error}") from None
    version = permit_version_on(permit, period.end)
    if version is None:
        raise DmrError(f"--period: {label} ends before permit {permit.number} took effect")
    expected = period_containing(period.end, version.reporting_frequency)
    if expected != period:
        raise DmrError(f"--period: permit {permit.number} reports {version.reporting_frequency}; "
                       f"the period ending {period.end.isoformat()} is {expected.label}, not {label}")
    return version, period


def _declarations(session: Session, permit: Permit, period: MonitoringPeriod) -> dict[tuple, NodiDeclaration]:
    rows = session.scalars(select(NodiDeclaration).where(
        NodiDeclaration.permit_id == permit.id, NodiDeclaration.period == period.label,
        NodiDeclaration.status == ACTIVE))
    return {(d.outfall, d.parameter_code, d.monitoring_location): d for d in rows}


def _parameter_entry(session: Session, permit: Permit, outfall: Outfall, parameter, period: MonitoringPeriod,
                     rules: dict, outfall_nodi: str | None, declared: dict,
                     window: ResultsWindow | None = None) -> dict[str, Any]:
    first, last = dmr_measurement_window(period, rules)
    results, flows, influent, _ = measurements_for(session, permit.id, parameter, first, last, window)
    declaration = (declared.get((outfall.feature_id, parameter.code, parameter.monitoring_location))
                   or declared.get((outfall.feature_id, parameter.code, None)))
    code = declaration.code if declaration else None
    definition = parameter_definition(parameter)
    try:
        values, calc = calculate_parameter(definition, results, period, rules, flows=flows, influent=influent,
                                           no_discharge=outfall_nodi == "C",
                                           declared_nodi=None if outfall_nodi == "C" else (outfall_nodi or code))
    except PhAveragingError as error:
        raise DmrError(f"permit {permit.number} outfall {outfall.feature_id} {parameter.code}: {error}") from None
    entry = {"code": parameter.code, "monitoring_location": parameter.monitoring_location, "season": parameter.season,
             **values.as_dict()}
    flag = nodi_flag(outfall_nodi or code) if (outfall_nodi or code) else None
    if flag:
        entry["flags"].append({"code": flag[0], "parameter": parameter.code, "slot": None, "reason": flag[1]})
    # The values' own calculation, handed on: the checks read its working instead of redoing it.
    entry["flags"] += [f.as_dict() for f in presubmission_flags(
        definition, values, results, period, rules, flows=flows, influent=influent,
        nodi=outfall_nodi or code, whole_outfall=outfall_nodi is not None,
        derivations=None if calc is None else derivations_of(calc))]
    entry["violations"] = values.violations
    return entry


def _load_limit_sets(session: Session, version: PermitVersion) -> None:
    session.scalars(select(PermitVersion).where(PermitVersion.id == version.id).options(WITH_LIMIT_COLUMNS)).all()


# Review flag: results of the period entered (or corrected) after its report was last signed.
DATA_AFTER_REVIEW = "DATA_ENTERED_AFTER_REVIEW"


def _entered_after_review(session: Session, permit: Permit, period: MonitoringPeriod,
                          first: date, last: date) -> dict[tuple[str, str], str]:
    """(outfall, parameter code) -> the flag's reason, for revisions entered after the last signature."""
    signed = session.execute(select(SignedReport.revision, SignedReport.signed_at).where(
        SignedReport.permit_id == permit.id, SignedReport.period == period.label)
        .order_by(SignedReport.revision.desc()).limit(1)).first()
    if signed is None:
        return {}
    rows = session.execute(
        select(Result.outfall, Result.parameter_code, func.count(ResultRevision.id))
        .join(ResultRevision, ResultRevision.result_id == Result.id)
        .where(Result.permit_id == permit.id, ResultRevision.sample_date >= first, ResultRevision.sample_date <= last,
               ResultRevision.entered_at > signed.signed_at)
        .group_by(Result.outfall, Result.parameter_code))
    return {(outfall, code): f"{count} result revision(s) of outfall {outfall} entered after revision "
                             f"{signed.revision} was signed ({signed.signed_at.isoformat(timespec='minutes')})"
            for outfall, code, count in rows}


def build_dmr(session: Session, permit_number: str, period_label: str) -> BuiltDmr:
    """Every outfall and parameter of the version in force at the period's end, computed from stored results."""
    permit = _permit(session, permit_number)
    version, period = reporting_period(permit, period_label)
    rules = rules_of(version)
    declared = _declarations(session, permit, period)
    first, last = dmr_measurement_window(period, rules)
    _load_limit_sets(session, version)
    window = ResultsWindow(session, permit.id, first, last)
    after_review = _entered_after_review(session, permit, period, first, last)
    outfalls, violations, flags = [], 0, []
    for outfall in version.outfalls:
        whole = declared.get((outfall.feature_id, None, None))
        outfall_nodi = whole.code if whole else None
        parameters = [_parameter_entry(session, permit, outfall, p, period, rules, outfall_nodi, declared, window)
                      for p in outfall.parameters]
        for entry in parameters:
            reason = after_review.get((outfall.feature_id, entry["code"]))
            if reason:
                entry["flags"].append({"code": DATA_AFTER_REVIEW, "parameter": entry["code"], "slot": None,
                                       "reason": reason})
            violations += entry.pop("violations")
            flags += entry["flags"]
        outfalls.append({"outfall": outfall.feature_id, "limit_set": outfall.limit_set, "nodi": outfall_nodi,
                         "parameters": parameters})
    document = {
        "permit": permit.number, "version": version.version, "program": permit.program,
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat()},
        "due": dmr_due_date(period, version.reporting_due_day).isoformat(),
        "outfalls": outfalls, "violations": violations, "flags": flags,
    }
    return BuiltDmr(permit, version, period, document)


def set_nodi(session: Session, *, permit_number: str, period_label: str, outfall: str, parameter_code: str | None,
             code: str, reason: str, actor_id: int | None = None, actor_label: str | None = None) -> NodiDeclaration:
    """`dmr set-nodi`: declare (or replace) a NODI for an outfall or one of its parameters; audited."""
    permit = _permit(session, permit_number)
    version, period = reporting_period(permit, period_label)
    if not reason or not reason.strip():
        raise DmrError("--reason: say why there is no data (e.g. no discharge all month, sample bottle broke)")
    target = next((o for o in version.outfalls if o.feature_id == outfall), None)
    if target is None:
        raise DmrError(f"--outfall: permit {permit.number} has no outfall {outfall!r} "
                       f"(it has {', '.join(o.feature_id for o in version.outfalls)})")
    if parameter_code is not None and parameter_code not in {p.code for p in target.parameters}:
        raise DmrError(f"--parameter: outfall {outfall} does not monitor {parameter_code}")
    try:
        normalised = check_nodi(code, whole_outfall=parameter_code is None,
                                allow_b=bool(rule(rules_of(version), "nodi.allow_B")))
    except NodiError as error:
        raise DmrError(str(error)) from None
    with audit_context(session, actor_id=actor_id, actor_label=actor_label, reason=reason.strip()):
        for earlier in session.scalars(select(NodiDeclaration).where(
                NodiDeclaration.permit_id == permit.id, NodiDeclaration.period == period.label,
                NodiDeclaration.outfall == outfall, NodiDeclaration.status == ACTIVE,
                NodiDeclaration.parameter_code.is_(None) if parameter_code is None
                else NodiDeclaration.parameter_code == parameter_code)):
            earlier.status = SUPERSEDED
        declaration = NodiDeclaration(permit_id=permit.id, period=period.label, outfall=outfall,
                                      parameter_code=parameter_code, code=normalised, reason=reason.strip(),
                                      status=ACTIVE, declared_by_id=actor_id)
        session.add(declaration)
        session.flush()
    return declaration
