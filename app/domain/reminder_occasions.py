"""When reminders about each subject fall due: the occasions of sampling trips, notification obligations,
reporting periods, permit renewals and instrument calibrations (pure; the clock and zones are arguments).

An occasion is a named reminder due from `at` until `expires`, when a later reminder about the same
thing has taken over or it has gone stale. Its key names the subject and the moment it is for, so
computing the plan twice never yields a second reminder. Who receives which occasion, and the daily
digest, are app/domain/reminder_rules.py's.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from urllib.parse import quote
from zoneinfo import ZoneInfo

from app.domain.periods import MonitoringPeriod, dmr_due_date, period_containing
from app.domain.permit_terms import VersionTerm, version_applying_on
from app.domain.reminder_snapshots import (InstrumentSnapshot, ObligationPartSnapshot, ObligationSnapshot,
                                           PermitSnapshot, ReminderSnapshot, SamplingEventSnapshot)

UTC = timezone.utc

SAMPLING_DUE = "sampling_due"
SAMPLING_MISSED = "sampling_missed"
OBLIGATION_OPENED = "obligation_opened"
OBLIGATION_APPROACHING = "obligation_approaching"
OBLIGATION_OVERDUE = "obligation_overdue"
REPORT_DUE = "report_due"
REPORT_OVERDUE = "report_overdue"
PERMIT_RENEWAL = "permit_renewal"
CALIBRATION_DUE = "calibration_due"

SAMPLING_TOMORROW_AT = time(7, 0)
SAMPLING_TODAY_AT = time(6, 0)
DAILY_AT = time(8, 0)
HOUR_WINDOW_LIMIT = timedelta(hours=72)  # up to this a notification window counts in hours
HOUR_BEFORE = timedelta(hours=1)
REPORT_DUE_AHEAD_DAYS = 7
# A report recorded as submitted gets no more reminders. Submission is recorded by hand after the
# fact (if at all), so an overdue report would otherwise be nagged about forever: the daily overdue
# reminder stops 30 days after the due date, whether or not a submission was recorded (the same cap
# applies to an overdue notification).
OVERDUE_REPEAT_DAYS = 30
RENEWAL_DAYS_AHEAD = (180, 90, 30)
# A one-time reminder (missed sample, new obligation) older than this is not sent any more: the first
# run after installing, or after a long outage, must not mail a year of history.
STALE_AFTER = timedelta(days=7)
_MAX_PERIODS = 40  # periods walked back per permit: bounds the loop for long-expired permits


@dataclass(frozen=True)
class Occasion:
    kind: str
    key: str  # the reminder's name without its recipient, e.g. "obligation-half:12:initial"
    at: datetime  # due from this moment ...
    expires: datetime  # ... until this one
    subject: str
    details: tuple[str, ...]
    link: str  # a path under OUTFALL_BASE_URL



def local_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of a facility-local wall-clock time (a time skipped by DST falls just after the gap)."""
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def _local_text(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


def _daily(first: date, last: date, zone: ZoneInfo, *, after: datetime | None = None,
           before: datetime | None = None) -> list[tuple[date, datetime, datetime]]:
    """(day, at, expires) for DAILY_AT on each day first..last strictly between after and before;
    each one expires when the next is due, so only the latest is ever current."""
    moments = []
    day = first
    while day <= last:
        moment = local_instant(day, DAILY_AT, zone)
        if (after is None or moment > after) and (before is None or moment < before):
            moments.append((day, moment))
        day += timedelta(days=1)
    series = []
    for index, (day, moment) in enumerate(moments):
        following = (moments[index + 1][1] if index + 1 < len(moments)
                     else local_instant(day + timedelta(days=1), DAILY_AT, zone))
        series.append((day, moment, min(following, before) if before is not None else following))
    return series


def sampling_occasions(event: SamplingEventSnapshot) -> list[Occasion]:
    """To lab techs: "tomorrow" from 07:00 the day before, "today" from 06:00; to managers once when missed."""
    zone = ZoneInfo(event.timezone)
    where = f"{event.permit_number} outfall {event.outfall}, {event.sample_type}"
    details = (f"Permit {event.permit_number}, outfall {event.outfall}", f"Sample type: {event.sample_type}",
               f"Parameters: {', '.join(event.parameter_codes)}",
               f"Planned for {event.event_date.isoformat()}; a sample counts until {event.window_end.isoformat()}")
    link = f"/permits/{quote(event.permit_number)}"
    day_start = local_instant(event.event_date, time(0), zone)
    if event.status == "scheduled":
        return [
            Occasion(SAMPLING_DUE, f"sampling-tomorrow:{event.id}",
                     local_instant(event.event_date - timedelta(days=1), SAMPLING_TOMORROW_AT, zone), day_start,
                     f"Sampling tomorrow: {where} ({event.event_date.isoformat()})", details, link),
            Occasion(SAMPLING_DUE, f"sampling-today:{event.id}",
                     local_instant(event.event_date, SAMPLING_TODAY_AT, zone),
                     local_instant(event.event_date + timedelta(days=1), time(0), zone),
                     f"Sampling today: {where} ({event.event_date.isoformat()})", details, link),
        ]
    if event.status == "missed":
        # It turns missed when its window has closed: the first moment of the following local day.
        at = local_instant(event.window_end + timedelta(days=1), time(0), zone)
        return [Occasion(SAMPLING_MISSED, f"sampling-missed:{event.id}", at, at + STALE_AFTER,
                         f"Sampling missed: {where} planned for {event.event_date.isoformat()}",
                         details + ("No sample was recorded in the window; the DMR will need a NODI or "
                                    "an explanation.",), link)]
    return []


def obligation_occasions(obligation: ObligationSnapshot) -> list[Occasion]:
    """To managers: opened; approaching (half the window, 1 h before an hour deadline, daily 08:00 for
    day windows); overdue at the deadline and then daily at 08:00 for OVERDUE_REPEAT_DAYS."""
    if obligation.status != "open":
        return []
    pending = [p for p in obligation.parts if p.done_at is None and p.due is not None]
    if not pending:
        return []
    zone = ZoneInfo(obligation.timezone)
    opened_at = obligation.opened_at.astimezone(UTC)
    what = obligation.permit_number + "".join(
        f" {label} {value}" for label, value in (("outfall", obligation.outfall),
                                                 ("parameter", obligation.parameter_code)) if value)
    link = f"/compliance/obligations#obligation-{obligation.id}"
    base = (f"Obligation #{obligation.id}: {what}", f"Rule: {obligation.rule} ({obligation.citation})",
            f"Aware since {_local_text(obligation.aware_at, zone)}")
    parts = tuple(f"{p.name.capitalize()} ({p.kind.replace('_', ' ')}) due {_local_text(p.due, zone)}"
                  for p in pending)
    found = [Occasion(OBLIGATION_OPENED, f"obligation-opened:{obligation.id}", opened_at, opened_at + STALE_AFTER,
                      f"New notification obligation: {what}, {pending[0].kind.replace('_', ' ')} due "
                      f"{_local_text(pending[0].due, zone)}", base + parts, link)]
    for part in pending:
        found += _part_occasions(obligation, part, zone, what, base, link)
    return found


def _part_occasions(obligation: ObligationSnapshot, part: ObligationPartSnapshot, zone: ZoneInfo, what: str,
                    base: tuple[str, ...], link: str) -> list[Occasion]:
    name = f"{obligation.id}:{part.name}"
    label = f"{part.kind.replace('_', ' ')} ({part.name})"
    due_text = _local_text(part.due, zone)
    details = base + (f"{part.name.capitalize()}: {part.kind.replace('_', ' ')} due {due_text}",)
    # In UTC: arithmetic on datetimes sharing a ZoneInfo is wall-clock arithmetic, wrong across DST.
    aware, due = obligation.aware_at.astimezone(UTC), part.due.astimezone(UTC)
    window = due - aware
    found = []
    if window > timedelta(0):
        found.append(Occasion(OBLIGATION_APPROACHING, f"obligation-half:{name}", aware + window / 2, due,
                              f"Half the time is gone: {label} due {due_text} — {what}", details, link))
        if window <= HOUR_WINDOW_LIMIT:
            if due - HOUR_BEFORE > aware:
                found.append(Occasion(OBLIGATION_APPROACHING, f"obligation-hour:{name}", due - HOUR_BEFORE, due,
                                      f"1 hour left: {label} due {due_text} — {what}", details, link))
        else:
            for day, at, expires in _daily(aware.astimezone(zone).date(), due.astimezone(zone).date(), zone,
                                           after=aware, before=due):
                found.append(Occasion(OBLIGATION_APPROACHING, f"obligation-daily:{name}:{day.isoformat()}", at,
                                      expires, f"Reminder: {label} due {due_text} — {what}", details, link))
    due_day = due.astimezone(zone).date()
    repeats = _daily(due_day + timedelta(days=1), due_day + timedelta(days=OVERDUE_REPEAT_DAYS), zone)
    subject = f"OVERDUE: {label} was due {due_text} — {what}"
    found.append(Occasion(OBLIGATION_OVERDUE, f"obligation-overdue:{name}:{due_day.isoformat()}", due,
                          repeats[0][1], subject, details, link))
    found += [Occasion(OBLIGATION_OVERDUE, f"obligation-overdue:{name}:{day.isoformat()}", at, expires, subject,
                       details, link) for day, at, expires in repeats]
    return found


def reporting_periods(permit: PermitSnapshot, first_due: date, last_due: date
                      ) -> list[tuple[MonitoringPeriod, date]]:
    """The (period, due date) pairs of the permit with a due date in first_due..last_due, newest first.

    A period's frequency and due day are those of the version in force on its days; a period that
    begins after that version expired has nothing to report.
    """
    terms = [VersionTerm(v.version, v.effective, v.expires) for v in permit.versions]
    by_number = {v.version: v for v in permit.versions}
    found = []
    day = last_due
    for _ in range(_MAX_PERIODS):
        applying = version_applying_on(terms, day)
        if applying is None:
            break
        version = by_number[applying.version]
        period = period_containing(day, version.reporting_frequency)
        day = period.start - timedelta(days=1)
        if period.start > version.expires:
            continue
        due = dmr_due_date(period, version.reporting_due_day)
        if due > last_due:
            continue
        if due < first_due:
            break
        found.append((period, due))
    return found


def report_occasions(permit: PermitSnapshot, first: datetime, last: datetime) -> list[Occasion]:
    """To managers: the DMR/SMR of each period 7 days before it is due, then daily while overdue (capped),
    unless it is recorded as submitted."""
    zone = ZoneInfo(permit.timezone)
    first_due = first.astimezone(zone).date() - timedelta(days=OVERDUE_REPEAT_DAYS + 1)
    last_due = last.astimezone(zone).date() + timedelta(days=REPORT_DUE_AHEAD_DAYS + 1)
    report = "DMR" if permit.program == "npdes" else "SMR"
    link = f"/permits/{quote(permit.number)}"
    found = []
    for period, due in reporting_periods(permit, first_due, last_due):
        if period.label in permit.submitted_periods:
            continue
        details = (f"Permit {permit.number}", f"Monitoring period {period.label}: {period.start.isoformat()} to "
                   f"{period.end.isoformat()}", f"{report} due {due.isoformat()}")
        found.append(Occasion(REPORT_DUE, f"report-due:{permit.id}:{period.label}",
                              local_instant(due - timedelta(days=REPORT_DUE_AHEAD_DAYS), DAILY_AT, zone),
                              local_instant(due + timedelta(days=1), time(0), zone),
                              f"{report} for {period.label} due {due.isoformat()} — {permit.number}", details, link))
        for day, at, expires in _daily(due + timedelta(days=1), due + timedelta(days=OVERDUE_REPEAT_DAYS), zone):
            found.append(Occasion(REPORT_OVERDUE, f"report-overdue:{permit.id}:{period.label}:{day.isoformat()}", at,
                                  expires, f"{report} for {period.label} overdue since {due.isoformat()} — "
                                  f"{permit.number}", details, link))
    return found


def renewal_occasions(permit: PermitSnapshot) -> list[Occasion]:
    """To managers: 180, 90 and 30 days before the renewal application of the newest version is due."""
    if not permit.versions:
        return []
    zone = ZoneInfo(permit.timezone)
    latest = max(permit.versions, key=lambda v: v.version)
    due = latest.expires - timedelta(days=latest.renewal_application_days)
    moments = [(days, local_instant(due - timedelta(days=days), DAILY_AT, zone)) for days in RENEWAL_DAYS_AHEAD]
    end = local_instant(due + timedelta(days=1), time(0), zone)
    details = (f"Permit {permit.number} version {latest.version} expires {latest.expires.isoformat()}",
               f"The renewal application is due {due.isoformat()} ({latest.renewal_application_days} days "
               "before expiry)")
    return [Occasion(PERMIT_RENEWAL, f"renewal:{permit.id}:v{latest.version}:{days}d", at,
                     moments[index + 1][1] if index + 1 < len(moments) else end,
                     f"Permit renewal application due in {days} days: {permit.number} ({due.isoformat()})",
                     details, f"/permits/{quote(permit.number)}")
            for index, (days, at) in enumerate(moments)]


CALIBRATION_LEAD_DAYS = 7  # as app/domain/calibration_due.py DUE_SOON_DAYS: book the lab, buy the buffer


def calibration_occasions(instrument: InstrumentSnapshot) -> list[Occasion]:
    """To lab techs and managers: a calibration coming due, overdue, never done, or failed.

    The lead time is at most half the interval, so a daily check is not announced a week ahead;
    each occasion is keyed by the due date (or the failure), so a new calibration starts a new cycle.
    """
    zone = ZoneInfo(instrument.timezone)
    link = f"/records/instruments/{instrument.id}"
    name = instrument.name
    if instrument.failed_at is not None:
        return [Occasion(CALIBRATION_DUE, f"calibration-failed:{instrument.id}:{instrument.failed_at.isoformat()}",
                         instrument.failed_at, instrument.failed_at + STALE_AFTER,
                         f"Calibration failed: {name}",
                         (f"The last calibration of {name} failed at {_local_text(instrument.failed_at, zone)}",
                          "Readings taken with it now are not from a calibrated instrument; calibrate or "
                          "take it out of service, and consider reporting a monitoring equipment failure"), link)]
    if instrument.next_due is None:
        return [Occasion(CALIBRATION_DUE, f"calibration-never:{instrument.id}", instrument.registered_at,
                         instrument.registered_at + STALE_AFTER, f"Calibration needed: {name} was never calibrated",
                         (f"{name} has no calibration on record",), link)]
    due = instrument.next_due
    found = []
    lead = min(CALIBRATION_LEAD_DAYS, instrument.interval_days // 2)
    ahead = local_instant(due.astimezone(zone).date() - timedelta(days=lead), DAILY_AT, zone) if lead else None
    if ahead is not None and ahead < due:
        found.append(Occasion(CALIBRATION_DUE, f"calibration-due:{instrument.id}:{due.isoformat()}", ahead, due,
                              f"Calibration due {due.astimezone(zone).date().isoformat()}: {name}",
                              (f"{name} must be calibrated by {_local_text(due, zone)} "
                               f"(every {instrument.interval_days} days)",), link))
    found.append(Occasion(CALIBRATION_DUE, f"calibration-overdue:{instrument.id}:{due.isoformat()}", due,
                          due + STALE_AFTER, f"Calibration overdue: {name}",
                          (f"{name} was due for calibration at {_local_text(due, zone)}",), link))
    return found


def occasions(snapshot: ReminderSnapshot, first: datetime, last: datetime) -> list[Occasion]:
    """Every occasion of the snapshot that can be current between `first` and `last`."""
    found: list[Occasion] = []
    for event in snapshot.events:
        found += sampling_occasions(event)
    for obligation in snapshot.obligations:
        found += obligation_occasions(obligation)
    for permit in snapshot.permits:
        found += report_occasions(permit, first, last) + renewal_occasions(permit)
    for instrument in snapshot.instruments:
        found += calibration_occasions(instrument)
    return found
