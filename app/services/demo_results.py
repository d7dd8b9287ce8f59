"""A year of plausible demo results for the demo permits, with a few exceedances a reviewer should find."""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.monitoring_frequency import parse_frequency
from app.models.compliance import NotificationObligation
from app.models.permit import MonitoredParameter, Permit
from app.services.exceedances import evaluate_parameter_month, month_of
from app.services.notification_obligations import OPEN, record_fulfilment
from app.services.permits import permit_version_on
from app.services.results import record_result

# (permit, outfall, code, first day of the month offset from the demo's start, day of month, value):
# the exceedances the demo plants so that the dashboard, the DMR and the deadlines have something to show.
PLANTED = (
    ("CT0000001", "001", "00530", 3, 12, "72"),     # TSS daily maximum 60 mg/L
    ("CT0000001", "001", "01042", 7, 5, "1.4"),     # copper, listed for 24-hour reporting
    ("CT0000001", "001", "00400", 9, 17, "9.6"),    # pH above 9.0
    ("SP0002345", "101", "01042", 5, 19, "4.60"),   # copper above twice 2.07 mg/L (CT SPDES 2x)
    ("SP0002345", "101", "00720", 10, 6, "0.95"),   # cyanide monthly average 0.65
    ("SP0002345", "101", "01067", 11, 3, "4.10"),   # nickel daily maximum 3.98
    ("CT0000001", "001", "01042", 11, 27, "1.2"),   # copper again, late in the last month: still open
)
SKIPPED = ("CT0000001", "001", "01092")


def _sample_days(frequency: str, first: date, last: date) -> list[date]:
    requirement = parse_frequency(frequency)
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    if requirement.continuous or (requirement.samples, requirement.days) == (1, 1):
        return days
    if requirement.days == 7:
        weekdays = (1, 3) if requirement.samples >= 2 else (1,)  # Tuesday (and Thursday)
        return [d for d in days if d.weekday() in weekdays]
    return [d for d in days if d.weekday() == 1 and d.day <= 7]  # monthly: the first Tuesday


def _typical(parameter: MonitoredParameter, rng: random.Random) -> tuple[str, str]:
    """(value, unit): about a third to two thirds of the tightest limit, with the limit's precision; flows
    sized so that the mass limits (lb/d) hold on a typical day."""
    columns = [c for c in parameter.columns if c.derived is None]
    unit = columns[0].unit
    if parameter.code == "00400":
        return f"{Decimal(rng.randint(66, 82)) / 10}", unit
    limits = [Decimal(c.limit_text) for c in columns if c.limit_text and not c.statistical_base.endswith("minimum")]
    if parameter.code == "50050":
        base = Decimal("0.15") if unit == "MGD" else Decimal("21000")
        return str((base * Decimal(rng.randint(80, 120)) / 100).quantize(Decimal("0.001") if unit == "MGD"
                                                                          else Decimal(1))), unit
    ceiling = min(limits) if limits else Decimal(10)
    value = ceiling * Decimal(rng.randint(30, 65)) / 100
    return str(value.quantize(Decimal("0.01") if ceiling < 10 else Decimal("0.1"))), unit


def _row(permit: Permit, parameter: MonitoredParameter, day: date, value: str, unit: str, zone: ZoneInfo) -> dict:
    field = parameter.code in ("00400", "50050")
    sampled = datetime.combine(day, time(7, 30), tzinfo=zone)
    received = sampled + (timedelta(minutes=5) if field else timedelta(days=3, hours=8))
    return {"permit": permit.number, "outfall": parameter.outfall.feature_id, "parameter_code": parameter.code,
            "sample_id": f"{'FLD' if field else 'LAB'}-{parameter.outfall.feature_id}-{parameter.code}-{day:%Y%m%d}",
            "sampled_at": sampled.isoformat() if parameter.code != "50050" else day.isoformat(),
            "value": value, "unit": unit, "received_at": received.isoformat(),
            "sample_type": "grab" if parameter.sample_type == "grab" or parameter.code == "00400"
            else ("continuous" if parameter.code == "50050" else "composite"),
            "lab": None if field else "Tri-County Labs", "analyst": "M. Reyes" if field else "J. Ortiz"}


def load_demo_results(session: Session, today: date) -> int:
    """Twelve full months before `today`'s month and this month up to yesterday; returns the count stored."""
    first = month_of(month_of(today).start - timedelta(days=365)).start
    last = today - timedelta(days=1)
    rng = random.Random(20261123)  # the same demo every time
    # The Tuesday of the week before last: its zinc sample was never taken.
    skipped_day = today - timedelta(days=7 + (today.weekday() - 1) % 7)
    stored = 0
    for permit in session.scalars(select(Permit).order_by(Permit.number)):
        zone = ZoneInfo(permit.facility.timezone)
        version = permit_version_on(permit, last)
        if version is None:
            continue
        planted = {(o, c, _month_start(first, m).replace(day=d)): v
                   for p, o, c, m, d, v in PLANTED if p == permit.number}
        for outfall in version.outfalls:
            for parameter in outfall.parameters:
                for day in _sample_days(parameter.frequency, max(first, version.effective), last):
                    value, unit = _typical(parameter, rng)
                    if (permit.number, outfall.feature_id, parameter.code) == SKIPPED and day == skipped_day:
                        continue  # the sample nobody took: the schedule shows it missed
                    value = planted.get((outfall.feature_id, parameter.code, day), value)
                    record_result(session, _row(permit, parameter, day, value, unit, zone),
                                  now=datetime.combine(day, time(12), tzinfo=zone), actor_label="demo",
                                  evaluate=False)
                    stored += 1
                for extra_day, value in ((d, v) for (o, c, d), v in planted.items()
                                         if (o, c) == (outfall.feature_id, parameter.code)):
                    if extra_day <= last and extra_day not in _sample_days(parameter.frequency, first, last):
                        # An extra sample is still a sample: 122.41(l)(4)(ii) puts it in the DMR.
                        _, unit = _typical(parameter, rng)
                        record_result(session, _row(permit, parameter, extra_day, value, unit, zone),
                                      now=datetime.combine(extra_day, time(12), tzinfo=zone), actor_label="demo",
                                      evaluate=False)
                        stored += 1
                month = month_of(first)
                while month.start <= last:
                    evaluate_parameter_month(session, permit, outfall.feature_id, parameter.code,
                                             parameter.monitoring_location, month, reason="demo data evaluated")
                    month = month_of(month.end + timedelta(days=1))
    _close_old_obligations(session, today)
    return stored


def _month_start(first: date, offset: int) -> date:
    month = first.month - 1 + offset
    return date(first.year + month // 12, month % 12 + 1, 1)


def _close_old_obligations(session: Session, today: date) -> None:
    """The demo facility made its calls on time, except for those of the last thirty days."""
    cutoff = datetime.combine(today - timedelta(days=30), time(0), tzinfo=ZoneInfo("UTC"))
    for obligation in session.scalars(select(NotificationObligation).where(NotificationObligation.status == OPEN)):
        if obligation.aware_at >= cutoff:
            continue
        for part in ("initial", "followup"):
            due = getattr(obligation, f"{part}_due")
            if getattr(obligation, f"{part}_kind") and due is not None:
                done_at = min(due, obligation.aware_at + timedelta(hours=1)) if part == "initial" else due - timedelta(days=1)
                record_fulfilment(session, obligation.id, part, done_at=max(done_at, obligation.aware_at),
                                  record={"to": "the permitting authority", "how": "phone", "notes": "demo"},
                                  actor_id=None, actor_label="demo")
