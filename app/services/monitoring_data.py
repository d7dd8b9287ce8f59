"""Stored permits and results as the pure domain's shapes: parameter definitions and measurements."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, contains_eager

from app.domain.dmr_columns import ColumnDefinition, ParameterDefinition
from app.domain.mass_loading import FLOW_PARAMETER_CODE
from app.domain.measurements import Measurement, SharedMeasurements
from app.domain.rules_config import effective_rules
from app.domain.sample_rules import holding_time_exceeded
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


def _measurement(*, value: str, mdl: str | None, rl: str | None, unit: str, target_unit: str | None,
                 sample_date: date, qualifier: str, sampled_at, analyzed_at, sample_type: str | None,
                 composite_end, sample_id: str, parameter_code: str, estimated) -> Measurement:
    number, mdl_number, rl_number = _decimal(value), _decimal(mdl), _decimal(rl)
    if target_unit and unit != target_unit:
        try:
            number = convert(number, unit, target_unit)
            mdl_number = None if mdl_number is None else convert(mdl_number, unit, target_unit)
            rl_number = None if rl_number is None else convert(rl_number, unit, target_unit)
            unit = target_unit
        except UnitError:
            pass  # left in its own unit: the calculation then flags the mix of units
    exceeded = False
    if sampled_at is not None and analyzed_at is not None:
        try:
            exceeded = holding_time_exceeded(parameter_code, sampled_at=sampled_at, analyzed_at=analyzed_at,
                                             sample_type=sample_type, composite_end=composite_end)
        except ValueError:
            exceeded = False  # impossible times are refused at entry; an old row is not judged twice
    return Measurement(value=number, sample_date=sample_date, unit=unit, qualifier=qualifier,
                       mdl=mdl_number, rl=rl_number, sampled_at=sampled_at, sample_type=sample_type,
                       sample_id=sample_id, parameter_code=parameter_code, estimated=bool(estimated),
                       holding_time_exceeded=bool(exceeded))


def measurement_of(result: Result, revision: ResultRevision, target_unit: str | None) -> Measurement:
    """A stored revision as a Measurement, converted to the limit's unit (CONTRACTS.md section 4)."""
    return _measurement(value=revision.value, mdl=revision.mdl, rl=revision.rl, unit=revision.unit,
                        target_unit=target_unit, sample_date=revision.sample_date, qualifier=revision.qualifier,
                        sampled_at=revision.sampled_at, analyzed_at=revision.analyzed_at,
                        sample_type=revision.sample_type,
                        composite_end=result.sample.composite_end if result.sample else None,
                        sample_id=result.sample_id, parameter_code=result.parameter_code,
                        estimated=revision.estimated)


def _in_window(session: Session, permit_id: int, first: date, last: date, outfall: str | None = None,
               codes: frozenset[str] | None = None) -> tuple:
    """The WHERE terms of a window: the permit's results in force on first..last (of one outfall's codes)."""
    if outfall is not None:
        # One outfall's few codes (re-evaluating a recorded result): the result index (permit, outfall,
        # code, sample day) bounds the read by the window itself, not by the codes' ten-year history.
        # Result.sample_date is the day of the revision in force, kept in step by every writer.
        return (Result.permit_id == permit_id, Result.outfall == outfall, Result.parameter_code.in_(sorted(codes)),
                Result.sample_date >= first, Result.sample_date <= last)
    # The whole permit (a DMR): start from the window's revisions (ix_result_revision_sample_date), then
    # each one's result by primary key: the cost then follows the month, not the permit's whole history.
    # SQLite has no statistics to judge by (the app never runs ANALYZE) and always prefers the equality on
    # ix_result_permit_id, which walks every result the permit ever had (2 M after ten years, for a
    # month's 16,500); `permit_id + 0` is SQLite's documented way to keep a term off an index. PostgreSQL
    # plans from statistics and keeps the plain, estimable term (bench/NOTES.md "DMR build after").
    permit_term = Result.permit_id == permit_id
    if session.get_bind().dialect.name == "sqlite":
        permit_term = (Result.permit_id + 0) == permit_id
    return permit_term, ResultRevision.sample_date >= first, ResultRevision.sample_date <= last


