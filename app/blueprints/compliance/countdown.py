"""How due times read on the page: facility-local times and the "due in" / "overdue by" countdown.

app/static/countdown.js keeps the same wording live in the browser; change both together.
"""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo


def local_time(moment: datetime | None, zone: str) -> str:
    """"2026-03-13 11:15 EDT": the facility's own clock, with the abbreviation so DST is never a guess."""
    if moment is None:
        return ""
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M %Z")


def local_iso(moment: datetime, zone: str) -> str:
    """The machine-readable instant for data-due, with the facility's UTC offset (as CONTRACTS.md section 8)."""
    return moment.astimezone(ZoneInfo(zone)).isoformat(timespec="seconds")


def span(seconds: int) -> str:
    # Whole units, rounded down: "due in" never promises more time than is left.
    minutes = seconds // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {mins} min"
    return f"{mins} min" if mins else "under 1 min"


def countdown(due: datetime, now: datetime) -> str:
    seconds = int((due - now).total_seconds())
    return f"due in {span(seconds)}" if seconds > 0 else f"overdue by {span(-seconds)}"


def is_overdue(due: datetime | None, now: datetime) -> bool:
    return due is not None and due <= now
