"""RULES.md 5.1 "list all of them": one noncompliance fact creates every obligation its rule packs require."""
from datetime import date, datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.obligations import (
    NoncomplianceFact,
    draft_fields,
    obligation_json,
    obligations_for,
    triggers_for,
)
from app.domain.rules_config import effective_rules

NY = ZoneInfo("America/New_York")
DEFAULTS = effective_rules()
AWARE = datetime(2026, 3, 13, 9, 15, tzinfo=NY)


def exceedance(base="daily_maximum", value="0.25", limit="0.10", code="01092", **extra):
    return NoncomplianceFact(kind="exceedance", aware_at=AWARE, statistical_base=base, value=Decimal(value),
                             limit=Decimal(limit), parameter_code=code, **extra)


def event(kind, **extra):
    return NoncomplianceFact(kind=kind, aware_at=AWARE, **extra)


def summary(drafts):
    def part(p):
        return None if p is None else (p.kind, p.due.isoformat())
    return [(d.rule_id, part(d.initial), part(d.followup)) for d in drafts]


def test_5_4_ct_spdes_month_two_times_metals_daily_max_creates_ct_and_403_12_g_2_obligations():
    # Zinc 0.25 mg/L against a 0.10 daily maximum: over twice the limit.
    drafts = obligations_for(exceedance(), "ct_spdes", DEFAULTS, "America/New_York")
    assert summary(drafts) == [
        ("ct_spdes.two_times_daily_maximum",
         ("oral", "2026-03-13T11:15:00-04:00"), ("written_report", "2026-03-18T23:59:59-04:00")),
        ("federal_pretreatment.daily_maximum_exceeded",
         ("notice", "2026-03-14T09:15:00-04:00"), ("repeat_sampling_results", "2026-04-12T23:59:59-04:00")),
    ]


def test_5_4_contract_section_8_object_for_the_ct_spdes_two_times_obligation():
    draft = obligations_for(exceedance(), "ct_spdes", DEFAULTS, NY)[0]
    assert obligation_json(draft, obligation_id=12, permit="CT0000001", outfall="001", status="open") == {
        "id": 12, "permit": "CT0000001", "outfall": "001", "parameter_code": "01092",
        "trigger": "two_times_daily_maximum", "rule": "ct_spdes: 2x maximum daily limit",
        "citation": "CT DEEP notification table", "aware_at": "2026-03-13T09:15:00-04:00",
        "initial": {"kind": "oral", "due": "2026-03-13T11:15:00-04:00", "due_date": "2026-03-13", "done_at": None},
        "followup": {"kind": "written_report", "due": "2026-03-18T23:59:59-04:00", "due_date": "2026-03-18",
                     "done_at": None},
        "status": "open"}


def test_5_1_serializer_keeps_the_contract_key_order_and_shows_done_at_in_the_facility_zone():
    draft = obligations_for(exceedance(), "ct_spdes", DEFAULTS, NY)[0]
    done = datetime(2026, 3, 13, 14, 0, 30, 900000, tzinfo=timezone.utc)
    full = obligation_json(draft, obligation_id=1, permit="P", outfall="001", status="open", initial_done_at=done)
    assert list(full) == ["id", "permit", "outfall", "parameter_code", "trigger", "rule", "citation", "aware_at",
                          "initial", "followup", "status"]
    assert full["initial"]["done_at"] == "2026-03-13T10:00:30-04:00"
    assert full["followup"]["done_at"] is None
    partial = draft_fields(draft)
    assert "id" not in partial and "status" not in partial
    assert partial["initial"]["done_at"] is None


def test_5_1_awareness_given_in_UTC_is_reported_in_the_facility_zone():
    fact = NoncomplianceFact(kind="monitoring_equipment_failure",
                             aware_at=datetime(2026, 3, 13, 13, 15, tzinfo=timezone.utc))
    draft = obligations_for(fact, "ct_spdes", DEFAULTS, NY)[0]
    assert draft_fields(draft)["aware_at"] == "2026-03-13T09:15:00-04:00"


@pytest.mark.parametrize("value, operator, two_times", [
    ("0.21", ">", True),
    ("0.20", ">", False),      # exactly twice: not "two times" under the default strict reading
    ("0.20", ">=", True),
    ("0.19", ">=", False),
])
def test_5_4_ct_spdes_two_times_operator(value, operator, two_times):
    rules = effective_rules({"notify": {"ct_two_times_operator": operator}})
    ids = [d.rule_id for d in obligations_for(exceedance(value=value), "ct_spdes", rules, NY)]
    assert ("ct_spdes.two_times_daily_maximum" in ids) is two_times
    assert "federal_pretreatment.daily_maximum_exceeded" in ids       # 403.12(g)(2) for any violation


