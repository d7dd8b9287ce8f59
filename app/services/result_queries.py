"""find_results: the results in force (current revisions), filtered and paged, as CONTRACTS.md section 4 dicts."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models.facility import Facility
from app.models.monitoring import Result, ResultRevision, Sample
from app.models.permit import Permit

DEFAULT_LIMIT = 500
MAX_LIMIT = 5000


@dataclass(frozen=True)
class ResultPage:
    total: int  # matching results, all pages together
    results: list[dict[str, Any]]


def _local(moment: datetime | None, zone: ZoneInfo) -> str | None:
    # Shown with the facility's offset, the way the lab wrote it and the way deadlines are shown.
    return None if moment is None else moment.astimezone(zone).isoformat(timespec="seconds")


def result_as_dict(result: Result, revision: ResultRevision, permit_number: str, zone: ZoneInfo,
                   sample: Sample | None = None) -> dict[str, Any]:
    """One result in force with the section 4 field names, plus its revision number."""
    sample = sample or result.sample
    return {
        "permit": permit_number, "outfall": result.outfall, "parameter_code": result.parameter_code,
        "monitoring_location": result.monitoring_location, "sample_id": result.sample_id,
        # A lab that gave only the day is answered with only the day, as it was posted.
        "sampled_at": _local(revision.sampled_at, zone) or revision.sample_date.isoformat(),
        "value": revision.value,
        "qualifier": "" if revision.qualifier == "=" else revision.qualifier,
        "unit": revision.unit, "mdl": revision.mdl, "rl": revision.rl, "method": revision.method,
        "lab": revision.lab, "analyst": revision.analyst, "analyzed_at": _local(revision.analyzed_at, zone),
        "received_at": _local(revision.received_at, zone), "sample_type": revision.sample_type,
        "chain_of_custody": revision.chain_of_custody, "notes": revision.notes,
        "estimated": bool(revision.estimated), "correction_reason": revision.reason,
        "revision": revision.revision,
        "collector": sample.collector, "composite_start": _local(sample.composite_start, zone),
        "composite_end": _local(sample.composite_end, zone), "field_notes": sample.field_notes,
    }


def find_results(session: Session, *, permit: str | None = None, outfall: str | None = None,
                 parameter_code: str | None = None, first: date | None = None, last: date | None = None,
                 limit: int = DEFAULT_LIMIT, offset: int = 0) -> ResultPage:
    """Current revisions whose facility-local sample day is within first..last, oldest first.

    Ordered by sample day, then by result id, so that paging with limit/offset neither skips nor
    repeats a row while nothing is added.
    """
    if not 1 <= limit <= MAX_LIMIT or offset < 0:
        raise ValueError(f"limit must be 1..{MAX_LIMIT} and offset at least 0")
    conditions = []
    if permit is not None:
        conditions.append(Permit.number == permit)
    if outfall is not None:
        conditions.append(Result.outfall == outfall)
    if parameter_code is not None:
        conditions.append(Result.parameter_code == parameter_code)
    if first is not None:
        conditions.append(ResultRevision.sample_date >= first)
    if last is not None:
        conditions.append(ResultRevision.sample_date <= last)

    def joined(query):
        return (query.join(ResultRevision, (ResultRevision.result_id == Result.id)
                           & (ResultRevision.revision == Result.current_revision))
                .join(Permit, Permit.id == Result.permit_id)
                .join(Facility, Facility.id == Permit.facility_id)
                .where(*conditions))

    total = session.scalar(joined(select(func.count(Result.id)).select_from(Result)))
    rows = session.execute(joined(select(Result, ResultRevision, Permit.number, Facility.timezone, Sample))
                           .join(Sample, Sample.id == Result.sample_pk)
                           .order_by(ResultRevision.sample_date, Result.id).limit(limit).offset(offset))
    return ResultPage(total, [result_as_dict(result, revision, number, ZoneInfo(zone), sample)
                              for result, revision, number, zone, sample in rows])
