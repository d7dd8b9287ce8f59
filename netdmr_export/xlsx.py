"""A printable workbook: a cover sheet to sign and one EPA Form 3320-1-style sheet per outfall."""
from __future__ import annotations

import io

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

from netdmr_export.icis_codes import nodi_descriptions
from netdmr_export.report import SLOTS, DmrReport, OutfallReport, ParameterReport
from netdmr_export.text_cells import spreadsheet_text as _text

COVER = "Cover"
# Outfall sheet columns: five key columns, then qualifier/value/units per slot, then the trailing three.
KEY_HEADINGS = ("Parameter code", "Monitoring location", "Season", "Parameter", "")
SLOT_PARTS = ("Qual.", "Value", "Units")
FIRST_SLOT_COLUMN = len(KEY_HEADINGS)
TRAILING_HEADINGS = ("No. Ex", "Frequency of analysis", "Sample type")
EXCURSIONS_COLUMN = FIRST_SLOT_COLUMN + 3 * len(SLOTS)
LAST_COLUMN = EXCURSIONS_COLUMN + len(TRAILING_HEADINGS) - 1
HEADER_ROWS = (6, 8)  # the three table heading rows, repeated on every printed page
MEASUREMENT, REQUIREMENT, BASE = "Sample measurement", "Permit requirement", "Statistical base"
SIGNATURE_LINES = ("Name of principal executive officer or authorized agent", "Title", "Signature", "Date signed")
REPORT_ONLY = "Req Mon"  # the form's words for a monitor-and-report column without a limit


def slot_columns(slot: str) -> tuple[int, int, int]:
    """(qualifier, value, units) column indexes of a slot on an outfall sheet."""
    first = FIRST_SLOT_COLUMN + 3 * SLOTS.index(slot)
    return first, first + 1, first + 2


def nodi_text(code: str) -> str:
    return f"NODI {code}"


class _Formats:
    def __init__(self, book: xlsxwriter.Workbook) -> None:
        cell = {"border": 1, "valign": "top", "text_wrap": True, "font_size": 9}
        self.title = book.add_format({"bold": True, "font_size": 14})
        self.label = book.add_format({"bold": True, "font_size": 9})
        self.text = book.add_format({"font_size": 9, "valign": "top"})
        self.wrap = book.add_format({"font_size": 9, "text_wrap": True, "valign": "top"})
        self.heading = book.add_format({**cell, "bold": True, "align": "center", "valign": "vcenter",
                                        "bg_color": "#D9D9D9"})
        self.cell = book.add_format(cell)
        self.number = book.add_format({**cell, "align": "right"})
        self.requirement = book.add_format({**cell, "italic": True, "bg_color": "#F2F2F2"})
        self.requirement_number = book.add_format({**cell, "italic": True, "bg_color": "#F2F2F2", "align": "right"})
        self.violation = book.add_format({**cell, "bold": True, "align": "right", "font_color": "#9C0006",
                                          "bg_color": "#FFC7CE"})
        self.nodi = book.add_format({**cell, "bold": True, "align": "center", "bg_color": "#FFF2CC"})
        self.banner = book.add_format({"bold": True, "font_size": 12, "bg_color": "#FFF2CC", "border": 2})
        self.blank_line = book.add_format({"bottom": 1})


def _sheet_names(report: DmrReport) -> list[str]:
    counts = {}
    for outfall in report.outfalls:
        counts[outfall.outfall] = counts.get(outfall.outfall, 0) + 1
    # One outfall under two limit sets needs two sheets; otherwise the plain outfall name reads best.
    return [f"Outfall {o.outfall}" + (f" {o.limit_set}" if counts[o.outfall] > 1 else "") for o in report.outfalls]


