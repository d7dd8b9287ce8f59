"""CONTRACTS.md section 3: permit definition files are validated whole, every problem named by its JSON path."""
import copy
import json
from datetime import date
from pathlib import Path

import pytest

from app.domain.permit_definition import (PermitDefinitionError, canonical_sha256, permit_schema,
                                          validate_permit_definition)

ROOT = Path(__file__).resolve().parents[3]
SHARED_EXAMPLE = ROOT.parent / "shared" / "examples" / "permit-npdes-example.json"
DEMO_NPDES = ROOT / "app" / "demo_data" / "npdes_permit.json"
DEMO_PRETREATMENT = ROOT / "app" / "demo_data" / "pretreatment_permit.json"
TSS = "$.permit.outfalls[0].parameters[1]"  # 00530 in the demo NPDES permit: Q1 Q2 C1 C2 C3
PH = "$.permit.outfalls[0].parameters[4]"   # 00400: C1 instantaneous_minimum, C3 instantaneous_maximum


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture
def doc() -> dict:
    return copy.deepcopy(load(DEMO_NPDES))


def problems_of(document) -> list[str]:
    with pytest.raises(PermitDefinitionError) as caught:
        validate_permit_definition(document)
    return [str(p) for p in caught.value.errors]


def only_problem(document) -> str:
    found = problems_of(document)
    assert len(found) == 1, found
    return found[0]


def tss_column(document, index):
    return document["permit"]["outfalls"][0]["parameters"][1]["columns"][index]


