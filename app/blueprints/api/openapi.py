"""The OpenAPI 3.1 document of /api/v1; tests/web/test_api.py holds the live answers to its schemas."""
from __future__ import annotations

import copy
from typing import Any

from app.blueprints.api.inputs import MAX_DETAILS, MAX_OFFSET, MAX_SCHEDULE_DAYS
from app.domain.notification_rules import TRIGGERS
from app.domain.result_fields import OPTIONAL, REQUIRED
from app.services.result_queries import DEFAULT_LIMIT, MAX_LIMIT

TEXT, NULLABLE_TEXT = {"type": "string"}, {"type": ["string", "null"]}
DAY = {"type": "string", "format": "date"}
NULLABLE_DAY = {"type": ["string", "null"], "format": "date"}
MOMENT = {"type": ["string", "null"], "description": "ISO 8601 date-time with the facility's UTC offset"}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties: dict[str, Any], required: tuple[str, ...] | None = None, **extra) -> dict[str, Any]:
    return {"type": "object", "properties": properties,
            "required": list(properties if required is None else required), "additionalProperties": False, **extra}


# CONTRACTS.md section 4, one field each; a test checks that REQUIRED + OPTIONAL are all here.
RESULT_FIELDS: dict[str, dict[str, Any]] = {
    "permit": {"type": "string", "description": "permit number"},
    "outfall": {"type": "string", "description": "outfall id as text (1 is not 001)"},
    "parameter_code": {"type": "string", "pattern": "^[0-9]{5}$"},
    "monitoring_location": {"type": ["string", "null"], "description": "default: the parameter's only location"},
    "sample_id": {"type": "string", "description": "with parameter_code it identifies the result"},
    "sampled_at": {"type": "string", "description": "ISO 8601 date or date-time; without an offset it is "
                                                    "facility-local time"},
    "value": {"type": ["string", "number"], "description": "decimal as reported; a JSON number keeps its "
                                                            "digits too (0.50 stays 0.50)"},
    "qualifier": {"type": ["string", "null"], "enum": ["", "<", ">", "J", None],
                  "description": "empty = detected; < not detected at the reporting limit `value`; > greater "
                                 "than; J detected below the reporting limit, `value` is the estimate"},
    "unit": {"type": "string", "description": "e.g. mg/L, ug/L, MGD, gpd, SU, cfu/100mL"},
    "mdl": {"type": ["string", "number", "null"]}, "rl": {"type": ["string", "number", "null"]},
    "method": NULLABLE_TEXT, "lab": NULLABLE_TEXT, "analyst": NULLABLE_TEXT,
    "analyzed_at": {"type": ["string", "null"], "description": "ISO date-time of analysis"},
    "received_at": {"type": ["string", "null"], "description": "when the facility received the result: the "
                                                               "clock start of notification deadlines"},
    "sample_type": {"type": ["string", "null"], "enum": ["grab", "composite", "continuous", None]},
    "chain_of_custody": NULLABLE_TEXT, "notes": NULLABLE_TEXT,
    "correction_reason": {"type": ["string", "null"], "description": "makes a changed row a new revision"},
    "estimated": {"type": ["boolean", "string", "null"], "description": "true when the value is an estimate"},
    # The sample's own field record: it may fill a blank, never change what the sample already records.
    "collector": {"type": ["string", "null"], "description": "who collected the sample"},
    "composite_start": {"type": ["string", "null"], "description": "ISO date-time compositing began"},
    "composite_end": {"type": ["string", "null"], "description": "ISO date-time compositing ended (the "
                                                                 "holding-time clock of a composite)"},
    "field_notes": {"type": ["string", "null"], "description": "the collector's notes at the sampling point"},
}

_RESULT_OUT = {**{name: RESULT_FIELDS[name] for name in REQUIRED + OPTIONAL},
               "outfall": TEXT, "value": TEXT, "qualifier": {"type": "string", "enum": ["", "<", ">", "J"]},
               "sampled_at": {"type": "string", "description": "facility-local date-time with offset, or the "
                                                               "date alone when the lab gave only the day"},
               "monitoring_location": TEXT, "mdl": NULLABLE_TEXT, "rl": NULLABLE_TEXT,
               "analyzed_at": MOMENT, "received_at": {"type": "string"}, "estimated": {"type": "boolean"},
               "composite_start": MOMENT, "composite_end": MOMENT,
               "revision": {"type": "integer", "minimum": 1, "description": "1 = as first reported"}}

