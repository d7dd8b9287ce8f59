"""`schedule list --json` (CONTRACTS.md section 2): planned from the permit, status from stored results."""
from __future__ import annotations

import json
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from app.models.schedule import SamplingEvent
from app.services.permits import import_permit_definition
from app.services.results import record_result
from app.services.sampling_schedule import generate_schedule, list_schedule, schedule_json
from tests.factories import permit_document

TODAY = date(2026, 3, 18)  # a Wednesday


@pytest.fixture
def permit(db):
    outcome = import_permit_definition(db.session, permit_document("npdes"))
    db.session.commit()
    from app.services.permit_overview import permit_by_number
    return permit_by_number(db.session, outcome.permit_number)


def _tss(db, sample_id, day):
    record_result(db.session, {"permit": "CT0000001", "outfall": "001", "parameter_code": "00530",
                               "sample_id": sample_id, "sampled_at": f"{day}T08:00", "value": "12", "unit": "mg/L"},
                  now=datetime(2026, 3, 18, tzinfo=timezone.utc))


def test_the_cli_lists_the_contract_shape(runner, db, permit):
    result = runner.invoke(args=["schedule", "list", "--from", "2026-03-08", "--to", "2026-03-14", "--json",
                                 "--permit", "CT0000001"])
    assert result.exit_code == 0, result.output
    events = json.loads(result.output)
    assert events and all(list(e) == ["id", "permit", "outfall", "date", "window_end", "parameters", "sample_type",
                                      "status"] for e in events)
    tuesday = [e for e in events if e["date"] == "2026-03-10" and e["outfall"] == "001"]
    composite = next(e for e in tuesday if e["sample_type"] == "24-hour composite")
    assert composite["parameters"] == ["00530", "01042", "01092"] and composite["window_end"] == "2026-03-14"
    # 2/7 TSS: the second trip of the week is Thursday; outfall 002's 1/30 trip is in the first week.
    assert any(e["date"] == "2026-03-12" and e["parameters"] == ["00530"] for e in events)


def test_statuses_follow_the_results(db, permit):
    _tss(db, "T-1", "2026-03-09")   # Monday: inside the first 2/7 window (Sun..Wed)
    rows = list_schedule(db.session, first=date(2026, 3, 1), last=date(2026, 3, 21), today=TODAY,
                         permit_number="CT0000001")
    by_key = {(e.event_date.isoformat(), e.sample_type, tuple(p["code"] for p in e.parameters)): e.status
              for e, _ in rows if e.outfall == "001"}
    # Tue 10th: TSS collected but copper and zinc never sampled, and their window (the week) has closed.
    assert by_key[("2026-03-10", "24-hour composite", ("00530", "01042", "01092"))] == "missed"
    assert by_key[("2026-03-12", "24-hour composite", ("00530",))] == "missed"   # Thu..Sat window, no sample
    assert by_key[("2026-03-17", "24-hour composite", ("00530", "01042", "01092"))] == "scheduled"  # still open
    event = next(e for e, _ in rows if e.event_date == date(2026, 3, 10) and e.sample_type == "24-hour composite")
    assert "01042" in event.status_reason and "00530" not in event.status_reason
    assert schedule_json(event, "CT0000001")["status"] == "missed"


def test_a_new_permit_version_replans_the_future_and_keeps_the_past(db, permit):
    generate_schedule(db.session, permit, today=TODAY, horizon_days=30)
    past = db.session.scalars(select(SamplingEvent).where(SamplingEvent.event_date < TODAY)).all()
    document = permit_document("npdes")
    document["permit"]["effective"] = "2026-03-18"
    for p in document["permit"]["outfalls"][0]["parameters"]:
        if p["code"] == "00530":
            p["frequency"] = "1/7"
    import_permit_definition(db.session, document)
    db.session.commit()
    change = generate_schedule(db.session, permit, today=TODAY, horizon_days=30)
    assert change.cancelled >= 1  # Thursday TSS trips of the whole weeks under version 2 are not required
    thursday = db.session.scalars(select(SamplingEvent).where(SamplingEvent.event_date == date(2026, 3, 26),
                                                              SamplingEvent.outfall == "001",
                                                              SamplingEvent.sample_type == "24-hour composite")).one()
    assert thursday.status == "cancelled" and "re-planned" in thursday.status_reason
    assert all(e.status != "cancelled" for e in past)
    assert generate_schedule(db.session, permit, today=TODAY, horizon_days=30).added == 0  # idempotent


