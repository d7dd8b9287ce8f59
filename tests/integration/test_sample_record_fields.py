"""The sample's field record through `results import`: collector, compositing times and field notes."""
from __future__ import annotations

import csv
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from app.models.audit import AuditEntry
from app.models.monitoring import Result, Sample
from app.services.permits import import_permit_definition
from tests.factories import permit_document

HEADER = ["permit", "outfall", "parameter_code", "sample_id", "sampled_at", "value", "unit", "sample_type",
          "collector", "composite_start", "composite_end", "field_notes"]
TSS = ["CT0000001", "001", "00530", "C-7", "2026-03-10T08:00", "12", "mg/L", "composite"]


@pytest.fixture
def npdes(db):
    import_permit_definition(db.session, permit_document("npdes"))
    db.session.commit()


def _import(runner, tmp_path, rows, name="r.csv"):
    path = tmp_path / name
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return runner.invoke(args=["results", "import", str(path)])


def test_an_import_records_the_field_record_and_a_later_row_fills_only_blanks(runner, db, npdes, tmp_path):
    first = _import(runner, tmp_path, [TSS + ["R. Alvarez", "2026-03-09T08:00", "", ""]])
    assert first.exit_code == 0, first.output
    copper = ["CT0000001", "001", "01042", "C-7", "2026-03-10T08:00", "0.20", "mg/L", "composite"]
    second = _import(runner, tmp_path, [copper + ["", "", "2026-03-10T08:00", "split for metals"]], "s.csv")
    assert second.exit_code == 0, second.output
    sample = db.session.scalar(select(Sample).where(Sample.sample_code == "C-7"))
    assert (sample.collector, sample.field_notes) == ("R. Alvarez", "split for metals")
    assert sample.composite_start.astimezone(timezone.utc) == datetime(2026, 3, 9, 12, tzinfo=timezone.utc)
    assert sample.composite_end.astimezone(timezone.utc) == datetime(2026, 3, 10, 12, tzinfo=timezone.utc)
    # Filling a blank is a change of a compliance record, so it is in the audit trail.
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.entity == "sample", AuditEntry.action == "update")) == 1


def test_a_row_that_changes_the_recorded_collector_is_refused_naming_the_field(runner, db, npdes, tmp_path):
    assert _import(runner, tmp_path, [TSS + ["R. Alvarez", "", "", ""]]).exit_code == 0
    copper = ["CT0000001", "001", "01042", "C-7", "2026-03-10T08:00", "0.20", "mg/L", "composite"]
    refused = _import(runner, tmp_path, [copper + ["J. Smith", "", "", ""]], "s.csv")
    assert refused.exit_code == 1
    assert "row 2, column collector 'J. Smith'" in refused.output, refused.output
    assert "already records collector 'R. Alvarez'" in refused.output
    assert db.session.scalar(select(func.count(Result.id))) == 1
    assert db.session.scalar(select(Sample.collector)) == "R. Alvarez"


def test_two_rows_giving_one_new_sample_different_collectors_are_refused_before_anything_is_stored(
        runner, db, npdes, tmp_path):
    copper = ["CT0000001", "001", "01042", "C-7", "2026-03-10T08:00", "0.20", "mg/L", "composite"]
    zinc = ["CT0000001", "001", "01092", "C-7", "2026-03-10T08:00", "0.10", "mg/L", "composite"]
    refused = _import(runner, tmp_path, [TSS + ["R. Alvarez", "", "", ""], copper + ["", "", "", "split"],
                                         zinc + ["J. Smith", "", "", ""]])
    assert refused.exit_code == 1
    assert "row 4, column collector 'J. Smith': row 2 gives this sample another collector" in refused.output, (
        refused.output)
    assert "Traceback" not in refused.output
    assert db.session.scalar(select(func.count(Result.id))) == 0
    assert db.session.scalar(select(func.count(Sample.id))) == 0
    # The same collector again, and a blank a later row fills, are one field record.
    agreed = _import(runner, tmp_path, [TSS + ["R. Alvarez", "", "", ""], copper + ["R. Alvarez", "", "", "split"]],
                     "agreed.csv")
    assert agreed.exit_code == 0, agreed.output
    assert db.session.scalar(select(Sample.field_notes)) == "split"


def test_compositing_that_ends_before_it_began_is_a_row_error(runner, db, npdes, tmp_path):
    refused = _import(runner, tmp_path, [TSS + ["", "2026-03-10T08:00", "2026-03-09T08:00", ""]])
    assert refused.exit_code == 1 and "composite_end" in refused.output and "before composite_start" in refused.output
    assert db.session.scalar(select(func.count(Sample.id))) == 0


def test_the_api_lists_the_field_record_with_each_result(client, db, npdes, make_user):
    from app.services.users import issue_api_token

    user = make_user("labtech")
    headers = {"Authorization": f"Bearer {issue_api_token(db.session, user)}"}
    db.session.commit()
    posted = client.post("/api/v1/results", headers=headers, json=dict(zip(HEADER, TSS + [
        "R. Alvarez", "2026-03-09T08:00", "2026-03-10T08:00", "tubing replaced"])))
    assert posted.status_code == 201, posted.get_data(as_text=True)
    listed = client.get("/api/v1/results", headers=headers).get_json()["results"][0]
    assert (listed["collector"], listed["field_notes"]) == ("R. Alvarez", "tubing replaced")
    assert listed["composite_end"] == "2026-03-10T08:00:00-04:00"
