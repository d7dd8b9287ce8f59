"""Reads an outfall sheet of the workbook back by its printed headings, independent of the writer's constants."""
from __future__ import annotations

SLOTS = ("Q1", "Q2", "C1", "C2", "C3")


def _find(sheet, text):
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value == text:
                return cell
    raise AssertionError(f"{text!r} not found on sheet {sheet.title}")


def slot_cells(sheet) -> dict[str, dict[str, object]]:
    """{parameter code: {slot: {"qualifier", "value", "limit", "unit"} cells}} for every parameter block."""
    parts_row = _find(sheet, "Qual.").row
    slot_columns = {cell.value: cell.column for cell in sheet[parts_row - 1] if cell.value in SLOTS}
    code_column = _find(sheet, "Parameter code").column
    blocks = {}
    for row in range(parts_row + 1, sheet.max_row + 1):
        code = sheet.cell(row, code_column).value
        if sheet.cell(row, code_column + 4).value != "Sample measurement" or not code:
            continue
        blocks[code] = {slot: {"qualifier": sheet.cell(row, column), "value": sheet.cell(row, column + 1),
                               "unit": sheet.cell(row, column + 2), "limit": sheet.cell(row + 1, column + 1)}
                        for slot, column in slot_columns.items()}
    return blocks


def reported(cells) -> tuple[str | None, str | None, str | None]:
    """(qualifier, value, nodi) as the sheet prints them: a NODI is written "NODI <code>" in the value cell."""
    value = cells["value"].value
    if isinstance(value, str) and value.startswith("NODI "):
        return None, None, value.removeprefix("NODI ")
    return cells["qualifier"].value or None, value, None
