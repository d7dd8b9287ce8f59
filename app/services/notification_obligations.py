"""Notification obligations: created from a noncompliance fact, kept in step with it, and fulfilled."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.obligations import NoncomplianceFact, ObligationDraft, ObligationPart, obligation_json, obligations_for
from app.models.compliance import Exceedance, NoncomplianceEvent, NotificationObligation
from app.models.permit import Permit
from app.services.audit import audit_context

OPEN, DONE, WITHDRAWN = "open", "done", "withdrawn"
INITIAL, FOLLOWUP = "initial", "followup"


class ObligationError(ValueError):
    """A fulfilment that cannot be recorded (unknown obligation, part that does not exist, ...)."""


def _due_fields(draft: ObligationDraft) -> dict[str, Any]:
    fields: dict[str, Any] = {"aware_at": draft.aware_at}
    for name, part in (("initial", draft.initial), ("followup", draft.followup)):
        fields[f"{name}_kind"] = part.kind if part else None
        fields[f"{name}_due"] = part.due if part else None
        fields[f"{name}_due_date"] = part.due_date if part else None
    return fields


def _status(obligation: NotificationObligation) -> str:
    parts_done = [(obligation.initial_kind is None or obligation.initial_done_at is not None),
                  (obligation.followup_kind is None or obligation.followup_done_at is not None)]
    return DONE if all(parts_done) else OPEN


def sync_obligations(session: Session, exceedance: Exceedance, fact: NoncomplianceFact, rule_pack: str,
                     rules: Mapping[str, Any], zone: str, *, reason: str) -> None:
    """Make the exceedance's obligations exactly those its fact calls for now (5.1: all of them).

    New rules get a new obligation; a rule that no longer applies is withdrawn with the reason; a
    changed awareness time moves the due times of parts not yet done. Nothing is deleted.
    """
    drafts = {d.rule_id: d for d in obligations_for(fact, rule_pack, rules, zone)}
    existing = {o.rule_id: o for o in session.scalars(
        select(NotificationObligation).where(NotificationObligation.exceedance_id == exceedance.id))}
    covered = {o.rule_id for o in _sibling_obligations(session, exceedance)}
    with audit_context(session, reason=reason):
        for rule_id, draft in drafts.items():
            obligation = existing.get(rule_id)
            if obligation is None and rule_id in covered:
                continue  # one call covers the day: the concentration and mass columns share it
            if obligation is None:
                session.add(NotificationObligation(
                    permit_id=exceedance.permit_id, exceedance_id=exceedance.id, outfall=exceedance.outfall,
                    parameter_code=draft.parameter_code, rule_id=rule_id, trigger=draft.trigger, rule=draft.rule,
                    citation=draft.citation, timezone=zone, status=OPEN, **_due_fields(draft)))
                continue
            for name, value in _due_fields(draft).items():
                part = name.split("_")[0]
                # A part already done keeps the due time it was judged against.
                if part in (INITIAL, FOLLOWUP) and getattr(obligation, f"{part}_done_at") is not None:
                    continue
                if getattr(obligation, name) != value:
                    setattr(obligation, name, value)
            if obligation.status == WITHDRAWN:
                obligation.status, obligation.status_reason = _status(obligation), None
        for rule_id, obligation in existing.items():
            if rule_id not in drafts and obligation.status != WITHDRAWN:
                obligation.status, obligation.status_reason = WITHDRAWN, f"{reason}: the rule no longer applies"
        session.flush()


def _siblings(session: Session, exceedance: Exceedance) -> list[Exceedance]:
    """Other active exceedances of the same parameter and unit of evaluation (e.g. C3 and Q2 of one day)."""
    return list(session.scalars(select(Exceedance).where(
        Exceedance.permit_id == exceedance.permit_id, Exceedance.outfall == exceedance.outfall,
        Exceedance.parameter_code == exceedance.parameter_code,
        Exceedance.monitoring_location == exceedance.monitoring_location,
        Exceedance.evaluation_key == exceedance.evaluation_key, Exceedance.status == "active",
        Exceedance.id != exceedance.id).order_by(Exceedance.id)))


def _sibling_obligations(session: Session, exceedance: Exceedance) -> list[NotificationObligation]:
    ids = [s.id for s in _siblings(session, exceedance)]
    if not ids:
        return []
    return list(session.scalars(select(NotificationObligation).where(
        NotificationObligation.exceedance_id.in_(ids), NotificationObligation.status != WITHDRAWN)))


def withdraw_obligations(session: Session, exceedance: Exceedance, reason: str) -> None:
    """Withdraw the exceedance's obligations, or pass each to a column of the same day that still exceeds."""
    siblings = _siblings(session, exceedance)
    for obligation in session.scalars(select(NotificationObligation).where(
            NotificationObligation.exceedance_id == exceedance.id, NotificationObligation.status != WITHDRAWN)):
        heir = next((s for s in siblings if session.scalar(select(NotificationObligation.id).where(
            NotificationObligation.exceedance_id == s.id, NotificationObligation.rule_id == obligation.rule_id))
            is None), None)
        if heir is not None:
            obligation.exceedance_id = heir.id
        else:
            obligation.status, obligation.status_reason = WITHDRAWN, reason
    session.flush()


