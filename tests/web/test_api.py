"""The JSON API (CONTRACTS.md section 10): bearer tokens only, all-or-nothing results, JSON errors, OpenAPI."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from sqlalchemy import func, select

from app.domain.result_fields import OPTIONAL, REQUIRED
from app.models.compliance import Exceedance
from app.models.monitoring import Result, ResultRevision
from app.services.permits import import_permit_definition
from app.services.users import issue_api_token, revoke_api_token, set_active
from tests.conftest import TEST_PASSWORD
from tests.factories import permit_document

TSS = {"permit": "CT0000001", "outfall": "001", "parameter_code": "00530", "sample_id": "L-1",
       "sampled_at": "2026-03-10T08:00", "value": "22", "unit": "mg/L", "rl": "4.0",
       "received_at": "2026-03-12T10:00"}
SECTION_8_KEYS = {"id", "permit", "outfall", "parameter_code", "trigger", "rule", "citation", "aware_at", "initial",
                  "followup", "status"}


def row(**changes) -> dict:
    return {**TSS, **changes}


@pytest.fixture
def npdes(db):
    import_permit_definition(db.session, permit_document("npdes"))
    db.session.commit()


@pytest.fixture
def bearer(db, make_user):
    """bearer("labtech") -> the Authorization header of a new user of that role with a fresh token."""

    def make(role: str = "labtech") -> dict[str, str]:
        user = make_user(role)
        token = issue_api_token(db.session, user)
        db.session.commit()
        return {"Authorization": f"Bearer {token}"}

    return make


def _results_stored(db) -> int:
    return db.session.scalar(select(func.count(Result.id)))


def _is_error(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error", "details"} and isinstance(body["error"], str) and body["error"]
    return body


# --- who may call ---------------------------------------------------------------------------------

@pytest.mark.parametrize("headers", [
    {}, {"Authorization": "Bearer ofl_not-a-token"}, {"Authorization": "Bearer "}, {"Authorization": "Basic dXNlcg=="},
])
def test_no_or_a_wrong_token_is_401_json(client, headers):
    response = client.get("/api/v1/permits", headers=headers)
    _is_error(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_or_a_deactivated_account_is_401(client, db, make_user, npdes):
    user = make_user("labtech")
    token = issue_api_token(db.session, user)
    db.session.commit()
    assert client.get("/api/v1/permits", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    revoke_api_token(db.session, user)
    db.session.commit()
    _is_error(client.get("/api/v1/permits", headers={"Authorization": f"Bearer {token}"}), 401)

    token = issue_api_token(db.session, user)
    set_active(db.session, user, False, actor=make_user("admin"))
    db.session.commit()
    _is_error(client.get("/api/v1/permits", headers={"Authorization": f"Bearer {token}"}), 401)


def test_a_viewer_token_reads_but_cannot_post_results(client, db, bearer, npdes):
    viewer = bearer("viewer")
    assert client.get("/api/v1/results", headers=viewer).status_code == 200
    _is_error(client.post("/api/v1/results", json=TSS, headers=viewer), 403)
    assert _results_stored(db) == 0


def test_a_session_cookie_alone_does_not_authenticate_the_api(client, db, login_as, npdes):
    # The API is CSRF-exempt; were the browser's cookie enough, any web page could post results.
    login_as("manager")
    assert client.get("/").status_code == 200  # the session is good for the pages
    _is_error(client.get("/api/v1/permits"), 401)
    _is_error(client.post("/api/v1/results", json=TSS), 401)
    assert _results_stored(db) == 0


@pytest.fixture
def csrf_client(app, db):
    from app import create_app
    from app.extensions import db as database

    config = {key: app.config[key] for key in ("SQLALCHEMY_DATABASE_URI", "SQLALCHEMY_ENGINE_OPTIONS", "SECRET_KEY")}
    protected = create_app({**config, "TESTING": True, "WTF_CSRF_ENABLED": True, "SESSION_COOKIE_SECURE": False})
    yield protected.test_client()
    with protected.app_context():
        database.engine.dispose()


def test_with_csrf_on_the_token_needs_no_csrf_token_and_the_cookie_still_counts_for_nothing(
        csrf_client, db, make_user, bearer, npdes):
    user = make_user("manager")
    page = csrf_client.get("/auth/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert csrf_client.post("/auth/login", data={"email": user.email, "password": TEST_PASSWORD,
                                                 "csrf_token": csrf}).status_code == 302
    _is_error(csrf_client.post("/api/v1/results", json=TSS), 401)
    response = csrf_client.post("/api/v1/results", json=TSS, headers=bearer("labtech"))
    assert response.status_code == 201, response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers


def test_an_api_answer_sets_no_cookie(client, bearer, npdes):
    response = client.get("/api/v1/permits", headers=bearer())
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


# --- POST /results ----------------------------------------------------------------------------------

def test_one_object_is_stored_and_judged_against_the_permit(client, db, bearer, npdes):
    response = client.post("/api/v1/results", json=row(value="72"), headers=bearer())
    assert response.status_code == 201
    assert response.get_json() == {"imported": 1, "unchanged": 0, "rejected": 0}
    revision = db.session.scalars(select(ResultRevision)).one()
    assert (revision.value, revision.unit, revision.qualifier) == ("72", "mg/L", "=")
    exceedance = db.session.scalars(select(Exceedance).where(Exceedance.statistical_base == "daily_maximum",
                                                             Exceedance.unit == "mg/L")).one()
    assert (exceedance.parameter_code, exceedance.value, exceedance.limit_text) == ("00530", "72", "60")


def test_a_list_is_stored_with_the_digits_as_sent_and_a_repost_changes_nothing(client, db, bearer, npdes):
    headers = bearer()
    rows = [row(), row(sample_id="L-2", sampled_at="2026-03-11", value=0.50, rl=4.0)]
    response = client.post("/api/v1/results", json=rows, headers=headers)
    assert (response.status_code, response.get_json()) == (201, {"imported": 2, "unchanged": 0, "rejected": 0})
    # A JSON number keeps the digits it was written with: 0.50 is not 0.5 for rounding.
    assert client.post("/api/v1/results", data='{"permit": "CT0000001", "outfall": "001", "parameter_code": '
                       '"00530", "sample_id": "L-3", "sampled_at": "2026-03-12", "value": 0.50, "unit": "mg/L"}',
                       content_type="application/json", headers=headers).status_code == 201
    assert db.session.scalar(select(ResultRevision.value).join(Result).where(Result.sample_id == "L-3")) == "0.50"
    again = client.post("/api/v1/results", json=rows, headers=headers)
    assert (again.status_code, again.get_json()) == (201, {"imported": 0, "unchanged": 2, "rejected": 0})
    assert _results_stored(db) == 3


def test_a_bad_row_rejects_the_whole_post_naming_row_and_column(client, db, bearer, npdes):
    response = client.post("/api/v1/results", json=[row(), row(sample_id="L-2", value="twelve")], headers=bearer())
    body = _is_error(response, 422)
    assert body["details"] == [{"row": 2, "column": "value", "value": "twelve",
                                "message": "expected a decimal number such as 12.5, got 'twelve'"}]
    assert _results_stored(db) == 0


@pytest.mark.parametrize("changes, column", [
    ({"outfall": "1"}, "outfall"), ({"parameter_code": "99999"}, "parameter_code"), ({"unit": "furlongs"}, "unit"),
    ({"sampled_at": "10/03/2026"}, "sampled_at"), ({"colour": "brown"}, "colour"), ({"notes": {"a": 1}}, "notes"),
])
def test_each_kind_of_bad_field_is_a_422_naming_it(client, db, bearer, npdes, changes, column):
    body = _is_error(client.post("/api/v1/results", json=[row(**changes)], headers=bearer()), 422)
    assert [(d["row"], d["column"]) for d in body["details"]] == [(1, column)]
    assert _results_stored(db) == 0


def test_a_clash_with_a_stored_result_is_409_and_a_correction_with_reason_is_a_revision(client, db, bearer, npdes):
    headers = bearer()
    assert client.post("/api/v1/results", json=row(), headers=headers).status_code == 201
    body = _is_error(client.post("/api/v1/results", json=[row(sample_id="L-9"), row(value="23")], headers=headers),
                     409)
    assert [(d["row"], d["column"]) for d in body["details"]] == [(2, "value")]
    assert "already stored with other values" in body["details"][0]["message"]
    assert _results_stored(db) == 1  # L-9 was good, and still nothing was stored

    fixed = client.post("/api/v1/results", json=row(value="23", correction_reason="transcription error"),
                        headers=headers)
    assert (fixed.status_code, fixed.get_json()) == (201, {"imported": 1, "unchanged": 0, "rejected": 0})
    listed = client.get("/api/v1/results", headers=headers).get_json()["results"]
    assert [(r["value"], r["revision"], r["correction_reason"]) for r in listed] == [("23", 2, "transcription error")]


@pytest.mark.parametrize("body, content_type, status", [
    ("permit=CT0000001", "application/x-www-form-urlencoded", 400),
    ("{not json", "application/json", 400),
    ('{"value": NaN}', "application/json", 400),
    ("[]", "application/json", 400),
    ('"a string"', "application/json", 400),
    ('[{"permit": "CT0000001"}, 7]', "application/json", 422),
])
def test_a_body_that_is_not_a_list_of_result_objects_is_refused(client, db, bearer, npdes, body, content_type,
                                                                 status):
    _is_error(client.post("/api/v1/results", data=body, content_type=content_type, headers=bearer()), status)
    assert _results_stored(db) == 0


def test_a_flood_of_bad_rows_is_answered_with_the_first_thousand_problems(client, db, bearer, npdes):
    body = _is_error(client.post("/api/v1/results", json=[7] * 1500, headers=bearer()), 422)
    assert len(body["details"]) == 1000 and body["details"][-1]["row"] == 1000
    assert "1500 posted row(s) rejected" in body["error"]


def test_a_body_over_the_size_limit_is_413_json(app, client, bearer, npdes):
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = client.post("/api/v1/results", data=b"[" + b" " * limit + b"]", content_type="application/json",
                           headers=bearer())
    _is_error(response, 413)


# --- GET /results, /deadlines, /permits ---------------------------------------------------------

@pytest.fixture
def stored(client, bearer, npdes):
    rows = [row(sample_id="A", sampled_at="2026-03-02", value="10"),
            row(sample_id="B", sampled_at="2026-03-09", value="4", qualifier="<"),
            row(sample_id="C", sampled_at="2026-03-16T09:30", value="12"),
            row(sample_id="C", parameter_code="01042", value="0.12", qualifier="J", sampled_at="2026-03-16T09:30")]
    response = client.post("/api/v1/results", json=rows, headers=bearer())
    assert response.status_code == 201, response.get_data(as_text=True)


def _listed(client, headers, query: str = "") -> dict:
    response = client.get(f"/api/v1/results{query}", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_results_are_listed_with_section_4_names_and_filtered(client, bearer, stored):
    viewer = bearer("viewer")
    everything = _listed(client, viewer)
    assert (everything["total"], everything["limit"], everything["offset"]) == (4, 500, 0)
    first = everything["results"][0]
    assert set(first) == set(REQUIRED) | set(OPTIONAL) | {"revision"}
    assert (first["sample_id"], first["sampled_at"], first["qualifier"], first["revision"]) == \
        ("A", "2026-03-02", "", 1)
    timed = next(r for r in everything["results"] if r["parameter_code"] == "01042")
    assert (timed["sampled_at"], timed["qualifier"]) == ("2026-03-16T09:30:00-04:00", "J")

    def ids(query):
        return [(r["sample_id"], r["parameter_code"]) for r in _listed(client, viewer, query)["results"]]

    assert ids("?parameter_code=01042") == [("C", "01042")]
    assert ids("?from=2026-03-03&to=2026-03-09") == [("B", "00530")]
    assert ids("?permit=CT0000001&outfall=001&parameter_code=00530&from=2026-03-09") == [("B", "00530"),
                                                                                         ("C", "00530")]
    assert ids("?outfall=002") == []
    page = _listed(client, viewer, "?limit=2&offset=1")
    assert page["total"] == 4 and [r["sample_id"] for r in page["results"]] == ["B", "C"]


@pytest.mark.parametrize("query, parameter", [
    ("?from=2026-13-01", "from"), ("?to=yesterday", "to"), ("?from=2026-03-10&to=2026-03-01", "to"),
    ("?limit=0", "limit"), ("?limit=5001", "limit"), ("?limit=%C2%B2", "limit"), ("?offset=-1", "offset"),
    ("?offset=99999999999", "offset"),
    ("?parameter_code=530", "parameter_code"),
    ("?permit=NOPE", "permit"), ("?parameter=00530", "parameter"), ("?outfall=001&outfall=002", "outfall"),
    ("?permit=", "permit"),
])
def test_a_bad_query_value_is_400_naming_the_parameter(client, bearer, npdes, query, parameter):
    body = _is_error(client.get(f"/api/v1/results{query}", headers=bearer("viewer")), 400)
    assert [d["parameter"] for d in body["details"]] == [parameter]
    assert parameter in body["error"]


def test_deadlines_have_the_section_8_shape_and_filter(client, db, bearer, npdes):
    from app.services.events import EventReport, report_event

    headers = bearer("viewer")
    assert client.get("/api/v1/deadlines", headers=headers).get_json() == []
    report_event(db.session, EventReport(permit="CT0000001", kind="upset",
                                         discovered_at=datetime(2026, 3, 13, 13, 15, tzinfo=timezone.utc)))
    db.session.commit()
    listed = client.get("/api/v1/deadlines?permit=CT0000001&open=true", headers=headers).get_json()
    assert listed and all(set(o) == SECTION_8_KEYS for o in listed)
    assert listed[0]["permit"] == "CT0000001" and listed[0]["trigger"] == "upset" and listed[0]["status"] == "open"
    assert listed[0]["aware_at"] == "2026-03-13T09:15:00-04:00"
    _is_error(client.get("/api/v1/deadlines?open=maybe", headers=headers), 400)
    _is_error(client.get("/api/v1/deadlines?permit=NOPE", headers=headers), 400)


def test_permits_list_versions_outfalls_parameters_and_limit_columns(client, bearer, npdes):
    permits = client.get("/api/v1/permits", headers=bearer("viewer")).get_json()
    assert [(p["number"], p["program"]) for p in permits] == [("CT0000001", "npdes")]
    version = permits[0]["versions"][0]
    assert (version["version"], version["effective"], version["expires"]) == (1, "2026-01-01", "2030-12-31")
    outfall = next(o for o in version["outfalls"] if o["id"] == "001")
    tss = next(p for p in outfall["parameters"] if p["code"] == "00530")
    assert {"slot": "C3", "statistical_base": "daily_maximum", "limit": "60", "unit": "mg/L"}.items() <= \
        next(c for c in tss["columns"] if c["slot"] == "C3").items()


# --- GET /schedule and /dmr ------------------------------------------------------------------------

def test_the_schedule_lists_trips_as_schedule_list_does(client, runner, bearer, stored):
    headers = bearer("viewer")
    listed = client.get("/api/v1/schedule?from=2026-03-01&to=2026-03-31&permit=CT0000001", headers=headers)
    assert listed.status_code == 200, listed.get_data(as_text=True)
    trips = listed.get_json()
    assert trips and all(t["permit"] == "CT0000001" and "2026-03-01" <= t["date"] <= "2026-03-31" for t in trips)
    assert all(set(t) == {"id", "permit", "outfall", "date", "window_end", "parameters", "sample_type", "status"}
               for t in trips)
    assert any("00530" in t["parameters"] for t in trips)
    assert {t["status"] for t in trips} <= {"scheduled", "collected", "missed"}
    # The CLI plans and lists the very same trips with the same statuses.
    cli = runner.invoke(args=["schedule", "list", "--from", "2026-03-01", "--to", "2026-03-31", "--json",
                              "--permit", "CT0000001"])
    assert cli.exit_code == 0, cli.output
    import json
    assert json.loads(cli.output) == trips


@pytest.mark.parametrize("query, parameter", [
    ("?to=2026-03-31", "from"), ("?from=2026-03-01", "to"), ("?from=2026-03-31&to=2026-03-01", "to"),
    ("?from=2026-01-01&to=2027-12-31", "to"), ("?from=2026-03-01&to=2026-03-31&permit=NOPE", "permit"),
    ("?from=2026-03-01&to=2026-03-31&outfall=001", "outfall"),
])
def test_a_bad_schedule_query_is_400_naming_the_parameter(client, bearer, npdes, query, parameter):
    body = _is_error(client.get(f"/api/v1/schedule{query}", headers=bearer("viewer")), 400)
    assert [d["parameter"] for d in body["details"]] == [parameter]


def test_the_dmr_is_the_section_5_document_of_dmr_build(client, runner, bearer, stored):
    answer = client.get("/api/v1/dmr/CT0000001/2026-03", headers=bearer("viewer"))
    assert answer.status_code == 200, answer.get_data(as_text=True)
    document = answer.get_json()
    assert (document["permit"], document["period"]) == ("CT0000001", {"start": "2026-03-01", "end": "2026-03-31"})
    tss = next(p for o in document["outfalls"] if o["outfall"] == "001" for p in o["parameters"] if p["code"] == "00530")
    assert tss["values"]["C3"]["value"] == "12" and tss["samples"] == 3
    cli = runner.invoke(args=["dmr", "build", "--permit", "CT0000001", "--period", "2026-03", "--format", "json",
                              "--out", "-"])
    assert cli.exit_code == 0, cli.output
    import json
    assert json.loads(cli.output) == document


def test_a_dmr_of_an_unknown_permit_is_404_and_a_bad_period_400(client, bearer, npdes):
    headers = bearer("viewer")
    _is_error(client.get("/api/v1/dmr/NOPE/2026-03", headers=headers), 404)
    body = _is_error(client.get("/api/v1/dmr/CT0000001/2026-Q1", headers=headers), 400)
    assert "reports monthly" in body["error"] and body["details"][0]["parameter"] == "period"
    _is_error(client.get("/api/v1/dmr/CT0000001/March", headers=headers), 400)
    _is_error(client.get("/api/v1/dmr/CT0000001/2026-03?format=xml", headers=headers), 400)


# --- errors and the OpenAPI document --------------------------------------------------------------

@pytest.mark.parametrize("method, path, status", [
    ("GET", "/api/v1/nowhere", 404), ("GET", "/api/v1", 404), ("POST", "/api/v1/dmr/CT0000001/2026-03", 405),
    ("DELETE", "/api/v1/results", 405), ("PUT", "/api/v1/permits", 405),
])
def test_every_error_under_the_api_is_json(client, bearer, method, path, status):
    _is_error(client.open(path, method=method, headers=bearer()), status)


def test_pages_keep_their_html_errors(client, login_as):
    login_as("viewer")
    response = client.get("/no-such-page")
    assert response.status_code == 404 and response.mimetype == "text/html"


def _api_routes(app) -> set[tuple[str, str]]:
    # Flask writes a path variable <permit>, OpenAPI {permit}.
    return {(re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule), method) for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")
            for method in rule.methods - {"HEAD", "OPTIONS"}}


def _validator(document: dict, pointer: str) -> Draft202012Validator:
    resource = Resource(contents=document, specification=DRAFT202012)
    registry = Registry().with_resource("urn:outfall:openapi", resource)
    return Draft202012Validator({"$ref": f"urn:outfall:openapi#{pointer}"}, registry=registry,
                                format_checker=Draft202012Validator.FORMAT_CHECKER)


def _pointer(*parts: str) -> str:
    return "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in parts)


def test_the_openapi_document_and_the_url_map_agree(app, client):
    document = client.get("/api/v1/openapi.json").get_json()  # public: no token
    assert document["openapi"].startswith("3.1")
    prefix = document["servers"][0]["url"]
    documented = {(prefix + path, method.upper()) for path, item in document["paths"].items() for method in item}
    assert documented == _api_routes(app)
    scheme = document["components"]["securitySchemes"]["bearer"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    result_input = document["components"]["schemas"]["ResultInput"]
    assert set(result_input["properties"]) == set(REQUIRED) | set(OPTIONAL)
    assert set(result_input["required"]) == set(REQUIRED)
    for schema in document["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)


def test_every_documented_answer_validates_against_its_schema(client, db, bearer, stored):
    from app.services.events import EventReport, report_event

    report_event(db.session, EventReport(permit="CT0000001", kind="upset",
                                         discovered_at=datetime(2026, 3, 13, 13, 15, tzinfo=timezone.utc)))
    db.session.commit()
    headers = bearer("manager")
    document = client.get("/api/v1/openapi.json").get_json()
    prefix = document["servers"][0]["url"]
    # A concrete request for each documented path that needs variables or required query parameters.
    examples = {"/schedule": "/schedule?from=2026-03-01&to=2026-03-31", "/dmr/{permit}/{period}": "/dmr/CT0000001/2026-03"}
    for path, item in document["paths"].items():
        if "get" not in item:
            continue
        response = client.get(prefix + examples.get(path, path), headers=headers)
        assert response.status_code == 200, (path, response.get_data(as_text=True))
        schema = _pointer("paths", path, "get", "responses", "200", "content", "application/json", "schema")
        _validator(document, schema).validate(response.get_json())
    # The answers that carry data were not empty: the schemas were really exercised.
    assert client.get(prefix + "/results", headers=headers).get_json()["results"]
    assert client.get(prefix + "/deadlines", headers=headers).get_json()
    assert client.get(prefix + examples["/schedule"], headers=headers).get_json()
    assert client.get(prefix + examples["/dmr/{permit}/{period}"], headers=headers).get_json()["outfalls"]

    body = [row(sample_id="Z", value="8"), row(sample_id="Z2", value=0.5, estimated=True)]
    post = _pointer("paths", "/results", "post")
    _validator(document, post + _pointer("requestBody", "content", "application/json", "schema")).validate(body)
    created = client.post(prefix + "/results", json=body, headers=headers)
    _validator(document, post + _pointer("responses", "201", "content", "application/json", "schema")).validate(
        created.get_json())
    error_schema = _validator(document, "/components/schemas/Error")
    for response in (client.post(prefix + "/results", json=row(sample_id="Q", value="x"), headers=headers),
                     client.get(prefix + "/results?limit=x", headers=headers), client.get(prefix + "/permits"),
                     client.get(prefix + "/nowhere", headers=headers)):
        assert response.status_code >= 400
        error_schema.validate(response.get_json())
