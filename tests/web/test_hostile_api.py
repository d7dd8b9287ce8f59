"""Hostile POST /api/v1/results bodies and permit uploads: a JSON error or a whole import, never a 500."""
from __future__ import annotations

import io
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.domain.result_fields import OPTIONAL, REQUIRED
from app.models import Permit, PermitVersion
from app.models.monitoring import Result, ResultRevision
from app.services.permits import import_permit_definition
from app.services.users import issue_api_token
from tests.factories import permit_document

HOSTILE = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
ALLOWED = {201, 400, 409, 413, 422}
GOOD = {"permit": "CT0000001", "outfall": "001", "parameter_code": "00530", "sample_id": "L-1",
        "sampled_at": "2026-03-10T08:00", "value": "22", "unit": "mg/L", "rl": "4.0",
        "received_at": "2026-03-12T10:00"}
COLUMNS = REQUIRED + OPTIONAL

text = st.one_of(
    st.text(st.characters(codec=None, exclude_categories=()), max_size=30),
    st.sampled_from(["NaN", "Infinity", "-0.5", "1e999999", "1" * 5000, "=cmd|' /C calc'!A0", "\x00", "\ud800",
                     "2026-02-30", "9999-12-31T23:59:59+14:00", "9999-12-31T23:59-12:00", "<", "J", "A" * 81]),
    st.integers(1, 100_000).map(lambda n: "A" * n),
)
scalar = st.one_of(text, st.none(), st.booleans(), st.integers(), st.integers(min_value=10**25),
                   st.floats(allow_nan=False, allow_infinity=False))
value = st.one_of(scalar, st.lists(scalar, max_size=2), st.dictionaries(text, scalar, max_size=2))


@st.composite
def rows(draw) -> dict[str, Any]:
    row = {**GOOD, "sample_id": draw(st.sampled_from(["L-1", "L-2", "L-3"]))}
    for _ in range(draw(st.integers(0, 4))):
        column = draw(st.one_of(st.sampled_from(COLUMNS), st.sampled_from(COLUMNS), text))
        if draw(st.integers(0, 4)) == 0:
            row.pop(column, None)
        else:
            row[column] = draw(value)
    return row


def _body(document: Any) -> bytes:
    # ensure_ascii keeps lone surrogates as \ud800 escapes, as a hostile client would send them.
    return json.dumps(document, allow_nan=True).encode("ascii")


bodies = st.one_of(
    rows().map(_body),
    st.lists(rows(), min_size=1, max_size=4).map(_body),
    st.sampled_from([b"", b"[]", b"{}", b"null", b"[1, 2]", b'{"value": NaN}', b'{"value": Infinity}',
                     b"[" * 50_000 + b"]" * 50_000, b'{"value": 1e999999}', b"1" * 5000, b"\xff\xfe", b'"\\ud800"']),
    st.binary(max_size=200),
)


@pytest.fixture
def npdes(db):
    import_permit_definition(db.session, permit_document("npdes"))
    db.session.commit()


@pytest.fixture
def token(db, make_user, npdes) -> dict[str, str]:
    user = make_user("labtech")
    bearer = issue_api_token(db.session, user)
    db.session.commit()
    return {"Authorization": f"Bearer {bearer}"}


def _stored(db) -> tuple[int, int]:
    db.session.rollback()  # read what the request committed, not this session's stale view
    return (db.session.scalar(select(func.count(Result.id))), db.session.scalar(select(func.count(ResultRevision.id))))


@HOSTILE
@given(body=bodies, content_type=st.sampled_from(["application/json", "application/json; charset=utf-8",
                                                  "text/plain", "application/x-www-form-urlencoded"]))
def test_a_hostile_results_body_is_a_json_error_or_a_whole_import(client, db, token, body, content_type):
    before = _stored(db)
    response = client.post("/api/v1/results", data=body, headers={**token, "Content-Type": content_type})
    assert response.status_code in ALLOWED, response.get_data(as_text=True)[:500]
    event(f"status {response.status_code}")  # --hypothesis-show-statistics: both outcomes are exercised
    assert response.mimetype == "application/json"
    answer = response.get_json()
    after = _stored(db)
    if response.status_code == 201:
        # Each imported row (a correction counts as imported) is one new revision; a new result only when new.
        assert after[1] - before[1] == answer["imported"] and after[0] - before[0] <= answer["imported"]
        return
    assert set(answer) == {"error", "details"} and answer["error"]
    for detail in answer["details"]:
        assert "message" in detail and ("row" not in detail or detail["row"] is None or detail["row"] >= 1)
    assert after == before, "a refused body stored some of its rows"


