"""Read models of the schedule calendar and its iCalendar feed: trips, notification deadlines, report due dates."""
from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.domain.icalendar_feed import FeedEvent
from app.domain.periods import calendar_week_containing
from app.domain.permit_terms import renewal_application_due
from app.domain.reminder_rules import reporting_periods
from app.models.compliance import NotificationObligation
from app.models.permit import Permit
from app.models.schedule import CANCELLED
from app.services.notification_obligations import DONE, FOLLOWUP, INITIAL, WITHDRAWN
from app.services.permit_overview import installation_today
from app.services.reminders import permit_snapshots
from app.services.sampling_schedule import DEFAULT_HORIZON_DAYS, list_schedule

SAMPLING, NOTIFICATION, REPORT, RENEWAL = "sampling", "notification", "report", "renewal"
_KIND_ORDER = {NOTIFICATION: 0, REPORT: 1, RENEWAL: 2, SAMPLING: 3}
FEED_DAYS_BACK = 90
# A visit to a far-off month plans trips at most this far ahead, so one page view can never write
# years of schedule rows; the nightly job keeps the real horizon (DEFAULT_HORIZON_DAYS).
PLAN_AHEAD_DAYS = 366
WEEK_START = "sunday"  # the calendar's columns; the frequency blocks keep the permit's own calc.week_start
WEEKDAY_NAMES = ("Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat")
# "Oral due" reads oddly; the other part kinds (written_report, ...) read well as they are.
_PART_WORDS = {"oral": "oral notice"}


@dataclass(frozen=True)
class CalendarItem:
    """One thing on the calendar, on its facility-local day."""

    kind: str  # sampling | notification | report | renewal
    uid: str  # stable across fetches: the feed's VEVENT UID
    day: date
    title: str
    status: str  # sampling: scheduled|collected|missed|cancelled; deadlines: open|overdue|done|withdrawn; due|...
    permit: str
    timezone: str
    outfall: str | None = None
    parameters: tuple[str, ...] = ()
    sample_type: str | None = None
    window: tuple[date, date] | None = None  # a trip: the days a sample counts for it
    due_at: datetime | None = None  # a notification deadline: the instant
    obligation_id: int | None = None
    event_id: int | None = None  # a trip: its SamplingEvent, which the results entry page pre-fills from
    detail: str = ""


@dataclass(frozen=True)
class CalendarView:
    """A month grid or a week: its days (in weeks of seven), the items on each, and its neighbours."""

    title: str
    today: date
    first: date
    last: date
    weeks: list[list[date]]
    items: dict[date, list[CalendarItem]]
    previous: date
    following: date
    planned_through: date
    month: date | None = None  # the month view's month (its first day)

    def on(self, day: date) -> list[CalendarItem]:
        return self.items.get(day, [])


def _sampling(session: Session, first: date, last: date, today: date) -> list[CalendarItem]:
    items = []
    for event, permit in list_schedule(session, first=first, last=last, today=today, include_cancelled=True):
        codes = tuple(dict.fromkeys(p["code"] for p in event.parameters))
        start = min(date.fromisoformat(p["window_start"]) for p in event.parameters)
        items.append(CalendarItem(
            SAMPLING, f"sampling-event-{event.id}@outfall", event.event_date,
            f"Sampling {permit.number} outfall {event.outfall}", event.status, permit.number,
            permit.facility.timezone, event.outfall, codes, event.sample_type, (start, event.window_end),
            event_id=event.id, detail=event.status_reason or ""))
    return items


def _part_status(obligation: NotificationObligation, part: str, now: datetime) -> str:
    if getattr(obligation, f"{part}_done_at") is not None:
        return DONE
    if obligation.status == WITHDRAWN:
        return WITHDRAWN
    return "overdue" if getattr(obligation, f"{part}_due") <= now else "open"


def _notifications(session: Session, first: date, last: date, now: datetime) -> list[CalendarItem]:
    in_window = [(getattr(NotificationObligation, f"{p}_due_date") >= first)
                 & (getattr(NotificationObligation, f"{p}_due_date") <= last) for p in (INITIAL, FOLLOWUP)]
    rows = session.execute(select(NotificationObligation, Permit.number)
                           .join(Permit, Permit.id == NotificationObligation.permit_id)
                           .where(or_(*in_window)).order_by(NotificationObligation.id))
    items = []
    for obligation, number in rows:
        for part in (INITIAL, FOLLOWUP):
            kind, due, day = (getattr(obligation, f"{part}_{name}") for name in ("kind", "due", "due_date"))
            if kind is None or due is None or day is None or not first <= day <= last:
                continue  # a rule without this part, or the other part is the one in the window
            where = " ".join(x for x in (number, obligation.outfall, obligation.parameter_code) if x)
            items.append(CalendarItem(
                NOTIFICATION, f"obligation-{obligation.id}-{part}@outfall", day,
                f"{_PART_WORDS.get(kind, kind.replace('_', ' ')).capitalize()} due — {where}",
                _part_status(obligation, part, now),
                number, obligation.timezone, obligation.outfall,
                (obligation.parameter_code,) if obligation.parameter_code else (), due_at=due,
                obligation_id=obligation.id, detail=f"{obligation.rule} ({obligation.citation})"))
    return items


