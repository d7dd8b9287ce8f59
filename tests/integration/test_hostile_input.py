"""Hostile result rows (CSV, XLSX): every row accepted or refused by row and column, all or nothing, no crash."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy import func, select

from app.domain.result_fields import OPTIONAL, REQUIRED
from app.models.monitoring import Result, ResultRevision, Sample
from app.services.permits import import_permit_definition
from app.services.result_files import ResultFileError, row_reader
from app.services.result_import import import_results
from tests.factories import permit_document

# Each example is a whole import against the real database; a few dozen find what a few thousand would.
HOSTILE = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
NOW = datetime(2026, 3, 20, 12, 0, tzinfo=timezone.utc)
RESULT_TABLES = (Result, ResultRevision, Sample)
GOOD_ROW = {"permit": "CT0000001", "outfall": "001", "parameter_code": "00530", "sample_id": "L-1",
            "sampled_at": "2026-03-10T08:00", "value": "22", "qualifier": "", "unit": "mg/L", "rl": "4.0",
            "received_at": "2026-03-12T10:00"}
SPECIAL = ("NaN", "nan", "Infinity", "-Infinity", "inf", "1e999999", "-0", "1" * 5000, "0x1A", "1_000", "٣", "１２",
           "1,5", " 22 ", "22\x00", "=1+1", "-0.5", "+3", ".5e-3", "9999-12-31T23:59-12:00", "0001-01-01T00:00+14:00",
           "2026-02-30", "2026-03-10T25:00", "\ud800", "\x00", "\x1b[2J", "A" * 81, "A" * 121)


def table_counts(db, tables) -> dict[str, int]:
    return {t.__name__: db.session.scalar(select(func.count()).select_from(t)) for t in tables}


# Text a spreadsheet, a terminal or a parser might choke on: controls, NUL, lone surrogates, bidi marks.
hostile_text = st.one_of(
    st.text(st.characters(codec=None, exclude_categories=()), max_size=40),
    st.sampled_from(SPECIAL),
    st.integers(1, 200_000).map(lambda n: "A" * n),
    st.sampled_from(["\x00", "\x1b[31m", "\u202e001", "\ud800", "<script>", "'; DROP TABLE result; --"]),
)


@pytest.fixture
def npdes(db):
    import_permit_definition(db.session, permit_document("npdes"))
    db.session.commit()


COLUMNS = REQUIRED + OPTIONAL


@st.composite
def hostile_rows(draw) -> list[dict[str, Any]]:
    """One to four rows of the demo permit's TSS, some good, some with hostile cells or missing columns."""
    rows = []
    for number in range(draw(st.integers(1, 4))):
        row = {**GOOD_ROW, "sample_id": f"L-{number}"}
        for _ in range(draw(st.integers(0, 3))):
            column = draw(st.sampled_from(COLUMNS))
            if draw(st.integers(0, 5)) == 0:
                row.pop(column, None)
            else:
                row[column] = draw(st.one_of(hostile_text, st.sampled_from(SPECIAL)))
        rows.append(row)
    return rows


@pytest.mark.parametrize("column, hostile, message", [
    ("notes", "\x00", "control or invalid character"),
    ("permit", "CT0000001\x00", "control or invalid character"),
    ("lab", "\x1b[31mred", "control or invalid character"),
    ("sample_id", "A" * 81, "at most 80 characters"),
    ("value", "1" * 41, "at most 40 characters"),
    ("sampled_at", "9999-12-31T23:59+14:00", "years 1900 to 2199"),
    ("received_at", "9999-12-31T23:59:59-12:00", "years 1900 to 2199"),
    ("analyzed_at", "0001-01-01T00:00+14:00", "years 1900 to 2199"),
])
def test_a_cell_the_database_could_not_store_is_refused_by_row_and_column(db, npdes, tmp_path, column, hostile,
                                                                          message):
    path = tmp_path / "results.csv"
    path.write_bytes(_csv_bytes([{**GOOD_ROW, column: hostile}]))
    report = import_results(db.session, row_reader(lambda: path.open("rb"), path.name), now=NOW)
    assert report.rejected == 1 and not report.stored
    problem = report.problems[0]
    assert (problem.row, problem.column) == (2, column) and message in problem.message
    assert table_counts(db, RESULT_TABLES)["Result"] == 0


