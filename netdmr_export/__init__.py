"""Pure export library: reviewed DMR data in, upload files (ICIS XML, NetDMR CSV, XLSX) out."""
from netdmr_export.icis_codes import UnknownUnitCode
from netdmr_export.icis_xml import IcisHeader, build_icis_xml
from netdmr_export.netdmr_csv import build_netdmr_csv
from netdmr_export.report import DmrReport, Flag, OutfallReport, ParameterReport, ReportError, SlotValue, build_json
from netdmr_export.xlsx import build_xlsx

__all__ = ["DmrReport", "Flag", "IcisHeader", "OutfallReport", "ParameterReport", "ReportError", "SlotValue",
           "UnknownUnitCode", "build_icis_xml", "build_json", "build_netdmr_csv", "build_xlsx"]