def _reports_and_renewals(session: Session, first: date, last: date, today: date) -> list[CalendarItem]:
    items = []
    for permit in permit_snapshots(session):
        report = "DMR" if permit.program == "npdes" else "SMR"
        for period, due in reporting_periods(permit, first, last):
            status = ("submitted" if period.label in permit.submitted_periods
                      else "overdue" if due < today else "due")
            items.append(CalendarItem(
                REPORT, f"report-{permit.id}-{period.label}@outfall", due,
                f"{report} for {period.label} due — {permit.number}", status, permit.number, permit.timezone,
                detail=f"Monitoring period {period.start.isoformat()} to {period.end.isoformat()}"))
        if permit.versions:
            latest = max(permit.versions, key=lambda v: v.version)
            due = renewal_application_due(latest.expires, latest.renewal_application_days)
            if first <= due <= last:
                items.append(CalendarItem(
                    RENEWAL, f"renewal-{permit.id}-v{latest.version}@outfall", due,
                    f"Permit renewal application due — {permit.number}", "due" if due >= today else "passed",
                    permit.number, permit.timezone,
                    detail=f"Version {latest.version} expires {latest.expires.isoformat()}; the application is due "
                           f"{latest.renewal_application_days} days before"))
    return items


def calendar_items(session: Session, first: date, last: date, now: datetime) -> tuple[list[CalendarItem], date]:
    """Everything dated first..last, and the last day trips were planned for. Plans and refreshes the
    schedule first, as `schedule list` does (flushes, never commits)."""
    today = installation_today(session, now)
    planned_through = min(last, today + timedelta(days=PLAN_AHEAD_DAYS))
    items = _sampling(session, first, planned_through, today) if first <= planned_through else []
    items += _notifications(session, first, last, now) + _reports_and_renewals(session, first, last, today)
    items.sort(key=lambda i: (i.day, _KIND_ORDER[i.kind], i.due_at or datetime.min.replace(tzinfo=now.tzinfo),
                              i.permit, i.outfall or "", i.sample_type or "", i.uid))
    return items, planned_through


def _by_day(items: list[CalendarItem]) -> dict[date, list[CalendarItem]]:
    days: dict[date, list[CalendarItem]] = {}
    for item in items:
        days.setdefault(item.day, []).append(item)
    return days


def month_view(session: Session, month: date | None, now: datetime) -> CalendarView:
    """The month (default: the facility's current month) in Sunday-first weeks, with its spill-over days."""
    today = installation_today(session, now)
    first_of_month = (month or today).replace(day=1)
    weeks = calendar.Calendar(firstweekday=6).monthdatescalendar(first_of_month.year, first_of_month.month)
    items, planned = calendar_items(session, weeks[0][0], weeks[-1][-1], now)
    previous = (first_of_month - timedelta(days=1)).replace(day=1)
    following = (first_of_month + timedelta(days=32)).replace(day=1)
    return CalendarView(first_of_month.strftime("%B %Y"), today, weeks[0][0], weeks[-1][-1], weeks, _by_day(items),
                        previous, following, planned, first_of_month)


def week_view(session: Session, day: date | None, now: datetime) -> CalendarView:
    """The Sunday-to-Saturday week holding `day` (default: this week at the facility)."""
    today = installation_today(session, now)
    week = calendar_week_containing(day or today, WEEK_START)
    days = [week.start + timedelta(days=i) for i in range(7)]
    items, planned = calendar_items(session, week.start, week.end, now)
    return CalendarView(f"Week of {week.start.strftime('%a %d %b %Y')}", today, week.start, week.end, [days],
                        _by_day(items), week.start - timedelta(days=7), week.start + timedelta(days=7), planned)


def feed_items(session: Session, now: datetime) -> list[CalendarItem]:
    """The feed's window: 90 days back to the schedule horizon."""
    today = installation_today(session, now)
    items, _ = calendar_items(session, today - timedelta(days=FEED_DAYS_BACK),
                              today + timedelta(days=DEFAULT_HORIZON_DAYS), now)
    return items


def _summary(item: CalendarItem) -> str:
    if item.kind == SAMPLING:
        return (f"Sampling {item.permit} {item.outfall} ({item.sample_type}): {', '.join(item.parameters)}"
                f" [{item.status}]")
    return f"{item.title} [{item.status}]"


def _description(item: CalendarItem) -> str:
    lines = [f"Permit {item.permit}" + (f", outfall {item.outfall}" if item.outfall else ""), f"Status: {item.status}"]
    if item.kind == SAMPLING:
        lines += [f"Sample type: {item.sample_type}", f"Parameters: {', '.join(item.parameters)}",
                  f"A sample counts from {item.window[0].isoformat()} to {item.window[1].isoformat()}"]
    if item.due_at is not None:
        lines.append("Due " + item.due_at.astimezone(ZoneInfo(item.timezone)).strftime("%Y-%m-%d %H:%M %Z"))
    if item.detail:
        lines.append(item.detail)
    return "\n".join(lines)


def feed_events(items: list[CalendarItem], url_of: Callable[[CalendarItem], str | None]) -> list[FeedEvent]:
    """The items as iCalendar events: trips and due dates all day, notification deadlines at their instant."""
    return [FeedEvent(item.uid, _summary(item), item.due_at if item.due_at is not None else item.day,
                      _description(item), url=url_of(item), categories=(item.kind.capitalize(),),
                      cancelled=item.status in (CANCELLED, WITHDRAWN))
            for item in items]
