"""What an API request sends, checked: query parameters and the results body, each problem naming its place."""
from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal
from typing import Any

from flask import Request
from werkzeug.datastructures import MultiDict

from app.blueprints.api.errors import ApiError
from app.services.result_queries import DEFAULT_LIMIT, MAX_LIMIT

_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CODE = re.compile(r"[0-9]{5}")
_WHOLE = re.compile(r"[0-9]{1,10}")
MAX_OFFSET = 1_000_000_000
# A body of 8 MB can hold a million empty objects; the answer names the first problems, not all.
MAX_DETAILS = 1000
_TRUE, _FALSE = ("true", "1", "yes"), ("false", "0", "no")


def _problem(name: str, value: str | None, message: str) -> ApiError:
    return ApiError(400, f"query parameter {name}: {message}",
                    [{"parameter": name, "value": value, "message": message}])


def query_values(args: MultiDict, allowed: tuple[str, ...]) -> dict[str, str]:
    """Each allowed parameter given once and non-empty; a misspelt one is refused, never ignored."""
    values = {}
    for name in args:
        given = args.getlist(name)
        if name not in allowed:
            expected = ", ".join(allowed) if allowed else "none"
            raise _problem(name, given[0], f"unknown parameter; expected {expected}")
        if len(given) > 1:
            raise _problem(name, given[0], "given more than once")
        if not given[0].strip():
            raise _problem(name, given[0], "empty; leave the parameter out to not filter by it")
        values[name] = given[0].strip()
    return values


def _day(values: dict[str, str], name: str) -> date | None:
    text = values.get(name)
    if text is None:
        return None
    try:
        if not _DAY.fullmatch(text):
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise _problem(name, text, "expected a date YYYY-MM-DD (the facility-local sample day)") from None


def _count(values: dict[str, str], name: str, default: int, low: int, high: int) -> int:
    text = values.get(name)
    if text is None:
        return default
    if not _WHOLE.fullmatch(text) or not low <= int(text) <= high:
        raise _problem(name, text, f"expected a whole number {low}..{high}")
    return int(text)


def results_query(args: MultiDict) -> dict[str, Any]:
    """GET /results filters as find_results() keywords."""
    values = query_values(args, ("permit", "outfall", "parameter_code", "from", "to", "limit", "offset"))
    code = values.get("parameter_code")
    if code is not None and not _CODE.fullmatch(code):
        raise _problem("parameter_code", code, "expected a 5-digit parameter code such as 00530")
    first, last = _day(values, "from"), _day(values, "to")
    if first and last and first > last:
        raise _problem("to", values["to"], f"is before from ({values['from']})")
    return {"permit": values.get("permit"), "outfall": values.get("outfall"), "parameter_code": code,
            "first": first, "last": last, "limit": _count(values, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT),
            "offset": _count(values, "offset", 0, 0, MAX_OFFSET)}


def deadlines_query(args: MultiDict) -> dict[str, Any]:
    """GET /deadlines filters as list_obligations() keywords."""
    values = query_values(args, ("permit", "open"))
    open_text = values.get("open", "false").lower()
    if open_text not in _TRUE + _FALSE:
        raise _problem("open", values["open"], "expected true or false")
    return {"permit_number": values.get("permit"), "open_only": open_text in _TRUE}


# A window the caller may ask for at once: listing plans the schedule through its last day.
MAX_SCHEDULE_DAYS = 400


def schedule_query(args: MultiDict) -> dict[str, Any]:
    """GET /schedule: from and to required (facility-local days), permit optional."""
    values = query_values(args, ("from", "to", "permit"))
    for name in ("from", "to"):
        if name not in values:
            raise _problem(name, None, "required: a date YYYY-MM-DD")
    first, last = _day(values, "from"), _day(values, "to")
    if first > last:
        raise _problem("to", values["to"], f"is before from ({values['from']})")
    if (last - first).days >= MAX_SCHEDULE_DAYS:
        raise _problem("to", values["to"], f"the window may span at most {MAX_SCHEDULE_DAYS} days")
    return {"first": first, "last": last, "permit_number": values.get("permit")}


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


def result_rows(request: Request) -> list[dict[str, Any]]:
    """The posted results: one object or a list of them, each a flat object of section 4 fields.

    Numbers are read as decimals, so 0.50 arrives as "0.50" with the digits the lab reported.
    """
    if request.mimetype != "application/json":
        raise ApiError(400, f"expected Content-Type application/json, got {request.mimetype or 'none'}")
    body = request.get_data(cache=False)  # over MAX_CONTENT_LENGTH this raises 413 before reading
    try:
        document = json.loads(body, parse_float=Decimal, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as error:
        raise ApiError(400, f"the body is not valid JSON: {error}") from None
    rows = [document] if isinstance(document, dict) else document
    if not isinstance(rows, list) or not rows:
        raise ApiError(400, "expected a result object or a non-empty list of result objects")
    details = []
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            details.append({"row": number, "column": None, "value": None,
                            "message": "expected an object of result fields"})
            continue
        for name, value in row.items():
            if isinstance(value, (dict, list)):
                details.append({"row": number, "column": name, "value": None,
                                "message": "expected a string, number, boolean or null"})
    if details:
        raise rejection(422, details)
    return rows


def rejection(status: int, details: list[dict[str, Any]]) -> ApiError:
    """All or nothing: the answer when any posted row is refused, listing the first MAX_DETAILS problems."""
    rows = len({d["row"] for d in details})
    shown = "" if len(details) <= MAX_DETAILS else f"; the first {MAX_DETAILS} of {len(details)} problems are listed"
    return ApiError(status, f"nothing was stored: {rows} posted row(s) rejected{shown}", details[:MAX_DETAILS])
