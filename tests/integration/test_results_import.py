"""`results import` as CONTRACTS.md sections 2 and 4: all-or-nothing, row-level messages, idempotent, corrections."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from app.models.audit import AuditEntry
from app.models.compliance import Exceedance
from app.models.monitoring import Result, ResultRevision, Sample
from app.services.permits import import_permit_definition
from tests.factories import EXAMPLES, permit_document

HEADER = ["permit", "outfall", "parameter_code", "sample_id", "sampled_at", "value", "qualifier", "unit", "rl",
          "received_at"]
GOOD = ["CT0000001", "001", "00530", "L-1", "2026-03-10T08:00", "22", "", "mg/L", "4.0", "2026-03-12T10:00"]


@pytest.fixture
def npdes(db):
    import_permit_definition(db.session, permit_document("npdes"))
    db.session.commit()


def _write(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _counts(db) -> tuple[int, int, int]:
    return (db.session.scalar(select(func.count(Result.id))), db.session.scalar(select(func.count(ResultRevision.id))),
            db.session.scalar(select(func.count(Sample.id))))


def test_the_shared_example_imports_and_reimports_unchanged(runner, db):
    assert runner.invoke(args=["permits", "import", str(EXAMPLES / "permit-npdes-example.json")]).exit_code == 0
    first = runner.invoke(args=["results", "import", str(EXAMPLES / "results-example.csv")])
    assert first.exit_code == 0, first.output
    assert first.output.strip().endswith("imported 5, unchanged 0, rejected 0")
    # Two parameters of one lab sample share one Sample row.
    assert _counts(db) == (5, 5, 4)
    again = runner.invoke(args=["results", "import", str(EXAMPLES / "results-example.csv")])
    assert again.output.strip().endswith("imported 0, unchanged 5, rejected 0")
    assert _counts(db) == (5, 5, 4)
    j = db.session.scalars(select(ResultRevision).where(ResultRevision.qualifier == "J")).one()
    assert (j.value, j.unit, j.mdl, j.rl) == ("0.8", "ug/L", "0.3", "1.0")


@pytest.mark.parametrize("row, expected", [
    (["NOPE", "001", "00530", "L-2", "2026-03-10", "1", "", "mg/L", "", ""], "row 3, column permit 'NOPE': no permit"),
    (["CT0000001", "1", "00530", "L-2", "2026-03-10", "1", "", "mg/L", "", ""], "column outfall '1'"),
    (["CT0000001", "001", "99999", "L-2", "2026-03-10", "1", "", "mg/L", "", ""], "does not monitor 99999"),
    (["CT0000001", "001", "00530", "L-2", "10/03/2026", "1", "", "mg/L", "", ""],
     "column sampled_at '10/03/2026': expected an ISO 8601"),
    (["CT0000001", "001", "00530", "L-2", "2026-03-10", "twelve", "", "mg/L", "", ""],
     "column value 'twelve': expected a decimal number"),
    (["CT0000001", "001", "00530", "L-2", "2026-03-10", "1", "ND", "mg/L", "", ""], "column qualifier 'ND'"),
    (["CT0000001", "001", "00530", "L-2", "2026-03-10", "1", "", "furlongs", "", ""], "column unit 'furlongs'"),
    (["CT0000001", "001", "00530", "L-1", "2026-03-10T08:00", "22", "", "mg/L", "4.0", ""],
     "row 3, column sample_id 'L-1': duplicate of row 2"),
    (["CT0000001", "001", "00530", "L-2", "2025-03-10", "1", "", "mg/L", "", ""], "before permit CT0000001 took effect"),
])
def test_each_bad_row_is_named_and_nothing_is_stored(runner, db, npdes, tmp_path, row, expected):
    file = _write(tmp_path / "bad.csv", [GOOD, row])
    result = runner.invoke(args=["results", "import", str(file)])
    assert result.exit_code == 1
    assert expected in result.output, result.output
    assert "nothing was stored" in result.output
    assert result.output.strip().endswith("imported 0, unchanged 0, rejected 1")
    assert _counts(db) == (0, 0, 0)


def test_skip_invalid_stores_the_good_rows(runner, db, npdes, tmp_path):
    file = _write(tmp_path / "mixed.csv", [GOOD, ["CT0000001", "001", "00530", "L-2", "2026-03-11", "x", "", "mg/L",
                                                  "", ""]])
    result = runner.invoke(args=["results", "import", str(file), "--skip-invalid"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("imported 1, unchanged 0, rejected 1")
    assert _counts(db) == (1, 1, 1)


def test_dry_run_checks_and_stores_nothing(runner, db, npdes, tmp_path):
    result = runner.invoke(args=["results", "import", str(_write(tmp_path / "ok.csv", [GOOD])), "--dry-run"])
    assert result.exit_code == 0 and "imported 1, unchanged 0, rejected 0 (dry run" in result.output
    assert _counts(db) == (0, 0, 0)


@pytest.mark.parametrize("header, message", [
    (HEADER + ["colour"], "unknown column(s) 'colour'"),
    ([h for h in HEADER if h != "unit"], "missing required column(s) unit"),
    (HEADER + ["unit"], "column(s) unit appear more than once"),
])
def test_a_bad_header_refuses_the_whole_file(runner, db, npdes, tmp_path, header, message):
    rows = [GOOD + [""] * (len(header) - len(HEADER))] if len(header) >= len(HEADER) else [GOOD[:len(header)]]
    result = runner.invoke(args=["results", "import", str(_write(tmp_path / "h.csv", rows, header))])
    assert result.exit_code == 1 and message in result.output
    assert _counts(db) == (0, 0, 0)


def test_a_conflict_needs_a_reason_and_a_user(runner, db, npdes, tmp_path, make_user):
    runner.invoke(args=["results", "import", str(_write(tmp_path / "a.csv", [GOOD]))])
    changed = GOOD[:5] + ["65"] + GOOD[6:]
    result = runner.invoke(args=["results", "import", str(_write(tmp_path / "b.csv", [changed]))])
    assert result.exit_code == 1 and "already stored with other values" in result.output
    user = make_user("labtech")
    with_reason = _write(tmp_path / "c.csv", [changed + ["lab reissued the report"]], HEADER + ["correction_reason"])
    assert runner.invoke(args=["results", "import", str(with_reason)]).exit_code == 1  # no --as: refused
    result = runner.invoke(args=["results", "import", str(with_reason), "--as", user.email])
    assert result.exit_code == 0, result.output
    assert _counts(db) == (1, 2, 1)
    revision = db.session.scalars(select(ResultRevision).where(ResultRevision.revision == 2)).one()
    assert (revision.value, revision.reason, revision.entered_by_id) == ("65", "lab reissued the report", user.id)
    # The correction put TSS over its 60 mg/L daily maximum: evaluated in the same transaction.
    assert db.session.scalars(select(Exceedance).where(Exceedance.statistical_base == "daily_maximum")).one()
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.reason == "lab reissued the report"))


def test_xlsx_with_the_same_header_is_accepted(runner, db, npdes, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append(["CT0000001", "001", "00530", "X-1", "2026-03-10T08:00", "22.5", None, "mg/L", 4, None])
    workbook.save(tmp_path / "r.xlsx")
    result = runner.invoke(args=["results", "import", str(tmp_path / "r.xlsx")])
    assert result.exit_code == 0, result.output
    assert db.session.scalars(select(ResultRevision.value)).one() == "22.5"


def test_a_file_that_is_not_a_results_file_is_refused(runner, db, npdes, tmp_path):
    (tmp_path / "r.xlsx").write_bytes(b"not a workbook")
    assert "not a readable .xlsx" in runner.invoke(args=["results", "import", str(tmp_path / "r.xlsx")]).output
    (tmp_path / "r.txt").write_text("x")
    assert "expected a .csv or .xlsx" in runner.invoke(args=["results", "import", str(tmp_path / "r.txt")]).output
    (tmp_path / "latin.csv").write_bytes(",".join(HEADER).encode() + b"\nCT0000001,001,00530,\xe9,2026-03-10,1,,mg/L,,\n")
    assert "not UTF-8" in runner.invoke(args=["results", "import", str(tmp_path / "latin.csv")]).output
    assert _counts(db) == (0, 0, 0)


def test_a_workbook_with_a_damaged_sheet_is_refused_cleanly(runner, db, npdes, tmp_path):
    import zipfile

    workbook = Workbook()
    workbook.active.append(HEADER)
    workbook.save(tmp_path / "ok.xlsx")
    with zipfile.ZipFile(tmp_path / "ok.xlsx") as source, zipfile.ZipFile(tmp_path / "bad.xlsx", "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]  # cut the sheet XML in half
            target.writestr(item, data)
    result = runner.invoke(args=["results", "import", str(tmp_path / "bad.xlsx")])
    assert result.exit_code == 1 and "not a readable .xlsx workbook" in result.output
    assert _counts(db) == (0, 0, 0)
