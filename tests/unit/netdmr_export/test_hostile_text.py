"""Hostile free text in the upload files: no live formula in CSV or XLSX, XML that parses and validates."""
from __future__ import annotations

import csv
import io
from dataclasses import replace

import openpyxl
import pytest
from lxml import etree

from netdmr_export import Flag, OutfallReport, ReportError, SlotValue, build_icis_xml, build_netdmr_csv, build_xlsx
from netdmr_export.text_cells import spreadsheet_text, xml_text

from .conftest import sample_header, sample_report, tss
from .test_icis_xml import NS, XSD

ATTACK = "=cmd|' /C calc'!A0"
MARKUP = "a < b & c ]]> d <![CDATA[x]]> </ReportCommentText>"
CONTROLS = "\x00\x01\x08\x0b\x0c\x1b\ufffe\udc00"  # none of them allowed in XML 1.0 (DEL is)


def _hostile_report():
    temperature = SlotValue("C1", "daily_minimum", "-0.5", "=", "mg/L", None, "-1.0", False, None)
    parameter = replace(tss(), values=(*tss().values[:4], temperature), comment=f"@SUM(1) {MARKUP}",
                        name="+1+1", sample_type=ATTACK, frequency="-1/7",
                        flags=(Flag("ESTIMATED_FLOW", "=HYPERLINK(\"http://evil.example\",\"click\")", "00530", "Q2"),))
    return sample_report(outfalls=(OutfallReport("001", "A", None, (parameter,)),), comments=ATTACK,
                         facility_name="@SUM(1)", certification_text="+1+1 I certify")


def _cells(book):
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row if cell.value is not None]


@pytest.mark.parametrize("text, expected", [
    (ATTACK, "'" + ATTACK), ("@SUM(1)", "'@SUM(1)"), ("+1+1", "'+1+1"), ("-2+3", "'-2+3"), ("\tx", "'\tx"),
    ("\rx", "'\rx"), ("-0.5", "-0.5"), ("+3", "+3"), ("1E-3", "1E-3"), ("a=b", "a=b"), ("", ""),
])
def test_spreadsheet_text(text, expected):
    assert spreadsheet_text(text) == expected


def test_no_xlsx_cell_is_a_formula_and_hostile_text_starts_with_a_quote():
    book = openpyxl.load_workbook(io.BytesIO(build_xlsx(_hostile_report())))
    cells = _cells(book)
    assert not [c.coordinate for c in cells if c.data_type == "f"], "a text cell became a live formula"
    texts = [c.value for c in cells if isinstance(c.value, str)]
    for hostile in (ATTACK, "@SUM(1)", "+1+1 I certify", "+1+1", "=HYPERLINK(\"http://evil.example\",\"click\")"):
        assert "'" + hostile in texts, hostile
    assert any(t.startswith("'" + ATTACK) and "'@SUM(1)" not in t and "@SUM(1)" in t for t in texts)  # the notes
    # What is left starting with a formula sign: the "=" qualifier (a code, not a formula) and the numbers.
    assert {t for t in texts if t.startswith(("=", "+", "-", "@"))} == {"=", "-0.5", "-1.0"}


def test_xlsx_numbers_stay_numbers():
    sheet = openpyxl.load_workbook(io.BytesIO(build_xlsx(_hostile_report())))["Outfall 001"]
    values = [c.value for row in sheet.iter_rows() for c in row]
    # The reported value and the limit keep their printed digits, unquoted; the excursion count stays a number.
    assert "-0.5" in values and "-1.0" in values and "'-0.5" not in values
    assert 2 in values


def test_netdmr_csv_quotes_hostile_text_and_leaves_values_and_qualifiers():
    rows = list(csv.DictReader(io.StringIO(build_netdmr_csv(_hostile_report()).decode("utf-8"))))
    assert rows[0]["sample_type"] == "'" + ATTACK and rows[0]["frequency_of_analysis"] == "'-1/7"
    assert (rows[0]["conc_1_value"], rows[0]["conc_1_qualifier"]) == ("-0.5", "=")
    assert rows[0]["permit_id"] == "CT0000001" and rows[0]["permitted_feature_id"] == "001"


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    if not XSD.parent.is_dir():
        pytest.skip(f"ICIS-NPDES schema not found at {XSD.parent}")
    return etree.XMLSchema(etree.parse(str(XSD)))


def test_markup_and_control_characters_in_comments_give_valid_xml(schema):
    report = replace(_hostile_report(), comments=f"{MARKUP}{CONTROLS} end")
    header = replace(sample_header(), author=f"Pat{CONTROLS} <Operator> & Co", comment=f"]]>{CONTROLS}")
    document = etree.fromstring(build_icis_xml(report, header=header))
    assert schema.validate(document), "\n".join(str(e) for e in schema.error_log)
    comment = document.find(".//i:ReportCommentText", NS).text
    # Every visible character survives, markup as text; only what XML 1.0 cannot carry is gone.
    assert comment.startswith(f"{MARKUP} end\n00530 (1): @SUM(1) {MARKUP}")
    assert document.find(".//i:Author", NS).text == "Pat <Operator> & Co"
    assert document.find(".//i:Comment", NS).text == "]]>"


def test_a_comment_of_control_characters_only_is_left_out(schema):
    parameter = replace(tss(), comment=None)
    report = sample_report(outfalls=(OutfallReport("001", "A", None, (parameter,)),), comments=CONTROLS)
    document = etree.fromstring(build_icis_xml(report, header=sample_header()))
    assert schema.validate(document), "\n".join(str(e) for e in schema.error_log)
    assert document.find(".//i:ReportCommentText", NS) is None


def test_a_control_character_in_an_id_is_refused_naming_the_element():
    parameter = replace(tss(), monitoring_location="1\x01")
    report = sample_report(outfalls=(OutfallReport("001", "A", None, (parameter,)),))
    with pytest.raises(ReportError, match="MonitoringSiteDescriptionCode: '1\\\\x01' contains characters"):
        build_icis_xml(report, header=sample_header())


def test_xml_text_keeps_tabs_and_line_breaks():
    assert xml_text("a\tb\nc\rd\x00e\ud800f\U0001F600") == "a\tb\nc\rdef\U0001F600"
