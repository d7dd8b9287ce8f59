"""`events report`, `compliance deadlines --json` and `compliance snc --json` as CONTRACTS.md sections 2, 8 and 9."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from app.models.compliance import NoncomplianceEvent, NotificationObligation
from app.services.permits import import_permit_definition
from app.services.results import record_result
from tests.factories import permit_document

NOW = datetime(2026, 7, 1, 12, 0, tzinfo=timezone.utc)
CONTRACT_KEYS = ["id", "permit", "outfall", "parameter_code", "trigger", "rule", "citation", "aware_at",
                 "initial", "followup", "status"]


@pytest.fixture
def permits(db):
    import_permit_definition(db.session, permit_document("npdes"))
    import_permit_definition(db.session, permit_document("pretreatment"))
    db.session.commit()


def test_events_report_creates_the_ct_equipment_failure_obligation(runner, db, permits):
    """RULES.md 5.4 CT: monitoring equipment failure, 2 h oral and 5 days written."""
    result = runner.invoke(args=["events", "report", "--permit", "SP0002345", "--kind", "monitoring_equipment_failure",
                                 "--discovered-at", "2026-03-13T09:15", "--outfall", "101",
                                 "--description", "pH probe failed"])
    assert result.exit_code == 0, result.output
    event = db.session.scalars(select(NoncomplianceEvent)).one()
    assert event.discovered_at == datetime(2026, 3, 13, 13, 15, tzinfo=timezone.utc)  # local EDT → UTC
    out = runner.invoke(args=["compliance", "deadlines", "--json"])
    assert out.exit_code == 0, out.output
    payload = json.loads(out.output)
    assert [list(o) for o in payload] == [CONTRACT_KEYS]
    obligation = payload[0]
    assert obligation["trigger"] == "monitoring_equipment_failure"
    assert obligation["initial"] == {"kind": "oral", "due": "2026-03-13T11:15:00-04:00", "due_date": "2026-03-13",
                                     "done_at": None}
    assert obligation["followup"]["due"] == "2026-03-18T23:59:59-04:00"


def test_federal_npdes_upset_and_anticipated_bypass(runner, db, permits):
    """RULES.md 5.2: anticipated bypass notice 10 days before the planned start; 5.4 CT bypass 2 h / 5 d."""
    result = runner.invoke(args=["events", "report", "--permit", "CT0000001", "--kind", "anticipated_bypass",
                                 "--discovered-at", "2026-04-01T10:00-04:00",
                                 "--planned-start", "2026-04-20T06:00-04:00"])
    assert result.exit_code == 0, result.output
    payload = json.loads(runner.invoke(args=["compliance", "deadlines", "--json", "--permit", "CT0000001"]).output)
    notice = next(o for o in payload if o["trigger"] == "anticipated_bypass")
    assert notice["initial"]["due_date"] == "2026-04-10"


@pytest.mark.parametrize("args, message", [
    (["--kind", "flood"], "kind: expected one of"),
    (["--kind", "anticipated_bypass"], "planned_start"),
    (["--kind", "upset", "--outfall", "999"], "outfall"),
    (["--kind", "upset", "--ended-at", "2026-03-01T00:00"], "ended_at: is before discovered_at"),
    (["--kind", "upset", "--discovered-at", "yesterday"], "--discovered-at: expected an ISO 8601"),
])
def test_events_report_refuses_bad_input_and_stores_nothing(runner, db, permits, args, message):
    base = ["events", "report", "--permit", "SP0002345", "--discovered-at", "2026-03-13T09:15"]
    result = runner.invoke(args=base + args)
    assert result.exit_code == 1
    assert message in result.output
    assert db.session.scalars(select(NoncomplianceEvent)).all() == []
    assert db.session.scalars(select(NotificationObligation)).all() == []


def test_deadlines_open_filter_and_order(runner, db, permits, make_user):
    for kind, at in (("upset", "2026-03-14T09:00"), ("spill", "2026-03-13T09:00")):
        assert runner.invoke(args=["events", "report", "--permit", "SP0002345", "--kind", kind,
                                   "--discovered-at", at]).exit_code == 0
    payload = json.loads(runner.invoke(args=["compliance", "deadlines", "--json"]).output)
    firsts = [o["initial"]["due"] for o in payload if o["initial"]]
    assert firsts == sorted(firsts)
    from app.services.notification_obligations import record_fulfilment
    user = make_user("manager")
    for o in payload:
        for part in ("initial", "followup"):
            if o[part]:
                record_fulfilment(db.session, o["id"], part, done_at=NOW, record={"to": "DEEP"},
                                  actor_id=user.id, actor_label=user.email)
    db.session.commit()
    assert json.loads(runner.invoke(args=["compliance", "deadlines", "--json", "--open"]).output) == []
    done = json.loads(runner.invoke(args=["compliance", "deadlines", "--json"]).output)
    assert {o["status"] for o in done} == {"done"}
    assert done[0]["initial"]["done_at"] == "2026-07-01T08:00:00-04:00"


def _cadmium(db, day: int, value: str, month: int = 3):
    record_result(db.session, {"permit": "SP0002345", "outfall": "101", "parameter_code": "01042",
                               "sample_id": f"CU-{month}-{day}", "sampled_at": f"2026-{month:02d}-{day:02d}T08:00",
                               "value": value, "unit": "mg/L", "received_at": f"2026-{month:02d}-{day:02d}T17:00"},
                  now=NOW)


def test_snc_self_check_on_stored_results(runner, db, permits):
    """SNC-A/SNC-B: 4 of 6 daily values above 2.07 is chronic (100*4 >= 66*6); 2 of 6 at >= 2.07*1.2 is TRC."""
    for day, value in ((2, "2.10"), (9, "2.20"), (16, "2.50"), (23, "2.60"), (30, "1.00")):
        _cadmium(db, day, value)
    _cadmium(db, 6, "0.50", month=4)
    db.session.commit()
    result = runner.invoke(args=["compliance", "snc", "--permit", "SP0002345", "--window-end", "2026-06-30", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["window"] == {"start": "2026-01-01", "end": "2026-06-30"}
    daily = next(p for p in payload["pollutants"] if p["parameter_code"] == "01042" and p["trc_threshold"] == "2.484")
    assert (daily["measurements"], daily["chronic_count"], daily["chronic"]) == (6, 4, True)
    assert (daily["trc_count"], daily["trc"]) == (2, True)
    assert "01042" in payload["snc"]
    assert list(payload) == ["window", "pollutants", "late_reports", "snc"]


@pytest.mark.parametrize("args, message", [
    (["--permit", "CT0000001", "--window-end", "2026-06-30"], "NPDES permit"),
    (["--permit", "SP0002345", "--window-end", "2026-05-31"], "--window-end"),
    (["--permit", "NOPE", "--window-end", "2026-06-30"], "no permit numbered"),
    (["--permit", "SP0002345", "--window-end", "June"], "expected YYYY-MM-DD"),
])
def test_snc_refuses_what_it_cannot_check(runner, db, permits, args, message):
    result = runner.invoke(args=["compliance", "snc", "--json"] + args)
    assert result.exit_code == 1 and message in result.output
