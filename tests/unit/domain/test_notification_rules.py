"""RULES.md 5.2-5.4 notification tables as data: every row's trigger, citation and windows."""
import pytest

from app.domain.deadlines import parse_window
from app.domain.notification_rules import (
    PACKS,
    STEP_KINDS,
    TRIGGERS,
    UnknownRulePack,
    packs_applying,
    rules_for,
    rules_for_trigger,
)
from app.domain.rules_config import effective_rules

DEFAULTS = effective_rules()


def _row(rule_pack, trigger, pack, rules=DEFAULTS):
    rows = [r for r in rules_for_trigger(rule_pack, trigger, rules) if r.pack == pack]
    assert len(rows) == 1, rows
    return rows[0]


def _windows(row):
    def part(step):
        return None if step is None else (step.kind, str(step.window))
    return part(row.initial), part(row.followup)


# (rule_pack, pack, trigger, citation fragment, initial, followup) straight from the RULES.md tables.
TABLE = [
    # 5.2 federal NPDES, 40 CFR 122.41
    ("federal_npdes", "federal_npdes", "listed_24h_parameter", "122.41(l)(6)(ii)(C)",
     ("oral", "24h"), ("written_report", "5d")),
    ("federal_npdes", "federal_npdes", "bypass", "122.41(m)(3)(ii)", ("oral", "24h"), ("written_report", "5d")),
    ("federal_npdes", "federal_npdes", "upset", "122.41(l)(6)(ii)(B)", ("oral", "24h"), ("written_report", "5d")),
    ("federal_npdes", "federal_npdes", "anticipated_bypass", "122.41(m)(3)(i)", ("notice", "10d_prior"), None),
    ("federal_npdes", "federal_npdes", "spill", "122.41(l)(6)(i)", ("oral", "24h"), ("written_report", "5d")),
    # 5.3 federal pretreatment, 40 CFR 403
    ("federal_pretreatment", "federal_pretreatment", "daily_maximum_exceeded", "403.12(g)(2)",
     ("notice", "24h"), ("repeat_sampling_results", "30d")),
    ("federal_pretreatment", "federal_pretreatment", "instantaneous_exceeded", "403.12(g)(2)",
     ("notice", "24h"), ("repeat_sampling_results", "30d")),
    ("federal_pretreatment", "federal_pretreatment", "minimum_not_met", "403.12(g)(2)",
     ("notice", "24h"), ("repeat_sampling_results", "30d")),
    ("federal_pretreatment", "federal_pretreatment", "average_exceeded", "403.12(g)(2)",
     ("notice", "24h"), ("repeat_sampling_results", "30d")),
    ("federal_pretreatment", "federal_pretreatment", "slug_discharge", "403.12(f)",
     ("notice", "immediately"), ("written_report", "5d")),
    ("federal_pretreatment", "federal_pretreatment", "upset", "403.16(c)(3)",
     ("oral", "24h"), ("written_report", "5d")),
    ("federal_pretreatment", "federal_pretreatment", "bypass", "403.17(c)(2)",
     ("oral", "24h"), ("written_report", "5d")),
    ("federal_pretreatment", "federal_pretreatment", "anticipated_bypass", "403.17(c)(1)",
     ("notice", "10d_prior"), None),
    # 5.4 Connecticut DEEP
    ("ct_npdes", "ct_npdes", "daily_maximum_exceeded", "CT DEEP", ("oral", "2h"), ("written_report", "5d")),
    ("ct_npdes", "ct_npdes", "monitoring_equipment_failure", "CT DEEP", ("oral", "2h"), ("written_report", "5d")),
    ("ct_npdes", "ct_npdes", "treatment_modification", "CT DEEP", ("oral", "2h"), ("written_report", "30d")),
    ("ct_npdes", "ct_npdes", "bypass", "CT DEEP", ("oral", "2h"), ("written_report", "5d")),
    ("ct_spdes", "ct_spdes", "two_times_daily_maximum", "CT DEEP", ("oral", "2h"), ("written_report", "5d")),
    ("ct_spdes", "ct_spdes", "monitoring_equipment_failure", "CT DEEP", ("oral", "2h"), ("written_report", "5d")),
    ("ct_spdes", "ct_spdes", "treatment_modification", "CT DEEP", ("oral", "2h"), ("written_report", "30d")),
    ("ct_spdes", "ct_spdes", "bypass", "CT DEEP", ("oral", "2h"), ("written_report", "5d")),
]


