"""Shared builders of the hand-worked monthly examples (test_worked_month_*.py): RULES.md 2, 3, 5, 6."""
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from app.domain.dmr_columns import ColumnDefinition
from app.domain.measurements import Measurement

D = date
NY = ZoneInfo("America/New_York")
TZ = "America/New_York"


def result(value, day, qualifier="=", unit="mg/L", at=None):
    return Measurement(value=Decimal(value), sample_date=day, unit=unit, qualifier=qualifier,
                       sampled_at=None if at is None else datetime(day.year, day.month, day.day, *at, tzinfo=NY))


def column(slot, base, limit, unit="mg/L", **kwargs):
    return ColumnDefinition(slot=slot, statistical_base=base, limit=limit, unit=unit, **kwargs)


def slots(values):
    return {slot: (v.value, v.qualifier, v.violation) for slot, v in values.values.items()}


def due(part):
    return None if part is None else (part.kind, part.due.isoformat(), part.due_date.isoformat())


def summary(drafts):
    return [(d.rule_id, d.citation, due(d.initial), due(d.followup)) for d in drafts]
