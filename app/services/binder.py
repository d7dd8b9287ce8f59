"""The inspection binder: every record of a date range in one ZIP, with an index page and a checksum manifest."""
from __future__ import annotations

# The ZIP is produced as a stream of chunks: zipfile writes into a sink the generator empties as it goes, each
# document is copied from the store in pieces and each table is written row by row, so a binder of any size
# never sits in memory whole and nothing is opened before the first chunk is asked for.

import re
import zipfile
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import BinaryIO

from sqlalchemy.orm import Session

from app.services.binder_sections import Context, Range, all_sections, permit_numbers, user_names
from app.services.binder_zip import BinderSummary, BinderWriter, ChunkSink

RETENTION_YEARS = 3  # SCHED-05: the federal minimum, the range an inspector may ask for by default
CHUNK = 1024 * 1024  # hand the client about this much at a time


class BinderError(ValueError):
    """The binder cannot be made for this request; the message says what to change."""


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def binder_range(first_text: str | None, last_text: str | None, today: date) -> tuple[date, date]:
    """(from, to) of the request; by default the last three years (SCHED-05) up to today."""
    def parse(name: str, text: str | None, default: date) -> date:
        if not (text or "").strip():
            return default
        try:
            return date.fromisoformat(text.strip())
        except ValueError:
            raise BinderError(f"{name}: expected a date such as 2026-03-31, got {text!r}") from None

    last = parse("to", last_text, today)
    first = parse("from", first_text, _years_before(last, RETENTION_YEARS))
    if first > last:
        raise BinderError(f"from: {first.isoformat()} is after to ({last.isoformat()})")
    return first, last



def stream_binder(session: Session, *, first: date, last: date, store: Path, now: datetime, generated_by: str,
                  summary: BinderSummary | None = None) -> Iterator[bytes]:
    """The binder ZIP for first..last, in chunks of about CHUNK bytes; reads, never writes, the database.

    Nothing runs until the first chunk is asked for, so a response that is never sent opens nothing.
    """
    summary = summary if summary is not None else BinderSummary(first, last)
    sink = ChunkSink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        context = Context(session, BinderWriter(archive, summary), Range(first, last), store,
                          permit_numbers(session), user_names(session))
        for _ in all_sections(context, now, generated_by):
            if sink.pending >= CHUNK:
                yield sink.take()
    yield sink.take()  # the central directory, written when the archive closed


def write_binder(session: Session, out: BinaryIO, *, first: date, last: date, store: Path, now: datetime,
                 generated_by: str) -> BinderSummary:
    """The same binder written into a file (or any writable binary stream)."""
    summary = BinderSummary(first, last)
    for chunk in stream_binder(session, first=first, last=last, store=store, now=now, generated_by=generated_by,
                               summary=summary):
        out.write(chunk)
    return summary


def binder_filename(first: date, last: date) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "", f"records-binder-{first.isoformat()}-to-{last.isoformat()}.zip")
