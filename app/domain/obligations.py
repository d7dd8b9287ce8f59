"""One noncompliance fact creates every notification obligation that applies to it (RULES.md 5.1-5.4)."""
from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from app.domain.deadlines import Deadline, compute_deadline, facility_zone
from app.domain.notification_rules import Step, rules_for
from app.domain.rules_config import rule
from app.domain.statistics import PH_PARAMETER_CODE

EXCEEDANCE = "exceedance"
# The non-sample events of `events report --kind` (CONTRACTS.md section 2); each is its own trigger.
EVENT_KINDS = ("bypass", "anticipated_bypass", "upset", "monitoring_equipment_failure", "slug_discharge",
               "spill", "treatment_modification")
FACT_KINDS = (EXCEEDANCE, *EVENT_KINDS)

# Statistical bases (CONTRACTS.md section 3) grouped by the trigger their exceedance sets off.
AVERAGE_BASES = ("monthly_average", "weekly_average", "geometric_mean")
MINIMUM_BASES = ("daily_minimum", "instantaneous_minimum", "percent_removal")
BASE_TRIGGER = {
    "daily_maximum": "daily_maximum_exceeded",
    "instantaneous_maximum": "instantaneous_exceeded",
    **{base: "average_exceeded" for base in AVERAGE_BASES},
    **{base: "minimum_not_met" for base in MINIMUM_BASES},
}
TWO = Decimal(2)


@dataclass(frozen=True)
class NoncomplianceFact:
    """What happened, as the service layer found it.

    For an `exceedance`: the statistical base whose limit was exceeded, the value as compared with
    the limit (the rounded reported value, ND-07), the limit, the parameter code, whether the permit
    lists the parameter for 24-hour reporting (122.41(l)(6)(ii)(C)) and whether it is pH. `aware_at`
    is when the facility became aware (5.1: the lab result received, the alarm observed, or for an
    average the last result of its period received). An `anticipated_bypass` needs `planned_start`.
    """

    kind: str
    aware_at: datetime
    statistical_base: str | None = None
    value: Decimal | None = None
    limit: Decimal | None = None
    parameter_code: str | None = None
    listed_24h: bool = False
    is_ph: bool = False
    planned_start: datetime | date | None = None

    def __post_init__(self) -> None:
        if self.kind not in FACT_KINDS:
            raise ValueError(f"noncompliance kind {self.kind!r}: expected one of {', '.join(FACT_KINDS)}")
        if not isinstance(self.aware_at, datetime) or self.aware_at.utcoffset() is None:
            raise ValueError("aware_at must be a timezone-aware datetime")
        if self.kind == EXCEEDANCE:
            if self.statistical_base not in BASE_TRIGGER:
                raise ValueError(f"statistical base {self.statistical_base!r}: expected one of "
                                 f"{', '.join(BASE_TRIGGER)}")
            for name in ("value", "limit"):
                number = getattr(self, name)
                if not isinstance(number, Decimal) or not number.is_finite():
                    raise TypeError(f"an exceedance's {name} must be a finite Decimal, got {number!r}")
        if self.kind == "anticipated_bypass" and self.planned_start is None:
            raise ValueError("an anticipated bypass needs its planned start date")


@dataclass(frozen=True)
class ObligationPart:
    """The initial or the follow-up part of an obligation: what to deliver, and when it is due."""

    kind: str
    due: datetime
    due_date: date


@dataclass(frozen=True)
class ObligationDraft:
    """One obligation before the service stores it (it adds id, permit, outfall, status, done_at)."""

    rule_id: str
    trigger: str
    rule: str
    citation: str
    parameter_code: str | None
    aware_at: datetime
    initial: ObligationPart | None
    followup: ObligationPart | None


def is_two_times_daily_maximum(value: Decimal, limit: Decimal, rules: Mapping[str, Any]) -> bool:
    """CT SPDES "two times any maximum daily limit": strictly above 2x by default, `>=` when configured."""
    if rule(rules, "notify.ct_two_times_operator") == ">=":
        return value >= TWO * limit
    return value > TWO * limit


