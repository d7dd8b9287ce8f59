"""Views of the api blueprint: check the request, call one service, commit, answer JSON."""
from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user

from app.blueprints.api import bp
from app.blueprints.api.bearer import enforce_token_scope
from app.blueprints.api.errors import ApiError, api_error
from app.blueprints.api.inputs import (deadlines_query, query_values, rejection, result_rows, results_query,
                                       schedule_query)
from app.blueprints.api.openapi import openapi_document
from app.blueprints.api.permit_json import permit_as_json
from app.extensions import db
from app.models.base import utcnow
from app.services.dmr_build import DmrError, build_dmr
from app.services.notification_obligations import list_obligations, obligation_as_json
from app.services.permit_overview import installation_today, permit_by_number, permit_overview
from app.services.result_import import ImportReport, import_results
from app.services.result_queries import find_results
from app.services.sampling_schedule import list_schedule, schedule_json

# How the import words a clash with a stored result (app/services/results.py, ResultConflict);
# tests/web/test_api.py pins it, so a rewording there cannot silently turn 409 into 422.
CONFLICT_MARKER = "already stored with other values"

bp.register_error_handler(ApiError, api_error)
bp.before_request(enforce_token_scope)


def _known_permit(number: str | None) -> None:
    # A misspelt permit number would otherwise look like a permit with nothing in it.
    if number is not None and permit_by_number(db.session, number) is None:
        raise ApiError(400, f"query parameter permit: no permit numbered {number!r}",
                       [{"parameter": "permit", "value": number, "message": "no such permit"}])


def _rejection(report: ImportReport) -> ApiError:
    details = [{"row": p.row, "column": p.column, "value": None if p.value is None else str(p.value),
                "message": p.message} for p in report.problems]
    return rejection(409 if any(CONFLICT_MARKER in p.message for p in report.problems) else 422, details)


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())


@bp.get("/permits")
def permits():
    query_values(request.args, ())
    return jsonify([permit_as_json(s) for s in permit_overview(db.session, utcnow())])


@bp.get("/results")
def results():
    query = results_query(request.args)
    _known_permit(query["permit"])
    page = find_results(db.session, **query)
    return jsonify({"results": page.results, "total": page.total, "limit": query["limit"],
                    "offset": query["offset"]})


@bp.post("/results")
def post_results():
    rows = result_rows(request)
    report = import_results(db.session, lambda: iter(enumerate(rows, start=1)), now=utcnow(),
                            actor_id=current_user.id, actor_label=current_user.email)
    if report.problems:
        db.session.rollback()
        raise _rejection(report)
    db.session.commit()
    # A revision (a correction with its reason) counts as imported, as in `results import`.
    return jsonify({"imported": report.imported + report.revised, "unchanged": report.unchanged,
                    "rejected": 0}), 201


@bp.get("/deadlines")
def deadlines():
    query = deadlines_query(request.args)
    _known_permit(query["permit_number"])
    rows = list_obligations(db.session, **query)
    return jsonify([obligation_as_json(obligation, permit.number) for obligation, permit in rows])


@bp.get("/schedule")
def schedule():
    query = schedule_query(request.args)
    _known_permit(query["permit_number"])
    rows = list_schedule(db.session, today=installation_today(db.session, utcnow()), **query)
    db.session.commit()  # the plan and the statuses it brought up to date, as `schedule list` does
    return jsonify([schedule_json(event, permit.number) for event, permit in rows])


@bp.get("/dmr/<permit>/<period>")
def dmr(permit: str, period: str):
    query_values(request.args, ())
    if permit_by_number(db.session, permit) is None:
        raise ApiError(404, f"no permit numbered {permit!r}")
    try:
        built = build_dmr(db.session, permit, period)
    except DmrError as error:
        raise ApiError(400, str(error).removeprefix("--period: "),
                       [{"parameter": "period", "value": period, "message": str(error).removeprefix("--period: ")}])
    return jsonify(built.document)