def create_event_obligations(session: Session, event: NoncomplianceEvent, permit: Permit, rule_pack: str,
                             rules: Mapping[str, Any]) -> list[NotificationObligation]:
    zone = permit.facility.timezone
    fact = NoncomplianceFact(kind=event.kind, aware_at=event.discovered_at, planned_start=event.planned_start)
    created = []
    for draft in obligations_for(fact, rule_pack, rules, zone):
        obligation = NotificationObligation(
            permit_id=permit.id, event_id=event.id, outfall=event.outfall, parameter_code=None,
            rule_id=draft.rule_id, trigger=draft.trigger, rule=draft.rule, citation=draft.citation,
            timezone=zone, status=OPEN, **_due_fields(draft))
        session.add(obligation)
        created.append(obligation)
    session.flush()
    return created


def record_fulfilment(session: Session, obligation_id: int, part: str, *, done_at: datetime,
                      record: dict[str, Any], actor_id: int | None, actor_label: str | None) -> NotificationObligation:
    """Record the oral notice (to whom, how) or the written report (document, notes) as done at `done_at`."""
    obligation = session.get(NotificationObligation, obligation_id)
    if obligation is None:
        raise ObligationError(f"obligation {obligation_id}: not found")
    if part not in (INITIAL, FOLLOWUP):
        raise ObligationError(f"part: expected {INITIAL} or {FOLLOWUP}, got {part!r}")
    if getattr(obligation, f"{part}_kind") is None:
        raise ObligationError(f"obligation {obligation_id} has no {part} part under its rule")
    if obligation.status == WITHDRAWN:
        raise ObligationError(f"obligation {obligation_id} was withdrawn: {obligation.status_reason}")
    if done_at.utcoffset() is None:
        raise ObligationError("done at: a time with its time zone is needed")
    with audit_context(session, actor_id=actor_id, actor_label=actor_label,
                       reason=f"{getattr(obligation, f'{part}_kind')} recorded"):
        setattr(obligation, f"{part}_done_at", done_at)
        setattr(obligation, f"{part}_record", record)
        obligation.status = _status(obligation)
        session.flush()
    return obligation


def _draft_of(obligation: NotificationObligation) -> ObligationDraft:
    zone = ZoneInfo(obligation.timezone)

    def part(name: str) -> ObligationPart | None:
        kind = getattr(obligation, f"{name}_kind")
        if kind is None:
            return None
        return ObligationPart(kind, getattr(obligation, f"{name}_due"), getattr(obligation, f"{name}_due_date"))

    return ObligationDraft(obligation.rule_id, obligation.trigger, obligation.rule, obligation.citation,
                           obligation.parameter_code, obligation.aware_at.astimezone(zone),
                           part("initial"), part("followup"))


def obligation_as_json(obligation: NotificationObligation, permit_number: str) -> dict[str, Any]:
    """The CONTRACTS.md section 8 object for one stored obligation."""
    return obligation_json(_draft_of(obligation), obligation_id=obligation.id, permit=permit_number,
                           outfall=obligation.outfall, status=obligation.status,
                           initial_done_at=obligation.initial_done_at, followup_done_at=obligation.followup_done_at)


def next_due(obligation: NotificationObligation) -> datetime | None:
    """The earliest due instant among the parts not yet done: what the list is sorted by."""
    dues = [getattr(obligation, f"{p}_due") for p in (INITIAL, FOLLOWUP)
            if getattr(obligation, f"{p}_kind") and getattr(obligation, f"{p}_done_at") is None
            and getattr(obligation, f"{p}_due") is not None]
    return min(dues) if dues else None


def list_obligations(session: Session, *, permit_number: str | None = None,
                     open_only: bool = False) -> list[tuple[NotificationObligation, Permit]]:
    """Obligations with their permit, the earliest open due first; done and withdrawn ones after."""
    query = select(NotificationObligation, Permit).join(Permit, Permit.id == NotificationObligation.permit_id)
    if permit_number is not None:
        query = query.where(Permit.number == permit_number)
    if open_only:
        query = query.where(NotificationObligation.status == OPEN)
    rows = [(row[0], row[1]) for row in session.execute(query)]
    far = datetime.max.replace(tzinfo=ZoneInfo("UTC"))
    rows.sort(key=lambda pair: (pair[0].status != OPEN, next_due(pair[0]) or far, pair[0].id))
    return rows


def triggering_facts(session: Session, obligations: list[NotificationObligation]) -> dict[int, Any]:
    """The exceedance or event behind each obligation, by obligation id: what the list shows as "why"."""
    exceedance_ids = {o.exceedance_id for o in obligations if o.exceedance_id}
    event_ids = {o.event_id for o in obligations if o.event_id}
    exceedances = {e.id: e for e in session.scalars(select(Exceedance).where(Exceedance.id.in_(exceedance_ids)))} \
        if exceedance_ids else {}
    events = {e.id: e for e in session.scalars(select(NoncomplianceEvent).where(NoncomplianceEvent.id.in_(event_ids)))} \
        if event_ids else {}
    return {o.id: exceedances.get(o.exceedance_id) if o.exceedance_id else events.get(o.event_id)
            for o in obligations}
