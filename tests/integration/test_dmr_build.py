"""`dmr build --format json` (CONTRACTS.md section 5) from stored results, and `dmr set-nodi`."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from app.models.report import NodiDeclaration
from app.services.permits import import_permit_definition
from app.services.results import record_result
from tests.factories import permit_document

NOW = datetime(2026, 4, 1, tzinfo=timezone.utc)


@pytest.fixture
def npdes(db):
    import_permit_definition(db.session, permit_document("npdes"))
    db.session.commit()


def _store(db, code, sample_id, day, value, unit="mg/L", qualifier=""):
    record_result(db.session, {"permit": "CT0000001", "outfall": "001", "parameter_code": code,
                               "sample_id": sample_id, "sampled_at": day, "value": value, "unit": unit,
                               "qualifier": qualifier, "received_at": "2026-03-31T12:00"}, now=NOW)


def _build(runner, period="2026-03"):
    result = runner.invoke(args=["dmr", "build", "--permit", "CT0000001", "--period", period, "--format", "json",
                                 "--out", "-"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_a_hand_worked_month_as_the_contract_shapes_it(runner, db, npdes):
    """CALC-02/04 and ND-02/ND-07 through the stored data: copper 0.30, <0.10 (=0), 1.4 -> avg 0.57, max 1.4."""
    for sample_id, day, value, qualifier in (("C1", "2026-03-03T08:00", "0.30", ""),
                                             ("C2", "2026-03-10T08:00", "0.10", "<"),
                                             ("C3", "2026-03-17T08:00", "1.4", "")):
        _store(db, "01042", sample_id, day, value, qualifier=qualifier)
    db.session.commit()
    document = _build(runner)
    assert list(document) == ["permit", "version", "program", "period", "due", "outfalls", "violations", "flags"]
    assert (document["permit"], document["version"], document["program"]) == ("CT0000001", 1, "npdes")
    assert document["period"] == {"start": "2026-03-01", "end": "2026-03-31"} and document["due"] == "2026-04-15"
    outfall = document["outfalls"][0]
    assert (outfall["outfall"], outfall["limit_set"], outfall["nodi"]) == ("001", "A", None)
    copper = next(p for p in outfall["parameters"] if p["code"] == "01042")
    assert copper["values"]["C2"] == {"statistical_base": "monthly_average", "value": "0.57", "qualifier": "=",
                                      "unit": "mg/L", "limit": "0.50", "violation": True, "nodi": None}
    assert copper["values"]["C3"]["value"] == "1.4" and copper["values"]["C3"]["violation"] is True
    assert (copper["monitoring_location"], copper["season"], copper["samples"], copper["excursions"]) == ("1", 0, 3, 1)
    assert document["violations"] >= 2
    # Parameters without data this month are neither blank nor silent: they ask for a NODI.
    zinc = next(p for p in outfall["parameters"] if p["code"] == "01092")
    assert {f["code"] for f in zinc["flags"]} >= {"NODI_REQUIRED"}


def test_set_nodi_c_for_an_outfall_empties_its_values(runner, db, npdes):
    """NODI-01: C for the whole outfall: values null with NODI C, no violation."""
    result = runner.invoke(args=["dmr", "set-nodi", "--permit", "CT0000001", "--period", "2026-03", "--outfall", "002",
                                 "--code", "C", "--reason", "no discharge all month"])
    assert result.exit_code == 0, result.output
    outfall = _build(runner)["outfalls"][1]
    assert outfall["nodi"] == "C"
    assert all(v["value"] is None and v["nodi"] == "C" for p in outfall["parameters"] for v in p["values"].values())


def test_a_parameter_nodi_d_replaces_an_earlier_one_and_is_flagged(runner, db, npdes):
    """NODI-03: D (lost sample) leaves a required value missing; a later declaration supersedes, audited."""
    base = ["dmr", "set-nodi", "--permit", "CT0000001", "--period", "2026-03", "--outfall", "001",
            "--parameter", "01092", "--reason"]
    assert runner.invoke(args=base + ["bottle broke", "--code", "E"]).exit_code == 0
    assert runner.invoke(args=base + ["lab lost it", "--code", "d"]).exit_code == 0
    statuses = sorted((d.code, d.status) for d in db.session.scalars(select(NodiDeclaration)))
    assert statuses == [("D", "active"), ("E", "superseded")]
    zinc = next(p for p in _build(runner)["outfalls"][0]["parameters"] if p["code"] == "01092")
    assert all(v["nodi"] == "D" and v["value"] is None for v in zinc["values"].values())
    assert "NODI_MISSING_DATA" in {f["code"] for f in zinc["flags"]}


@pytest.mark.parametrize("args, message", [
    (["--period", "2026-Q1"], "reports monthly"),
    (["--period", "2025-12"], "before permit CT0000001 took effect"),
    (["--period", "March"], "--period"),
    (["--outfall", "003"], "no outfall '003'"),
    (["--parameter", "99999"], "does not monitor 99999"),
    (["--code", "Z"], "not a NetDMR NODI code"),
    (["--reason", "  "], "--reason"),
])
def test_set_nodi_refuses_what_it_cannot_declare(runner, db, npdes, args, message):
    options = {"--period": "2026-03", "--outfall": "001", "--code": "D", "--reason": "lost"}
    extra = []
    for flag, value in zip(args[::2], args[1::2]):
        if flag in options:
            options[flag] = value
        else:
            extra += [flag, value]
    argv = ["dmr", "set-nodi", "--permit", "CT0000001"] + [x for kv in options.items() for x in kv] + extra
    result = runner.invoke(args=argv)
    assert result.exit_code == 1 and message in result.output, result.output
    assert db.session.scalars(select(NodiDeclaration)).all() == []


def test_dmr_build_writes_the_file(runner, db, npdes, tmp_path):
    out = tmp_path / "dmr.json"
    result = runner.invoke(args=["dmr", "build", "--permit", "CT0000001", "--period", "2026-03", "--format", "json",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["permit"] == "CT0000001"


XSD = __import__("pathlib").Path(__file__).resolve().parents[3] / "shared" / "domain" / "icis_npdes_5.14_xsd" / "index.xsd"


def test_every_format_is_built_from_the_same_report_and_the_xml_is_schema_valid(runner, db, npdes, tmp_path):
    """CONTRACTS.md 5-7: JSON, ICIS XML (XSD v5.14), NetDMR CSV and XLSX agree on each value."""
    import csv

    from lxml import etree
    from openpyxl import load_workbook

    for sample_id, day, value in (("T1", "2026-03-03T08:00", "22"), ("T2", "2026-03-10T08:00", "72")):
        _store(db, "00530", sample_id, day, value)
    _store(db, "50050", "F1", "2026-03-03", "0.150", unit="MGD")
    db.session.commit()
    files = {}
    for fmt in ("json", "icis-xml", "netdmr-csv", "xlsx"):
        out = tmp_path / f"dmr.{fmt}"
        result = runner.invoke(args=["dmr", "build", "--permit", "CT0000001", "--period", "2026-03", "--format", fmt,
                                     "--out", str(out)])
        assert result.exit_code == 0, result.output
        files[fmt] = out
    document = json.loads(files["json"].read_text())
    tss = next(p for p in document["outfalls"][0]["parameters"] if p["code"] == "00530")
    assert tss["values"]["C3"]["value"] == "72" and tss["values"]["C3"]["violation"] is True
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    tree = etree.parse(str(files["icis-xml"]))
    assert schema.validate(tree), schema.error_log
    ns = {"i": "http://www.exchangenetwork.net/schema/icis/5"}
    quantities = tree.xpath("//i:ReportParameter[i:ParameterCode='00530']/i:NumericReport"
                            "[i:NumericReportCode='C3']//i:NumericConditionQuantity/text()", namespaces=ns)
    assert quantities == ["72"]
    rows = list(csv.DictReader(files["netdmr-csv"].read_text().splitlines()))
    row = next(r for r in rows if r["parameter_cd"] == "00530")
    assert (row["permitted_feature_id"], row["conc_3_value"], row["conc_3_qualifier"]) == ("001", "72", "=")
    workbook = load_workbook(files["xlsx"])
    assert "Outfall 001" in workbook.sheetnames
    cells = {str(c.value) for row in workbook["Outfall 001"].iter_rows() for c in row if c.value is not None}
    assert "72" in cells


def test_a_unit_without_an_icis_code_is_an_error_not_a_guess(runner, db):
    import_permit_definition(db.session, permit_document("pretreatment"))
    db.session.commit()
    result = runner.invoke(args=["dmr", "build", "--permit", "SP0002345", "--period", "2026-H1", "--format",
                                 "icis-xml", "--out", "-"])
    assert result.exit_code == 1 and "no ICIS unit code is known for unit 'gpd'" in result.output