def _current_query(session: Session, permit_id: int, first: date, last: date, outfall: str | None = None,
                   codes: frozenset[str] | None = None):
    # The sample is loaded with its result: the holding-time check reads composite_end for each one.
    return (select(Result, ResultRevision)
            .join(ResultRevision, (ResultRevision.result_id == Result.id)
                  & (ResultRevision.revision == Result.current_revision))
            .join(Sample, Sample.id == Result.sample_pk).options(contains_eager(Result.sample))
            .where(*_in_window(session, permit_id, first, last, outfall, codes))
            .order_by(ResultRevision.sample_date, ResultRevision.sampled_at, Result.sample_id))


# What a Measurement (and a notice's clock start) needs of a result in force: plain columns, no ORM
# identity. Building 16,500 Result/ResultRevision/Sample entities was most of a DMR build's time.
# ResultsWindow.measurements unpacks rows by position: keep its unpacking in step with this order.
_WINDOW_COLUMNS = (Result.outfall, Result.parameter_code, Result.monitoring_location, Result.sample_id,
                   ResultRevision.sample_date, ResultRevision.sampled_at, ResultRevision.value,
                   ResultRevision.qualifier, ResultRevision.unit, ResultRevision.mdl, ResultRevision.rl,
                   ResultRevision.analyzed_at, ResultRevision.received_at, ResultRevision.sample_type,
                   ResultRevision.estimated, Sample.composite_end)


def _window_rows(session: Session, permit_id: int, first: date, last: date, outfall: str | None = None,
                 codes: frozenset[str] | None = None):
    return (select(*_WINDOW_COLUMNS)
            .join(ResultRevision, (ResultRevision.result_id == Result.id)
                  & (ResultRevision.revision == Result.current_revision))
            .join(Sample, Sample.id == Result.sample_pk)
            .where(*_in_window(session, permit_id, first, last, outfall, codes))
            .order_by(ResultRevision.sample_date, ResultRevision.sampled_at, Result.sample_id))


class ResultsWindow:
    """Every result in force of one permit whose sample day is in first..last, read in one query.

    A report asks for each parameter, its flow and its influent in turn; one query for the whole
    permit instead of three per parameter keeps the report of a large permit fast. The window holds
    plain rows and turns each (parameter, unit) into Measurements once: an outfall's flow serves its
    forty parameters. `rows()` still gives ORM pairs to a caller that needs them (read on first use).
    """

    def __init__(self, session: Session, permit_id: int, first: date, last: date, *, outfall: str | None = None,
                 codes: Iterable[str] | None = None):
        """With `outfall` and `codes`, only those parameters of that outfall are read (re-evaluating one
        recorded result needs its own codes and the flow, not 16,500 rows a month); asking such a window
        for anything else is a programming error (LookupError), never an empty answer."""
        self.permit_id, self.first, self.last = permit_id, first, last
        self.outfall, self.codes = outfall, (frozenset(codes) if outfall is not None else None)
        self._session = session
        self._plain: dict[tuple[str, str], list] = defaultdict(list)
        for row in session.execute(_window_rows(session, permit_id, first, last, self.outfall, self.codes)):
            self._plain[(row[0], row[1])].append(row)
        self._entities: dict[tuple[str, str], list[tuple[Result, ResultRevision]]] | None = None
        self._measured: dict[tuple, tuple[SharedMeasurements, list[tuple[str, Any]]]] = {}

    def covers(self, permit_id: int, first: date, last: date) -> bool:
        return permit_id == self.permit_id and self.first <= first and last <= self.last

    def _check_read(self, outfall: str, parameter_code: str) -> None:
        if self.outfall is not None and (outfall != self.outfall or parameter_code not in self.codes):
            raise LookupError(f"outfall {outfall} {parameter_code} was not read into this window")

    def rows(self, outfall: str, parameter_code: str, monitoring_location: str | None, first: date,
             last: date) -> list[tuple[Result, ResultRevision]]:
        self._check_read(outfall, parameter_code)
        if self._entities is None:
            self._entities = defaultdict(list)
            for result, revision in self._session.execute(
                    _current_query(self._session, self.permit_id, self.first, self.last, self.outfall, self.codes)):
                self._entities[(result.outfall, result.parameter_code)].append((result, revision))
        return [(r, v) for r, v in self._entities.get((outfall, parameter_code), ())
                if (monitoring_location is None or r.monitoring_location == monitoring_location)
                and first <= v.sample_date <= last]

    def measurements(self, outfall: str, parameter_code: str, monitoring_location: str | None, first: date,
                     last: date, target_unit: str | None) -> tuple[SharedMeasurements, list[tuple[str, Any]]]:
        """(Measurements in target_unit, (sample id, received_at) of each), in the order rows() gives.

        The same SharedMeasurements each time it is asked for, so what a calculation derives from them
        (an outfall's daily flows) is derived once for all the parameters that read them.
        """
        self._check_read(outfall, parameter_code)
        key = (outfall, parameter_code, monitoring_location, first, last, target_unit)
        if key not in self._measured:
            rows = self._plain.get((outfall, parameter_code), ())
            if monitoring_location is not None or first > self.first or last < self.last:
                rows = [row for row in rows
                        if (monitoring_location is None or row[2] == monitoring_location) and first <= row[4] <= last]
            # Unpacked by position (_WINDOW_COLUMNS' order): a DMR turns ~20,000 rows into Measurements,
            # and reading sixteen attributes of each row by name cost as much as building them.
            self._measured[key] = (SharedMeasurements(
                _measurement(value=value, mdl=mdl, rl=rl, unit=unit, target_unit=target_unit, sample_date=day,
                             qualifier=qualifier, sampled_at=sampled_at, analyzed_at=analyzed_at,
                             sample_type=sample_type, composite_end=composite_end, sample_id=sample_id,
                             parameter_code=code, estimated=estimated)
                for (_, code, _, sample_id, day, sampled_at, value, qualifier, unit, mdl, rl, analyzed_at, _,
                     sample_type, estimated, composite_end) in rows),
                [(row[3], row[12]) for row in rows])
        return self._measured[key]


