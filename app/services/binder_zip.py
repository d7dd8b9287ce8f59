"""Writing the binder ZIP as a stream: entries hashed as they are written, tables row by row, cells made safe."""
from __future__ import annotations

# Every `add_*` method is a generator: it yields (None) whenever it has written a piece, so the caller can hand
# the bytes produced so far to the client before the next piece is made.

import csv
import hashlib
import html
import io
import json
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import quote

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from app.domain.spreadsheet_cells import safe_cell

PIECE = 256 * 1024
ROWS_PER_PIECE = 500
Progress = Iterator[None]


@dataclass(frozen=True)
class BinderFile:
    path: str
    size: int
    sha256: str
    description: str


@dataclass
class BinderSummary:
    first: date
    last: date
    files: list[BinderFile] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


class ChunkSink(io.RawIOBase):
    """Where zipfile writes: it keeps the bytes until the stream takes them. Not seekable, so zipfile writes
    each entry's sizes after its data (data descriptors) and never goes back."""

    def __init__(self) -> None:
        super().__init__()
        self._parts: list[bytes] = []
        self.pending = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        data = bytes(data)
        self._parts.append(data)
        self.pending += len(data)
        return len(data)

    def take(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        self.pending = 0
        return data


class _Hashing(io.RawIOBase):
    """Counts and hashes what passes through on its way into a ZIP entry."""

    def __init__(self, target: BinaryIO) -> None:
        super().__init__()
        self.target, self.digest, self.size = target, hashlib.sha256(), 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        data = bytes(data)
        self.digest.update(data)
        self.size += len(data)
        self.target.write(data)
        return len(data)


def cell(value: Any) -> str:
    """One table cell as text: instants in UTC ISO 8601, yes/no, JSON for structures; never a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return safe_cell(json.dumps(value, sort_keys=True, ensure_ascii=False))
    return safe_cell(str(value))


class BinderWriter:
    def __init__(self, archive: zipfile.ZipFile, summary: BinderSummary) -> None:
        self.archive, self.summary = archive, summary

    @contextmanager
    def _entry(self, path: str, description: str, *, large: bool = False) -> Iterator[_Hashing]:
        with self.archive.open(path, "w", force_zip64=large) as handle:
            sink = _Hashing(handle)
            yield sink
        self.summary.files.append(BinderFile(path, sink.size, sink.digest.hexdigest(), description))

    def add_bytes(self, path: str, data: bytes, description: str) -> Progress:
        with self._entry(path, description) as sink:
            sink.write(data)
        yield

    def add_stream(self, path: str, source: BinaryIO, description: str, *, size: int | None = None) -> Progress:
        """Copy a file in pieces; its SHA-256 is then the last entry of the summary."""
        # zipfile needs ZIP64 decided before an entry of unknown or large size is written.
        with self._entry(path, description, large=size is None or size > 2**30) as sink:
            while piece := source.read(PIECE):
                sink.write(piece)
                yield

    def add_table(self, path: str, header: list[str], rows: Iterable[list[Any]], description: str,
                  sheet: Workbook | None = None) -> Progress:
        """A CSV written row by row; the same rows go to `sheet` (a write-only workbook) when given."""
        worksheet = sheet.create_sheet(Path(path).stem[:31]) if sheet is not None else None
        with self._entry(path, description) as sink:
            text = io.TextIOWrapper(sink, encoding="utf-8", newline="")
            try:
                writer = csv.writer(text)
                writer.writerow(header)
                if worksheet is not None:
                    worksheet.append(header)
                for count, row in enumerate(rows, 1):
                    cells = [cell(v) for v in row]
                    writer.writerow(cells)
                    if worksheet is not None:
                        # XML cannot carry most control characters; the CSV keeps them exactly.
                        worksheet.append([ILLEGAL_CHARACTERS_RE.sub("", c) for c in cells])
                    if count % ROWS_PER_PIECE == 0:
                        text.flush()
                        yield
                text.flush()
            finally:
                text.detach()  # the ZIP entry is closed by its own context, not by the text layer
        yield

    def add_workbook(self, path: str, workbook: Workbook, description: str) -> Progress:
        with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as spool:
            workbook.save(spool)
            spool.seek(0)
            yield from self.add_stream(path, spool, description)


def index_html(summary: BinderSummary, facility: str, generated_at: datetime, generated_by: str) -> bytes:
    e = html.escape
    rows = "\n".join(
        f'<tr><td><a href="{e(quote(f.path))}">{e(f.path)}</a></td><td>{e(f.description)}</td>'
        f'<td class="num">{f.size:,}</td><td><code>{f.sha256}</code></td></tr>' for f in summary.files)
    problems = "".join(f"<li>{e(p)}</li>" for p in summary.problems) or "<li>None.</li>"
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Records binder {summary.first} to {summary.last}</title>
<style>body{{font:15px/1.4 sans-serif;margin:2rem}}table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;
padding:.3rem .5rem;text-align:left;vertical-align:top}}td.num{{text-align:right}}code{{font-size:.8rem}}</style>
</head><body>
<h1>Records binder: {e(facility)}</h1>
<p>Records from <strong>{summary.first}</strong> to <strong>{summary.last}</strong>, generated
{e(generated_at.astimezone(timezone.utc).isoformat(timespec="seconds"))} by {e(generated_by)}.</p>
<p>Sample days are the facility's calendar days; other instants are in UTC and the range's days are UTC days.
Every file is listed with its size in bytes and SHA-256; <code>manifest.json</code> holds the same checksums
(and this page's) for checking with <code>sha256sum</code>. Text cells that a spreadsheet could read as a formula
start with an apostrophe.</p>
<h2>Files</h2>
<table><thead><tr><th>File</th><th>What it is</th><th>Bytes</th><th>SHA-256</th></tr></thead>
<tbody>
{rows}
</tbody></table>
<h2>Problems found while making the binder</h2>
<ul>{problems}</ul>
</body></html>
"""
    return page.encode("utf-8")


def manifest_json(summary: BinderSummary, generated_at: datetime, generated_by: str) -> bytes:
    # The manifest cannot list itself; everything else, index.html included, is in it.
    manifest = {"binder": "Outfall records binder", "from": summary.first.isoformat(), "to": summary.last.isoformat(),
                "generated_at": generated_at.astimezone(timezone.utc).isoformat(timespec="seconds"),
                "generated_by": generated_by, "algorithm": "sha256",
                "files": [{"path": f.path, "size": f.size, "sha256": f.sha256} for f in summary.files],
                "problems": summary.problems}
    return (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
