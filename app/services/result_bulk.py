"""The bulk path of a results import: each row planned once per pass, stored samples and results read per chunk.

`plan_result` (app/services/results.py) costs a permit lookup and two queries per row; a file of
100,000 rows would pay them twice over. Here a row's own checks (permit, fields, monitored
parameter) run as it is read, against caches kept for the file, and what is already stored is read
for a chunk of rows at a time. The checks and their messages are the row path's, in the same order,
so a row is refused here exactly when plan_result would refuse it.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.domain.result_fields import ResultFieldError, ResultFields, parse_result_fields
from app.models.monitoring import Result, Sample
from app.models.permit import MonitoredParameter, Permit
from app.services.permits import permit_version_on
from app.services.results import (IMPORTED, REVISED, UNCHANGED, ResultConflict, ResultPlan, check_sample_record,
                                  find_permit, monitored_parameter, same_as_revision)

CHUNK = 500  # keys per IN query; also how many read rows wait for their lookups


@dataclass
class ReadRow:
    """A row as read: its own checks done (or the first problem found), its stored state not yet looked up."""

    number: int
    raw: dict
    permit: Permit | None = None
    fields: ResultFields | None = None
    parameter: MonitoredParameter | None = None
    error: ResultFieldError | None = None
    outcome: Any = None  # what the caller decided at read time (a duplicate, extra cells), kept for its order


@dataclass
class CreatedSample:
    """A sample this import stores: its column values as the row path's Sample object would hold them."""

    values: dict[str, Any]

    def record(self) -> SimpleNamespace:
        return SimpleNamespace(**self.values)


@dataclass
class Lookups:
    """What is stored for one chunk's sample ids: samples by code, results by (sample id, parameter code)."""

    samples: dict[tuple[int, str], Sample] = field(default_factory=dict)
    results: dict[tuple[int, str, str], Result] = field(default_factory=dict)


def _refusal(error: ResultFieldError) -> ResultFieldError:
    # A cached refusal is raised afresh for each row, with the row path's class, field and message.
    return type(error)(error.field, error.message)


class FilePlanner:
    """Caches for one file: permits by the number written, monitored parameters by what selects them."""

    def __init__(self, session: Session, actor_id: int | None):
        self.session, self.actor_id = session, actor_id
        self._permits: dict[str | None, Permit | ResultFieldError] = {}
        self._parameters: dict[tuple, MonitoredParameter | ResultFieldError] = {}
        # Samples stored by earlier rows of this file (the store pass): later rows are judged against them.
        self.created: dict[tuple[int, str], CreatedSample] = {}

    def _permit(self, number: object) -> Permit:
        if not isinstance(number, str) and number is not None:
            return find_permit(self.session, number)  # an odd cell type is not worth a cache entry
        return self._cached(self._permits, number, lambda: find_permit(self.session, number))

    @staticmethod
    def _cached(cache: dict, key: object, look_up) -> Any:
        """The looked-up value, or its refusal, once per file: a refusal is as repeatable as a value."""
        found = cache.get(key)
        if found is None:
            try:
                found = look_up()
            except ResultFieldError as error:
                found = error
            cache[key] = found
        if isinstance(found, ResultFieldError):
            raise _refusal(found)
        return found

    def _parameter(self, permit: Permit, fields: ResultFields) -> MonitoredParameter:
        # monitored_parameter depends on the sample day only through the version it selects (its one
        # day-naming message is for a day before every version, which is not cached).
        version = permit_version_on(permit, fields.sample_date)
        if version is None:
            return monitored_parameter(permit, fields)
        key = (version.id, fields.outfall, fields.parameter_code, fields.monitoring_location)
        return self._cached(self._parameters, key, lambda: monitored_parameter(permit, fields))

    def read(self, number: int, raw: dict) -> ReadRow:
        """plan_result's checks up to the stored state: permit, fields, monitored parameter."""
        row = ReadRow(number, raw)
        try:
            row.permit = self._permit(raw.get("permit"))
            row.fields = parse_result_fields(raw, row.permit.facility.timezone)
            row.parameter = self._parameter(row.permit, row.fields)
        except ResultFieldError as error:
            row.error = error
        return row

    def lookups(self, rows: Iterable[ReadRow]) -> Lookups:
        """The stored samples and results of these rows' sample ids, in IN queries of CHUNK keys."""
        codes: dict[int, set[str]] = {}
        for row in rows:
            if row.error is None and row.fields is not None:
                codes.setdefault(row.permit.id, set()).add(row.fields.sample_id)
        found = Lookups()
        for permit_id, wanted in codes.items():
            ordered = sorted(wanted)
            for start in range(0, len(ordered), CHUNK):
                chunk = ordered[start:start + CHUNK]
                for sample in self.session.scalars(select(Sample).where(Sample.permit_id == permit_id,
                                                                        Sample.sample_code.in_(chunk))):
                    found.samples[(permit_id, sample.sample_code)] = sample
                for result in self.session.scalars(select(Result).options(selectinload(Result.revisions))
                                                   .where(Result.permit_id == permit_id,
                                                          Result.sample_id.in_(chunk))):
                    found.results[(permit_id, result.sample_id, result.parameter_code)] = result
        return found

    def plan(self, row: ReadRow, found: Lookups) -> ResultPlan:
        """The rest of plan_result for a read row; raises its ResultFieldError/ResultConflict with its message.

        A sample this import has already stored (an earlier row of the file) is judged as the row path
        would judge it after storing that row: place and field record must agree.
        """
        if row.error is not None:
            raise row.error
        permit, fields, parameter = row.permit, row.fields, row.parameter
        location = parameter.monitoring_location
        key = (permit.id, fields.sample_id)
        created = self.created.get(key)
        sample = found.samples.get(key)
        place = ((created.values["outfall"], created.values["monitoring_location"]) if created is not None
                 else (sample.outfall, sample.monitoring_location) if sample is not None else None)
        if place is not None and place != (fields.outfall, location):
            raise ResultConflict("sample_id", f"sample {fields.sample_id} was collected at outfall {place[0]} "
                                              f"location {place[1]}, not {fields.outfall} {location}")
        if created is not None:
            check_sample_record(created.record(), fields)
        elif sample is not None:
            check_sample_record(sample, fields)
        result = found.results.get((permit.id, fields.sample_id, fields.parameter_code))
        if result is None:
            return ResultPlan(IMPORTED, permit, parameter, fields, None, sample)
        if same_as_revision(result.current, fields):
            return ResultPlan(UNCHANGED, permit, parameter, fields, result, sample)
        if self.actor_id is None or not fields.correction_reason:
            raise ResultConflict("value", f"sample {fields.sample_id} {fields.parameter_code} is already stored "
                                          f"with other values (value {result.current.value}{result.current.unit}); "
                                          "a correction needs a named user and a correction_reason")
        return ResultPlan(REVISED, permit, parameter, fields, result, sample)


def chunks_of(rows: Iterable[tuple[int, dict]], planner: FilePlanner, read=None):
    """Read rows one at a time, yield them CHUNK at a time with their lookups: (read rows, lookups)."""
    read = read or planner.read
    waiting: list[ReadRow] = []
    for number, raw in rows:
        waiting.append(read(number, raw))
        if len(waiting) == CHUNK:
            yield waiting, planner.lookups(waiting)
            waiting = []
    if waiting:
        yield waiting, planner.lookups(waiting)
