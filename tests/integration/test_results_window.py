"""ResultsWindow reads a permit's month once; each parameter then gets exactly what its own queries would give."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from app.models.monitoring import Result, ResultRevision
from app.models.permit import Permit
from app.services.monitoring_data import ResultsWindow, current_results, measurements_for
from app.services.permits import import_permit_definition
from app.services.results import record_result
from tests.factories import permit_document

NOW = datetime(2026, 4, 5, 15, 0, tzinfo=timezone.utc)
FIRST, LAST = date(2026, 3, 1), date(2026, 4, 4)


@pytest.fixture
def month(db, make_user):
    import_permit_definition(db.session, permit_document("npdes"))
    labtech = make_user("labtech")
    rows = [("00530", "T1", "2026-03-03T08:00", "22", "mg/L", ""), ("00530", "T2", "2026-03-10T08:00", "4", "mg/L", "<"),
            ("01042", "C1", "2026-03-03T08:00", "310", "ug/L", ""),  # converted to the limit's mg/L (section 4)
            ("01042", "C2", "2026-03-17T08:00", "0.2", "mg/L", ""),
            ("50050", "F1", "2026-03-03T08:00", "0.41", "MGD", ""), ("50050", "F2", "2026-03-10T08:00", "0.39", "MGD", ""),
            ("00530", "T3", "2026-02-27T08:00", "30", "mg/L", "")]  # before the window: left out
    for code, sample_id, sampled_at, value, unit, qualifier in rows:
        record_result(db.session, {"permit": "CT0000001", "outfall": "001", "parameter_code": code,
                                   "sample_id": sample_id, "sampled_at": sampled_at, "value": value, "unit": unit,
                                   "qualifier": qualifier, "analyzed_at": sampled_at.replace("08:00", "15:00"),
                                   "received_at": "2026-03-31T12:00"}, now=NOW)
    # A correction: the revision in force is the second (CONTRACTS.md section 4, correction_reason).
    record_result(db.session, {"permit": "CT0000001", "outfall": "001", "parameter_code": "00530", "sample_id": "T1",
                               "sampled_at": "2026-03-03T08:00", "value": "24", "unit": "mg/L",
                               "correction_reason": "lab re-ran it", "received_at": "2026-04-01T09:00"},
                  now=NOW, actor_id=labtech.id, actor_label=labtech.email)
    db.session.commit()
    return db.session.query(Permit).filter_by(number="CT0000001").one()


def test_the_window_gives_each_parameter_what_its_own_queries_give(db, month):
    version = month.latest_version
    window = ResultsWindow(db.session, month.id, FIRST, LAST)
    compared = 0
    for outfall in version.outfalls:
        for parameter in outfall.parameters:
            alone = measurements_for(db.session, month.id, parameter, FIRST, LAST)
            # The window's flows are one shared tuple per outfall (read alike by each parameter); same items.
            results, flows, influent, received = measurements_for(db.session, month.id, parameter, FIRST, LAST,
                                                                  window)
            assert (results, list(flows), influent, received) == alone
            for first, last in ((FIRST, LAST), (date(2026, 3, 5), date(2026, 3, 31))):
                pairs = current_results(db.session, month.id, outfall.feature_id, parameter.code,
                                        parameter.monitoring_location, first, last)
                assert current_results(db.session, month.id, outfall.feature_id, parameter.code,
                                       parameter.monitoring_location, first, last, window) == pairs
            compared += bool(alone[0])
    assert compared == 3  # flow, TSS and copper at outfall 001 have results
    tss = next(p for p in version.outfalls[0].parameters if p.code == "00530")
    results, flows, _, received = measurements_for(db.session, month.id, tss, FIRST, LAST, window)
    assert [(m.sample_id, str(m.value), m.qualifier) for m in results] == [("T1", "24", "="), ("T2", "4", "<")]
    assert [str(f.value) for f in flows] == ["0.41", "0.39"]
    assert received["T1"] == datetime(2026, 4, 1, 13, 0, tzinfo=timezone.utc)  # the correction's receipt
    copper = next(p for p in version.outfalls[0].parameters if p.code == "01042")
    assert [str(m.value) for m in measurements_for(db.session, month.id, copper, FIRST, LAST, window)[0]][0] == "0.310"


def test_a_result_carries_the_sample_day_of_its_revision_in_force(db, month, make_user):
    # The narrowed window is bounded by result.sample_date (migration 0016_result_sample_day): a
    # correction that moves the sample to another day must move the result's day with it.
    labtech = make_user("labtech", email="second.labtech@example.org")
    record_result(db.session, {"permit": "CT0000001", "outfall": "001", "parameter_code": "00530", "sample_id": "T2",
                               "sampled_at": "2026-04-10T08:00", "value": "4", "unit": "mg/L", "qualifier": "<",
                               "correction_reason": "the bottle was dated wrong", "received_at": "2026-04-12T09:00"},
                  now=NOW, actor_id=labtech.id, actor_label=labtech.email)
    db.session.commit()
    in_force = db.session.execute(select(Result.sample_id, Result.sample_date, ResultRevision.sample_date).join(
        ResultRevision, (ResultRevision.result_id == Result.id) & (ResultRevision.revision == Result.current_revision)
    )).all()
    assert len(in_force) == 7 and all(day == revision_day for _, day, revision_day in in_force)
    assert dict((sample, day) for sample, day, _ in in_force)["T2"] == date(2026, 4, 10)
    march = ResultsWindow(db.session, month.id, FIRST, date(2026, 3, 31), outfall="001", codes={"00530"})
    april = ResultsWindow(db.session, month.id, date(2026, 4, 1), date(2026, 4, 30), outfall="001", codes={"00530"})
    assert [m.sample_id for m in march.measurements("001", "00530", None, FIRST, date(2026, 3, 31), "mg/L")[0]] == ["T1"]
    assert [m.sample_id for m in april.measurements("001", "00530", None, date(2026, 4, 1), date(2026, 4, 30),
                                                    "mg/L")[0]] == ["T2"]