def _assert_all_or_nothing(db, before: dict[str, int], call) -> None:
    try:
        report = call()
    except ResultFileError as error:
        assert str(error)
        assert table_counts(db, RESULT_TABLES) == before
        return
    if report.rejected:
        assert report.problems and not report.stored
        for problem in report.problems:
            assert problem.row >= 2 and problem.column and problem.message
        assert table_counts(db, RESULT_TABLES) == before, "a rejected file stored some of its rows"
    else:
        stored = table_counts(db, RESULT_TABLES)["Result"] - before["Result"]
        assert stored == report.imported


def _csv_bytes(rows: list[dict[str, Any]]) -> bytes:
    header = list(dict.fromkeys(key for row in rows for key in row))
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(header)
    writer.writerows([[row.get(key, "") for key in header] for row in rows])
    return text.getvalue().encode("utf-8", "surrogatepass")


def _xlsx_bytes(rows: list[dict[str, Any]]) -> bytes:
    header = list(dict.fromkeys(key for row in rows for key in row))
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        # A workbook cannot hold XML-illegal characters or lone surrogates at all; openpyxl refuses to write them.
        cells = [ILLEGAL_CHARACTERS_RE.sub("", str(row.get(key, ""))).encode("utf-8", "replace").decode()
                 for key in header]
        sheet.append([cell[:32767] for cell in cells])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@HOSTILE
@given(rows=hostile_rows())
def test_hostile_csv_rows_are_all_stored_or_none(db, npdes, tmp_path_factory, rows):
    path = tmp_path_factory.mktemp("csv") / "results.csv"
    path.write_bytes(_csv_bytes(rows))
    before = table_counts(db, RESULT_TABLES)
    try:
        _assert_all_or_nothing(db, before, lambda: import_results(
            db.session, row_reader(lambda: path.open("rb"), path.name), now=NOW, actor_label="hypothesis"))
    finally:
        db.session.rollback()


@HOSTILE
@given(raw=st.one_of(st.binary(max_size=300), st.builds(lambda r, junk: _csv_bytes(r) + junk, hostile_rows(),
                                                         st.binary(max_size=40))))
def test_a_hostile_csv_file_is_refused_or_judged_row_by_row(db, npdes, tmp_path_factory, raw):
    path = tmp_path_factory.mktemp("csv") / "results.csv"
    path.write_bytes(raw)
    before = table_counts(db, RESULT_TABLES)
    try:
        _assert_all_or_nothing(db, before, lambda: import_results(
            db.session, row_reader(lambda: path.open("rb"), path.name), now=NOW, actor_label="hypothesis"))
    finally:
        db.session.rollback()


@HOSTILE
@given(rows=hostile_rows())
def test_hostile_xlsx_rows_are_all_stored_or_none(db, npdes, tmp_path_factory, rows):
    path = tmp_path_factory.mktemp("xlsx") / "results.xlsx"
    path.write_bytes(_xlsx_bytes(rows))
    before = table_counts(db, RESULT_TABLES)
    try:
        _assert_all_or_nothing(db, before, lambda: import_results(
            db.session, row_reader(lambda: path.open("rb"), path.name), now=NOW, actor_label="hypothesis"))
    finally:
        db.session.rollback()


def test_a_rejected_row_leaves_the_good_rows_of_the_file_unstored(db, npdes, tmp_path):
    # The property above is only as good as this: a file with one bad row among good ones stores nothing.
    rows = [GOOD_ROW, {**GOOD_ROW, "sample_id": "L-2", "value": "NaN"}]
    path = tmp_path / "results.csv"
    path.write_bytes(_csv_bytes(rows))
    report = import_results(db.session, row_reader(lambda: path.open("rb"), path.name), now=NOW)
    assert report.rejected == 1 and [str(p).split(":")[0] for p in report.problems] == ["row 3, column value 'NaN'"]
    assert table_counts(db, RESULT_TABLES)["Result"] == 0
