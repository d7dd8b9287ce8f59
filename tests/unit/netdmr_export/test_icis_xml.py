"""ICIS-NPDES batch XML: schema-valid, byte-for-byte (canonically) the reviewed golden file, no guessed codes."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from lxml import etree

from netdmr_export import DmrReport, IcisHeader, OutfallReport, ParameterReport, ReportError, SlotValue, UnknownUnitCode
from netdmr_export import build_icis_xml

from .conftest import sample_header, sample_report, tss

ROOT = Path(__file__).resolve().parents[3]
XSD = ROOT.parent / "shared" / "domain" / "icis_npdes_5.14_xsd" / "index.xsd"
GOLDEN = Path(__file__).resolve().parent / "golden" / "dmr_ct0000001_2026-02.xml"
NS = {"i": "http://www.exchangenetwork.net/schema/icis/5"}


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    if not XSD.parent.is_dir():
        pytest.skip(f"ICIS-NPDES schema not found at {XSD.parent}")
    return etree.XMLSchema(etree.parse(str(XSD)))


def _assert_valid(schema: etree.XMLSchema, xml: bytes) -> etree._Element:
    document = etree.fromstring(xml)
    assert schema.validate(document), "\n".join(str(e) for e in schema.error_log)
    return document


def _canonical(xml: bytes) -> str:
    return etree.canonicalize(xml_data=xml.decode("utf-8"))


def _with_tss(**slot_changes) -> DmrReport:
    values = tuple(replace(v, **slot_changes.get(v.slot, {})) for v in tss().values)
    outfall = OutfallReport("001", "A", None, (replace(tss(), values=values),))
    return sample_report(outfalls=(outfall,))


def test_the_document_validates_against_the_icis_schema(schema, report, header):
    _assert_valid(schema, build_icis_xml(report, header=header))


def test_the_schema_check_is_real(schema, report, header):
    # A document missing a required key element must fail, or the test above proves nothing.
    document = etree.fromstring(build_icis_xml(report, header=header))
    document.find(".//i:PermitIdentifier", NS).getparent().remove(document.find(".//i:PermitIdentifier", NS))
    assert not schema.validate(document)


def test_the_document_matches_the_reviewed_golden_file(report, header):
    assert _canonical(build_icis_xml(report, header=header)) == _canonical(GOLDEN.read_bytes())


def test_the_golden_comparison_notices_a_changed_value(report, header):
    outfall = report.outfalls[0]
    changed = replace(outfall, parameters=(replace(outfall.parameters[0], excursions=3), *outfall.parameters[1:]))
    built = build_icis_xml(replace(report, outfalls=(changed, report.outfalls[1])), header=header)
    assert _canonical(built) != _canonical(GOLDEN.read_bytes())


def test_utf8_with_an_xml_declaration(report, header):
    xml = build_icis_xml(report, header=header)
    assert xml.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")


def test_one_dmr_per_outfall_and_one_numeric_report_per_filled_slot(report, header):
    document = etree.fromstring(build_icis_xml(report, header=header))
    assert document.find("i:Payload", NS).get("Operation") == "DischargeMonitoringReportSubmission"
    dmrs = document.findall(".//i:DischargeMonitoringReport", NS)
    assert [d.findtext("i:PermittedFeatureIdentifier", namespaces=NS) for d in dmrs] == ["001", "002"]
    tss_element = dmrs[0].find("i:ReportParameter", NS)
    assert tss_element.findtext("i:ParameterCode", namespaces=NS) == "00530"
    reports = [(r.findtext("i:NumericReportCode", namespaces=NS), r.findtext("i:NumericConditionQuantity",
                namespaces=NS), r.findtext("i:NumericConditionQualifier", namespaces=NS))
               for r in tss_element.findall("i:NumericReport", NS)]
    assert reports == [("Q1", "41.3", "="), ("Q2", "95.0", "="), ("C1", "38.5", "="), ("C2", "27", "="),
                       ("C3", "62", "=")]
    copper = dmrs[0].findall("i:ReportParameter", NS)[3]
    assert copper.findtext("i:NumericReport/i:NumericConditionQualifier", namespaces=NS) == "<"
    assert copper.findtext("i:ConcentrationNumericReportUnitMeasureCode", namespaces=NS) == "28"


def test_a_slot_nodi_is_sent_without_a_quantity(report, header):
    document = etree.fromstring(build_icis_xml(report, header=header))
    chlorine = document.findall(".//i:ReportParameter", NS)[2]
    numeric = chlorine.find("i:NumericReport", NS)
    assert numeric.findtext("i:NumericReportNoDischargeIndicator", namespaces=NS) == "9"
    assert numeric.find("i:NumericConditionQuantity", NS) is None


def test_a_whole_outfall_nodi_is_the_dmr_no_discharge_indicator(report, header):
    document = etree.fromstring(build_icis_xml(report, header=header))
    second = document.findall(".//i:DischargeMonitoringReport", NS)[1]
    assert second.findtext("i:DMRNoDischargeIndicator", namespaces=NS) == "C"
    assert second.findall("i:ReportParameter", NS) == []


def test_a_unit_without_a_known_icis_code_is_an_error_naming_parameter_and_slot(header):
    with pytest.raises(UnknownUnitCode, match=r"parameter 00530 slot C1: .*'NTU'.*unit_code"):
        build_icis_xml(_with_tss(C1={"unit": "NTU"}), header=header)


def test_the_permits_unit_code_is_used_when_given(schema, header):
    changes = {slot: {"unit": "NTU", "unit_code": "2F"} for slot in ("C1", "C2", "C3")}
    document = _assert_valid(schema, build_icis_xml(_with_tss(**changes), header=header))
    assert document.findtext(".//i:ConcentrationNumericReportUnitMeasureCode", namespaces=NS) == "2F"


def test_mixed_concentration_units_are_refused(header):
    with pytest.raises(ReportError, match="00530: the concentration slots use different ICIS unit codes"):
        build_icis_xml(_with_tss(C1={"unit": "ug/L"}), header=header)


@pytest.mark.parametrize("changes, message", [
    ({"permit": "CT01"}, "PermitIdentifier"),
    ({"outfall": "1"}, "outfall"),
    ({"value": "0.123456789"}, "at most 8 decimals"),
    ({"value": "123456789"}, "9 digits"),
])
def test_what_icis_would_refuse_is_an_error_at_build_time(header, changes, message):
    if "permit" in changes:
        report = sample_report(**changes)
    elif "outfall" in changes:
        report = sample_report(outfalls=(OutfallReport(changes["outfall"], "A", "C"),))
    else:
        report = _with_tss(Q1={"value": changes["value"]})
    with pytest.raises(ReportError, match=message):
        build_icis_xml(report, header=header)


def test_the_header_needs_an_aware_time_and_a_schema_sized_id():
    fields = {"sender_id": "OUTFALL", "author": "A", "organization": "O", "title": "T",
              "creation_time": datetime(2026, 3, 10, 14, 30), "contact_info": "c@example.com"}
    with pytest.raises(ReportError, match="time-zone-aware"):
        IcisHeader(**fields)
    with pytest.raises(ReportError, match="3-30 characters"):
        IcisHeader(**{**fields, "creation_time": sample_header().creation_time, "sender_id": "AB"})


def test_an_outfall_listed_twice_is_refused(report, header):
    with pytest.raises(ReportError, match="listed twice: 002 A"):
        build_icis_xml(replace(report, outfalls=(*report.outfalls, OutfallReport("002", "A", "C"))), header=header)


def test_a_parameter_without_filled_slots_still_validates(schema, header):
    empty = ParameterReport("00530", "1", 0, (SlotValue("C2", "monthly_average", None, None, "mg/L", None, "30"),),
                            0, "2/7", "grab", 0)
    report = sample_report(outfalls=(OutfallReport("001", "A", None, (empty,)),))
    document = _assert_valid(schema, build_icis_xml(report, header=header))
    assert document.findall(".//i:NumericReport", NS) == []