_OBLIGATION_PART = {"type": ["object", "null"], "properties": {
    "kind": TEXT, "due": MOMENT, "due_date": DAY, "done_at": MOMENT},
    "required": ["kind", "due", "due_date", "done_at"], "additionalProperties": False}

SCHEMAS: dict[str, Any] = {
    "Error": _object({"error": TEXT, "details": {"type": "array", "items": {"anyOf": [
        _ref("RowProblem"), _ref("ParameterProblem")]}}}),
    "RowProblem": _object({"row": {"type": "integer", "description": "1-based index in the posted list"},
                           "column": NULLABLE_TEXT, "value": NULLABLE_TEXT, "message": TEXT}),
    "ParameterProblem": _object({"parameter": TEXT, "value": NULLABLE_TEXT, "message": TEXT}),
    "ResultInput": _object(RESULT_FIELDS, REQUIRED),
    "ImportCounts": _object({"imported": {"type": "integer", "description": "new results and new revisions"},
                             "unchanged": {"type": "integer"}, "rejected": {"const": 0}}),
    "Result": _object(dict(sorted(_RESULT_OUT.items()))),
    "ResultPage": _object({"results": {"type": "array", "items": _ref("Result")},
                           "total": {"type": "integer", "description": "matching results on all pages"},
                           "limit": {"type": "integer"}, "offset": {"type": "integer"}}),
    "LimitColumn": _object({"slot": {"enum": ["Q1", "Q2", "C1", "C2", "C3"]}, "statistical_base": TEXT,
                            "limit": {"type": ["string", "null"], "description": "as written; null = report only"},
                            "unit": TEXT, "unit_code": NULLABLE_TEXT, "derived": NULLABLE_TEXT,
                            "effective": NULLABLE_DAY, "expires": NULLABLE_DAY}),
    "MonitoredParameter": _object({"code": TEXT, "name": TEXT, "monitoring_location": TEXT,
                                   "season": {"type": "integer"}, "frequency": TEXT, "sample_type": TEXT,
                                   "conditional": {"type": "boolean"},
                                   "columns": {"type": "array", "items": _ref("LimitColumn")}}),
    "Outfall": _object({"id": TEXT, "description": TEXT, "limit_set": TEXT,
                        "parameters": {"type": "array", "items": _ref("MonitoredParameter")}}),
    "PermitVersion": _object({
        "version": {"type": "integer"},
        "status": {"enum": ["current", "superseded", "not_yet_effective", "expired"]},
        "effective": DAY, "expires": DAY, "issuing_authority": TEXT, "control_authority": NULLABLE_TEXT,
        "rule_pack": TEXT, "reporting": _object({"frequency": TEXT, "due_day": {"type": "integer"}}),
        "renewal_application_due": DAY, "listed_24h_parameters": {"type": "array", "items": TEXT},
        "outfalls": {"type": "array", "items": _ref("Outfall")}}),
    "Permit": _object({"number": TEXT, "program": {"enum": ["npdes", "pretreatment"]},
                       "facility": _object({"name": TEXT, "timezone": TEXT}),
                       "applying_version": {"type": ["integer", "null"],
                                            "description": "the version in force today, if any"},
                       "versions": {"type": "array", "items": _ref("PermitVersion")}}),
    "Obligation": _object({
        "id": {"type": "integer"}, "permit": TEXT, "outfall": NULLABLE_TEXT, "parameter_code": NULLABLE_TEXT,
        "trigger": {"enum": list(TRIGGERS)}, "rule": TEXT, "citation": NULLABLE_TEXT, "aware_at": MOMENT,
        "initial": _OBLIGATION_PART, "followup": _OBLIGATION_PART,
        "status": {"enum": ["open", "done", "withdrawn"]}}, description="CONTRACTS.md section 8"),
    "ScheduleEvent": _object({
        "id": {"type": "integer"}, "permit": TEXT, "outfall": TEXT,
        "date": {**DAY, "description": "facility-local planned day"},
        "window_end": {**DAY, "description": "the last day a sample still counts for this trip"},
        "parameters": {"type": "array", "items": {"type": "string", "pattern": "^[0-9]{5}$"}},
        "sample_type": TEXT, "status": {"enum": ["scheduled", "collected", "missed"]}},
        description="CONTRACTS.md section 2, `schedule list`"),
    "ReviewFlag": {"type": "object", "required": ["code", "reason"],
                   "properties": {"code": TEXT, "reason": TEXT, "parameter": NULLABLE_TEXT, "slot": NULLABLE_TEXT,
                                  "outfall": NULLABLE_TEXT},
                   "description": "a review item such as RL_ABOVE_LIMIT or MONITORING_FREQUENCY_NOT_MET"},
    "DmrValue": _object({"statistical_base": TEXT,
                         "value": {"type": ["string", "null"], "description": "rounded as the rules say; null "
                                                                              "with nodi set"},
                         "qualifier": {"enum": ["=", "<", ">", None]}, "unit": TEXT,
                         "limit": NULLABLE_TEXT, "violation": {"type": "boolean"}, "nodi": NULLABLE_TEXT}),
    "DmrParameter": _object({
        "code": TEXT, "monitoring_location": TEXT, "season": {"type": "integer"},
        "values": {"type": "object", "propertyNames": {"enum": ["Q1", "Q2", "C1", "C2", "C3"]},
                   "additionalProperties": _ref("DmrValue")},
        "excursions": {"type": "integer"}, "frequency": TEXT, "sample_type": TEXT,
        "samples": {"type": "integer"}, "flags": {"type": "array", "items": _ref("ReviewFlag")}}),
    "DmrOutfall": _object({"outfall": TEXT, "limit_set": TEXT, "nodi": NULLABLE_TEXT,
                           "parameters": {"type": "array", "items": _ref("DmrParameter")}}),
    "Dmr": _object({
        "permit": TEXT, "version": {"type": "integer"}, "program": {"enum": ["npdes", "pretreatment"]},
        "period": _object({"start": DAY, "end": DAY}), "due": DAY,
        "outfalls": {"type": "array", "items": _ref("DmrOutfall")},
        "violations": {"type": "integer"}, "flags": {"type": "array", "items": _ref("ReviewFlag")}},
        description="CONTRACTS.md section 5"),
}


