"""What a changed result can move: the months that read its day, the parameters that read it, and one read for them.

Evaluating a month is a pure function of the results whose sample day falls in that month's DMR
measurement window (the month plus its straddling weeks, CALC-03), of the permit versions that govern
the month, and of the stored exceedances of that month. So a result of day D can change only the
findings of the months whose window holds D, and only of the parameters whose calculation reads it:
its own; for a flow, those with a mass column (CALC-07) or, under `calc.average_method` flow_weighted,
every flow-weighted average; for an influent result, the percent removals of its code (CALC-09).
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.dmr_values import dmr_measurement_window
from app.domain.mass_loading import FLOW_PARAMETER_CODE
from app.domain.periods import MonitoringPeriod, parse_period
from app.domain.rules_config import rule
from app.models.compliance import Exceedance
from app.models.permit import MonitoredParameter, Permit, PermitVersion
from app.services.monitoring_data import INFLUENT_LOCATION, ResultsWindow, rules_of


_RULES: WeakKeyDictionary = WeakKeyDictionary()


def version_rules(version: PermitVersion) -> dict[str, Any]:
    """rules_of(version), computed once per version and rules value: effective_rules deep-copies the
    defaults on each call, and one recorded result asks a dozen times. Shared: read it, never change it."""
    fingerprint = json.dumps(version.rules or {}, sort_keys=True, default=str)
    cached = _RULES.get(version)
    if cached is None or cached[0] != fingerprint:
        cached = _RULES[version] = (fingerprint, rules_of(version))
    return cached[1]


def month_of(day: date) -> MonitoringPeriod:
    return parse_period(f"{day.year:04d}-{day.month:02d}")


def versions_in(permit: Permit, month: MonitoringPeriod) -> list[tuple[PermitVersion, date, date]]:
    """Each version governing some days of the month, with those days (newest effective version wins)."""
    spans = []
    for version in permit.versions:
        if version.effective > month.end:
            continue
        successors = [v.effective for v in permit.versions
                      if v.version > version.version and v.effective <= month.end]
        last = min([month.end] + [s - timedelta(days=1) for s in successors])
        first = max(month.start, version.effective)
        if first <= last:
            spans.append((version, first, last))
    return spans


def measurement_windows(permit: Permit, month: MonitoringPeriod) -> list[tuple[date, date]]:
    """The days whose results the month's evaluation reads, once per governing version's rules."""
    return [dmr_measurement_window(month, version_rules(version)) for version, _, _ in versions_in(permit, month)]


def months_reading(permit: Permit, day: date) -> list[MonitoringPeriod]:
    """The months whose evaluation reads results of `day`: its own month always, and a neighbouring
    month only when the day lies in a straddling week that the neighbour reports (CALC-03)."""
    this = month_of(day)
    neighbours = [month_of(this.start - timedelta(days=1)), month_of(this.end + timedelta(days=1))]
    reading = [m for m in neighbours
               if any(first <= day <= last for first, last in measurement_windows(permit, m))]
    return sorted([this] + reading, key=lambda m: m.start)


def _reads_flow(parameter: MonitoredParameter, flow_weighted: bool) -> bool:
    if any(c.derived == "mass" for c in parameter.columns):
        return True  # CALC-07: a daily mass is the concentration times that day's flow
    # CALC-02 flow_weighted: a concentration's monthly average is weighted by the daily flows; flow
    # itself is always averaged plainly (CALC-08), so it never reads the other flows.
    return flow_weighted and parameter.code != FLOW_PARAMETER_CODE


def _reads_influent(parameter: MonitoredParameter, code: str) -> bool:
    return parameter.code == code and any(c.statistical_base == "percent_removal" for c in parameter.columns)


def evaluation_targets(permit: Permit, outfall: str, code: str, location: str) -> list[tuple[str, str]]:
    """The (code, location) parameters whose findings a result of this one can move: itself; for a
    flow, every parameter of the outfall that reads flow; for an influent result, the percent removals
    of the same code at the outfall."""
    targets = {(code, location)}
    if code != FLOW_PARAMETER_CODE and location != INFLUENT_LOCATION:
        # Most results move only their own findings; reading every version's parameters to find that
        # out cost a recorded result two queries per older version.
        return sorted(targets)
    for version in permit.versions:
        flow_weighted = rule(version_rules(version), "calc.average_method") == "flow_weighted"
        for o in version.outfalls:
            if o.feature_id != outfall:
                continue
            for p in o.parameters:
                if (code == FLOW_PARAMETER_CODE and _reads_flow(p, flow_weighted)) or (
                        location == INFLUENT_LOCATION and _reads_influent(p, code)):
                    targets.add((p.code, p.monitoring_location))
    return sorted(targets)


def evaluation_window(session: Session, permit: Permit, outfall: str, targets: Iterable[tuple[str, str]],
                      months: Iterable[MonitoringPeriod]) -> ResultsWindow | None:
    """One read of every result the evaluation of these targets and months needs (their own codes at
    every location, which holds the influent, and the outfall's flow)."""
    spans = [span for month in months for span in measurement_windows(permit, month)]
    if not spans:
        return None
    codes = {code for code, _ in targets} | {FLOW_PARAMETER_CODE}
    return ResultsWindow(session, permit.id, min(f for f, _ in spans), max(last for _, last in spans),
                         outfall=outfall, codes=codes)


def stored_exceedances(session: Session, permit: Permit, outfall: str, targets: Iterable[tuple[str, str]],
                       months: Iterable[MonitoringPeriod]) -> dict[tuple[str, str, str], list[Exceedance]]:
    """The stored exceedances of these targets and months, by (code, location, month), in one query."""
    targets, labels = set(targets), sorted({m.label for m in months})
    found: dict[tuple[str, str, str], list[Exceedance]] = {}
    if not targets or not labels:
        return found
    for exceedance in session.scalars(select(Exceedance).where(
            Exceedance.permit_id == permit.id, Exceedance.outfall == outfall,
            Exceedance.parameter_code.in_(sorted({c for c, _ in targets})),
            Exceedance.evaluation_month.in_(labels)).order_by(Exceedance.id)):
        if (exceedance.parameter_code, exceedance.monitoring_location) in targets:
            key = (exceedance.parameter_code, exceedance.monitoring_location, exceedance.evaluation_month)
            found.setdefault(key, []).append(exceedance)
    return found