def test_5_4_ct_spdes_two_times_is_not_applied_to_pH():
    fact = exceedance(value="12.5", limit="5.0", code="00400", is_ph=True)
    assert triggers_for(fact, DEFAULTS) == ("daily_maximum_exceeded",)
    assert [d.rule_id for d in obligations_for(fact, "ct_spdes", DEFAULTS, NY)] == [
        "federal_pretreatment.daily_maximum_exceeded"]


def test_5_4_ct_spdes_two_times_recognises_pH_by_its_parameter_code():
    fact = exceedance(value="12.5", limit="5.0", code="00400")
    assert "two_times_daily_maximum" not in triggers_for(fact, DEFAULTS)


def test_5_4_two_times_follows_the_words_maximum_daily_limit_not_instantaneous():
    fact = exceedance(base="instantaneous_maximum", value="0.50")
    assert triggers_for(fact, DEFAULTS) == ("instantaneous_exceeded",)


@pytest.mark.parametrize("rule_pack", ["ct_spdes", "ct_npdes"])
def test_5_4_ct_monitoring_equipment_failure_is_2h_and_5d(rule_pack):
    drafts = obligations_for(event("monitoring_equipment_failure"), rule_pack, DEFAULTS, NY)
    assert summary(drafts) == [(f"{rule_pack}.monitoring_equipment_failure",
                                ("oral", "2026-03-13T11:15:00-04:00"),
                                ("written_report", "2026-03-18T23:59:59-04:00"))]


def test_5_4_ct_treatment_modification_is_2h_and_30d():
    drafts = obligations_for(event("treatment_modification"), "ct_npdes", DEFAULTS, NY)
    assert summary(drafts) == [("ct_npdes.treatment_modification", ("oral", "2026-03-13T11:15:00-04:00"),
                                ("written_report", "2026-04-12T23:59:59-04:00"))]


def test_5_2_federal_npdes_equipment_failure_and_unlisted_daily_max_go_with_the_DMR():
    assert obligations_for(event("monitoring_equipment_failure"), "federal_npdes", DEFAULTS, NY) == []
    assert obligations_for(exceedance(), "federal_npdes", DEFAULTS, NY) == []
    assert obligations_for(exceedance(base="monthly_average"), "federal_npdes", DEFAULTS, NY) == []


def test_5_2_listed_24h_parameter_daily_max_is_24h_oral_and_5d_written():
    drafts = obligations_for(exceedance(code="01051", listed_24h=True), "federal_npdes", DEFAULTS, NY)
    assert summary(drafts) == [("federal_npdes.listed_24h_parameter", ("oral", "2026-03-14T09:15:00-04:00"),
                                ("written_report", "2026-03-18T23:59:59-04:00"))]
    assert drafts[0].parameter_code == "01051"


def test_5_2_listed_parameter_over_a_monthly_average_is_not_a_24h_report():
    fact = exceedance(base="monthly_average", listed_24h=True)
    assert obligations_for(fact, "federal_npdes", DEFAULTS, NY) == []


def test_5_4_ct_npdes_listed_daily_max_gets_the_ct_2h_row_and_the_federal_24h_row():
    drafts = obligations_for(exceedance(listed_24h=True), "ct_npdes", DEFAULTS, NY)
    assert [d.rule_id for d in drafts] == ["ct_npdes.daily_maximum_exceeded", "federal_npdes.listed_24h_parameter"]


def test_5_4_ct_npdes_any_daily_max_violation_is_2h_and_5d_even_under_two_times():
    drafts = obligations_for(exceedance(value="0.11"), "ct_npdes", DEFAULTS, NY)
    assert summary(drafts) == [("ct_npdes.daily_maximum_exceeded", ("oral", "2026-03-13T11:15:00-04:00"),
                                ("written_report", "2026-03-18T23:59:59-04:00"))]


@pytest.mark.parametrize("base, trigger", [
    ("daily_maximum", "daily_maximum_exceeded"),
    ("instantaneous_maximum", "instantaneous_exceeded"),
    ("monthly_average", "average_exceeded"),
    ("weekly_average", "average_exceeded"),
    ("geometric_mean", "average_exceeded"),
    ("daily_minimum", "minimum_not_met"),
    ("instantaneous_minimum", "minimum_not_met"),
    ("percent_removal", "minimum_not_met"),
])
def test_5_3_statistical_base_maps_to_its_trigger_and_403_12_g_2_applies_to_any_limit(base, trigger):
    fact = exceedance(base=base, value="0.11")
    assert triggers_for(fact, DEFAULTS) == (trigger,)
    drafts = obligations_for(fact, "federal_pretreatment", DEFAULTS, NY)
    assert [(d.trigger, d.citation) for d in drafts] == [(trigger, "40 CFR 403.12(g)(2)")]


def test_5_3_average_violation_notice_can_be_turned_off():
    rules = effective_rules({"notify": {"pretreatment_notify_on_average_violation": False}})
    assert obligations_for(exceedance(base="monthly_average"), "federal_pretreatment", rules, NY) == []