def test_bad_windows_are_refused(runner, db, permit):
    assert "expected YYYY-MM-DD" in runner.invoke(args=["schedule", "list", "--from", "March", "--to", "2026-03-01",
                                                        "--json"]).output
    assert "is before --from" in runner.invoke(args=["schedule", "list", "--from", "2026-03-02", "--to", "2026-03-01",
                                                     "--json"]).output
    assert "no permit numbered" in runner.invoke(args=["schedule", "list", "--from", "2026-03-01", "--to",
                                                       "2026-03-02", "--json", "--permit", "X"]).output


def test_a_recorded_sample_is_linked_to_the_trip_it_satisfies(db, permit):
    from app.models.monitoring import Sample

    generate_schedule(db.session, permit, today=date(2026, 3, 1), horizon_days=30)
    _tss(db, "T-9", "2026-03-09")  # Monday, inside the window of Tuesday the 10th
    sample = db.session.scalars(select(Sample).where(Sample.sample_code == "T-9")).one()
    event = db.session.get(SamplingEvent, sample.sampling_event_id)
    assert (event.event_date, event.outfall) == (date(2026, 3, 10), "001")


def _racing(monkeypatch, db, permit_id, today):
    """planned_events, with another process (its own connection) planning and committing the same trips
    between our read of the stored trips and our insert, the first time only."""
    from sqlalchemy.orm import Session

    from app.models.permit import Permit
    from app.services import sampling_schedule

    real, calls = sampling_schedule.planned_events, []

    def racing(permit, through):
        calls.append(through)
        if len(calls) == 1:
            with Session(db.engine) as other:
                calls.append(sampling_schedule.generate_schedule(other, other.get(Permit, permit_id), today=today,
                                                                 through=through))
                other.commit()
        return real(permit, through)

    monkeypatch.setattr(sampling_schedule, "planned_events", racing)
    return calls


def _creates(db, event_ids):
    from app.models.audit import AuditEntry

    rows = db.session.execute(select(AuditEntry.entity_id).where(AuditEntry.entity == "sampling_event",
                                                                  AuditEntry.action == "create")).scalars().all()
    return sorted(int(i) for i in rows if int(i) in event_ids)


def test_trips_another_process_planned_at_the_same_moment_are_read_by_the_cli(runner, db, permit, monkeypatch):
    calls = _racing(monkeypatch, db, permit.id, date.today())
    result = runner.invoke(args=["schedule", "list", "--from", "2026-03-08", "--to", "2026-03-14", "--json",
                                 "--permit", "CT0000001"])
    assert result.exit_code == 0, result.output
    assert len(calls) == 4  # ours, the other process's (and its outcome), ours again after finding its rows
    listed = json.loads(result.output)
    stored = db.session.scalars(select(SamplingEvent).where(SamplingEvent.event_date >= date(2026, 3, 8),
                                                            SamplingEvent.event_date <= date(2026, 3, 14))).all()
    assert listed and sorted(e["id"] for e in listed) == sorted(e.id for e in stored)
    everything = db.session.scalars(select(SamplingEvent.id)).all()
    assert _creates(db, set(everything)) == sorted(everything)  # one create entry per trip: the other's


def test_generate_schedule_counts_only_the_trips_it_wrote_when_another_process_planned_them(db, permit,
                                                                                            monkeypatch):
    calls = _racing(monkeypatch, db, permit.id, TODAY)
    change = generate_schedule(db.session, permit, today=TODAY, horizon_days=30)
    db.session.commit()
    assert (change.added, change.updated, change.cancelled) == (0, 0, 0)
    keys = db.session.execute(select(SamplingEvent.outfall, SamplingEvent.event_date, SamplingEvent.sample_type)).all()
    other = next(c for c in calls if not isinstance(c, date))
    assert keys and len(keys) == len(set(keys)) == other.added  # the other process wrote every trip
    ids = set(db.session.scalars(select(SamplingEvent.id)))
    assert _creates(db, ids) == sorted(ids)
