"""The files of a built DMR: the service's report handed to netdmr_export, so every format says the same."""
from __future__ import annotations

from datetime import date, datetime, timezone

from netdmr_export import (DmrReport, Flag, IcisHeader, OutfallReport, ParameterReport, ReportError, SlotValue,
                           UnknownUnitCode, build_icis_xml, build_json, build_netdmr_csv, build_xlsx)

from app.services.dmr_build import BuiltDmr, DmrError

FORMATS = ("json", "icis-xml", "netdmr-csv", "xlsx")


def _flags(raw: list[dict]) -> tuple[Flag, ...]:
    return tuple(Flag(f["code"], f["reason"], f.get("parameter"), f.get("slot")) for f in raw)


def to_report(built: BuiltDmr) -> DmrReport:
    """The CONTRACTS.md section 5 document as netdmr_export's frozen report, with the permit's unit codes."""
    document = built.document
    unit_codes = {(o.feature_id, p.code, p.monitoring_location, c.slot): c.unit_code
                  for o in built.version.outfalls for p in o.parameters for c in p.columns}
    outfalls = []
    for outfall in document["outfalls"]:
        parameters = []
        for parameter in outfall["parameters"]:
            values = tuple(
                SlotValue(slot, v["statistical_base"], v["value"], v["qualifier"], v["unit"],
                          unit_codes.get((outfall["outfall"], parameter["code"], parameter["monitoring_location"],
                                          slot)), v["limit"], v["violation"], v["nodi"])
                for slot, v in parameter["values"].items())
            parameters.append(ParameterReport(parameter["code"], parameter["monitoring_location"], parameter["season"],
                                              values, parameter["excursions"], parameter["frequency"],
                                              parameter["sample_type"], parameter["samples"],
                                              _flags(parameter["flags"])))
        outfalls.append(OutfallReport(outfall["outfall"], outfall["limit_set"], outfall["nodi"], tuple(parameters)))
    return DmrReport(document["permit"], document["version"], document["program"],
                     date.fromisoformat(document["period"]["start"]), date.fromisoformat(document["period"]["end"]),
                     date.fromisoformat(document["due"]), tuple(outfalls), document["violations"],
                     _flags(document["flags"]), built.version.certification_text, built.permit.facility.name)


def _header(built: BuiltDmr, now: datetime, contact: str) -> IcisHeader:
    facility = built.permit.facility.name
    return IcisHeader(sender_id=f"OUTFALL-{built.permit.number}"[:30], author=facility, organization=facility,
                      title=f"DMR {built.permit.number} {built.period.label}", creation_time=now,
                      contact_info=contact)


def render_dmr(built: BuiltDmr, fmt: str, *, now: datetime | None = None, contact: str = "") -> bytes:
    """Bytes of one format; a report the format cannot carry (e.g. a unit without an ICIS code) is a DmrError."""
    if fmt not in FORMATS:
        raise DmrError(f"--format: expected one of {', '.join(FORMATS)}, got {fmt!r}")
    try:
        report = to_report(built)
        if fmt == "json":
            return build_json(report)
        if fmt == "icis-xml":
            return build_icis_xml(report, header=_header(built, now or datetime.now(timezone.utc),
                                                          contact or "outfall"))
        if fmt == "netdmr-csv":
            return build_netdmr_csv(report)
        return build_xlsx(report)
    except (ReportError, UnknownUnitCode) as error:
        raise DmrError(f"--format {fmt}: {error}") from None
