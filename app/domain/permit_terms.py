"""Which permit version applies on a day, and each version's status (current, superseded, ...)."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class VersionTerm:
    version: int
    effective: date
    expires: date


def version_applying_on(terms: Sequence[VersionTerm], day: date) -> VersionTerm | None:
    """The newest version already in effect on `day`: an older version keeps governing its own dates."""
    in_effect = [t for t in terms if t.effective <= day]
    return max(in_effect, key=lambda t: t.version) if in_effect else None


def version_status(terms: Sequence[VersionTerm], version: int, today: date) -> str:
    """current | superseded | not_yet_effective | expired, as of the facility's `today`."""
    term = next(t for t in terms if t.version == version)
    if term.effective > today:
        return "not_yet_effective"
    applying = version_applying_on(terms, today)
    if applying is not None and applying.version != version:
        return "superseded"
    if today > term.expires:
        return "expired"
    return "current"


def renewal_application_due(expires: date, renewal_application_days: int) -> date:
    return expires - timedelta(days=renewal_application_days)


def facility_today(timezone_name: str, now: datetime) -> date:
    """The calendar day at the facility: sample days and deadlines are counted in its zone."""
    return now.astimezone(ZoneInfo(timezone_name)).date()