def test_5_3_resample_exempt_drops_the_repeat_sampling_part_only():
    rules = effective_rules({"pt": {"resample_exempt": True}})
    drafts = obligations_for(exceedance(value="0.11"), "federal_pretreatment", rules, NY)
    assert summary(drafts) == [("federal_pretreatment.daily_maximum_exceeded",
                                ("notice", "2026-03-14T09:15:00-04:00"), None)]


def test_5_3_slug_discharge_is_immediate_with_a_5_day_written_report():
    drafts = obligations_for(event("slug_discharge"), "federal_pretreatment", DEFAULTS, NY)
    assert summary(drafts) == [("federal_pretreatment.slug_discharge", ("notice", "2026-03-13T09:15:00-04:00"),
                                ("written_report", "2026-03-18T23:59:59-04:00"))]


@pytest.mark.parametrize("rule_pack, ids", [
    ("federal_npdes", ["federal_npdes.bypass"]),
    ("federal_pretreatment", ["federal_pretreatment.bypass"]),
    ("ct_npdes", ["ct_npdes.bypass", "federal_npdes.bypass"]),
    ("ct_spdes", ["ct_spdes.bypass", "federal_pretreatment.bypass"]),
])
def test_5_2_5_3_5_4_unanticipated_bypass_lists_every_applicable_obligation(rule_pack, ids):
    drafts = obligations_for(event("bypass"), rule_pack, DEFAULTS, NY)
    assert [d.rule_id for d in drafts] == ids
    assert all(d.followup.kind == "written_report" for d in drafts)


@pytest.mark.parametrize("rule_pack", ["federal_npdes", "federal_pretreatment"])
def test_5_2_5_3_upset_is_24h_oral_and_5d_written(rule_pack):
    drafts = obligations_for(event("upset"), rule_pack, DEFAULTS, NY)
    assert summary(drafts) == [(f"{rule_pack}.upset", ("oral", "2026-03-14T09:15:00-04:00"),
                                ("written_report", "2026-03-18T23:59:59-04:00"))]


@pytest.mark.parametrize("rule_pack", ["federal_npdes", "federal_pretreatment", "ct_spdes"])
def test_5_2_5_3_anticipated_bypass_notice_ten_days_before_the_planned_start(rule_pack):
    fact = event("anticipated_bypass", planned_start=date(2026, 4, 1))
    drafts = obligations_for(fact, rule_pack, DEFAULTS, NY)
    assert len(drafts) == 1
    assert summary(drafts)[0][1:] == (("notice", "2026-03-22T23:59:59-04:00"), None)


def test_5_1_non_sample_event_carries_no_parameter_unless_given():
    drafts = obligations_for(event("spill"), "federal_npdes", DEFAULTS, NY)
    assert [d.rule_id for d in drafts] == ["federal_npdes.spill"]
    assert drafts[0].parameter_code is None


@pytest.mark.parametrize("kwargs, error", [
    ({"kind": "overflow", "aware_at": AWARE}, ValueError),
    ({"kind": "upset", "aware_at": datetime(2026, 3, 13, 9, 15)}, ValueError),
    ({"kind": "anticipated_bypass", "aware_at": AWARE}, ValueError),
    ({"kind": "exceedance", "aware_at": AWARE, "statistical_base": "daily_max", "value": Decimal(1),
      "limit": Decimal(1)}, ValueError),
    ({"kind": "exceedance", "aware_at": AWARE, "statistical_base": "daily_maximum", "value": 0.25,
      "limit": Decimal("0.10")}, TypeError),
])
def test_5_1_malformed_facts_are_refused(kwargs, error):
    with pytest.raises(error):
        NoncomplianceFact(**kwargs)


FACTS = st.one_of(
    st.builds(lambda base, value, listed, ph: exceedance(base=base, value=value, listed_24h=listed, is_ph=ph),
              st.sampled_from(["daily_maximum", "instantaneous_maximum", "monthly_average", "daily_minimum"]),
              st.sampled_from(["0.11", "0.20", "0.21", "5"]), st.booleans(), st.booleans()),
    st.builds(event, st.sampled_from(["bypass", "upset", "monitoring_equipment_failure", "slug_discharge",
                                      "spill", "treatment_modification"])),
)


@given(fact=FACTS, rule_pack=st.sampled_from(["federal_npdes", "federal_pretreatment", "ct_npdes", "ct_spdes"]))
def test_5_1_property_obligations_are_pure_and_never_due_before_awareness(fact, rule_pack):
    drafts = obligations_for(fact, rule_pack, DEFAULTS, NY)
    assert drafts == obligations_for(fact, rule_pack, DEFAULTS, NY)
    triggers = triggers_for(fact, DEFAULTS)
    for draft in drafts:
        assert draft.trigger in triggers
        for part in (draft.initial, draft.followup):
            if part is not None:
                assert part.due >= fact.aware_at
                assert part.due.tzinfo == NY
        if draft.initial and draft.followup:
            assert draft.followup.due >= draft.initial.due
