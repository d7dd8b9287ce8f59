"""Reads a LIMS results file (CSV or XLSX, CONTRACTS.md section 4) row by row, never all at once."""
from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from app.domain.result_fields import OPTIONAL, REQUIRED

# Data rows are numbered as a spreadsheet shows them: the header is row 1.
FIRST_DATA_ROW = 2
MAX_COLUMNS = 64


class ResultFileError(ValueError):
    """The file as a whole cannot be read: wrong type, bad encoding, missing or unknown columns."""


def check_header(header: list[str]) -> list[str]:
    names = [str(h).strip() if h is not None else "" for h in header]
    if not any(names):
        raise ResultFileError("row 1: the header row is empty; expected the column names of CONTRACTS.md section 4")
    unknown = [n for n in names if n and n not in REQUIRED + OPTIONAL]
    if unknown:
        raise ResultFileError(f"row 1: unknown column(s) {', '.join(repr(n) for n in unknown)}; expected "
                              f"{', '.join(REQUIRED + OPTIONAL)} (names are exact)")
    repeated = sorted({n for n in names if n and names.count(n) > 1})
    if repeated:
        raise ResultFileError(f"row 1: column(s) {', '.join(repeated)} appear more than once")
    missing = [n for n in REQUIRED if n not in names]
    if missing:
        raise ResultFileError(f"row 1: missing required column(s) {', '.join(missing)}")
    return names


def _csv_rows(stream: IO[bytes]) -> Iterator[tuple[int, dict[str, Any]]]:
    with io.TextIOWrapper(stream, encoding="utf-8-sig", newline="") as text:
        reader = csv.reader(text)
        try:
            header = next(reader, None)
            if header is None:
                raise ResultFileError("the file is empty; expected a header row and result rows")
            names = check_header(header)
            for number, cells in enumerate(reader, start=FIRST_DATA_ROW):
                if not any(c.strip() for c in cells):
                    continue
                if len(cells) > len(names):
                    yield number, {"__extra__": cells[len(names):]}
                    continue
                yield number, {n: c for n, c in zip(names, cells) if n}
        except UnicodeDecodeError as error:
            raise ResultFileError(f"the file is not UTF-8 text (byte {error.start}); save it as CSV UTF-8") from None
        except csv.Error as error:
            raise ResultFileError(f"row {reader.line_num}: not valid CSV ({error})") from None


def _cell_text(value: Any) -> str | None:
    # A spreadsheet hands back numbers and dates as Python values; the import wants their text.
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat(timespec="minutes") if value.time() != datetime.min.time() else value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value).rstrip("0").rstrip(".") if "." in repr(value) else repr(value)
    return str(value)


def _xlsx_rows(stream: IO[bytes]) -> Iterator[tuple[int, dict[str, Any]]]:
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except (BadZipFile, KeyError, OSError) as error:
        raise ResultFileError(f"not a readable .xlsx workbook ({error})") from None
    try:
        yield from _sheet_rows(workbook)
    except (KeyError, ValueError, OSError, SyntaxError) as error:
        # openpyxl parses the sheet XML lazily: a damaged sheet fails here, not at load_workbook.
        # (lxml's XMLSyntaxError is a SyntaxError.) ResultFileError is a ValueError and passes through.
        if isinstance(error, ResultFileError):
            raise
        raise ResultFileError(f"not a readable .xlsx workbook ({error})") from None
    finally:
        workbook.close()


def _sheet_rows(workbook) -> Iterator[tuple[int, dict[str, Any]]]:
    rows = workbook.worksheets[0].iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        raise ResultFileError("the first sheet is empty; expected a header row and result rows")
    names = check_header(list(header)[:MAX_COLUMNS])
    for number, cells in enumerate(rows, start=FIRST_DATA_ROW):
        texts = [_cell_text(c) for c in cells]
        if not any(t and t.strip() for t in texts):
            continue
        yield number, {n: t for n, t in zip(names, texts) if n}


def row_reader(opener: Callable[[], IO[bytes]], filename: str) -> Callable[[], Iterator[tuple[int, dict]]]:
    """A function that reads the file from the start each time it is called (an import reads twice)."""
    suffix = Path(filename).suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ResultFileError(f"{filename}: expected a .csv or .xlsx file")

    def rows() -> Iterator[tuple[int, dict]]:
        with opener() as stream:
            yield from (_csv_rows(stream) if suffix == ".csv" else _xlsx_rows(stream))

    return rows
