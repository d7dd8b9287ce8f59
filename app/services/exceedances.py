"""Re-evaluates a parameter's months after a result changes: exceedances found, updated or withdrawn."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.dmr_values import dmr_measurement_window
from app.domain.exceedance_findings import Finding, find_exceedances, is_ph_parameter
from app.domain.obligations import EXCEEDANCE, NoncomplianceFact
from app.domain.periods import MonitoringPeriod, parse_period
from app.models.compliance import ACTIVE, WITHDRAWN, Exceedance
from app.models.permit import MonitoredParameter, Permit, PermitVersion
from app.services.audit import audit_context
from app.services.evaluation_scope import (
    evaluation_targets,
    evaluation_window,
    month_of,
    months_reading,
    stored_exceedances,
    version_rules,
    versions_in,
)
from app.services.monitoring_data import ResultsWindow, measurements_for, parameter_definition
from app.services.notification_obligations import sync_obligations, withdraw_obligations


@dataclass
class EvaluationSummary:
    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    withdrawn: list[int] = field(default_factory=list)


def months_touched(day: date) -> list[MonitoringPeriod]:
    """The month of `day` and both neighbours, whatever the permit's weeks: a superset of
    months_reading, kept for callers that have no permit at hand."""
    this = month_of(day)
    return [month_of(this.start - timedelta(days=1)), this, month_of(this.end + timedelta(days=1))]


def _matching_parameter(version: PermitVersion, outfall: str, code: str, location: str) -> list[MonitoredParameter]:
    return [p for o in version.outfalls if o.feature_id == outfall
            for p in o.parameters if p.code == code and p.monitoring_location == location]


def _fact(finding: Finding, parameter: MonitoredParameter, version: PermitVersion, aware_at) -> NoncomplianceFact:
    return NoncomplianceFact(kind=EXCEEDANCE, aware_at=aware_at, statistical_base=finding.statistical_base,
                             value=Decimal(finding.value), limit=Decimal(finding.limit),
                             parameter_code=parameter.code,
                             listed_24h=parameter.code in (version.listed_24h_parameters or []),
                             is_ph=is_ph_parameter(parameter_definition(parameter)))


def _findings_for_month(session: Session, permit: Permit, outfall: str, code: str, location: str,
                        month: MonitoringPeriod, window: ResultsWindow | None) -> dict[tuple[int, str], tuple]:
    found = {}
    for version, first_day, last_day in versions_in(permit, month):
        rules = version_rules(version)
        window_first, window_last = dmr_measurement_window(month, rules)
        for parameter in _matching_parameter(version, outfall, code, location):
            results, flows, influent, received = measurements_for(
                session, permit.id, parameter, window_first, window_last, window=window)
            columns = {c.slot: c for c in parameter.columns}
            for finding in find_exceedances(parameter_definition(parameter), results, month, rules,
                                            flows=flows, influent=influent):
                # A version judges only its own days; a whole-month statistic belongs to the last one,
                # and a straddling week to the version of its first day inside this month.
                day = (finding.last_day if finding.evaluation_key.startswith("period:")
                       else min(max(finding.first_day, month.start), month.end))
                if not (first_day <= day <= last_day) and not (
                        finding.evaluation_key.startswith("period:") and last_day == month.end):
                    continue
                times = [received[s] for s in finding.sample_ids if s in received]
                if not times:
                    continue
                # RULES.md 5.1: awareness is the receipt of the result; for an average, of the last
                # result of its averaging period.
                found[(columns[finding.slot].id, finding.evaluation_key)] = (
                    finding, parameter, version, max(times))
    return found


def evaluate_parameter_month(session: Session, permit: Permit, outfall: str, code: str, location: str,
                             month: MonitoringPeriod, *, reason: str,
                             summary: EvaluationSummary | None = None, window: ResultsWindow | None = None,
                             stored: list[Exceedance] | None = None) -> EvaluationSummary:
    """Bring the stored exceedances of one parameter and month in line with its current results.

    `window` (results already read) and `stored` (this parameter-month's exceedances already read)
    let a batch of evaluations share one read each; without them this reads its own.
    """
    summary = summary or EvaluationSummary()
    zone = permit.facility.timezone
    found = _findings_for_month(session, permit, outfall, code, location, month, window)
    if stored is None:
        stored = list(session.scalars(select(Exceedance).where(
            Exceedance.permit_id == permit.id, Exceedance.outfall == outfall, Exceedance.parameter_code == code,
            Exceedance.monitoring_location == location, Exceedance.evaluation_month == month.label)
            .order_by(Exceedance.id)))
    stored = {(e.limit_column_id, e.evaluation_key): e for e in stored}
    with audit_context(session, reason=reason):
        # Withdrawals first: a withdrawn column's obligations may pass to a column of the same day
        # that still exceeds, which the loop below then brings up to date.
        for key, exceedance in stored.items():
            if key in found or exceedance.status != ACTIVE:
                continue
            exceedance.status = WITHDRAWN
            exceedance.status_reason = f"{reason}: no longer exceeds the limit"
            session.flush()
            withdraw_obligations(session, exceedance, exceedance.status_reason)
            summary.withdrawn.append(exceedance.id)
        for key, (finding, parameter, version, aware_at) in found.items():
            exceedance = stored.get(key)
            fields = dict(value=finding.value, qualifier=finding.qualifier, limit_text=finding.limit,
                          unit=finding.unit, sample_ids=list(finding.sample_ids), aware_at=aware_at,
                          first_day=finding.first_day, last_day=finding.last_day)
            if exceedance is None:
                exceedance = Exceedance(permit_id=permit.id, limit_column_id=key[0], outfall=outfall,
                                        parameter_code=code, monitoring_location=location, slot=finding.slot,
                                        statistical_base=finding.statistical_base, evaluation_key=key[1],
                                        evaluation_month=month.label, status=ACTIVE, **fields)
                session.add(exceedance)
                session.flush()
                summary.created.append(exceedance.id)
            elif exceedance.status != ACTIVE or any(getattr(exceedance, n) != v for n, v in fields.items()):
                for name, value in fields.items():
                    setattr(exceedance, name, value)
                exceedance.status, exceedance.status_reason = ACTIVE, None
                session.flush()
                summary.updated.append(exceedance.id)
            sync_obligations(session, exceedance, _fact(finding, parameter, version, aware_at),
                             version.rule_pack, version_rules(version), zone, reason=reason)
    return summary


def evaluate_outfall(session: Session, permit: Permit, outfall: str, turns: Iterable[tuple[str, str, str]], *,
                     reason: str, summary: EvaluationSummary | None = None) -> EvaluationSummary:
    """Evaluate these (code, location, month label) of one outfall, in the order given.

    Every turn is judged from one read of their results and one of their stored exceedances;
    evaluations write only exceedances and obligations, so the read stays current.
    """
    summary = summary if summary is not None else EvaluationSummary()
    turns = list(turns)
    targets = sorted({(code, location) for code, location, _ in turns})
    months = [parse_period(label) for label in sorted({label for _, _, label in turns})]
    window = evaluation_window(session, permit, outfall, targets, months)
    stored = stored_exceedances(session, permit, outfall, targets, months)
    for code, location, label in turns:
        evaluate_parameter_month(session, permit, outfall, code, location, parse_period(label),
                                 reason=reason, summary=summary, window=window,
                                 stored=stored.get((code, location, label), []))
    return summary


def evaluate_months(session: Session, permit: Permit, outfall: str, code: str, location: str,
                    months: Iterable[MonitoringPeriod], *, reason: str,
                    summary: EvaluationSummary | None = None) -> EvaluationSummary:
    """Re-evaluate these months of the parameter and of every parameter a change of it can move."""
    labels = sorted({m.label for m in months})
    return evaluate_outfall(session, permit, outfall,
                            [(target_code, target_location, label)
                             for target_code, target_location in evaluation_targets(permit, outfall, code, location)
                             for label in labels], reason=reason, summary=summary)


def evaluate_around(session: Session, permit: Permit, outfall: str, code: str, location: str,
                    days: list[date], *, reason: str) -> EvaluationSummary:
    """Re-evaluate every month whose findings a change on these days can move (months_reading)."""
    return evaluate_months(session, permit, outfall, code, location,
                           [m for day in days for m in months_reading(permit, day)], reason=reason)
