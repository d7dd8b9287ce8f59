"""The JSON, the NetDMR CSV, the workbook and the ICIS XML report the same numbers, qualifiers and NODIs."""
from __future__ import annotations

import csv
import io
import json
from dataclasses import replace

import openpyxl
from lxml import etree

from netdmr_export import build_icis_xml, build_json, build_netdmr_csv, build_xlsx

from .form_sheet import reported, slot_cells

CSV_PREFIX = {"Q1": "quant_1", "Q2": "quant_2", "C1": "conc_1", "C2": "conc_2", "C3": "conc_3"}
NS = {"i": "http://www.exchangenetwork.net/schema/icis/5"}


def from_json(raw: bytes) -> dict:
    found = {}
    for outfall in json.loads(raw)["outfalls"]:
        found[(outfall["outfall"], "")] = outfall["nodi"]
        for parameter in outfall["parameters"]:
            for slot, value in parameter["values"].items():
                found[(outfall["outfall"], parameter["code"], slot)] = (
                    value["qualifier"], value["value"], value["nodi"])
    return found


def from_csv(raw: bytes) -> dict:
    found = {}
    for row in csv.DictReader(io.StringIO(raw.decode("utf-8"), newline="")):
        found[(row["permitted_feature_id"], "")] = row["form_nodi_cd"] or None
        for slot, prefix in CSV_PREFIX.items():
            triple = tuple(row[f"{prefix}_{part}"] or None for part in ("qualifier", "value", "nodi_cd"))
            if row["parameter_cd"] and triple != (None, None, None):
                found[(row["permitted_feature_id"], row["parameter_cd"], slot)] = triple
    return found


def from_xlsx(raw: bytes) -> dict:
    found = {}
    book = openpyxl.load_workbook(io.BytesIO(raw))
    for sheet in book.worksheets[1:]:
        outfall = sheet.title.removeprefix("Outfall ")
        banner = [c.value for row in sheet.iter_rows(max_row=6) for c in row
                  if isinstance(c.value, str) and c.value.startswith("No data indicator for the whole DMR: NODI ")]
        found[(outfall, "")] = banner[0].split("NODI ")[1].split(" ")[0] if banner else None
        for code, slots in slot_cells(sheet).items():
            for slot, cells in slots.items():
                if reported(cells) != (None, None, None):
                    found[(outfall, code, slot)] = reported(cells)
    return found


def from_xml(raw: bytes) -> dict:
    found = {}
    for dmr in etree.fromstring(raw).iterfind(".//i:DischargeMonitoringReport", NS):
        outfall = dmr.findtext("i:PermittedFeatureIdentifier", namespaces=NS)
        found[(outfall, "")] = dmr.findtext("i:DMRNoDischargeIndicator", namespaces=NS)
        for parameter in dmr.iterfind("i:ReportParameter", NS):
            code = parameter.findtext("i:ParameterCode", namespaces=NS)
            for numeric in parameter.iterfind("i:NumericReport", NS):
                found[(outfall, code, numeric.findtext("i:NumericReportCode", namespaces=NS))] = tuple(
                    numeric.findtext(f"i:{name}", namespaces=NS) for name in
                    ("NumericConditionQualifier", "NumericConditionQuantity", "NumericReportNoDischargeIndicator"))
    return found


def test_every_format_reports_the_same_values(report, header):
    expected = from_json(build_json(report))
    # Sanity: the sample exercises values, nondetects, a slot NODI and a whole-outfall NODI.
    assert expected[("001", "01119", "C2")] == ("<", "5.0", None)
    assert expected[("001", "50060", "C3")] == (None, None, "9")
    assert expected[("002", "")] == "C"
    assert len(expected) == 2 + 5 + 2 + 1 + 2 + 2
    assert from_csv(build_netdmr_csv(report)) == expected
    assert from_xlsx(build_xlsx(report)) == expected
    assert from_xml(build_icis_xml(report, header=header)) == expected


def test_the_comparison_notices_a_format_that_drifts(report):
    # If one format printed another value the readers above would see it: change the report, not a reader.
    outfall = report.outfalls[0]
    copper = outfall.parameters[3]
    drifted = replace(copper, values=(replace(copper.values[0], value="5"), copper.values[1]))
    other = replace(report, outfalls=(replace(outfall, parameters=(*outfall.parameters[:3], drifted,
                                                                   outfall.parameters[4])), report.outfalls[1]))
    assert from_xlsx(build_xlsx(other)) != from_json(build_json(report))
    assert from_csv(build_netdmr_csv(other)) != from_json(build_json(report))
