"""NetDMR import CSV (CONTRACTS.md section 7): one row per parameter, monitoring location and season."""
from __future__ import annotations

import csv
import io

from netdmr_export.report import DmrReport, OutfallReport, ParameterReport
from netdmr_export.text_cells import spreadsheet_text

# NetDMR's own names for the five DMR columns, in form order.
SLOT_PREFIXES = {"Q1": "quant_1", "Q2": "quant_2", "C1": "conc_1", "C2": "conc_2", "C3": "conc_3"}
LEADING = ("permit_id", "permitted_feature_id", "limit_set_txt", "mped_txt", "form_nodi_cd",
           "parameter_cd", "monitoring_location_cd", "season_num")
TRAILING = ("excursions_num", "frequency_of_analysis", "sample_type")
# Columns whose text comes from the permit as typed; the others are dates, counts, decimals and code-list values.
FREE_TEXT = ("permit_id", "permitted_feature_id", "limit_set_txt", "parameter_cd", "monitoring_location_cd",
             "frequency_of_analysis", "sample_type")
COLUMNS = (*LEADING,
           *(f"{prefix}_{part}" for prefix in SLOT_PREFIXES.values() for part in ("nodi_cd", "qualifier", "value")),
           *TRAILING)


def _row(report: DmrReport, outfall: OutfallReport, parameter: ParameterReport | None) -> dict[str, str]:
    row = dict.fromkeys(COLUMNS, "")
    row.update(permit_id=report.permit, permitted_feature_id=outfall.outfall, limit_set_txt=outfall.limit_set,
               mped_txt=report.period_end.isoformat(), form_nodi_cd=outfall.nodi or "")
    if parameter is None:
        return row
    row.update(parameter_cd=parameter.code, monitoring_location_cd=parameter.monitoring_location,
               season_num=str(parameter.season), excursions_num=str(parameter.excursions),
               frequency_of_analysis=parameter.frequency, sample_type=parameter.sample_type)
    for value in parameter.values:
        prefix = SLOT_PREFIXES[value.slot]
        row[f"{prefix}_nodi_cd"] = value.nodi or ""
        row[f"{prefix}_qualifier"] = value.qualifier or ""
        row[f"{prefix}_value"] = value.value or ""
    return row


def _safe(row: dict[str, str]) -> dict[str, str]:
    # Qualifiers ("=") and values ("-0.5") are left alone: NetDMR reads them as written.
    return {key: spreadsheet_text(text) if key in FREE_TEXT else text for key, text in row.items()}


def rows(report: DmrReport) -> list[dict[str, str]]:
    """Every row as text; an outfall with a form NODI and no parameters still gets its one row."""
    result = []
    for outfall in report.outfalls:
        if not outfall.parameters:
            # Without this row a whole-DMR "no discharge" would vanish from the upload.
            result.append(_safe(_row(report, outfall, None)))
        result += [_safe(_row(report, outfall, parameter)) for parameter in outfall.parameters]
    return result


def build_netdmr_csv(report: DmrReport) -> bytes:
    """UTF-8 CSV, header first, minimal quoting, CRLF line ends as RFC 4180 has them."""
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows(report))
    return buffer.getvalue().encode("utf-8")