def current_results(session: Session, permit_id: int, outfall: str, parameter_code: str,
                    monitoring_location: str | None, first: date, last: date,
                    window: ResultsWindow | None = None) -> list[tuple[Result, ResultRevision]]:
    """The revisions in force for one parameter whose sample day falls in first..last."""
    if window is not None and window.covers(permit_id, first, last):
        return window.rows(outfall, parameter_code, monitoring_location, first, last)
    query = _current_query(session, permit_id, first, last, outfall, frozenset((parameter_code,)))
    if monitoring_location is not None:
        query = query.where(Result.monitoring_location == monitoring_location)
    return [(row[0], row[1]) for row in session.execute(query)]


def measurements_for(session: Session, permit_id: int, parameter: MonitoredParameter, first: date, last: date,
                     window: ResultsWindow | None = None
                     ) -> tuple[list[Measurement], list[Measurement], list[Measurement], dict[str, Any]]:
    """(results, flows, influent, received_at by sample id) of one parameter for first..last."""
    outfall = parameter.outfall.feature_id
    unit = concentration_unit(parameter)
    if window is not None and window.covers(permit_id, first, last):
        results, received_rows = window.measurements(outfall, parameter.code, parameter.monitoring_location,
                                                     first, last, unit)
        flows, received_flows = window.measurements(outfall, FLOW_PARAMETER_CODE, None, first, last, None)
        influent, received_influent = window.measurements(outfall, parameter.code, INFLUENT_LOCATION, first, last,
                                                          unit)
        # When each result reached the facility: the clock start of any notice it leads to (RULES.md 5.1).
        # The flows stay shared (see ResultsWindow.measurements); the caller may change its own lists.
        return list(results), flows, list(influent), dict(received_flows + received_influent + received_rows)
    rows = current_results(session, permit_id, outfall, parameter.code, parameter.monitoring_location, first, last)
    flow_rows = current_results(session, permit_id, outfall, FLOW_PARAMETER_CODE, None, first, last)
    influent_rows = current_results(session, permit_id, outfall, parameter.code, INFLUENT_LOCATION, first, last)
    # When each result reached the facility: the clock start of any notice it leads to (RULES.md 5.1).
    received = {r.sample_id: v.received_at for r, v in flow_rows + influent_rows + rows}
    return ([measurement_of(r, v, unit) for r, v in rows], [measurement_of(r, v, None) for r, v in flow_rows],
            [measurement_of(r, v, unit) for r, v in influent_rows], received)
