"""Stored permits and results as the pure domain's shapes: parameter definitions and measurements."""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, contains_eager

from app.domain.dmr_columns import ColumnDefinition, ParameterDefinition
from app.domain.mass_loading import FLOW_PARAMETER_CODE
from app.domain.measurements import Measurement
from app.domain.rules_config import effective_rules
from app.domain.sample_rules import check_holding_time
from app.domain.units import UnitError, convert
from app.models.monitoring import Result, ResultRevision, Sample
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


def _current_query(permit_id: int, first: date, last: date):
    # The sample is loaded with its result: the holding-time check reads composite_end for each one.
    return (select(Result, ResultRevision)
            .join(ResultRevision, (ResultRevision.result_id == Result.id)
                  & (ResultRevision.revision == Result.current_revision))
            .join(Sample, Sample.id == Result.sample_pk).options(contains_eager(Result.sample))
            .where(Result.permit_id == permit_id, ResultRevision.sample_date >= first,
                   ResultRevision.sample_date <= last)
            .order_by(ResultRevision.sample_date, ResultRevision.sampled_at, Result.sample_id))


class ResultsWindow:
    """Every result in force of one permit whose sample day is in first..last, read in one query.

    A report asks for each parameter, its flow and its influent in turn; one query for the whole
    permit instead of three per parameter keeps the report of a large permit fast.
    """

    def __init__(self, session: Session, permit_id: int, first: date, last: date):
        self.permit_id, self.first, self.last = permit_id, first, last
        self._rows: dict[tuple[str, str], list[tuple[Result, ResultRevision]]] = defaultdict(list)
        for result, revision in session.execute(_current_query(permit_id, first, last)):
            self._rows[(result.outfall, result.parameter_code)].append((result, revision))

    def covers(self, permit_id: int, first: date, last: date) -> bool:
        return permit_id == self.permit_id and self.first <= first and last <= self.last

    def rows(self, outfall: str, parameter_code: str, monitoring_location: str | None, first: date,
             last: date) -> list[tuple[Result, ResultRevision]]:
        return [(r, v) for r, v in self._rows.get((outfall, parameter_code), ())
                if (monitoring_location is None or r.monitoring_location == monitoring_location)
                and first <= v.sample_date <= last]


def current_results(session: Session, permit_id: int, outfall: str, parameter_code: str,
                    monitoring_location: str | None, first: date, last: date,
                    window: ResultsWindow | None = None) -> list[tuple[Result, ResultRevision]]:
    """The revisions in force for one parameter whose sample day falls in first..last."""
    if window is not None and window.covers(permit_id, first, last):
        return window.rows(outfall, parameter_code, monitoring_location, first, last)
    query = _current_query(permit_id, first, last).where(Result.outfall == outfall,
                                                         Result.parameter_code == parameter_code)
    if monitoring_location is not None:
        query = query.where(Result.monitoring_location == monitoring_location)
    return [(row[0], row[1]) for row in session.execute(query)]


def measurements_for(session: Session, permit_id: int, parameter: MonitoredParameter, first: date, last: date,
                     window: ResultsWindow | None = None
                     ) -> tuple[list[Measurement], list[Measurement], list[Measurement], dict[str, Any]]:
    """(results, flows, influent, received_at by sample id) of one parameter for first..last."""
    outfall = parameter.outfall.feature_id
    unit = concentration_unit(parameter)
    rows = current_results(session, permit_id, outfall, parameter.code, parameter.monitoring_location, first, last,
                           window)
    flow_rows = current_results(session, permit_id, outfall, FLOW_PARAMETER_CODE, None, first, last, window)
    influent_rows = current_results(session, permit_id, outfall, parameter.code, INFLUENT_LOCATION, first, last,
                                    window)
    # When each result reached the facility: the clock start of any notice it leads to (RULES.md 5.1).
    received = {r.sample_id: v.received_at for r, v in flow_rows + influent_rows + rows}
    return ([measurement_of(r, v, unit) for r, v in rows], [measurement_of(r, v, None) for r, v in flow_rows],
            [measurement_of(r, v, unit) for r, v in influent_rows], received)
