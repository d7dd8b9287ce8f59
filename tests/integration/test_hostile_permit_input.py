"""Hostile permit definitions (documents, files, the command): refused by JSON path, never half stored."""
from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.permit_definition import PermitDefinitionError
from app.models import Facility, LimitColumn, MonitoredParameter, Outfall, Permit, PermitVersion
from app.services.permit_files import PermitFileError, load_permit_document
from app.services.permits import import_permit_definition
from tests.factories import permit_document
from tests.integration.test_hostile_input import HOSTILE, table_counts, hostile_text

PERMIT_TABLES = (Facility, Permit, PermitVersion, Outfall, MonitoredParameter, LimitColumn)


def _nested(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = [value]
    return value


hostile_scalar = st.one_of(
    hostile_text, st.none(), st.booleans(), st.integers(), st.integers(min_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
)
hostile_value = st.one_of(
    hostile_scalar,
    st.lists(hostile_scalar, max_size=3),
    st.dictionaries(hostile_text, hostile_scalar, max_size=3),
    # Deep enough to pass the depth limit, shallow enough for Hypothesis to print a failing example.
    st.integers(20, 120).map(_nested),
)


def _paths(node: Any, path: tuple = ()) -> list[tuple]:
    found = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*path, index))
    return found


DOCUMENT = permit_document("npdes")
PATHS = _paths(DOCUMENT)


@st.composite
def hostile_documents(draw) -> Any:
    """The demo permit with one to three places replaced by hostile values or given an unknown key."""
    document = copy.deepcopy(DOCUMENT)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(PATHS))
        if not path:
            return draw(hostile_value)  # the whole document replaced
        parent = document
        try:
            for part in path[:-1]:
                parent = parent[part]
            if draw(st.booleans()) and isinstance(parent, dict):
                parent[draw(hostile_text)] = draw(hostile_value)  # an unknown key beside a known one
            else:
                parent[path[-1]] = draw(hostile_value)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier replacement removed this place; the document is hostile enough
    return document


@HOSTILE
@given(document=hostile_documents())
def test_a_hostile_permit_document_is_refused_by_path_or_stored_whole(db, document):
    before = table_counts(db, PERMIT_TABLES)
    try:
        outcome = import_permit_definition(db.session, document, actor_label="hypothesis")
    except PermitDefinitionError as error:
        assert error.errors and all(problem.path.startswith("$") for problem in error.errors)
        assert table_counts(db, PERMIT_TABLES) == before, "a refused permit left rows behind"
    else:
        # Hostile but valid (say, a control character in a description): one whole version, nothing less.
        assert outcome.created and table_counts(db, PERMIT_TABLES)["PermitVersion"] == before["PermitVersion"] + 1
    finally:
        db.session.rollback()


@pytest.mark.parametrize("depth", [33, 900, 5000])
def test_a_document_nested_thousands_deep_is_refused_by_path(db, depth):
    document = permit_document("npdes")
    document["permit"]["outfalls"][0]["description"] = _nested(depth)
    with pytest.raises(PermitDefinitionError) as refused:
        import_permit_definition(db.session, document)
    assert str(refused.value.errors[0]).startswith("$.permit.outfalls[0].description[0][0]")
    assert "nested more than 32 levels" in str(refused.value)
    assert table_counts(db, PERMIT_TABLES)["Permit"] == 0


@pytest.mark.parametrize("hostile", [["00530"], {"code": "00530"}, 530, None, float("nan")])
def test_a_parameter_code_of_the_wrong_type_is_refused_by_path(db, hostile):
    document = permit_document("npdes")
    document["permit"]["outfalls"][0]["parameters"][1]["code"] = hostile
    with pytest.raises(PermitDefinitionError) as refused:
        import_permit_definition(db.session, document)
    assert "$.permit.outfalls[0].parameters[1].code" in [p.path for p in refused.value.errors]
    assert table_counts(db, PERMIT_TABLES)["Permit"] == 0