def test_a_body_over_the_size_limit_is_413_json(client, db, token):
    huge = _body([{**GOOD, "notes": "x" * (9 * 1024 * 1024)}])
    response = client.post("/api/v1/results", data=huge, headers={**token, "Content-Type": "application/json"})
    assert response.status_code == 413 and response.mimetype == "application/json"
    assert _stored(db) == (0, 0)


@pytest.mark.parametrize("column, hostile", [("notes", "\ud800"), ("sample_id", "\ud800x"), ("notes", "\x00"),
                                             ("lab", "A" * 121), ("sampled_at", "9999-12-31T23:59+14:00")])
def test_a_value_the_database_could_not_store_is_422_naming_the_column(client, db, token, column, hostile):
    body = _body([{**GOOD, column: hostile}])
    response = client.post("/api/v1/results", data=body, headers={**token, "Content-Type": "application/json"})
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    assert [(d["row"], d["column"]) for d in response.get_json()["details"]] == [(1, column)]
    assert _stored(db) == (0, 0)


def test_one_bad_row_among_good_ones_stores_nothing(client, db, token):
    # The property above is only as good as this: the good rows of a refused body are not kept.
    body = _body([GOOD, {**GOOD, "sample_id": "L-2", "value": "NaN"}])
    response = client.post("/api/v1/results", data=body, headers={**token, "Content-Type": "application/json"})
    assert response.status_code == 422
    assert [(d["row"], d["column"]) for d in response.get_json()["details"]] == [(2, "value")]
    assert _stored(db) == (0, 0)


# --- the permit upload page -----------------------------------------------------------------------

def _upload(client, raw: bytes):
    return client.post("/permits/upload", data={"definition": (io.BytesIO(raw), "permit.json")},
                       content_type="multipart/form-data")


def _hostile_permit(place: str, hostile: Any) -> bytes:
    document = permit_document("npdes")
    if place == "description":
        document["permit"]["outfalls"][0]["description"] = hostile
    elif place == "unknown key":
        document["permit"]["outfalls"][0]["parameters"][0][str(hostile)[:50] or "x"] = hostile
    else:
        document["permit"]["outfalls"][0]["parameters"][0]["code"] = hostile
    return json.dumps(document, allow_nan=True).encode("utf-8", "surrogatepass")


permit_uploads = st.one_of(
    st.builds(_hostile_permit, st.sampled_from(["description", "unknown key", "code"]), value),
    st.sampled_from([b"[" * 100_000 + b"]" * 100_000, b"1" * 5000, b'{"facility": NaN}', b"\xff\xfe",
                     json.dumps({"facility": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["deep"]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}
                                ).encode()]),
    st.binary(max_size=100),
)


@pytest.fixture
def manager(client, login_as):
    return login_as("manager")  # once per test: the client keeps its session cookie between examples


@settings(HOSTILE, max_examples=40)
@given(raw=permit_uploads)
def test_a_hostile_permit_upload_shows_the_problems_and_stores_nothing_partial(client, db, manager, raw):
    before = (db.session.scalar(select(func.count(Permit.id))), db.session.scalar(select(func.count(PermitVersion.id))))
    response = _upload(client, raw)
    assert response.status_code in (302, 400), response.get_data(as_text=True)[:500]
    db.session.rollback()
    after = (db.session.scalar(select(func.count(Permit.id))), db.session.scalar(select(func.count(PermitVersion.id))))
    if response.status_code == 400:
        page = response.get_data(as_text=True)
        # The problems are listed, each naming the file ("permit.json: ...") or a JSON path ("$...: ...").
        assert "Nothing was stored" in page and ("<li>permit.json: " in page or "<li>$" in page)
        assert after == before
    else:
        assert after[1] == before[1] + 1
