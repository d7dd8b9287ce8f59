"""import_results streams: each pass reads the rows one at a time, so a file of any length is never held whole."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

import app.services.result_import as result_import
from app.services.permits import import_permit_definition
from tests.factories import permit_document

ROWS = 60
NOW = datetime(2026, 11, 1, tzinfo=timezone.utc)


@pytest.fixture
def npdes(db):
    import_permit_definition(db.session, permit_document("npdes"))
    db.session.commit()


@pytest.mark.parametrize("dry_run", [True, False])
def test_rows_are_read_one_at_a_time_in_each_pass(db, npdes, monkeypatch, dry_run):
    produced, lags, passes = [0], [], [0]

    def rows():
        passes[0] += 1
        produced[0] = 0
        for number in range(1, ROWS + 1):
            produced[0] += 1
            yield number, {"permit": "CT0000001", "outfall": "001", "parameter_code": "00530",
                           "sample_id": f"S-{number}", "value": "12", "unit": "mg/L",
                           "sampled_at": (date(2026, 3, 1) + timedelta(days=number % 28)).isoformat()}

    handled = [0]
    real_plan = result_import.plan_result

    def plan_result(session, raw, **kwargs):
        # How far the reader has run ahead of the row being checked or stored: one row means streaming.
        handled[0] += 1
        lags.append(produced[0] - (handled[0] - (passes[0] - 1) * ROWS))
        return real_plan(session, raw, **kwargs)

    monkeypatch.setattr(result_import, "plan_result", plan_result)
    report = result_import.import_results(db.session, rows, now=NOW, dry_run=dry_run)
    assert report.imported == ROWS and not report.problems
    assert passes[0] == (1 if dry_run else 2)
    assert len(lags) == ROWS * passes[0] and max(lags) == 0 and min(lags) == 0
