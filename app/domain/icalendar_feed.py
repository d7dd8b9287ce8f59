"""Renders calendar entries as an RFC 5545 iCalendar document (pure: the entries and the clock are arguments)."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from icalendar import Calendar, Event, vDuration

PRODUCT_ID = "-//Outfall//Self-monitoring schedule//EN"
# How often a subscribing client should fetch the feed again (RFC 7986 REFRESH-INTERVAL; the
# X-PUBLISHED-TTL twin is what Outlook and older Apple clients read).
REFRESH_INTERVAL = timedelta(hours=1)


@dataclass(frozen=True)
class FeedEvent:
    """One VEVENT. A `date` start is an all-day event through `last_day`; a datetime start is an instant."""

    uid: str
    summary: str
    start: date | datetime
    description: str = ""
    last_day: date | None = None  # all-day events only: the last day it covers (inclusive)
    url: str | None = None
    categories: tuple[str, ...] = ()
    cancelled: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.start, datetime):
            if self.start.utcoffset() is None:
                raise ValueError(f"event {self.uid}: a timed event needs an aware start, got {self.start!r}")
            if self.last_day is not None:
                raise ValueError(f"event {self.uid}: last_day is for all-day events only")
        elif self.last_day is not None and self.last_day < self.start:
            raise ValueError(f"event {self.uid}: last day {self.last_day} is before its start {self.start}")


def _vevent(entry: FeedEvent, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", entry.uid)
    event.add("dtstamp", stamp)
    if isinstance(entry.start, datetime):
        # Deadlines are published in UTC: every client converts them right, whatever its own zone.
        # Without DTEND a timed event is an instant (RFC 5545 3.6.1), which is what a deadline is.
        event.add("dtstart", entry.start.astimezone(timezone.utc))
    else:
        # All-day dates are the facility's calendar days; DTEND is exclusive, hence the day after.
        event.add("dtstart", entry.start)
        event.add("dtend", (entry.last_day or entry.start) + timedelta(days=1))
    event.add("summary", entry.summary)
    if entry.description:
        event.add("description", entry.description)
    if entry.url:
        event.add("url", entry.url)
    if entry.categories:
        event.add("categories", list(entry.categories))
    # A cancelled trip keeps its UID and is published as cancelled, so subscribed calendars drop it
    # instead of keeping a stale copy.
    event.add("status", "CANCELLED" if entry.cancelled else "CONFIRMED")
    event.add("transp", "TRANSPARENT")  # reminders of work, not busy time
    return event


def render_calendar(entries: Iterable[FeedEvent], *, now: datetime, name: str) -> bytes:
    """The VCALENDAR as bytes (CRLF line ends, long lines folded, text escaped by the icalendar library)."""
    if now.utcoffset() is None:
        raise ValueError(f"now {now!r} has no UTC offset")
    stamp = now.astimezone(timezone.utc).replace(microsecond=0)
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("name", name)
    calendar.add("x-wr-calname", name)
    calendar.add("refresh-interval", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH_INTERVAL))
    for entry in entries:
        calendar.add_component(_vevent(entry, stamp))
    return calendar.to_ical()
