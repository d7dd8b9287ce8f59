"""Stores an import's new results by executemany, writing what store_result's flushes would have written.

For each row the row path (app/services/results.py `store_result`) writes a sample (when the file
names it first), a result and its first revision, each with a `create` audit entry carrying the
full snapshot, an `update` entry when a later row fills a blank of the sample's field record, and
notes the sample and the result for the search index. This module writes the same rows, the same
entries in the same order (hash-chained by app/services/audit.py) and the same notes, a chunk of
rows per statement. Anything it cannot store exactly so (a correction, a field record added to a
sample stored before this import) is left to the row path by `add` returning False.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from app.models.base import utcnow
from app.models.monitoring import Result, ResultRevision, Sample
from app.models.schedule import CANCELLED, SamplingEvent
from app.services.audit import Change, audit_context, record_changes, snapshot_of
from app.services.bulk_rows import insert_with_ids
from app.services.result_bulk import CreatedSample, FilePlanner
from app.services.results import IMPORTED, ResultPlan
from app.services.search_index import note_written

STORE_CHUNK = 500  # rows per executemany


def _as_loaded(values: dict[str, Any]) -> dict[str, Any]:
    """The values as a Sample read back from the database holds them (UTCDateTime hands back UTC).

    Row by row, the sample an earlier row created is no longer in the session when a later row fills
    its field record (the identity map holds it weakly), so store_result audits the reloaded object.
    """
    return {k: v.astimezone(timezone.utc) if isinstance(v, datetime) else v for k, v in values.items()}


class ScheduledEvents:
    """`_scheduled_event_id` for every sample of a file, from the events of the file's days read once."""

    def __init__(self, session: Session, permit_id: int, first: date, last: date):
        # The row path's query for any day of first..last selects a subset of these, in this order.
        self._by_outfall: dict[str, list[SamplingEvent]] = defaultdict(list)
        for found in session.scalars(select(SamplingEvent).where(
                SamplingEvent.permit_id == permit_id, SamplingEvent.status != CANCELLED,
                SamplingEvent.window_end >= first, SamplingEvent.event_date <= last + timedelta(days=366))
                .order_by(SamplingEvent.event_date, SamplingEvent.id)):
            self._by_outfall[found.outfall].append(found)
        self._answers: dict[tuple[str, str, date], int | None] = {}

    def event_id(self, outfall: str, code: str, day: date) -> int | None:
        key = (outfall, code, day)
        if key not in self._answers:
            self._answers[key] = self._first_match(outfall, code, day)
        return self._answers[key]

    def _first_match(self, outfall: str, code: str, day: date) -> int | None:
        text = day.isoformat()
        for planned in self._by_outfall.get(outfall, ()):
            if planned.window_end < day or planned.event_date > day + timedelta(days=366):
                continue
            for entry in planned.parameters:
                if entry["code"] == code and entry["window_start"] <= text <= entry["window_end"]:
                    return planned.id
        return None


@dataclass
class _Row:
    plan: ResultPlan
    new_sample: CreatedSample | None  # the sample this row creates
    new_values: dict | None  # its columns as this row creates it (later rows may fill blanks)
    created: CreatedSample | None  # a sample an earlier row of this import created
    fill: tuple[dict, dict, dict] | None  # (changes, before, after) of that sample's field record
    sample_pk: int | None  # a sample stored before this import


