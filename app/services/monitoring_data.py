"""Stored permits and results as the pure domain's shapes: parameter definitions and measurements."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.dmr_columns import ColumnDefinition, ParameterDefinition
from app.domain.mass_loading import FLOW_PARAMETER_CODE
from app.domain.measurements import Measurement
from app.domain.rules_config import effective_rules
from app.domain.sample_rules import check_holding_time
from app.domain.units import UnitError, convert
from app.models.monitoring import Result, ResultRevision
from app.models.permit import MonitoredParameter, PermitVersion

INFLUENT_LOCATION = "G"


def parameter_definition(parameter: MonitoredParameter) -> ParameterDefinition:
    columns = tuple(ColumnDefinition(c.slot, c.statistical_base, c.limit_text, c.unit, c.derived,
                                     c.effective, c.expires) for c in parameter.columns)
    return ParameterDefinition(parameter.code, parameter.frequency, parameter.sample_type, columns,
                               parameter.conditional)


def rules_of(version: PermitVersion) -> dict[str, Any]:
    return effective_rules(version.rules or {})


def concentration_unit(parameter: MonitoredParameter) -> str | None:
    """The unit results are compared in: that of the parameter's measured (not derived) columns."""
    for column in parameter.columns:
        if column.derived is None:
            return column.unit
    return None


def _decimal(text: str | None) -> Decimal | None:
    return None if text in (None, "") else Decimal(text)


def measurement_of(result: Result, revision: ResultRevision, target_unit: str | None) -> Measurement:
    """A stored revision as a Measurement, converted to the limit's unit (CONTRACTS.md section 4)."""
    value, mdl, rl = _decimal(revision.value), _decimal(revision.mdl), _decimal(revision.rl)
    unit = revision.unit
    if target_unit and unit != target_unit:
        try:
            value = convert(value, unit, target_unit)
            mdl = None if mdl is None else convert(mdl, unit, target_unit)
            rl = None if rl is None else convert(rl, unit, target_unit)
            unit = target_unit
        except UnitError:
            pass  # left in its own unit: the calculation then flags the mix of units
    holding = None
    if revision.sampled_at is not None and revision.analyzed_at is not None:
        try:
            holding = check_holding_time(result.parameter_code, sampled_at=revision.sampled_at,
                                         analyzed_at=revision.analyzed_at, sample_type=revision.sample_type,
                                         composite_end=result.sample.composite_end if result.sample else None)
        except ValueError:
            holding = None  # impossible times are refused at entry; an old row is not judged twice
    return Measurement(value=value, sample_date=revision.sample_date, unit=unit, qualifier=revision.qualifier,
                       mdl=mdl, rl=rl, sampled_at=revision.sampled_at, sample_type=revision.sample_type,
                       sample_id=result.sample_id, parameter_code=result.parameter_code,
                       estimated=bool(revision.estimated),
                       holding_time_exceeded=bool(holding and holding.exceeded))


def current_results(session: Session, permit_id: int, outfall: str, parameter_code: str,
                    monitoring_location: str | None, first: date, last: date) -> list[tuple[Result, ResultRevision]]:
    """The revisions in force for one parameter whose sample day falls in first..last."""
    query = (select(Result, ResultRevision)
             .join(ResultRevision, (ResultRevision.result_id == Result.id)
                   & (ResultRevision.revision == Result.current_revision))
             .where(Result.permit_id == permit_id, Result.outfall == outfall,
                    Result.parameter_code == parameter_code,
                    ResultRevision.sample_date >= first, ResultRevision.sample_date <= last)
             .order_by(ResultRevision.sample_date, ResultRevision.sampled_at, Result.sample_id))
    if monitoring_location is not None:
        query = query.where(Result.monitoring_location == monitoring_location)
    return [(row[0], row[1]) for row in session.execute(query)]


def measurements_for(session: Session, permit_id: int, parameter: MonitoredParameter, first: date,
                     last: date) -> tuple[list[Measurement], list[Measurement], list[Measurement], dict[str, Any]]:
    """(results, flows, influent, received_at by sample id) of one parameter for first..last."""
    outfall = parameter.outfall.feature_id
    unit = concentration_unit(parameter)
    rows = current_results(session, permit_id, outfall, parameter.code, parameter.monitoring_location, first, last)
    flow_rows = current_results(session, permit_id, outfall, FLOW_PARAMETER_CODE, None, first, last)
    influent_rows = current_results(session, permit_id, outfall, parameter.code, INFLUENT_LOCATION, first, last)
    # When each result reached the facility: the clock start of any notice it leads to (RULES.md 5.1).
    received = {r.sample_id: v.received_at for r, v in flow_rows + influent_rows + rows}
    return ([measurement_of(r, v, unit) for r, v in rows], [measurement_of(r, v, None) for r, v in flow_rows],
            [measurement_of(r, v, unit) for r, v in influent_rows], received)
