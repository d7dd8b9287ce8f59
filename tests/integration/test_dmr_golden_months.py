"""The demo's year of results as DMR files, byte for byte: a guard that speed work changes no value, flag or byte.

The golden files under tests/integration/golden/ were written by this test against commit c277dcf
(before the DMR build was reworked for speed) with OUTFALL_WRITE_DMR_GOLDEN=1; they are never
rewritten to make a change pass. A real change of a value is explained in its commit, with the
RULES.md rule that makes the old value wrong, and the files are rewritten in that commit.
"""
from __future__ import annotations

import json
import os
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from app.models.permit import Permit
from app.services.demo import load_demo
from app.services.dmr_build import DmrError, build_dmr
from app.services.dmr_files import render_dmr
from app.services.report_views import recent_periods

GOLDEN = Path(__file__).parent / "golden"
TODAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)
# Every format whose bytes depend only on the report (XLSX zips carry the time they were written).
FORMATS = {"json": "json", "icis-xml": "xml", "netdmr-csv": "csv"}


def _months(db) -> list[tuple[str, str]]:
    """(permit, period) of each demo permit's last seven periods: the planted exceedances are in them."""
    load_demo(db.session, TODAY)
    db.session.commit()
    chosen = []
    for permit in db.session.scalars(select(Permit).order_by(Permit.number)):
        frequency = permit.latest_version.reporting_frequency
        chosen += [(permit.number, p.label) for p in recent_periods(frequency, TODAY, 6)]
    return chosen


def test_the_demo_year_builds_byte_identical_dmr_files(db):
    """CALC-01..CALC-12, ND-01..ND-07, NODI and the pre-submission flags of a rich year, as files."""
    write = os.environ.get("OUTFALL_WRITE_DMR_GOLDEN") == "1"
    months = _months(db)
    assert len(months) >= 7
    compared = 0
    built_months = []
    for number, label in months:
        try:
            built = build_dmr(db.session, number, label)
        except DmrError:
            continue  # a semiannual period before the permit took effect
        built_months.append((number, label))
        for fmt, extension in FORMATS.items():
            try:
                data = render_dmr(built, fmt, now=NOW, contact="dmr-golden@example.com")
            except ValueError as error:  # a format the permit's units cannot fill is itself part of the record
                data = f"refused: {error}\n".encode()
            path = GOLDEN / f"{number}_{label}.{extension}"
            if write:
                path.write_bytes(data)
                continue
            assert path.exists(), f"no golden file {path.name}: write them at c277dcf, not now"
            assert data == path.read_bytes(), f"{path.name} differs from the golden file"
            compared += 1
    if write:
        pytest.skip("golden files written")
    # The year is rich: values, violations and review flags in every permit's months.
    documents = [json.loads((GOLDEN / f"{n}_{p}.json").read_bytes()) for n, p in built_months]
    assert sum(d["violations"] for d in documents) > 0
    assert {f["code"] for d in documents for f in d["flags"]} >= {
        "FIGURES_BEYOND_LAB_PRECISION", "MONITORING_FREQUENCY_NOT_MET", "WEEK_USES_OTHER_PERIOD_SAMPLES"}
    assert len(built_months) >= 9 and compared == len(built_months) * len(FORMATS)