def triggers_for(fact: NoncomplianceFact, rules: Mapping[str, Any]) -> tuple[str, ...]:
    """Every trigger one fact sets off; the rule packs then decide which of them oblige anything.

    A daily maximum exceedance is also `listed_24h_parameter` when the permit lists the pollutant,
    and also `two_times_daily_maximum` at twice the limit. The "two times" test is not applied to pH,
    a range on a logarithmic scale where doubling means nothing (RULES.md 5.4). Both follow the
    regulation's words, "maximum daily" limit: an instantaneous maximum does not set them off.
    """
    if fact.kind != EXCEEDANCE:
        return (fact.kind,)
    triggers = [BASE_TRIGGER[fact.statistical_base]]
    if fact.statistical_base == "daily_maximum":
        if fact.listed_24h:
            triggers.append("listed_24h_parameter")
        # pH is recognised by its code too, so a caller that forgets the flag cannot create a 2x call.
        is_ph = fact.is_ph or fact.parameter_code == PH_PARAMETER_CODE
        if not is_ph and is_two_times_daily_maximum(fact.value, fact.limit, rules):
            triggers.append("two_times_daily_maximum")
    return tuple(triggers)


def _part(step: Step | None, fact: NoncomplianceFact, zone: ZoneInfo, rules: Mapping[str, Any],
          holidays: Collection[date]) -> ObligationPart | None:
    if step is None:
        return None
    deadline: Deadline = compute_deadline(step.window, fact.aware_at, zone, rules,
                                          planned_start=fact.planned_start, holidays=holidays)
    return ObligationPart(step.kind, deadline.due, deadline.due_date)


def obligations_for(fact: NoncomplianceFact, rule_pack: str, rules: Mapping[str, Any], zone: str | ZoneInfo, *,
                    holidays: Collection[date] = frozenset()) -> list[ObligationDraft]:
    """5.1 "list all of them": one draft per applicable rule, state pack rows before federal ones.

    An empty list means the fact is reported with the next DMR/SMR only (e.g. a monthly average
    under federal NPDES, 122.41(l)(7)). `holidays` matter only for working-day windows and the
    weekend roll-forward option.
    """
    zone = facility_zone(zone)
    drafts = []
    triggers = triggers_for(fact, rules)
    for row in rules_for(rule_pack):
        if row.trigger not in triggers or not row.applies(rules):
            continue
        initial, followup = row.steps(rules)
        if initial is None and followup is None:
            continue
        drafts.append(ObligationDraft(
            rule_id=row.id, trigger=row.trigger, rule=row.rule, citation=row.citation,
            parameter_code=fact.parameter_code, aware_at=fact.aware_at.astimezone(zone),
            initial=_part(initial, fact, zone, rules, holidays),
            followup=_part(followup, fact, zone, rules, holidays)))
    return drafts


def _timestamp(moment: datetime | None, zone: Any) -> str | None:
    # Whole seconds, in the facility zone: what CONTRACTS.md section 8 shows. Cutting the fraction
    # shows a due instant at most a second early, never late.
    if moment is None:
        return None
    if moment.utcoffset() is None:
        raise ValueError(f"{moment!r} must be timezone-aware")
    return moment.astimezone(zone).isoformat(timespec="seconds")


def _part_json(part: ObligationPart | None, done_at: datetime | None, zone: Any) -> dict | None:
    if part is None:
        return None
    return {"kind": part.kind, "due": _timestamp(part.due, zone), "due_date": part.due_date.isoformat(),
            "done_at": _timestamp(done_at, zone)}


def draft_fields(draft: ObligationDraft) -> dict[str, Any]:
    """The CONTRACTS.md section 8 fields the domain knows; `done_at` of each part is null."""
    zone = draft.aware_at.tzinfo
    return {
        "parameter_code": draft.parameter_code, "trigger": draft.trigger, "rule": draft.rule,
        "citation": draft.citation, "aware_at": _timestamp(draft.aware_at, zone),
        "initial": _part_json(draft.initial, None, zone), "followup": _part_json(draft.followup, None, zone),
    }


def obligation_json(draft: ObligationDraft, *, obligation_id: int, permit: str, outfall: str | None, status: str,
                    initial_done_at: datetime | None = None,
                    followup_done_at: datetime | None = None) -> dict[str, Any]:
    """The full CONTRACTS.md section 8 object, keys in the contract's order; times in the facility zone."""
    zone = draft.aware_at.tzinfo
    fields = draft_fields(draft)
    return {
        "id": obligation_id, "permit": permit, "outfall": outfall, "parameter_code": fields["parameter_code"],
        "trigger": fields["trigger"], "rule": fields["rule"], "citation": fields["citation"],
        "aware_at": fields["aware_at"],
        "initial": _part_json(draft.initial, initial_done_at, zone),
        "followup": _part_json(draft.followup, followup_done_at, zone),
        "status": status,
    }
