"""report_event: record a non-sample noncompliance event (bypass, upset, ...) and every obligation it creates."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from app.domain.obligations import EVENT_KINDS
from app.models.compliance import NoncomplianceEvent, NotificationObligation
from app.models.permit import Permit
from app.services.audit import audit_context
from app.services.monitoring_data import rules_of
from app.services.notification_obligations import create_event_obligations
from app.services.permit_overview import permit_by_number
from app.services.permits import permit_version_on


class EventError(ValueError):
    """An event that cannot be recorded; the message names the field and what was expected."""


@dataclass(frozen=True)
class EventReport:
    permit: str
    kind: str
    discovered_at: datetime
    outfall: str | None = None
    ended_at: datetime | None = None
    planned_start: datetime | None = None
    description: str | None = None


def _check(report: EventReport, permit: Permit | None) -> None:
    if permit is None:
        raise EventError(f"permit: no permit numbered {report.permit!r}")
    if report.kind not in EVENT_KINDS:
        raise EventError(f"kind: expected one of {', '.join(EVENT_KINDS)}, got {report.kind!r}")
    for name in ("discovered_at", "ended_at", "planned_start"):
        moment = getattr(report, name)
        if moment is not None and moment.utcoffset() is None:
            raise EventError(f"{name}: needs its time zone")
    if report.ended_at is not None and report.ended_at < report.discovered_at:
        raise EventError("ended_at: is before discovered_at")
    if report.kind == "anticipated_bypass" and report.planned_start is None:
        raise EventError("planned_start: an anticipated bypass needs its planned start (notice is due "
                         "10 days before it, 40 CFR 122.41(m)(3)(i) / 403.17(c)(1))")


def report_event(session: Session, report: EventReport, *, actor_id: int | None = None,
                 actor_label: str | None = None) -> tuple[NoncomplianceEvent, list[NotificationObligation]]:
    permit = permit_by_number(session, report.permit)
    _check(report, permit)
    zone = permit.facility.timezone
    version = permit_version_on(permit, report.discovered_at.astimezone(ZoneInfo(zone)).date())
    if version is None:
        raise EventError(f"discovered_at: before permit {permit.number} took effect")
    if report.outfall is not None and report.outfall not in {o.feature_id for o in version.outfalls}:
        raise EventError(f"outfall: permit {permit.number} has no outfall {report.outfall!r}")
    with audit_context(session, actor_id=actor_id, actor_label=actor_label, reason=f"{report.kind} reported"):
        event = NoncomplianceEvent(permit_id=permit.id, outfall=report.outfall, kind=report.kind,
                                   discovered_at=report.discovered_at, ended_at=report.ended_at,
                                   planned_start=report.planned_start, description=report.description,
                                   reported_by_id=actor_id)
        session.add(event)
        session.flush()
        obligations = create_event_obligations(session, event, permit, version.rule_pack, rules_of(version))
    return event, obligations

