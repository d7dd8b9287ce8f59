"""What the search index says about each kind of record: a title a person reads, and the text it is found by."""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date, datetime, timezone
from functools import cache, lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.engine import Connection

from app.domain.parameter_codes import parameter_description
from app.models.facility import Facility
from app.models.monitoring import ResultRevision, Sample
from app.models.permit import Permit
from app.models.record import Instrument

TITLE_MAX = 300
BODY_MAX = 200_000  # well inside PostgreSQL's 1 MB tsvector limit, so indexing never refuses a write
KEYS_MAX = 3_000
# Separates the readable text from the search keys; snippets are cut from the part before it.
KEYS_MARK = "\x1f"

_RUN = re.compile(r"[^\W_]+")
_PIECE = re.compile(r"[^\W\d_]+|\d+")


def search_keys(text: str) -> str:
    """Extra words that make a code findable whole or in part on both engines.

    PostgreSQL's parser reads "L2510-0147" as `l2510` and `-0147`, and neither engine finds "2510"
    inside `l2510`; so each compound token is added again as its letter/digit runs, its pieces and
    run together ("L2510 0147", "L 2510 0147", "L25100147"). Every tail of two or more runs or pieces
    is run together too ("PH011-20261129-11" gives "2026112911", "L2510-0147" "25100147"): a
    hyphenated word typed in a search must be found run together in the index, which lets
    PostgreSQL's GIN index find it without reading every entry that merely holds its runs somewhere
    (app/services/search_match.py).
    """
    keys: dict[str, None] = {}
    for token in text.split():
        for key in _token_keys(token):
            keys[key] = None
        if len(keys) >= KEYS_MAX:
            break
    return " ".join(keys)


@lru_cache(maxsize=65_536)
def _token_keys(token: str) -> tuple[str, ...]:
    # Kept per token: an import or a year's schedule describes thousands of entries of the same words.
    runs = _RUN.findall(token)
    if not runs:
        return ()
    pieces = [p for run in runs for p in _PIECE.findall(run)]
    keys: list[str] = []
    if len(runs) > 1:
        keys.append(" ".join(runs))
        keys.extend("".join(runs[start:]) for start in range(len(runs) - 1))
    if len(pieces) > len(runs):
        keys.append(" ".join(pieces))
        keys.extend("".join(pieces[start:]) for start in range(1, len(pieces) - 1))
    return tuple(keys)


def _clean(text: str) -> str:
    return text.replace("\x00", " ").replace(KEYS_MARK, " ")  # PostgreSQL text refuses NUL


def entry(entity: str, row: Any, *, title: str, lines: Sequence[str | None], permit_id: int | None = None,
          outfall: str | None = None, parameter_code: str | None = None, record_date: date | None = None
          ) -> dict[str, Any]:
    title = _clean(" ".join(title.split()))[:TITLE_MAX]
    text = _clean("\n".join(line for line in lines if line))[:BODY_MAX]
    keys = search_keys(f"{title} {text}")
    return {"entity": entity, "entity_id": str(row.id), "permit_id": permit_id, "outfall": outfall,
            "parameter_code": parameter_code, "record_date": record_date, "title": title,
            "body": f"{text}\n{KEYS_MARK}{keys}" if keys else text}


def words(name: str | None) -> str:
    return (name or "").replace("_", " ")


def labelled(label: str, value: Any) -> str | None:
    return f"{label}: {value}" if value not in (None, "") else None


def parameter_text(code: str | None) -> str:
    return " ".join(p for p in (code, parameter_description(code) if code else None) if p)


def amount(qualifier: str | None, value: str, unit: str | None) -> str:
    shown = f"{qualifier}{value}" if qualifier in ("<", ">") else value
    return " ".join(p for p in (shown, unit, "(J)" if qualifier == "J" else None) if p)


@cache
def _zone(name: str) -> ZoneInfo | timezone:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return timezone.utc


def local_day(moment: datetime | None, zone: str | None) -> date | None:
    """The facility's calendar day of a UTC instant (sample days and deadlines are counted there)."""
    if moment is None:
        return None
    return moment.astimezone(_zone(zone or "UTC")).date()


