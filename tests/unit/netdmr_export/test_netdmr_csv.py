"""NetDMR import CSV: the contract's header, text ids, one row per parameter, a row for a whole-DMR NODI."""
from __future__ import annotations

import csv
import io

from netdmr_export import build_netdmr_csv

HEADER = [
    "permit_id", "permitted_feature_id", "limit_set_txt", "mped_txt", "form_nodi_cd", "parameter_cd",
    "monitoring_location_cd", "season_num",
    "quant_1_nodi_cd", "quant_1_qualifier", "quant_1_value",
    "quant_2_nodi_cd", "quant_2_qualifier", "quant_2_value",
    "conc_1_nodi_cd", "conc_1_qualifier", "conc_1_value",
    "conc_2_nodi_cd", "conc_2_qualifier", "conc_2_value",
    "conc_3_nodi_cd", "conc_3_qualifier", "conc_3_value",
    "excursions_num", "frequency_of_analysis", "sample_type",
]


def _read(raw: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8"), newline="")))


def test_the_header_is_the_contracts_columns_in_order(report):
    raw = build_netdmr_csv(report)
    assert raw.decode("utf-8").split("\r\n")[0].split(",") == HEADER


def test_a_row_reads_back_with_its_ids_as_text(report):
    rows = _read(build_netdmr_csv(report))
    assert [r["parameter_cd"] for r in rows] == ["00530", "00400", "50060", "01119", "50050", ""]
    assert rows[0] == {
        "permit_id": "CT0000001", "permitted_feature_id": "001", "limit_set_txt": "A", "mped_txt": "2026-02-28",
        "form_nodi_cd": "", "parameter_cd": "00530", "monitoring_location_cd": "1", "season_num": "0",
        "quant_1_nodi_cd": "", "quant_1_qualifier": "=", "quant_1_value": "41.3",
        "quant_2_nodi_cd": "", "quant_2_qualifier": "=", "quant_2_value": "95.0",
        "conc_1_nodi_cd": "", "conc_1_qualifier": "=", "conc_1_value": "38.5",
        "conc_2_nodi_cd": "", "conc_2_qualifier": "=", "conc_2_value": "27",
        "conc_3_nodi_cd": "", "conc_3_qualifier": "=", "conc_3_value": "62",
        "excursions_num": "2", "frequency_of_analysis": "2/7", "sample_type": "24-hour composite",
    }


def test_nodi_and_nondetect_slots(report):
    rows = {r["parameter_cd"]: r for r in _read(build_netdmr_csv(report))}
    assert (rows["50060"]["conc_3_nodi_cd"], rows["50060"]["conc_3_qualifier"], rows["50060"]["conc_3_value"]) \
        == ("9", "", "")
    assert (rows["01119"]["conc_2_qualifier"], rows["01119"]["conc_2_value"]) == ("<", "5.0")
    assert rows["00400"]["quant_1_value"] == "" and rows["00400"]["conc_2_value"] == ""


def test_a_whole_outfall_nodi_still_gets_a_row(report):
    last = _read(build_netdmr_csv(report))[-1]
    assert (last["permitted_feature_id"], last["form_nodi_cd"], last["parameter_cd"]) == ("002", "C", "")


def test_the_file_is_plain_utf8_with_minimal_quoting(report):
    raw = build_netdmr_csv(report)
    assert not raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8").split("\r\n")
    assert lines[1] == ("CT0000001,001,A,2026-02-28,,00530,1,0,,=,41.3,,=,95.0,,=,38.5,,=,27,,=,62,"
                        "2,2/7,24-hour composite")
    assert '"' not in raw.decode("utf-8")
