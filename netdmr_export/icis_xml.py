"""ICIS-NPDES v5.14 batch XML (CONTRACTS.md section 6): one DischargeMonitoringReportSubmission payload."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from lxml import etree

from netdmr_export.icis_codes import icis_frequency_code, icis_sample_type_code, unit_code_for
from netdmr_export.report import SLOTS, DmrReport, OutfallReport, ParameterReport, ReportError, SlotValue
from netdmr_export.text_cells import has_non_xml, xml_text

NAMESPACE = "http://www.exchangenetwork.net/schema/icis/5"
OPERATION = "DischargeMonitoringReportSubmission"
TRANSACTION_TYPES = ("C", "D", "N", "R", "X")
_COMMENT_LIMIT = 4000  # ReportCommentText is StringMin1Max4000Type


@dataclass(frozen=True)
class IcisHeader:
    """The exchange Header: `sender_id` is its required Id (3-30 characters, e.g. the CDX user id).

    `transaction_type` goes into every TransactionHeader; "R" (replace) is what the schema's own DMR
    example uses and what a resubmission of a corrected DMR needs too.
    """

    sender_id: str
    author: str
    organization: str
    title: str
    creation_time: datetime
    contact_info: str
    data_service: str = "ICIS-NPDES"
    comment: str | None = None
    transaction_type: str = "R"

    def __post_init__(self) -> None:
        if not isinstance(self.sender_id, str) or not 3 <= len(self.sender_id) <= 30:
            raise ReportError(f"header sender_id: the schema's Id is 3-30 characters, got {self.sender_id!r}")
        if not isinstance(self.creation_time, datetime) or self.creation_time.utcoffset() is None:
            raise ReportError(f"header creation_time: expected a time-zone-aware datetime, got {self.creation_time!r}")
        if self.transaction_type not in TRANSACTION_TYPES:
            raise ReportError(f"header transaction_type: expected one of {', '.join(TRANSACTION_TYPES)}, "
                              f"got {self.transaction_type!r}")


def _require(pattern: str, text: str, what: str) -> str:
    if not isinstance(text, str) or not re.fullmatch(pattern, text):
        raise ReportError(f"{what}: {text!r} does not fit the ICIS schema ({pattern})")
    return text


def _quantity(value: str, where: str) -> str:
    """The value as Decimal8FloatingType takes it: at most 8 decimals, 9 digits (8 when negative)."""
    number = Decimal(value)
    _, digits, exponent = number.normalize().as_tuple()
    decimals = max(0, -exponent)
    total = max(len(digits), decimals) if exponent < 0 else len(digits) + exponent
    too_many = total > (8 if number < 0 else 9)
    if decimals > 8 or too_many or abs(number) > 99999999:
        raise ReportError(f"{where}: ICIS takes at most 8 decimals and 9 digits (8 when negative), got {value}")
    return value


def _sub(parent: etree._Element, name: str, text: object | None = None) -> etree._Element:
    element = etree.SubElement(parent, f"{{{NAMESPACE}}}{name}")
    if text is not None:
        text = str(text)
        if has_non_xml(text):
            # An id or code with a control character in it is wrong data, not something to tidy silently;
            # lxml would only say "All strings must be XML compatible" without naming the element.
            raise ReportError(f"{name}: {text!r} contains characters an XML 1.0 document cannot hold")
        element.text = text
    return element


def _header(document: etree._Element, header: IcisHeader) -> None:
    element = _sub(document, "Header")
    _sub(element, "Id", header.sender_id)
    # Optional strings are left out when empty rather than sent as empty elements.
    for name, text in (("Author", header.author), ("Organization", header.organization), ("Title", header.title)):
        if text and xml_text(text).strip():
            _sub(element, name, xml_text(text))
    _sub(element, "CreationTime", header.creation_time.isoformat(timespec="seconds"))
    for name, text in (("Comment", header.comment), ("DataService", header.data_service),
                       ("ContactInfo", header.contact_info)):
        if text and xml_text(text).strip():
            _sub(element, name, xml_text(text))


def _unit_code(parameter: ParameterReport, values: list[SlotValue], kind: str) -> str | None:
    codes = {v.slot: unit_code_for(v.unit, v.unit_code, parameter=parameter.code, slot=v.slot) for v in values}
    if len(set(codes.values())) > 1:
        # ICIS carries one unit per parameter for Q1-Q2 and one for C1-C3; mixed units cannot be sent.
        listed = ", ".join(f"{slot} {code}" for slot, code in codes.items())
        raise ReportError(f"parameter {parameter.code}: the {kind} slots use different ICIS unit codes ({listed})")
    return next(iter(codes.values()), None)


def _report_parameter(parent: etree._Element, parameter: ParameterReport) -> None:
    where = f"parameter {parameter.code}"
    element = _sub(parent, "ReportParameter")
    _sub(element, "ParameterCode", _require(r"[^*]{1,5}", parameter.code, where))
    _sub(element, "MonitoringSiteDescriptionCode",
         _require(r"[^*]{1,3}", parameter.monitoring_location, f"{where} monitoring location"))
    if not -1 <= parameter.season <= 12:
        raise ReportError(f"{where}: LimitSeasonNumber must be -1 to 12, got {parameter.season}")
    _sub(element, "LimitSeasonNumber", parameter.season)
    sample_type = icis_sample_type_code(parameter.sample_type, parameter.sample_type_code)
    if sample_type is not None:
        _sub(element, "ReportSampleTypeText", _require(r".{1,3}", sample_type, f"{where} sample type code"))
    frequency = icis_frequency_code(parameter.frequency, parameter.frequency_code)
    if frequency is not None:
        _sub(element, "ReportingFrequencyCode", _require(r".{1,5}", frequency, f"{where} frequency code"))
    if parameter.excursions > 999:
        raise ReportError(f"{where}: ReportNumberOfExcursions is at most 999, got {parameter.excursions}")
    _sub(element, "ReportNumberOfExcursions", parameter.excursions)
    concentration = _unit_code(parameter, [v for v in parameter.values if v.slot.startswith("C")], "concentration")
    quantity = _unit_code(parameter, [v for v in parameter.values if v.slot.startswith("Q")], "quantity")
    if concentration is not None:
        _sub(element, "ConcentrationNumericReportUnitMeasureCode", concentration)
    if quantity is not None:
        _sub(element, "QuantityNumericReportUnitMeasureCode", quantity)
    # NumericReports in form order (Q1 Q2 C1 C2 C3) whatever order the permit listed its columns in.
    for value in sorted(parameter.values, key=lambda v: SLOTS.index(v.slot)):
        if not value.filled:
            continue
        report = _sub(element, "NumericReport")
        _sub(report, "NumericReportCode", value.slot)
        if value.nodi is not None:
            _sub(report, "NumericReportNoDischargeIndicator", value.nodi)
        else:
            _sub(report, "NumericConditionQuantity", _quantity(value.value, f"{where} slot {value.slot}"))
            _sub(report, "NumericConditionQualifier", value.qualifier)


def _comment(report: DmrReport, outfall: OutfallReport) -> str | None:
    lines = [report.comments] if report.comments else []
    lines += [f"{p.code} ({p.monitoring_location}): {p.comment}" for p in outfall.parameters if p.comment]
    if not lines:
        return None
    text = xml_text("\n".join(lines))
    if not text.strip():
        return None  # nothing visible was left: ReportCommentText must not be empty
    if len(text) > _COMMENT_LIMIT:
        raise ReportError(f"outfall {outfall.outfall}: comments are {len(text)} characters; "
                          f"ICIS takes {_COMMENT_LIMIT}")
    return text


def _dmr(payload: etree._Element, report: DmrReport, outfall: OutfallReport, header: IcisHeader) -> None:
    data = _sub(payload, "DischargeMonitoringReportData")
    transaction = _sub(data, "TransactionHeader")
    _sub(transaction, "TransactionType", header.transaction_type)
    _sub(transaction, "TransactionTimestamp", header.creation_time.isoformat(timespec="seconds"))
    dmr = _sub(data, "DischargeMonitoringReport")
    _sub(dmr, "PermitIdentifier", _require(r"[^*]{9}", report.permit, "permit (ICIS PermitIdentifier)"))
    _sub(dmr, "PermittedFeatureIdentifier", _require(r"[A-Za-z0-9]{3,4}", outfall.outfall, "outfall"))
    _sub(dmr, "LimitSetDesignator",
         _require(r"[A-Za-z0-9]{1,2}", outfall.limit_set, f"outfall {outfall.outfall} limit set"))
    _sub(dmr, "MonitoringPeriodEndDate", report.period_end.isoformat())
    # No SignatureDate or signatory: signing is a person's act in NetDMR/CDX, never this library's.
    comment = _comment(report, outfall)
    if comment is not None:
        _sub(dmr, "ReportCommentText", comment)
    if outfall.nodi is not None:
        # The schema's choice: a form-level NODI stands instead of every ReportParameter.
        _sub(dmr, "DMRNoDischargeIndicator", outfall.nodi)
        return
    for parameter in outfall.parameters:
        _report_parameter(dmr, parameter)


def build_icis_xml(report: DmrReport, *, header: IcisHeader) -> bytes:
    """The whole batch document as UTF-8 bytes with an XML declaration; raises ReportError or
    UnknownUnitCode (naming the parameter and slot) instead of writing a document ICIS would refuse."""
    if not report.outfalls:
        raise ReportError(f"permit {report.permit}: a DMR submission needs at least one outfall")
    keys = [(o.outfall, o.limit_set) for o in report.outfalls]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        raise ReportError(f"outfall and limit set listed twice: {', '.join(' '.join(k) for k in duplicates)}")
    document = etree.Element(f"{{{NAMESPACE}}}Document", nsmap={None: NAMESPACE})
    _header(document, header)
    payload = _sub(document, "Payload")
    payload.set("Operation", OPERATION)
    for outfall in report.outfalls:
        _dmr(payload, report, outfall, header)
    return etree.tostring(document, xml_declaration=True, encoding="UTF-8", pretty_print=True)
