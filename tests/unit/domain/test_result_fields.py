"""parse_result_fields (CONTRACTS.md section 4): the whole-row text check gives what field-by-field checking gives."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain import result_fields
from app.domain.result_fields import MAX_LENGTHS, OPTIONAL, REQUIRED, ResultFieldError, parse_result_fields

ZONE = "America/New_York"
GOOD = {"permit": "NY0001234", "outfall": "001", "parameter_code": "00530", "sample_id": "L2611-01",
        "sampled_at": "2026-03-13T09:15", "value": "12.5", "unit": "mg/L", "qualifier": "", "rl": "2.0",
        "method": "SM 2540 D", "lab": "Upstate Labs", "analyst": "J. Ortiz", "analyzed_at": "2026-03-14T10:00",
        "received_at": "2026-03-13T15:00", "sample_type": "composite", "chain_of_custody": "COC-77",
        "notes": "  routine  ", "estimated": "false"}


def _outcome(raw):
    try:
        return parse_result_fields(raw, ZONE)
    except ResultFieldError as error:
        return (type(error), error.field, error.message)


def _field_by_field(raw, monkeypatch):
    with monkeypatch.context() as patched:
        patched.setattr(result_fields, "_checked_texts", lambda raw: None)
        return _outcome(raw)


def test_a_clean_row_is_read_as_field_by_field(monkeypatch):
    fields = parse_result_fields(GOOD, ZONE)
    assert fields == _field_by_field(GOOD, monkeypatch)
    assert (fields.notes, fields.qualifier, fields.mdl) == ("routine", "=", None)


@pytest.mark.parametrize("field, value, message", [
    ("notes", "bad\x07bell", "contains the control or invalid character '\\x07' at position 4"),
    ("sample_id", "S" * 81, "expected at most 80 characters, got 81"),
    ("lab", "half \ud800 surrogate", "contains the control or invalid character"),
])
def test_a_refused_text_is_named_as_field_by_field(field, value, message, monkeypatch):
    raw = {**GOOD, field: value}
    outcome = _outcome(raw)
    assert outcome == _field_by_field(raw, monkeypatch)
    assert outcome[1] == field and outcome[2].startswith(message)


def test_of_two_problems_the_first_in_reading_order_is_named(monkeypatch):
    # The value is read before the notes: its missing number is the row's first problem, not the bell.
    raw = {**GOOD, "value": "", "notes": "bad\x07bell"}
    assert _outcome(raw) == _field_by_field(raw, monkeypatch) == (
        ResultFieldError, "value", "required, but empty or missing")


CELLS = st.one_of(st.none(), st.sampled_from(["", " ", "12.5", "<", "J", "composite", "2026-03-14T10:00", "x" * 81]),
                  st.text(max_size=12), st.integers(-5, 5), st.booleans())


@settings(max_examples=300, deadline=None)
@given(changes=st.dictionaries(st.sampled_from(REQUIRED + OPTIONAL), CELLS, max_size=6))
def test_any_row_reads_the_same_as_field_by_field(changes):
    raw = {**GOOD, **changes}
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(result_fields, "_checked_texts", lambda raw: None)
        expected = _outcome(raw)
    assert _outcome(raw) == expected


def test_the_length_limits_checked_whole_are_the_columns_widths():
    assert set(MAX_LENGTHS) <= set(REQUIRED + OPTIONAL)