@pytest.mark.parametrize("key, hostile", [("1" * 5000, 1), ("²", 1), ("x", 10**5000), ("season", -10**5000)],
                         ids=["digit key", "superscript key", "huge unknown", "huge season"])
def test_huge_numbers_and_odd_digits_in_keys_or_values_are_refused_by_path(db, key, hostile):
    document = permit_document("npdes")
    document["permit"]["outfalls"][0]["parameters"][0][key] = hostile
    with pytest.raises(PermitDefinitionError) as refused:
        import_permit_definition(db.session, document)
    assert all(p.path.startswith("$.permit.outfalls[0].parameters[0]") for p in refused.value.errors)
    assert table_counts(db, PERMIT_TABLES)["Permit"] == 0


@pytest.mark.parametrize("raw, path", [
    (b'"Final \\ud800 effluent"', "$.permit.outfalls[1].description"),
    (b'"Final \\u0000 effluent"', "$.permit.outfalls[1].description"),
    (b'"Final \\u001b[2J effluent"', "$.permit.outfalls[1].description"),
], ids=["lone surrogate", "NUL", "escape sequence"])
def test_a_control_or_surrogate_escape_in_a_permit_file_is_refused_by_path(db, raw, path):
    text = json.dumps(permit_document("npdes")).replace('"Non-contact cooling water and roof drainage"',
                                                        raw.decode())
    assert raw.decode() in text
    with pytest.raises(PermitDefinitionError) as refused:
        import_permit_definition(db.session, load_permit_document(text.encode(), "permit.json"))
    assert [p.path for p in refused.value.errors] == [path]
    assert "control or invalid character" in str(refused.value)
    assert table_counts(db, PERMIT_TABLES)["Permit"] == 0


def _dumps(document: Any) -> bytes:
    try:
        return json.dumps(document, ensure_ascii=False).encode("utf-8", "surrogatepass")
    except (ValueError, RecursionError):
        return b'{"facility": NaN}'


hostile_bytes = st.one_of(
    st.binary(max_size=200),
    hostile_documents().map(_dumps),
    st.integers(1, 100_000).map(lambda n: b"[" * n + b"]" * n),
    st.integers(1, 100_000).map(lambda n: b'{"a":' * n + b"1" + b"}" * n),
    st.sampled_from([b'{"x": NaN}', b'{"x": Infinity}', b'{"x": -Infinity}', b"1" * 5000, b"\xef\xbb\xbf{}",
                     b'{"x": 1e999999}', b'"\\ud800"', b"\x00"]),
)


@HOSTILE
@given(raw=hostile_bytes)
def test_a_hostile_permit_file_is_refused_as_a_file_or_by_path(db, raw):
    before = table_counts(db, PERMIT_TABLES)
    try:
        document = load_permit_document(raw, "permit.json")
        import_permit_definition(db.session, document, actor_label="hypothesis")
    except PermitFileError as error:
        assert str(error).startswith("permit.json: ")
    except PermitDefinitionError as error:
        assert all(problem.path.startswith("$") for problem in error.errors)
        assert table_counts(db, PERMIT_TABLES) == before
    finally:
        db.session.rollback()


@pytest.mark.parametrize("raw", [b"[" * 100_000 + b"]" * 100_000, b"1" * 5000, b'{"x": NaN}'])
def test_the_permits_import_command_refuses_a_hostile_file_with_a_message(runner, db, tmp_path, raw):
    path = tmp_path / "permit.json"
    path.write_bytes(raw)
    result = runner.invoke(args=["permits", "import", str(path)])
    # A clean exit with the file's name, not a traceback (click's runner keeps an uncaught exception here).
    assert isinstance(result.exception, SystemExit) and result.exit_code != 0 and "permit.json" in result.output
    assert table_counts(db, PERMIT_TABLES)["Permit"] == 0
