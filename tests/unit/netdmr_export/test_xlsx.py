"""The printable workbook read back with openpyxl: sheets, values, limits, highlighting, text ids, page setup."""
from __future__ import annotations

import io

import openpyxl
import pytest

from netdmr_export import build_xlsx

from .form_sheet import slot_cells

VIOLATION_FILL = "FFFFC7CE"


@pytest.fixture
def workbook(report):
    return openpyxl.load_workbook(io.BytesIO(build_xlsx(report)))


def test_a_cover_then_one_sheet_per_outfall(workbook):
    assert workbook.sheetnames == ["Cover", "Outfall 001", "Outfall 002"]


def test_value_and_limit_cells(workbook):
    tss = slot_cells(workbook["Outfall 001"])["00530"]
    assert (tss["C2"]["qualifier"].value, tss["C2"]["value"].value, tss["C2"]["unit"].value) == ("=", "27", "mg/L")
    assert tss["C2"]["limit"].value == "30"
    assert tss["Q2"]["value"].value == "95.0"  # the reported digits, trailing zero kept
    flow = slot_cells(workbook["Outfall 001"])["50050"]
    assert flow["Q1"]["limit"].value == "Req Mon"


def test_only_violations_are_highlighted(workbook):
    tss = slot_cells(workbook["Outfall 001"])["00530"]
    assert tss["C3"]["value"].fill.fgColor.rgb == VIOLATION_FILL
    assert tss["C3"]["value"].font.b
    assert tss["Q2"]["value"].fill.fgColor.rgb == VIOLATION_FILL
    assert tss["C2"]["value"].fill.fgColor.rgb != VIOLATION_FILL
    assert tss["C1"]["value"].fill.fgColor.rgb != VIOLATION_FILL


def test_ids_are_text_cells(workbook):
    sheet = workbook["Outfall 001"]
    codes = [cell for cell in sheet["A"] if cell.value == "00530"]
    assert codes and codes[0].data_type == "s"
    outfall = [cell for row in sheet.iter_rows(max_row=4) for cell in row if cell.value == "001"]
    assert outfall and outfall[0].data_type == "s"
    cover = workbook["Cover"]
    assert [c.value for c in cover["B"] if c.value == "CT0000001"] == ["CT0000001"]


def test_nodis_are_shown_as_codes(workbook):
    chlorine = slot_cells(workbook["Outfall 001"])["50060"]
    assert chlorine["C3"]["value"].value == "NODI 9"
    texts = [c.value for row in workbook["Outfall 002"].iter_rows() for c in row if isinstance(c.value, str)]
    assert "No data indicator for the whole DMR: NODI C (No Discharge)" in texts
    assert "NODI codes: C = No Discharge" in texts


def test_the_cover_has_the_certification_and_blank_lines_to_sign(workbook, report):
    cover = workbook["Cover"]
    labels = {row[0].value: row for row in cover.iter_rows() if row[0].value}
    assert labels["Facility"][1].value == "Example Metal Finishing"
    assert labels["Due"][1].value == "2026-03-15"
    assert report.certification_text in [row[0].value for row in cover.iter_rows()]
    for line in ("Name of principal executive officer or authorized agent", "Title", "Signature", "Date signed"):
        assert labels[line][1].value is None, f"{line} must be left blank to sign"
        assert labels[line][1].border.bottom.style == "thin"


def test_outfall_sheets_are_print_ready(workbook):
    for name in ("Outfall 001", "Outfall 002"):
        sheet = workbook[name]
        assert sheet.page_setup.orientation == "landscape"
        assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
        assert sheet.page_setup.fitToWidth in (None, 1) and sheet.page_setup.fitToHeight == 0
        assert sheet.print_title_rows == "$7:$9"


def test_an_outfall_under_two_limit_sets_gets_two_sheets(report):
    from dataclasses import replace

    second = replace(report.outfalls[0], limit_set="B")
    book = openpyxl.load_workbook(io.BytesIO(build_xlsx(replace(report, outfalls=(*report.outfalls, second)))))
    assert book.sheetnames == ["Cover", "Outfall 001 A", "Outfall 002", "Outfall 001 B"]