@pytest.mark.parametrize("rule_pack, pack, trigger, citation, initial, followup", TABLE)
def test_5_2_to_5_4_notification_table_rows(rule_pack, pack, trigger, citation, initial, followup):
    row = _row(rule_pack, trigger, pack)
    assert citation in row.citation
    assert _windows(row) == (initial, followup)
    assert row.rule.startswith(f"{pack}: ")
    assert row.id == f"{pack}.{trigger}"


def test_5_4_ct_spdes_two_times_label_and_citation_are_the_contract_wording():
    row = _row("ct_spdes", "two_times_daily_maximum", "ct_spdes")
    assert row.rule == "ct_spdes: 2x maximum daily limit"
    assert row.citation == "CT DEEP notification table"


@pytest.mark.parametrize("rule_pack, expected", [
    ("federal_npdes", ("federal_npdes",)),
    ("federal_pretreatment", ("federal_pretreatment",)),
    ("ct_npdes", ("ct_npdes", "federal_npdes")),
    ("ct_spdes", ("ct_spdes", "federal_pretreatment")),
])
def test_5_4_ct_packs_apply_together_with_their_federal_pack(rule_pack, expected):
    assert packs_applying(rule_pack) == expected
    assert {row.pack for row in rules_for(rule_pack)} == set(expected)


def test_5_4_ct_bypass_and_federal_bypass_both_apply():
    assert {row.pack for row in rules_for_trigger("ct_npdes", "bypass", DEFAULTS)} == {"ct_npdes", "federal_npdes"}
    assert {row.pack for row in rules_for_trigger("ct_spdes", "bypass", DEFAULTS)} == {
        "ct_spdes", "federal_pretreatment"}


@pytest.mark.parametrize("rule_pack, trigger", [
    # 122.41(l)(7): reported with the next DMR, so no notification row.
    ("federal_npdes", "daily_maximum_exceeded"),
    ("federal_npdes", "average_exceeded"),
    ("federal_npdes", "minimum_not_met"),
    ("federal_npdes", "instantaneous_exceeded"),
    ("federal_npdes", "monitoring_equipment_failure"),
    ("federal_npdes", "treatment_modification"),
    # The 2x test is CT SPDES only; plain NPDES permits have no such row.
    ("federal_npdes", "two_times_daily_maximum"),
    ("ct_npdes", "two_times_daily_maximum"),
    ("federal_pretreatment", "two_times_daily_maximum"),
    # 24-hour listed pollutants are an NPDES permit term (122.41(l)(6)(ii)(C)).
    ("federal_pretreatment", "listed_24h_parameter"),
])
def test_5_2_other_noncompliance_has_no_notification_row(rule_pack, trigger):
    assert rules_for_trigger(rule_pack, trigger, DEFAULTS) == ()


def test_5_3_average_violation_notice_follows_the_configuration():
    off = effective_rules({"notify": {"pretreatment_notify_on_average_violation": False}})
    assert rules_for_trigger("federal_pretreatment", "average_exceeded", off) == ()
    assert len(rules_for_trigger("federal_pretreatment", "average_exceeded", DEFAULTS)) == 1


def test_5_3_resample_exemption_waives_only_the_repeat_sampling_part():
    row = _row("federal_pretreatment", "daily_maximum_exceeded", "federal_pretreatment")
    exempt = effective_rules({"pt": {"resample_exempt": True}})
    initial, followup = row.steps(exempt)
    assert (initial.kind, str(initial.window)) == ("notice", "24h")
    assert followup is None
    assert row.steps(DEFAULTS)[1].kind == "repeat_sampling_results"


def test_5_1_every_row_is_well_formed_data():
    for pack, rows in PACKS.items():
        for row in rows:
            assert row.pack == pack
            assert row.trigger in TRIGGERS
            for step in (row.initial, row.followup):
                if step is not None:
                    assert step.kind in STEP_KINDS
                    assert parse_window(str(step.window)) == step.window
    ids = [row.id for rows in PACKS.values() for row in rows]
    assert len(ids) == len(set(ids))


def test_5_1_unknown_rule_pack_and_trigger_are_refused():
    with pytest.raises(UnknownRulePack):
        rules_for("tx_tpdes")
    with pytest.raises(ValueError, match="trigger"):
        rules_for_trigger("federal_npdes", "daily_max", DEFAULTS)