def _path(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": TEXT, "description": description}


def _response(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


RESPONSES = {str(code): _response(text, _ref("Error")) for code, text in (
    (400, "malformed request: a bad query parameter (named in details), or a body that is not JSON"),
    (401, "no token, or a wrong, revoked or deactivated user's token"),
    (403, "the token's user has a role without this permission, or a read-scoped token sent a POST "
          "(the error names the scope)"),
    (404, "no such API path, or no permit of that number"),
    (405, "this path does not accept that method"),
    (409, "a posted row clashes with a stored result (nothing stored)"),
    (413, "the body is larger than the server's MAX_CONTENT_LENGTH (8 MB by default)"),
    (422, "one or more posted rows are invalid (nothing stored)"),
)}


def _errors(*codes: int) -> dict[str, Any]:
    return {str(code): {"$ref": f"#/components/responses/{code}"} for code in codes}


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


PERMIT_FILTER = _query("permit", TEXT, "permit number; an unknown number is a 400")
POST_RESULTS_DESCRIPTION = (
    "One result object or a list of them, with the fields of CONTRACTS.md section 4 and the same checks as "
    "`flask results import`. All or nothing: when any row is rejected nothing is stored and the problems are "
    f"listed in `details` (the first {MAX_DETAILS}), each with its row (1-based index in the posted list), "
    "column, value and message. The status is 409 when at least one problem is a clash with a stored result "
    "(the same sample_id and parameter_code already stored with other values; send correction_reason to "
    "record a correction as a new revision), otherwise 422. Re-posting stored rows unchanged stores nothing "
    "and counts them as `unchanged`; the answer is 201 either way. Stored results are evaluated against the "
    "permit at once. Numbers are read as decimals (0.50 keeps its digits); the body is limited to the "
    "server's MAX_CONTENT_LENGTH (413 beyond it).")


def openapi_document() -> dict[str, Any]:
    """A new dict each call: callers may change what they get."""
    return copy.deepcopy({
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {"title": "Outfall API", "version": "1",
                 "description": "Wastewater permit compliance data for the LIMS and scripts (CONTRACTS.md "
                                "section 10). Every error is JSON {\"error\": ..., \"details\": [...]}."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": {
            "/openapi.json": {"get": {
                "operationId": "openapi", "summary": "This document", "security": [],
                "responses": {"200": _response("the OpenAPI document", {"type": "object"})}}},
            "/permits": {"get": {
                "operationId": "listPermits", "summary": "Permits with every version, outfall, parameter "
                                                        "and limit column",
                "responses": {"200": _response("the permits, by number",
                                               {"type": "array", "items": _ref("Permit")}),
                              **_errors(400, 401, 403)}}},
            "/results": {
                "get": {
                    "operationId": "listResults",
                    "summary": "Results in force (each at its current revision), oldest sample day first",
                    "parameters": [
                        PERMIT_FILTER, _query("outfall", TEXT, "outfall id as text"),
                        _query("parameter_code", {"type": "string", "pattern": "^[0-9]{5}$"}, "5-digit code"),
                        _query("from", DAY, "first facility-local sample day, inclusive"),
                        _query("to", DAY, "last facility-local sample day, inclusive"),
                        _query("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT,
                                         "default": DEFAULT_LIMIT}, "page size"),
                        _query("offset", {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0},
                               "results to skip")],
                    "responses": {"200": _response("one page of results", _ref("ResultPage")),
                                  **_errors(400, 401, 403)}},
                "post": {
                    "operationId": "postResults", "summary": "Record lab results",
                    "description": POST_RESULTS_DESCRIPTION,
                    "requestBody": {"required": True, "content": {"application/json": {"schema": {"oneOf": [
                        _ref("ResultInput"),
                        {"type": "array", "items": _ref("ResultInput"), "minItems": 1}]}}}},
                    "responses": {"201": _response("all rows stored or unchanged", _ref("ImportCounts")),
                                  **_errors(400, 401, 403, 409, 413, 422)}}},
            "/deadlines": {"get": {
                "operationId": "listDeadlines",
                "summary": "Notification obligations, the earliest open due first (CONTRACTS.md section 8)",
                "parameters": [PERMIT_FILTER,
                               _query("open", {"type": "boolean", "default": False}, "only open obligations")],
                "responses": {"200": _response("the obligations", {"type": "array", "items": _ref("Obligation")}),
                              **_errors(400, 401, 403)}}},
            "/schedule": {"get": {
                "operationId": "listSchedule",
                "summary": "Sampling trips dated in the window, planned and with statuses brought up to date first",
                "parameters": [
                    {**_query("from", DAY, "first facility-local day, inclusive"), "required": True},
                    {**_query("to", DAY, f"last facility-local day, inclusive; at most {MAX_SCHEDULE_DAYS} days "
                                         "after from"), "required": True},
                    PERMIT_FILTER],
                "responses": {"200": _response("the trips, by day", {"type": "array", "items": _ref("ScheduleEvent")}),
                              **_errors(400, 401, 403)}}},
            "/dmr/{permit}/{period}": {"get": {
                "operationId": "getDmr",
                "summary": "The DMR/SMR of one monitoring period, built from the stored results (as `dmr build "
                           "--format json`)",
                "parameters": [_path("permit", "permit number"),
                               _path("period", "YYYY-MM, YYYY-Qn, YYYY-H1/H2 or YYYY; it must match the permit's "
                                               "reporting frequency (400 otherwise)")],
                "responses": {"200": _response("the report", _ref("Dmr")), **_errors(400, 401, 403, 404)}}},
        },
        "components": {
            "securitySchemes": {"bearer": {
                "type": "http", "scheme": "bearer",
                "description": "a personal API token from the profile page; a browser session cookie is not "
                               "accepted here. Each token has a scope chosen when it is created: `read` "
                               "may only GET; `write` may also POST results. Neither goes beyond what the "
                               "owner's role allows, and a read token that POSTs gets 403 naming its scope. "
                               "Creating a new token replaces the old one; revoking it ends it at once. "
                               "Tokens created before scopes existed are `write`."}},
            "schemas": SCHEMAS,
            "responses": RESPONSES,
        },
    })
