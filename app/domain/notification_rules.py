"""Noncompliance notification rule packs as data: who must be told what, by when (RULES.md 5.2-5.4)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.domain.deadlines import Window, parse_window
from app.domain.rules_config import rule

# CONTRACTS.md section 8, the `trigger` of an obligation.
TRIGGERS = (
    "daily_maximum_exceeded", "two_times_daily_maximum", "average_exceeded", "instantaneous_exceeded",
    "minimum_not_met", "listed_24h_parameter", "bypass", "anticipated_bypass", "upset",
    "monitoring_equipment_failure", "slug_discharge", "spill", "treatment_modification",
)
STEP_KINDS = ("oral", "notice", "written_report", "repeat_sampling_results")
PACK_NAMES = ("federal_npdes", "federal_pretreatment", "ct_npdes", "ct_spdes")

# A state pack never replaces the federal minimum: CT permits carry their own table *and* the federal
# rule for their program (RULES.md 5.4, "the tool should apply both").
APPLIES_WITH = {
    "federal_npdes": ("federal_npdes",),
    "federal_pretreatment": ("federal_pretreatment",),
    "ct_npdes": ("ct_npdes", "federal_npdes"),
    "ct_spdes": ("ct_spdes", "federal_pretreatment"),
}

CT_CITATION = "CT DEEP notification table"


@dataclass(frozen=True)
class Step:
    """One part of an obligation: what to deliver and within which window.

    `waived_by` names a boolean rule key (RULES.md section 9) that, when true, removes this part;
    e.g. `pt.resample_exempt` when the Control Authority samples the user at least monthly.
    """

    kind: str
    window: Window
    waived_by: str | None = None


@dataclass(frozen=True)
class NotificationRule:
    """One row of a notification table: the trigger it answers, its label and citation, and its parts.

    `enabled_by` names a boolean rule key that must be true for the row to apply at all.
    """

    id: str
    pack: str
    trigger: str
    rule: str
    citation: str
    initial: Step | None
    followup: Step | None
    enabled_by: str | None = None

    def applies(self, rules: Mapping[str, Any]) -> bool:
        return self.enabled_by is None or bool(rule(rules, self.enabled_by))

    def steps(self, rules: Mapping[str, Any]) -> tuple[Step | None, Step | None]:
        """(initial, followup) with the parts the configuration waives replaced by None."""
        def keep(step: Step | None) -> Step | None:
            if step is None or (step.waived_by is not None and rule(rules, step.waived_by)):
                return None
            return step
        return keep(self.initial), keep(self.followup)


class UnknownRulePack(ValueError):
    """A permit names a rule pack this engine does not have."""


def _step(spec: tuple | None) -> Step | None:
    if spec is None:
        return None
    kind, window, *waived_by = spec
    return Step(kind, parse_window(window), waived_by[0] if waived_by else None)


def _rules(pack: str, rows: tuple[tuple, ...]) -> tuple[NotificationRule, ...]:
    built = []
    for row in rows:
        trigger, label, citation, initial, followup, *enabled_by = row
        built.append(NotificationRule(
            id=f"{pack}.{trigger}", pack=pack, trigger=trigger, rule=f"{pack}: {label}", citation=citation,
            initial=_step(initial), followup=_step(followup), enabled_by=enabled_by[0] if enabled_by else None))
    return tuple(built)


# Rows: (trigger, label, citation, initial (kind, window[, waived_by]), followup, [enabled_by]).
#
# Federal NPDES, 40 CFR 122.41 (RULES.md 5.2). Everything not listed here, e.g. an unlisted daily
# maximum, a monthly average or a pH excursion, is reported with the next DMR under 122.41(l)(7):
# that creates no notification obligation, because the DMR schedule already tracks it.
FEDERAL_NPDES = _rules("federal_npdes", (
    ("listed_24h_parameter", "maximum daily limit violation of a pollutant listed for 24-hour reporting",
     "40 CFR 122.41(l)(6)(ii)(C)", ("oral", "24h"), ("written_report", "5d")),
    ("bypass", "unanticipated bypass", "40 CFR 122.41(m)(3)(ii), (l)(6)(ii)(A)",
     ("oral", "24h"), ("written_report", "5d")),
    ("upset", "upset", "40 CFR 122.41(l)(6)(ii)(B), (n)(3)(iii)", ("oral", "24h"), ("written_report", "5d")),
    ("anticipated_bypass", "anticipated bypass, prior notice", "40 CFR 122.41(m)(3)(i)",
     ("notice", "10d_prior"), None),
    # A spill is an unpermitted discharge; read as noncompliance that "may endanger health or the
    # environment", the conservative reading (Colorado's standard conditions list spills at 24 h).
    ("spill", "noncompliance that may endanger health or the environment (spill)", "40 CFR 122.41(l)(6)(i)",
     ("oral", "24h"), ("written_report", "5d")),
))

# 403.12(g)(2): the user's own sampling shows a violation of any limit -> tell the Control Authority
# within 24 h and repeat the sampling, results within 30 days (unless the CA's own sampling exempts it).
_PT_LIMIT = ("notice", "24h")
_PT_RESAMPLE = ("repeat_sampling_results", "30d", "pt.resample_exempt")
_PT_CITATION = "40 CFR 403.12(g)(2)"

# Federal pretreatment, 40 CFR 403 (RULES.md 5.3).
FEDERAL_PRETREATMENT = _rules("federal_pretreatment", (
    ("daily_maximum_exceeded", "limit violation (daily maximum)", _PT_CITATION, _PT_LIMIT, _PT_RESAMPLE),
    ("instantaneous_exceeded", "limit violation (instantaneous maximum)", _PT_CITATION, _PT_LIMIT, _PT_RESAMPLE),
    ("minimum_not_met", "limit violation (minimum)", _PT_CITATION, _PT_LIMIT, _PT_RESAMPLE),
    ("average_exceeded", "limit violation (average)", _PT_CITATION, _PT_LIMIT, _PT_RESAMPLE,
     "notify.pretreatment_notify_on_average_violation"),
    # 403.12(f) says only "immediately"; the 5-day written report is what many local ordinances add
    # (e.g. Crawfordsville). It is kept because a written record of a slug load is what the POTW
    # asks for next, and an unneeded reminder costs less than a missed ordinance requirement.
    ("slug_discharge", "discharge that could cause problems to the POTW (slug load)",
     "40 CFR 403.12(f); written report per local ordinance", ("notice", "immediately"), ("written_report", "5d")),
    ("spill", "discharge that could cause problems to the POTW (spill)",
     "40 CFR 403.12(f); written report per local ordinance", ("notice", "immediately"), ("written_report", "5d")),
    ("upset", "upset", "40 CFR 403.16(c)(3)", ("oral", "24h"), ("written_report", "5d")),
    ("bypass", "unanticipated bypass", "40 CFR 403.17(c)(2)", ("oral", "24h"), ("written_report", "5d")),
    ("anticipated_bypass", "anticipated bypass, prior notice", "40 CFR 403.17(c)(1)",
     ("notice", "10d_prior"), None),
))

# Connecticut DEEP "Quick Reference for Noncompliance Reporting" (RULES.md 5.4). The rows without a
# trigger of CONTRACTS.md section 8 (Pollutant Concentration Levels, incorrect information) are not here.
_CT_COMMON = (
    ("monitoring_equipment_failure", "failure or malfunction of monitoring equipment", CT_CITATION,
     ("oral", "2h"), ("written_report", "5d")),
    ("treatment_modification", "modification of a treatment system or its operation", CT_CITATION,
     ("oral", "2h"), ("written_report", "30d")),
    ("bypass", "bypass", CT_CITATION, ("oral", "2h"), ("written_report", "5d")),
)
CT_NPDES = _rules("ct_npdes", (
    ("daily_maximum_exceeded", "maximum daily limit", CT_CITATION, ("oral", "2h"), ("written_report", "5d")),
    *_CT_COMMON,
))
CT_SPDES = _rules("ct_spdes", (
    ("two_times_daily_maximum", "2x maximum daily limit", CT_CITATION, ("oral", "2h"), ("written_report", "5d")),
    *_CT_COMMON,
))

PACKS: dict[str, tuple[NotificationRule, ...]] = {
    "federal_npdes": FEDERAL_NPDES,
    "federal_pretreatment": FEDERAL_PRETREATMENT,
    "ct_npdes": CT_NPDES,
    "ct_spdes": CT_SPDES,
}


def _validate(packs: Mapping[str, tuple[NotificationRule, ...]]) -> None:
    # The tables are data typed by hand; a typo in a trigger would silently drop an obligation.
    seen = set()
    for name, rules in packs.items():
        for row in rules:
            if row.pack != name or row.trigger not in TRIGGERS or row.id in seen:
                raise ValueError(f"notification rule {row.id}: bad pack, trigger or duplicate id")
            seen.add(row.id)
            for step in (row.initial, row.followup):
                if step is not None and step.kind not in STEP_KINDS:
                    raise ValueError(f"notification rule {row.id}: step kind {step.kind!r}")
            if row.initial is None and row.followup is None:
                raise ValueError(f"notification rule {row.id} asks for nothing")


_validate(PACKS)


def packs_applying(rule_pack: str) -> tuple[str, ...]:
    """The packs a permit's `rule_pack` brings with it, state pack first."""
    try:
        return APPLIES_WITH[rule_pack]
    except KeyError:
        raise UnknownRulePack(f"rule_pack {rule_pack!r}: expected one of {', '.join(PACK_NAMES)}") from None


def rules_for(rule_pack: str) -> tuple[NotificationRule, ...]:
    """Every notification rule that applies to a permit of this `rule_pack`."""
    return tuple(row for pack in packs_applying(rule_pack) for row in PACKS[pack])


def rules_for_trigger(rule_pack: str, trigger: str, rules: Mapping[str, Any]) -> tuple[NotificationRule, ...]:
    """The rows a trigger sets off under this pack and configuration (rows their `enabled_by` turns off excluded)."""
    if trigger not in TRIGGERS:
        raise ValueError(f"trigger {trigger!r}: expected one of {', '.join(TRIGGERS)}")
    return tuple(row for row in rules_for(rule_pack) if row.trigger == trigger and row.applies(rules))