class RecordLookups:
    """The related rows a description quotes (permit number and zone, sample, instrument, current
    revision), read through the flush's own connection and kept for the rest of the flush."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._permits: dict[int, Any] | None = None
        self._instruments: dict[int, Any] | None = None
        self._samples: dict[int, Any] = {}
        self._revisions: dict[int, Any] = {}

    def permit(self, permit_id: int | None) -> Any:
        """(number, timezone) of a permit, or None; a facility has a handful, so all are read at once."""
        if self._permits is None:
            rows = self.connection.execute(select(Permit.id, Permit.number, Facility.timezone)
                                           .join(Facility, Facility.id == Permit.facility_id))
            self._permits = {row.id: row for row in rows}
        return self._permits.get(permit_id) if permit_id is not None else None

    def zone(self, permit_id: int | None) -> str | None:
        permit = self.permit(permit_id)
        return permit.timezone if permit else None

    def permit_line(self, permit_id: int | None) -> str | None:
        permit = self.permit(permit_id)
        return f"Permit {permit.number}" if permit else None

    def instrument(self, instrument_id: int) -> Any:
        if self._instruments is None or instrument_id not in self._instruments:
            table = Instrument.__table__
            self._instruments = {row.id: row for row in self.connection.execute(select(table))}
        return self._instruments.get(instrument_id)

    def sample(self, sample_pk: int) -> Any:
        if sample_pk not in self._samples:
            self._load_samples([sample_pk])
        return self._samples.get(sample_pk)

    def current_revision(self, result: Any) -> Any:
        if result.id not in self._revisions:
            self._load_revisions([(result.id, result.current_revision)])
        return self._revisions.get(result.id)

    def _load_samples(self, ids: list[int]) -> None:
        table = Sample.__table__
        self._samples.update({row.id: row for row in self.connection.execute(select(table).where(table.c.id.in_(ids)))})

    def _load_revisions(self, pairs: list[tuple[int, int]]) -> None:
        # By result id (the unique (result_id, revision) index's prefix), the wanted revision kept here:
        # PostgreSQL plans a row-value IN list of 2,000 pairs as a scan of every revision (18 s a batch at
        # 2 M revisions), where a plain IN list is an index lookup per id.
        table = ResultRevision.__table__
        wanted = dict(pairs)
        rows = self.connection.execute(select(table).where(table.c.result_id.in_(sorted(wanted))))
        self._revisions.update({row.result_id: row for row in rows if wanted[row.result_id] == row.revision})

    def prefetch(self, entity: str, rows: Sequence[Any]) -> None:
        """Read in one query what a batch of rows will ask for one by one."""
        if entity == "result":
            self._load_revisions([(r.id, r.current_revision) for r in rows if r.id not in self._revisions])
        elif entity == "custody_transfer":
            missing = sorted({r.sample_pk for r in rows} - set(self._samples))
            if missing:
                self._load_samples(missing)


def _sample(row: Any, lookups: RecordLookups) -> dict[str, Any]:
    return entry("sample", row, title=f"Sample {row.sample_code} — outfall {row.outfall}, {row.sample_date}",
                 permit_id=row.permit_id, outfall=row.outfall, record_date=row.sample_date, lines=[
                     f"Sample {row.sample_code}", lookups.permit_line(row.permit_id),
                     f"Outfall {row.outfall}, monitoring location {row.monitoring_location}",
                     labelled("Sampled", row.sample_date), labelled("Sample type", row.sample_type),
                     labelled("Chain of custody", row.chain_of_custody), labelled("Collected by", row.collector),
                     labelled("Lab", row.lab), row.field_notes])


def _result(row: Any, lookups: RecordLookups) -> dict[str, Any]:
    revision = lookups.current_revision(row)
    parameter = parameter_text(row.parameter_code)
    title = f"Result {row.sample_id} — {parameter}, outfall {row.outfall}"
    lines = [f"Sample {row.sample_id}", f"Parameter {parameter}", lookups.permit_line(row.permit_id),
             f"Outfall {row.outfall}, monitoring location {row.monitoring_location}"]
    if revision is not None:
        title += f", {revision.sample_date}: {amount(revision.qualifier, revision.value, revision.unit)}"
        lines += [f"Value {amount(revision.qualifier, revision.value, revision.unit)}",
                  labelled("Sampled", revision.sample_date), labelled("Method", revision.method),
                  labelled("Lab", revision.lab), labelled("Analyst", revision.analyst),
                  labelled("Chain of custody", revision.chain_of_custody), labelled("MDL", revision.mdl),
                  labelled("RL", revision.rl), "Estimated" if revision.estimated else None,
                  f"Revision {revision.revision}", labelled("Correction", revision.reason), revision.notes]
    return entry("result", row, title=title, lines=lines, permit_id=row.permit_id, outfall=row.outfall,
                 parameter_code=row.parameter_code, record_date=revision.sample_date if revision else None)


def _document(row: Any, lookups: RecordLookups) -> dict[str, Any]:
    disposed = " [disposed]" if row.status != "active" else ""
    return entry("document", row, title=f"{words(row.kind).capitalize()}: {row.title} ({row.original_name}){disposed}",
                 permit_id=row.permit_id, outfall=row.outfall, record_date=row.document_date, lines=[
                     row.title, f"File {row.original_name}", f"Kind {words(row.kind)}",
                     lookups.permit_line(row.permit_id), labelled("Outfall", row.outfall),
                     labelled("Report", row.report_ref), labelled("Status", row.status),
                     labelled("Reason", row.status_reason), row.extracted_text])


def _exceedance(row: Any, lookups: RecordLookups) -> dict[str, Any]:
    parameter = parameter_text(row.parameter_code)
    value = amount(row.qualifier, row.value, row.unit)
    withdrawn = f" [{row.status}]" if row.status != "active" else ""
    return entry("exceedance", row, title=f"Exceedance — {parameter} at outfall {row.outfall}, {row.first_day}: "
                                          f"{value} over {row.limit_text} ({words(row.statistical_base)}){withdrawn}",
                 permit_id=row.permit_id, outfall=row.outfall, parameter_code=row.parameter_code,
                 record_date=row.first_day, lines=[
                     f"Parameter {parameter}", lookups.permit_line(row.permit_id), f"Outfall {row.outfall}",
                     f"Value {value}, limit {row.limit_text} {row.unit}", words(row.statistical_base),
                     f"Evaluated {row.evaluation_key}", f"Samples {' '.join(row.sample_ids or [])}",
                     labelled("Status", row.status), labelled("Reason", row.status_reason)])


def _obligation(row: Any, lookups: RecordLookups) -> dict[str, Any]:
    where = ", ".join(p for p in (f"outfall {row.outfall}" if row.outfall else None,
                                  parameter_text(row.parameter_code) or None) if p)
    return entry("notification_obligation", row,
                 title=f"Notification: {row.rule} — {words(row.trigger)}{', ' + where if where else ''} [{row.status}]",
                 permit_id=row.permit_id, outfall=row.outfall, parameter_code=row.parameter_code,
                 record_date=local_day(row.aware_at, row.timezone), lines=[
                     row.rule, row.citation, f"Trigger {words(row.trigger)}", row.rule_id,
                     lookups.permit_line(row.permit_id), labelled("Parameter", parameter_text(row.parameter_code)),
                     labelled("Initial", words(row.initial_kind)), labelled("Follow-up", words(row.followup_kind)),
                     labelled("Status", row.status), labelled("Reason", row.status_reason)])


def _event(row: Any, lookups: RecordLookups) -> dict[str, Any]:
    day = local_day(row.discovered_at, lookups.zone(row.permit_id))
    where = f" — outfall {row.outfall}" if row.outfall else ""
    return entry("noncompliance_event", row, title=f"Noncompliance event: {words(row.kind)}{where}, {day}",
                 permit_id=row.permit_id, outfall=row.outfall, record_date=day, lines=[
                     words(row.kind), lookups.permit_line(row.permit_id), labelled("Outfall", row.outfall),
                     row.description])


def _signed_report(row: Any, lookups: RecordLookups) -> dict[str, Any]:
    permit = lookups.permit(row.permit_id)
    number = permit.number if permit else ""
    return entry("signed_report", row, title=f"Signed report {number} {row.period} (revision {row.revision}) "
                                             f"— {row.status}",
                 permit_id=row.permit_id, record_date=local_day(row.signed_at, lookups.zone(row.permit_id)), lines=[
                     f"Report {number} {row.period}", f"Signed by {row.signer_name}, {row.signer_title}",
                     labelled("Confirmation number", row.confirmation_number), labelled("Status", row.status)])


def _custody(row: Any, lookups: RecordLookups) -> dict[str, Any]:
    sample = lookups.sample(row.sample_pk)
    zone = lookups.zone(sample.permit_id) if sample else None
    day = local_day(row.relinquished_at, zone)
    code = sample.sample_code if sample else row.sample_pk
    return entry("custody_transfer", row, title=f"Custody of sample {code}: {row.relinquished_by} → "
                                                f"{row.received_by}, {day}",
                 permit_id=sample.permit_id if sample else None, outfall=sample.outfall if sample else None,
                 record_date=day, lines=[
                     f"Sample {code}", labelled("Chain of custody", sample.chain_of_custody if sample else None),
                     f"Relinquished by {row.relinquished_by}", f"Received by {row.received_by}", row.notes])


def _instrument(row: Any, lookups: RecordLookups) -> dict[str, Any]:
    serial = f", serial {row.serial_number}" if row.serial_number else ""
    return entry("instrument", row, title=f"Instrument {row.name} ({words(row.kind)}{serial})",
                 permit_id=row.permit_id, outfall=row.outfall,
                 record_date=local_day(row.created_at, lookups.zone(row.permit_id)), lines=[
                     row.name, words(row.kind), labelled("Serial number", row.serial_number),
                     lookups.permit_line(row.permit_id), labelled("Outfall", row.outfall),
                     "In service" if row.active else "Out of service"])


def _calibration(row: Any, lookups: RecordLookups) -> dict[str, Any]:
    instrument = lookups.instrument(row.instrument_id)
    permit_id = instrument.permit_id if instrument else None
    day = local_day(row.performed_at, lookups.zone(permit_id))
    name = instrument.name if instrument else f"instrument {row.instrument_id}"
    return entry("calibration_entry", row,
                 title=f"Calibration of {name} — {day}, {'passed' if row.passed else 'FAILED'}",
                 permit_id=permit_id, outfall=instrument.outfall if instrument else None, record_date=day, lines=[
                     name, labelled("Serial number", instrument.serial_number if instrument else None),
                     f"Technician {row.technician}", labelled("Standards", row.standards),
                     labelled("Readings", row.readings), "Passed" if row.passed else "Failed", row.notes])


# The columns _audit reads: the indexer selects only these for the entries a transaction appended.
AUDIT_COLUMNS = ("id", "at", "actor_label", "entity", "entity_id", "action", "reason")


def _audit(row: Any, lookups: RecordLookups) -> dict[str, Any]:
    return entry("audit_entry", row, title=f"Audit: {row.action} {words(row.entity)} {row.entity_id} by "
                                           f"{row.actor_label}, {row.at.date()}",
                 record_date=row.at.date(), lines=[
                     f"{words(row.entity)} {row.entity_id}", row.action, f"By {row.actor_label}", row.reason])


DESCRIBERS: dict[str, Callable[[Any, RecordLookups], dict[str, Any]]] = {
    "sample": _sample, "result": _result, "document": _document, "exceedance": _exceedance,
    "notification_obligation": _obligation, "noncompliance_event": _event, "signed_report": _signed_report,
    "custody_transfer": _custody, "instrument": _instrument, "calibration_entry": _calibration,
    "audit_entry": _audit,
}
