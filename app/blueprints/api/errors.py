"""The API's error answers: JSON {"error": ..., "details": [...]} with the HTTP status (CONTRACTS.md section 10)."""
from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, request
from werkzeug.exceptions import HTTPException

MESSAGES = {
    400: "the request is not valid",
    401: "authentication required: send the header Authorization: Bearer <token>; "
         "create a token on your profile page",
    403: "your role does not allow this",
    404: "no such API path or record",
    405: "this path does not accept that method",
    413: "the request body is too large",
    415: "unsupported content type",
}


class ApiError(Exception):
    """Raised by a view to answer with this status, message and details."""

    def __init__(self, status: int, message: str, details: list[dict[str, Any]] | None = None):
        super().__init__(message)
        self.status, self.message, self.details = status, message, details or []


def json_error(status: int, message: str, details: list[dict[str, Any]] | None = None):
    response = jsonify({"error": message, "details": details or []})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="outfall"'
    return response


def api_error(error: ApiError):
    return json_error(error.status, error.message, error.details)


def http_error(error: HTTPException):
    """Any HTTP error raised under /api/v1 (routing, abort, body size) in the API's JSON shape."""
    status = error.code or 500
    message = MESSAGES.get(status, error.name.lower())
    if status == 404 and request.url_rule is None:
        message = f"no such API path {request.path}"
    elif status == 405 and getattr(error, "valid_methods", None):
        message = f"this path accepts only {', '.join(sorted(set(error.valid_methods) - {'HEAD', 'OPTIONS'}))}"
    elif status == 413:
        limit = request.max_content_length or current_app.config.get("MAX_CONTENT_LENGTH")
        message = f"the request body is larger than the {limit} bytes the API accepts"
    response = json_error(status, message)
    if status == 405 and getattr(error, "valid_methods", None):
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response