def test_the_schema_is_draft_2020_12_and_itself_valid():
    from jsonschema import Draft202012Validator

    Draft202012Validator.check_schema(permit_schema())
    assert permit_schema()["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.parametrize("path", [SHARED_EXAMPLE, DEMO_NPDES, DEMO_PRETREATMENT], ids=lambda p: p.name)
def test_complete_example_files_are_valid(path):
    if not path.exists():
        pytest.skip(f"{path} is outside this checkout")
    definition = validate_permit_definition(load(path))
    assert definition.outfalls and all(o.parameters for o in definition.outfalls)


def test_the_shared_example_becomes_dataclasses_with_limits_kept_as_written():
    if not SHARED_EXAMPLE.exists():
        pytest.skip("the shared example is outside this checkout")
    definition = validate_permit_definition(load(SHARED_EXAMPLE))
    assert (definition.facility_name, definition.facility_timezone) == ("Riverside Castings", "America/Chicago")
    assert (definition.number, definition.program, definition.rule_pack) == ("XX0456789", "npdes", "federal_npdes")
    assert (definition.effective, definition.expires) == (date(2025, 7, 1), date(2030, 6, 30))
    assert (definition.reporting_frequency, definition.reporting_due_day) == ("monthly", 28)
    assert definition.rules == {"nd": {"avg_substitution": "zero"}, "rounding": {"tie_break": "half_up"}}
    assert definition.listed_24h_parameters == ("01051",)
    assert definition.renewal_application_due == date(2030, 1, 1)
    lead = definition.outfalls[0].parameters[2]
    assert (lead.code, lead.name, lead.frequency, lead.sample_type) == \
        ("01051", "Lead, total (as Pb)", "1/7", "24-hour composite")
    assert [(c.slot, c.limit, c.unit, c.significant_figures) for c in lead.columns] == \
        [("C2", "5.2", "ug/L", 2), ("C3", "11", "ug/L", 2)]
    ph = definition.outfalls[0].parameters[3]
    assert [c.minimum for c in ph.columns] == [True, False]
    flow = definition.outfalls[0].parameters[0]
    assert all(c.report_only and c.significant_figures is None for c in flow.columns)
    assert definition.outfalls[0].parameters[4].conditional is True


def test_optional_keys_take_their_defaults(doc):
    permit = doc["permit"]
    for key in ("renewal_application_days", "rules", "listed_24h_parameters", "control_authority"):
        permit.pop(key)
    parameter = permit["outfalls"][0]["parameters"][1]
    for key in ("name", "season", "conditional"):
        parameter.pop(key)
    permit["outfalls"][0].pop("description")
    definition = validate_permit_definition(doc)
    assert definition.renewal_application_days == 180 and definition.rules == {}
    assert definition.listed_24h_parameters == () and definition.control_authority is None
    tss = definition.outfalls[0].parameters[1]
    assert (tss.name, tss.season, tss.conditional) == ("Solids, total suspended", 0, False)
    assert definition.outfalls[0].description == ""


def test_unit_spellings_are_stored_canonically(doc):
    tss_column(doc, 3)["unit"] = "MG/L"
    assert validate_permit_definition(doc).outfalls[0].parameters[1].columns[3].unit == "mg/L"


# --- each invalid case names its JSON path -------------------------------------------------------

def test_unknown_key(doc):
    doc["permit"]["bogus"] = 1
    assert only_problem(doc).startswith("$.permit.bogus: unknown key")


def test_unknown_key_deep_inside_a_column(doc):
    tss_column(doc, 0)["limt"] = "50"
    assert only_problem(doc).startswith(f"{TSS}.columns[0].limt: unknown key")


@pytest.mark.parametrize("remove, path", [
    (lambda d: d["permit"]["outfalls"][0].pop("id"), "$.permit.outfalls[0].id"),
    (lambda d: d["facility"].pop("timezone"), "$.facility.timezone"),
    (lambda d: d["permit"]["reporting"].pop("due_day"), "$.permit.reporting.due_day"),
    (lambda d: tss_column(d, 2).pop("limit"), f"{TSS}.columns[2].limit"),
])
def test_missing_required_key(doc, remove, path):
    remove(doc)
    assert only_problem(doc) == f"{path}: missing required key"


def test_parameter_code_not_in_the_epa_list(doc):
    doc["permit"]["outfalls"][0]["parameters"][3]["code"] = "99999"
    message = only_problem(doc)
    assert message.startswith("$.permit.outfalls[0].parameters[3].code: ")
    assert "EPA" in message and '"99999"' in message


def test_parameter_code_that_is_not_five_digits(doc):
    doc["permit"]["outfalls"][0]["parameters"][3]["code"] = "1092"
    assert only_problem(doc) == ('$.permit.outfalls[0].parameters[3].code: expected a 5-digit parameter code '
                                 'such as "00530", got "1092"')


def test_duplicate_slot(doc):
    tss_column(doc, 1)["slot"] = "Q1"
    message = only_problem(doc)
    assert message.startswith(f"{TSS}.columns[1].slot: slot Q1 is already used by {TSS}.columns[0]")


def test_same_slot_is_allowed_for_interim_and_final_limits_whose_windows_do_not_overlap(doc):
    interim = dict(tss_column(doc, 3), limit="40", expires="2027-06-30")
    final = dict(tss_column(doc, 3), effective="2027-07-01")
    doc["permit"]["outfalls"][0]["parameters"][1]["columns"][3:4] = [interim, final]
    columns = validate_permit_definition(doc).outfalls[0].parameters[1].columns
    assert [(c.slot, c.limit, c.effective, c.expires) for c in columns[3:5]] == \
        [("C2", "40", None, date(2027, 6, 30)), ("C2", "30", date(2027, 7, 1), None)]


@pytest.mark.parametrize("first, second", [
    ({"expires": "2027-07-01"}, {"effective": "2027-07-01"}),        # one shared day
    ({"expires": "2027-06-30"}, {}),                                  # the second has no window
    ({"effective": "2026-01-01", "expires": "2028-12-31"}, {"effective": "2027-01-01", "expires": "2029-12-31"}),
])
def test_same_slot_with_overlapping_or_missing_windows_is_refused(doc, first, second):
    columns = doc["permit"]["outfalls"][0]["parameters"][1]["columns"]
    columns[3:4] = [dict(columns[3], **first), dict(columns[3], **second)]
    assert only_problem(doc).startswith(f"{TSS}.columns[4].slot: slot C2 is already used by {TSS}.columns[3]")


def test_limit_given_as_a_json_number(doc):
    tss_column(doc, 3)["limit"] = 30
    assert only_problem(doc) == (f'{TSS}.columns[3].limit: expected a decimal string such as "30" '
                                 "(the permit's digits matter), got 30")


@pytest.mark.parametrize("written", ["3O", "1e3", ".5", "30.", " 30", ""])
def test_limit_that_is_not_a_plain_decimal_string(doc, written):
    tss_column(doc, 3)["limit"] = written
    assert only_problem(doc) == (f'{TSS}.columns[3].limit: expected a decimal string such as "30" '
                                 f"(the permit's digits matter), got {json.dumps(written)}")


def test_unknown_unit_without_a_unit_code(doc):
    tss_column(doc, 3)["unit"] = "furlongs/fortnight"
    message = only_problem(doc)
    assert message.startswith(f"{TSS}.columns[3].unit: ") and '"furlongs/fortnight"' in message
    assert "unit_code" in message


def test_unknown_unit_is_accepted_with_the_permits_own_unit_code(doc):
    tss_column(doc, 3).update(unit="mg/L as CaCO3", unit_code="X9")
    column = validate_permit_definition(doc).outfalls[0].parameters[1].columns[3]
    assert (column.unit, column.unit_code) == ("mg/L as CaCO3", "X9")


@pytest.mark.parametrize("code", ["9", "19A", "ab"])
def test_unit_code_must_be_two_capital_letters_or_digits(doc, code):
    tss_column(doc, 3)["unit_code"] = code
    assert only_problem(doc).startswith(f"{TSS}.columns[3].unit_code: expected a 2-character ICIS unit code")


def test_unit_code_contradicting_the_recorded_code_is_refused(doc):
    tss_column(doc, 3)["unit_code"] = "28"  # ug/L's code on a mg/L column
    assert only_problem(doc) == (f'{TSS}.columns[3].unit_code: expected "19", the ICIS code of mg/L, got "28"')


def test_permit_expiry_before_effective(doc):
    doc["permit"]["expires"] = "2025-12-31"
    assert only_problem(doc) == ('$.permit.expires: expected a date after effective (2026-01-01), '
                                 'got "2025-12-31"')


def test_column_expiry_not_after_its_effective(doc):
    tss_column(doc, 3).update(effective="2027-07-01", expires="2027-07-01")
    assert only_problem(doc).startswith(f"{TSS}.columns[3].expires: expected a date after effective (2027-07-01)")


def test_impossible_calendar_date(doc):
    doc["permit"]["effective"] = "2026-02-30"
    assert only_problem(doc) == '$.permit.effective: expected a real calendar date, got "2026-02-30"'


def test_ph_is_never_averaged(doc):
    doc["permit"]["outfalls"][0]["parameters"][4]["columns"][0]["statistical_base"] = "monthly_average"
    message = only_problem(doc)
    assert message.startswith(f"{PH}.columns[0].statistical_base: pH is never averaged")
    assert "CALC-10" in message


def test_a_column_in_standard_units_is_pH_whatever_its_code(doc):
    doc["permit"]["outfalls"][0]["parameters"][3]["columns"][0].update(unit="S.U.", statistical_base="geometric_mean")
    assert only_problem(doc).startswith(
        "$.permit.outfalls[0].parameters[3].columns[0].statistical_base: pH is never averaged")


def test_mass_without_flow_at_the_outfall(doc):
    del doc["permit"]["outfalls"][0]["parameters"][0]  # 50050; TSS becomes parameters[0]
    found = problems_of(doc)
    base = "$.permit.outfalls[0].parameters[0]"
    assert [p.split(":")[0] for p in found] == [f"{base}.columns[0].derived", f"{base}.columns[1].derived"]
    assert "parameter 50050" in found[0] and 'outfall "001"' in found[0]


def test_mass_column_needs_a_mass_loading_unit(doc):
    tss_column(doc, 0)["unit"] = "mg/L"
    assert only_problem(doc).startswith(f"{TSS}.columns[0].unit: expected a mass-loading unit (lb/d or kg/d)")


def test_listed_24h_parameter_not_monitored(doc):
    doc["permit"]["listed_24h_parameters"] = ["01042", "01051"]
    message = only_problem(doc)
    assert message.startswith("$.permit.listed_24h_parameters[1]: ") and '"01051"' in message


def test_bad_time_zone(doc):
    doc["facility"]["timezone"] = "Eastern Standard Time"
    assert only_problem(doc) == ('$.facility.timezone: expected an IANA time zone name such as '
                                 '"America/New_York", got "Eastern Standard Time"')


def test_bad_rules_key(doc):
    doc["permit"]["rules"] = {"nd": {"avg_substitution": "zero", "avg_subsitution": "rl"}}
    assert only_problem(doc) == "$.permit.rules.nd.avg_subsitution: unknown rule key"


def test_bad_rules_value(doc):
    doc["permit"]["rules"] = {"rounding": {"tie_break": "bankers"}}
    assert only_problem(doc).startswith("$.permit.rules.rounding.tie_break: expected one of")


@pytest.mark.parametrize("mutate, path, fragment", [
    (lambda d: d["permit"].update(program="NPDES"), "$.permit.program", 'expected one of "npdes", "pretreatment"'),
    (lambda d: d["permit"].update(rule_pack="tx_tpdes"), "$.permit.rule_pack", 'got "tx_tpdes"'),
    (lambda d: d["permit"]["reporting"].update(frequency="weekly"), "$.permit.reporting.frequency", "monthly"),
    (lambda d: d["permit"]["reporting"].update(due_day=32), "$.permit.reporting.due_day", "from 1 to 31, got 32"),
    (lambda d: d["permit"]["outfalls"][0].update(id="1"), "$.permit.outfalls[0].id", 'got "1"'),
    (lambda d: tss_column(d, 0).update(slot="Q3"), f"{TSS}.columns[0].slot", 'got "Q3"'),
    (lambda d: tss_column(d, 0).update(derived="volume"), f"{TSS}.columns[0].derived", 'got "volume"'),
    (lambda d: d["permit"]["outfalls"][0]["parameters"][1].update(sample_type="composite"),
     f"{TSS}.sample_type", 'got "composite"'),
    (lambda d: d["permit"]["outfalls"][0]["parameters"][1].update(frequency="twice weekly"),
     f"{TSS}.frequency", 'n/d such as "2/7"'),
    (lambda d: d["permit"]["outfalls"][0]["parameters"][1].update(frequency="0/7"), f"{TSS}.frequency", '"0/7"'),
    (lambda d: d["permit"].update(effective="01/01/2026"), "$.permit.effective", "YYYY-MM-DD"),
    (lambda d: d["permit"]["outfalls"][1].update(parameters=[]), "$.permit.outfalls[1].parameters",
     "expected at least 1"),
])
def test_types_patterns_and_enums_say_what_was_expected(doc, mutate, path, fragment):
    mutate(doc)
    message = only_problem(doc)
    assert message.startswith(f"{path}: expected") and fragment in message


def test_duplicate_outfall_id(doc):
    doc["permit"]["outfalls"][1]["id"] = "001"
    assert only_problem(doc) == ('$.permit.outfalls[1].id: duplicate outfall id "001", '
                                 "already used by $.permit.outfalls[0]")


def test_duplicate_parameter_row_within_an_outfall(doc):
    parameters = doc["permit"]["outfalls"][0]["parameters"]
    parameters.append(copy.deepcopy(parameters[2]))
    assert only_problem(doc).startswith("$.permit.outfalls[0].parameters[5]: parameter 01042 at monitoring "
                                        "location 1, season 0 is already defined at "
                                        "$.permit.outfalls[0].parameters[2]")


def test_the_same_parameter_in_another_season_is_a_separate_row(doc):
    parameters = doc["permit"]["outfalls"][0]["parameters"]
    parameters.append(dict(copy.deepcopy(parameters[2]), season=1))
    assert len(validate_permit_definition(doc).outfalls[0].parameters) == 6


def test_every_problem_is_listed_at_once_in_path_order(doc):
    doc["permit"]["bogus"] = True
    doc["facility"]["timezone"] = "Mars/Olympus"
    tss_column(doc, 3)["limit"] = 30
    doc["permit"]["outfalls"][1]["parameters"][1]["columns"][0]["unit"] = "smoots"
    doc["permit"]["outfalls"][0]["parameters"][3]["code"] = "99999"
    doc["permit"]["listed_24h_parameters"] = ["01051"]
    paths = [p.split(": ")[0] for p in problems_of(doc)]
    assert paths == ["$.facility.timezone", "$.permit.bogus", "$.permit.listed_24h_parameters[0]",
                     "$.permit.outfalls[0].parameters[1].columns[3].limit",
                     "$.permit.outfalls[0].parameters[3].code", "$.permit.outfalls[1].parameters[1].columns[0].unit"]


@pytest.mark.parametrize("document", [[], "permit", None, 42])
def test_a_document_that_is_not_an_object(document):
    assert only_problem(document).startswith('$: expected a JSON object with "facility" and "permit", got')


def test_the_error_message_summarises_the_problems(doc):
    doc["permit"]["bogus"] = 1
    with pytest.raises(PermitDefinitionError) as caught:
        validate_permit_definition(doc)
    assert str(caught.value).startswith("1 problem in the permit definition: $.permit.bogus: unknown key")
    assert (caught.value.errors[0].path, caught.value.errors[0].message[:11]) == ("$.permit.bogus", "unknown key")


def test_canonical_sha256_ignores_key_order_and_layout_but_not_content(doc):
    reordered = json.loads(json.dumps(doc, sort_keys=True, indent=4))
    assert canonical_sha256(reordered) == canonical_sha256(doc)
    tss_column(doc, 3)["limit"] = "30.0"
    assert canonical_sha256(doc) != canonical_sha256(reordered)
    assert len(canonical_sha256(doc)) == 64