def _cover(book: xlsxwriter.Workbook, fmt: _Formats, report: DmrReport) -> None:
    sheet = book.add_worksheet(COVER)
    sheet.set_portrait()
    sheet.set_paper(1)  # US Letter: EPA forms are printed on it
    sheet.fit_to_pages(1, 0)
    sheet.set_column(0, 0, 48)
    sheet.set_column(1, 4, 22)
    sheet.write_string(0, 0, "Discharge Monitoring Report", fmt.title)
    facts = (("Facility", report.facility_name), ("Permit", report.permit), ("Permit version", str(report.version)),
             ("Program", report.program), ("Monitoring period from", report.period_start.isoformat()),
             ("Monitoring period to", report.period_end.isoformat()), ("Due", report.due.isoformat()),
             ("Violations", str(report.violations)),
             ("Outfalls", ", ".join(o.outfall for o in report.outfalls)))
    row = 2
    for label, value in facts:
        sheet.write_string(row, 0, label, fmt.label)
        sheet.write_string(row, 1, _text(value), fmt.text)
        row += 1
    row += 1
    sheet.write_string(row, 0, "Certification", fmt.label)
    row += 1
    sheet.merge_range(row, 0, row, 4, _text(report.certification_text), fmt.wrap)
    # Merged cells do not grow to fit, so size the row for the permit's wording (about 110 chars a line).
    sheet.set_row(row, 12 * (len(report.certification_text) // 110 + 2))
    row += 2
    for line in SIGNATURE_LINES:
        # Left blank on purpose: a person signs and dates the paper copy; nothing fills these in.
        sheet.write_string(row, 0, line, fmt.label)
        sheet.merge_range(row, 1, row, 3, None, fmt.blank_line)
        sheet.set_row(row, 24)
        row += 1
    row += 1
    sheet.write_string(row, 0, "Comments", fmt.label)
    sheet.merge_range(row, 1, row, 4, _text(report.comments or ""), fmt.wrap)
    row += 2
    _flags(sheet, fmt, report, row)


def _flags(sheet, fmt: _Formats, report: DmrReport, row: int) -> None:
    sheet.write_string(row, 0, "Review flags (for the reviewer; not part of the submission)", fmt.label)
    row += 1
    for column, heading in enumerate(("Outfall", "Parameter", "Slot", "Flag", "Reason")):
        sheet.write_string(row, column, heading, fmt.heading)
    found = [("", flag) for flag in report.flags]
    found += [(o.outfall, flag) for o in report.outfalls for p in o.parameters for flag in p.flags]
    for outfall, flag in found:
        row += 1
        for column, text in enumerate((outfall, flag.parameter or "", flag.slot or "", flag.code, flag.reason)):
            sheet.write_string(row, column, _text(text), fmt.cell)


def _table_heading(sheet, fmt: _Formats) -> None:
    top, middle, bottom = HEADER_ROWS[0], HEADER_ROWS[0] + 1, HEADER_ROWS[1]
    for column, heading in enumerate(KEY_HEADINGS):
        sheet.merge_range(top, column, bottom, column, heading, fmt.heading)
    sheet.merge_range(top, FIRST_SLOT_COLUMN, top, FIRST_SLOT_COLUMN + 5, "Quantity or loading", fmt.heading)
    sheet.merge_range(top, FIRST_SLOT_COLUMN + 6, top, EXCURSIONS_COLUMN - 1, "Quality or concentration",
                      fmt.heading)
    for slot in SLOTS:
        first, _, last = slot_columns(slot)
        sheet.merge_range(middle, first, middle, last, slot, fmt.heading)
        for offset, part in enumerate(SLOT_PARTS):
            sheet.write_string(bottom, first + offset, part, fmt.heading)
    for offset, heading in enumerate(TRAILING_HEADINGS):
        sheet.merge_range(top, EXCURSIONS_COLUMN + offset, bottom, EXCURSIONS_COLUMN + offset, heading, fmt.heading)


def _parameter(sheet, fmt: _Formats, parameter: ParameterReport, row: int) -> None:
    keys = (parameter.code, parameter.monitoring_location, str(parameter.season), parameter.name or "")
    for column, text in enumerate(keys):
        sheet.merge_range(row, column, row + 2, column, _text(text), fmt.cell)
    for offset, label in enumerate((MEASUREMENT, REQUIREMENT, BASE)):
        sheet.write_string(row + offset, len(keys), label, fmt.label)
    for slot in SLOTS:
        qualifier_col, value_col, units_col = slot_columns(slot)
        value = parameter.slot(slot)
        if value is None:
            for offset, style in enumerate((fmt.cell, fmt.requirement)):
                for column in (qualifier_col, value_col, units_col):
                    sheet.write_blank(row + offset, column, None, style)
            sheet.merge_range(row + 2, qualifier_col, row + 2, units_col, "", fmt.cell)
            continue
        style = fmt.violation if value.violation else fmt.number
        if value.nodi is not None:
            sheet.write_blank(row, qualifier_col, None, fmt.cell)
            sheet.write_string(row, value_col, nodi_text(value.nodi), fmt.nodi)
        else:
            sheet.write_string(row, qualifier_col, value.qualifier or "", style)
            sheet.write_string(row, value_col, value.value or "", style)
        sheet.write_string(row, units_col, _text(value.unit), fmt.cell)
        sheet.write_blank(row + 1, qualifier_col, None, fmt.requirement)
        sheet.write_string(row + 1, value_col, value.limit if value.limit is not None else REPORT_ONLY,
                           fmt.requirement_number)
        sheet.write_string(row + 1, units_col, _text(value.unit), fmt.requirement)
        sheet.merge_range(row + 2, qualifier_col, row + 2, units_col,
                          value.statistical_base.replace("_", " ").capitalize(), fmt.cell)
    sheet.write_number(row, EXCURSIONS_COLUMN, parameter.excursions, fmt.number)
    sheet.write_blank(row, EXCURSIONS_COLUMN + 1, None, fmt.cell)
    sheet.write_blank(row, EXCURSIONS_COLUMN + 2, None, fmt.cell)
    sheet.write_blank(row + 1, EXCURSIONS_COLUMN, None, fmt.requirement)
    sheet.write_string(row + 1, EXCURSIONS_COLUMN + 1, _text(parameter.frequency), fmt.requirement)
    sheet.write_string(row + 1, EXCURSIONS_COLUMN + 2, _text(parameter.sample_type), fmt.requirement)
    for column in range(EXCURSIONS_COLUMN, LAST_COLUMN + 1):
        sheet.write_blank(row + 2, column, None, fmt.cell)


def _outfall(book: xlsxwriter.Workbook, fmt: _Formats, report: DmrReport, outfall: OutfallReport, name: str) -> None:
    sheet = book.add_worksheet(name)
    sheet.set_landscape()
    sheet.set_paper(1)
    sheet.fit_to_pages(1, 0)  # one page wide, as many tall as the parameters need
    sheet.repeat_rows(*HEADER_ROWS)
    sheet.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    sheet.set_footer(f"&LPermit {report.permit} outfall {outfall.outfall}&RPage &P of &N")
    # Values are written as text to keep their printed digits ("27.0"); Excel should not flag them.
    sheet.ignore_errors({"number_stored_as_text": f"A1:{xl_col_to_name(LAST_COLUMN)}1048576"})
    sheet.set_column(0, 2, 10)
    sheet.set_column(3, 3, 24)
    sheet.set_column(4, 4, 17)
    for slot in SLOTS:
        first, value_col, last = slot_columns(slot)
        sheet.set_column(first, first, 4)
        sheet.set_column(value_col, value_col, 9)
        sheet.set_column(last, last, 7)
    sheet.set_column(EXCURSIONS_COLUMN, EXCURSIONS_COLUMN, 6)
    sheet.set_column(EXCURSIONS_COLUMN + 1, LAST_COLUMN, 12)
    sheet.write_string(0, 0, "Discharge Monitoring Report (DMR), EPA Form 3320-1 layout", fmt.title)
    header = (("Permittee", report.facility_name), ("Permit number", report.permit),
              ("Discharge number", outfall.outfall), ("Limit set", outfall.limit_set),
              ("Monitoring period from", report.period_start.isoformat()),
              ("to", report.period_end.isoformat()), ("Due", report.due.isoformat()))
    for index, (label, value) in enumerate(header):
        row, column = 1 + index // 4, (index % 4) * 5
        sheet.merge_range(row, column, row, column + 1, label, fmt.label)
        sheet.merge_range(row, column + 2, row, column + 4, _text(value), fmt.text)
    if outfall.nodi is not None:
        description = nodi_descriptions().get(outfall.nodi, "")
        sheet.merge_range(4, 0, 4, 12, f"No data indicator for the whole DMR: {nodi_text(outfall.nodi)}"
                          + (f" ({description})" if description else ""), fmt.banner)
    _table_heading(sheet, fmt)
    row = HEADER_ROWS[1] + 1
    for parameter in outfall.parameters:
        _parameter(sheet, fmt, parameter, row)
        row += 3
    _notes(sheet, fmt, report, outfall, row + 1)


def _notes(sheet, fmt: _Formats, report: DmrReport, outfall: OutfallReport, row: int) -> None:
    used = sorted({v.nodi for p in outfall.parameters for v in p.values if v.nodi} | {outfall.nodi} - {None})
    if used:
        legend = "; ".join(f"{code} = {nodi_descriptions().get(code, 'see NetDMR code list')}" for code in used)
        sheet.merge_range(row, 0, row, LAST_COLUMN, f"NODI codes: {legend}", fmt.wrap)
        row += 1
    comments = [report.comments] if report.comments else []
    comments += [f"{p.code} ({p.monitoring_location}): {p.comment}" for p in outfall.parameters if p.comment]
    sheet.write_string(row, 0, "Comments and explanation of any violations", fmt.label)
    sheet.merge_range(row + 1, 0, row + 1, LAST_COLUMN, _text("\n".join(comments)), fmt.wrap)
    sheet.set_row(row + 1, 14 * max(2, len(comments) + 1))


def build_xlsx(report: DmrReport) -> bytes:
    """The workbook as bytes: sheet "Cover", then "Outfall <id>" per outfall (with the limit set if shared)."""
    buffer = io.BytesIO()
    # merge_range() goes through write(), which by default turns any "=..." text into a live formula.
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False})
    fmt = _Formats(book)
    _cover(book, fmt, report)
    for outfall, name in zip(report.outfalls, _sheet_names(report), strict=True):
        _outfall(book, fmt, report, outfall, name)
    book.close()
    return buffer.getvalue()
