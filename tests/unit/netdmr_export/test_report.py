"""The report dataclasses and the CONTRACTS.md section 5 JSON."""
from __future__ import annotations

import json
from datetime import date, datetime

import pytest

from netdmr_export import DmrReport, OutfallReport, ParameterReport, ReportError, SlotValue, build_json

from .conftest import sample_report, tss


def _slot(base, value, qualifier, unit, limit, violation=False, nodi=None):
    return {"statistical_base": base, "value": value, "qualifier": qualifier, "unit": unit, "limit": limit,
            "violation": violation, "nodi": nodi}


def _parameter(code, values, excursions, frequency, sample_type, samples, flags=()):
    return {"code": code, "monitoring_location": "1", "season": 0, "values": values, "excursions": excursions,
            "frequency": frequency, "sample_type": sample_type, "samples": samples, "flags": list(flags)}


EXPECTED = {
    "permit": "CT0000001", "version": 1, "program": "npdes",
    "period": {"start": "2026-02-01", "end": "2026-02-28"}, "due": "2026-03-15",
    "outfalls": [
        {"outfall": "001", "limit_set": "A", "nodi": None, "parameters": [
            _parameter("00530", {
                "C2": _slot("monthly_average", "27", "=", "mg/L", "30"),
                "C3": _slot("daily_maximum", "62", "=", "mg/L", "60", violation=True),
                "Q1": _slot("monthly_average", "41.3", "=", "lb/d", "50"),
                "Q2": _slot("daily_maximum", "95.0", "=", "lb/d", "90", violation=True),
                "C1": _slot("weekly_average", "38.5", "=", "mg/L", "45"),
            }, 2, "2/7", "24-hour composite", 8, flags=[
                {"code": "ESTIMATED_FLOW", "parameter": "00530", "slot": "Q2",
                 "reason": "flow meter out of service 2026-02-14; flow estimated from pump hours"}]),
            _parameter("00400", {
                "C1": _slot("instantaneous_minimum", "6.8", "=", "SU", "6.0"),
                "C3": _slot("instantaneous_maximum", "8.1", "=", "SU", "9.0"),
            }, 0, "1/1", "grab", 20),
            _parameter("50060", {"C3": _slot("daily_maximum", None, None, "mg/L", "0.019", nodi="9")},
                       0, "1/7", "grab", 0),
            _parameter("01119", {
                "C2": _slot("monthly_average", "5.0", "<", "ug/L", "12"),
                "C3": _slot("daily_maximum", "5.0", "<", "ug/L", "18"),
            }, 0, "1/7", "24-hour composite", 4),
            _parameter("50050", {
                "Q1": _slot("monthly_average", "0.45", "=", "MGD", None),
                "Q2": _slot("daily_maximum", "0.62", "=", "MGD", None),
            }, 0, "CONT", "continuous", 28),
        ]},
        {"outfall": "002", "limit_set": "A", "nodi": "C", "parameters": []},
    ],
    "violations": 2,
    "flags": [{"code": "MONITORING_FREQUENCY_NOT_MET", "parameter": "01119", "slot": None,
               "reason": "required 1/7, short in week of 2026-02-16"}],
}


def test_json_has_exactly_the_contract_shape(report):
    assert json.loads(build_json(report)) == EXPECTED


def test_json_keys_come_in_the_contract_order(report):
    document = json.loads(build_json(report))
    assert list(document) == ["permit", "version", "program", "period", "due", "outfalls", "violations", "flags"]
    outfall = document["outfalls"][0]
    assert list(outfall) == ["outfall", "limit_set", "nodi", "parameters"]
    parameter = outfall["parameters"][0]
    assert list(parameter) == ["code", "monitoring_location", "season", "values", "excursions", "frequency",
                               "sample_type", "samples", "flags"]
    # The permit's column order survives, as in the contract's example (C2 before C3).
    assert list(parameter["values"]) == ["C2", "C3", "Q1", "Q2", "C1"]
    assert list(parameter["values"]["C2"]) == ["statistical_base", "value", "qualifier", "unit", "limit",
                                               "violation", "nodi"]


def test_json_is_utf8_and_keeps_ids_as_text(report):
    raw = build_json(report)
    assert raw.decode("utf-8").endswith("}\n")
    assert '"outfall": "001"' in raw.decode("utf-8")
    assert '"nodi": null' in raw.decode("utf-8")


def test_values_may_be_given_as_a_mapping_by_slot():
    values = {v.slot: v for v in tss().values}
    parameter = ParameterReport("00530", "1", 0, values, 2, "2/7", "24-hour composite", 8)
    assert parameter.values == tss().values
    assert parameter.slot("C3").violation is True
    assert parameter.slot("Q9") is None


def test_a_mapping_key_must_match_its_slot():
    with pytest.raises(ReportError, match=r"values\['C1'\]"):
        ParameterReport("00530", "1", 0, {"C1": SlotValue("C2", "monthly_average", "1", "=", "mg/L")},
                        0, "2/7", "grab", 1)


def test_a_slot_may_appear_only_once():
    twice = (SlotValue("C2", "monthly_average", "1", "=", "mg/L"), SlotValue("C2", "daily_maximum", "2", "=", "mg/L"))
    with pytest.raises(ReportError, match="each slot may appear once"):
        ParameterReport("00530", "1", 0, twice, 0, "2/7", "grab", 1)


@pytest.mark.parametrize("kwargs, message", [
    ({"slot": "C4"}, "expected one of Q1"),
    ({"value": 27.0}, "plain notation"),
    ({"value": "3E+1"}, "plain notation"),
    ({"value": "27", "qualifier": "J"}, "qualifier must be one of"),
    ({"value": "27", "nodi": "9"}, "one or the other"),
    ({"value": None, "qualifier": "="}, "without a value"),
    ({"limit": "thirty"}, "not a number"),
    ({"unit_code": "199"}, "1-2 letters or digits"),
    ({"violation": "yes"}, "True or False"),
])
def test_a_slot_value_refuses_what_no_export_could_print(kwargs, message):
    fields = {"slot": "C2", "statistical_base": "monthly_average", "value": "27", "qualifier": "=", "unit": "mg/L"}
    with pytest.raises(ReportError, match=message):
        SlotValue(**{**fields, **kwargs})


def test_ids_must_be_text_so_leading_zeros_survive():
    with pytest.raises(ReportError, match="outfall"):
        OutfallReport(1, "A")
    with pytest.raises(ReportError, match="parameter code"):
        ParameterReport(530, "1", 0, (), 0, "2/7", "grab", 0)


def test_a_whole_dmr_nodi_allows_no_values():
    with pytest.raises(ReportError, match="NODI C for the whole DMR.*00530 slot C2"):
        OutfallReport("001", "A", "C", (tss(),))


def test_report_dates_must_be_dates():
    with pytest.raises(ReportError, match="due"):
        sample_report(due=datetime(2026, 3, 15, 12, 0))
    with pytest.raises(ReportError, match="before it starts"):
        sample_report(period_end=date(2026, 1, 31))


def test_lists_are_stored_as_tuples_so_the_report_stays_frozen():
    report = DmrReport("CT0000001", 1, "npdes", date(2026, 2, 1), date(2026, 2, 28), date(2026, 3, 15),
                       [OutfallReport("002", "A", "C", [])], 0, [])
    assert isinstance(report.outfalls, tuple) and isinstance(report.outfalls[0].parameters, tuple)
    with pytest.raises(AttributeError):
        report.violations = 3
