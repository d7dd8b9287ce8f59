"""Stored hostile text reaching the DMR files: quoted in CSV/XLSX, valid ICIS XML, numbers left as numbers."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timezone
from pathlib import Path

import pytest
from lxml import etree
from openpyxl import load_workbook

from app.services.dmr_build import build_dmr
from app.services.dmr_files import render_dmr
from app.services.permits import import_permit_definition
from app.services.results import record_result
from tests.factories import permit_document

ATTACK = "=cmd|' /C calc'!A0"
XSD = Path(__file__).resolve().parents[2].parent / "shared" / "domain" / "icis_npdes_5.14_xsd" / "index.xsd"
NS = {"i": "http://www.exchangenetwork.net/schema/icis/5"}
NOW = datetime(2026, 4, 1, tzinfo=timezone.utc)


def _permit(db, facility: str, certification: str) -> None:
    document = permit_document("npdes")
    document["facility"]["name"] = facility
    document["permit"]["certification_text"] = certification
    document["permit"]["outfalls"][0]["description"] = f"{ATTACK} <b>&amp; ]]>"
    import_permit_definition(db.session, document)
    record_result(db.session, {"permit": "CT0000001", "outfall": "001", "parameter_code": "00530",
                               "sample_id": ATTACK, "sampled_at": "2026-03-03T08:00", "value": "22", "unit": "mg/L",
                               "notes": ATTACK, "received_at": "2026-03-31T12:00"}, now=NOW)
    db.session.commit()


def test_stored_formula_text_is_quoted_in_the_dmr_workbook_and_csv(db):
    _permit(db, facility=ATTACK, certification="@SUM(1) I certify under penalty of law")
    built = build_dmr(db.session, "CT0000001", "2026-03")
    book = load_workbook(io.BytesIO(render_dmr(built, "xlsx", now=NOW)))
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert "'" + ATTACK in texts and "'@SUM(1) I certify under penalty of law" in texts
    assert ATTACK not in texts
    assert "22" in texts  # the TSS result as reported, not quoted
    assert any(isinstance(c.value, int) and not isinstance(c.value, bool) for c in cells)  # the excursion counts
    rows = list(csv.DictReader(io.StringIO(render_dmr(built, "netdmr-csv").decode("utf-8"))))
    assert next(r for r in rows if r["parameter_cd"] == "00530")["conc_3_value"] == "22"


def test_stored_markup_and_control_characters_give_schema_valid_icis_xml(db):
    if not XSD.parent.is_dir():
        pytest.skip(f"ICIS-NPDES schema not found at {XSD.parent}")
    # Markup only: the permit import refuses control characters, and netdmr_export's own tests cover them.
    _permit(db, facility="Smith & Sons <Plating> ]]> Inc", certification="I certify")
    built = build_dmr(db.session, "CT0000001", "2026-03")
    document = etree.fromstring(render_dmr(built, "icis-xml", now=NOW))
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    assert schema.validate(document), schema.error_log
    assert document.find(".//i:Author", NS).text == "Smith & Sons <Plating> ]]> Inc"


def test_stored_formula_text_is_quoted_in_the_binder_tables_and_numbers_stay_plain(db, tmp_path):
    import zipfile
    from datetime import date

    from app.services.binder import write_binder

    _permit(db, facility="Example Metal Finishing", certification="I certify")
    record_result(db.session, {"permit": "CT0000001", "outfall": "001", "parameter_code": "00530",
                               "sample_id": "@SUM(1)", "sampled_at": "2026-03-04T08:00", "value": "-0.5",
                               "unit": "mg/L", "lab": "+1+1", "analyst": "-2+3", "chain_of_custody": ATTACK,
                               "method": "=SM(2540)", "received_at": "2026-03-31T12:00"}, now=NOW)
    db.session.commit()
    out = io.BytesIO()
    write_binder(db.session, out, first=date(2026, 3, 1), last=date(2026, 3, 31), store=tmp_path, now=NOW,
                 generated_by="test")
    archive = zipfile.ZipFile(out)
    rows = list(csv.DictReader(io.StringIO(archive.read("results/results.csv").decode("utf-8"))))
    quoted = next(r for r in rows if r["sample_id"] == "'@SUM(1)")
    assert (quoted["lab"], quoted["analyst"], quoted["chain_of_custody"], quoted["method"]) == (
        "'+1+1", "'-2+3", "'" + ATTACK, "'=SM(2540)")
    assert quoted["value"] == "-0.5"  # a number, not a formula: left as reported
    first = next(r for r in rows if r["sample_id"] == "'" + ATTACK)
    assert first["notes"] == "'" + ATTACK
    sheet = load_workbook(io.BytesIO(archive.read("results/results.xlsx")))["results"]
    cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = {c.value for c in cells}
    assert {"'@SUM(1)", "'" + ATTACK, "'+1+1", "-0.5"} <= texts
