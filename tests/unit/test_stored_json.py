"""JSON columns' text (stored_json, the engines' json_serializer): equal values to json.dumps's, faster."""
from __future__ import annotations

import json
from datetime import date

import pytest

from app.models.base import stored_json


@pytest.mark.parametrize("value", [
    None, 0, -7, 3.25, 1e-05, "plain", "é and ✓", "quote \" backslash \\ newline \n tab \t",
    [1, "2", None, True, False], {"code": "00530", "window_start": "2026-01-05", "nested": [{"a": [1, 2]}]},
    {}, [], 2 ** 63 - 1,
])
def test_stored_json_reads_back_as_the_standard_librarys_text_does(value):
    assert json.loads(stored_json(value)) == json.loads(json.dumps(value))


def test_stored_json_is_compact_and_keeps_non_ascii_as_utf8():
    assert stored_json({"a": [1, None], "b": "é"}) == '{"a":[1,null],"b":"é"}'


def test_what_orjson_refuses_goes_through_the_standard_library():
    assert stored_json(2 ** 70) == str(2 ** 70)
    assert json.loads(stored_json({1: "x"})) == {"1": "x"}  # keys as json.dumps would write them
    with pytest.raises(TypeError):
        stored_json({"day": object()})  # neither takes an arbitrary object: an error, not a silent str()


def test_a_date_is_written_as_its_iso_text():
    # Audited columns get ISO strings from json_value before they get here; a date that reaches a
    # column some other way is written as the same text rather than refused.
    assert stored_json({"day": date(2026, 1, 5)}) == '{"day":"2026-01-05"}'