class BulkStore:
    """Collects the rows to store and writes them STORE_CHUNK at a time (and when asked, before a row-path row)."""

    def __init__(self, session: Session, planner: FilePlanner, *, now: datetime, actor_id: int | None,
                 actor_label: str | None, days: dict[int, tuple[date, date]]):
        self.session, self.planner, self.now = session, planner, now
        self.actor_id, self.actor_label = actor_id, actor_label
        self._days, self._events = days, {}
        self._waiting: list[_Row] = []

    def _event_id(self, plan: ResultPlan) -> int | None:
        permit_id = plan.permit.id
        if permit_id not in self._events:
            self._events[permit_id] = ScheduledEvents(self.session, permit_id, *self._days[permit_id])
        return self._events[permit_id].event_id(plan.fields.outfall, plan.fields.parameter_code,
                                                plan.fields.sample_date)

    def add(self, plan: ResultPlan) -> bool:
        """Take a new result for the bulk write; False when only the row path stores it exactly."""
        if plan.status != IMPORTED:
            return False
        fields, key = plan.fields, (plan.permit.id, plan.fields.sample_id)
        record = fields.sample_record()
        created = self.planner.created.get(key)
        if created is None and plan.sample is not None:
            if any(v is not None and getattr(plan.sample, n) is None for n, v in record.items()):
                return False  # an audited update of a stored sample (and of its custody entries' index text)
            self._waiting.append(_Row(plan, None, None, None, None, plan.sample.id))
        elif created is None:
            values = dict(id=None, permit_id=plan.permit.id, sample_code=fields.sample_id, outfall=fields.outfall,
                          monitoring_location=plan.parameter.monitoring_location, sampled_at=fields.sampled_at,
                          sample_date=fields.sample_date, sample_type=fields.sample_type, lab=None,
                          chain_of_custody=fields.chain_of_custody, sampling_event_id=self._event_id(plan),
                          created_at=utcnow(), **record)
            sample = CreatedSample(values)
            self.planner.created[key] = sample
            self._waiting.append(_Row(plan, sample, dict(values), None, None, None))
        else:
            changes = {n: v for n, v in record.items() if v is not None and created.values[n] is None}
            fill = None
            if changes:
                before = snapshot_of(Sample, _as_loaded(created.values))
                created.values.update(changes)
                fill = (changes, before, snapshot_of(Sample, _as_loaded(created.values)))
            self._waiting.append(_Row(plan, None, None, created, fill, None))
        if len(self._waiting) >= STORE_CHUNK:
            self.flush()
        return True

    def flush(self) -> None:
        """Write the waiting rows: samples, results, revisions, then their audit entries in row order."""
        rows, self._waiting = self._waiting, []
        if not rows:
            return
        self.session.flush()
        connection = self.session.connection()
        new = [r for r in rows if r.new_sample is not None]
        table = Sample.__table__
        if new:
            insert_with_ids(connection, table, [r.new_values for r in new], ("permit_id", "sample_code"))
            for row in new:
                row.new_sample.values["id"] = row.new_values["id"]
        for row in rows:
            if row.fill is not None:
                changes, before, after = row.fill
                before["id"] = after["id"] = row.created.values["id"]  # unknown until its insert above
                connection.execute(update(table).where(table.c.id == after["id"]).values(**changes))
                loaded = self.session.identity_map.get(identity_key(Sample, after["id"]))
                if loaded is not None:  # read by a lookup before this update: its field record is stale now
                    self.session.expire(loaded)
        results = [self._result_values(row) for row in rows]
        insert_with_ids(connection, Result.__table__, results, ("permit_id", "sample_id", "parameter_code"))
        revisions = [self._revision_values(row, result) for row, result in zip(rows, results)]
        insert_with_ids(connection, ResultRevision.__table__, revisions, ("result_id", "revision"))
        self._audit(rows, results, revisions)
        self._note_for_search([r.new_values["id"] for r in new], [r["id"] for r in results])

    def _result_values(self, row: _Row) -> dict[str, Any]:
        plan, fields = row.plan, row.plan.fields
        sample_pk = (row.new_sample or row.created).values["id"] if row.sample_pk is None else row.sample_pk
        return dict(id=None, permit_id=plan.permit.id, outfall=fields.outfall, parameter_code=fields.parameter_code,
                    monitoring_location=plan.parameter.monitoring_location, sample_id=fields.sample_id,
                    sample_pk=sample_pk, current_revision=1, sample_date=fields.sample_date, created_at=utcnow())

    def _revision_values(self, row: _Row, result: dict[str, Any]) -> dict[str, Any]:
        fields = row.plan.fields
        # entered_at on the caller's clock, as store_result stamps it (DATA_ENTERED_AFTER_REVIEW).
        return dict(id=None, result_id=result["id"], revision=1, received_at=fields.received_at or self.now,
                    entered_at=self.now, reason=None, entered_by_id=self.actor_id, **fields.stored_values())

    def _audit(self, rows: list[_Row], results: list[dict], revisions: list[dict]) -> None:
        changes = []
        for row, result, revision in zip(rows, results, revisions):
            # The reason store_result's audit_context gives each row's flushes.
            reason = row.plan.fields.correction_reason or "result recorded"
            # store_result's flushes, in order: the sample, the result (and in the same flush the
            # sample's filled-in field record), the revision.
            if row.new_sample is not None:
                changes.append(Change("sample", row.new_values["id"], "create", None,
                                      snapshot_of(Sample, row.new_values), reason))
            changes.append(Change("result", result["id"], "create", None, snapshot_of(Result, result), reason))
            if row.fill is not None:
                changes.append(Change("sample", row.created.values["id"], "update", row.fill[1], row.fill[2],
                                      reason))
            changes.append(Change("result_revision", revision["id"], "create", None,
                                  snapshot_of(ResultRevision, revision), reason))
        with audit_context(self.session, actor_id=self.actor_id, actor_label=self.actor_label):
            record_changes(self.session, changes)

    def _note_for_search(self, sample_ids: list[int], result_ids: list[int]) -> None:
        # What search_index's flush hook notes for store_result's flushes of these rows.
        note_written(self.session, {"sample": sample_ids, "result": result_ids})
