"""The checks behind a permit definition: schema errors in plain words, then what a schema cannot say."""
from __future__ import annotations

# Every problem names its JSON path ($.permit.outfalls[0].parameters[2].columns[1].limit) and says
# what was expected and what was found. The semantic checks read the raw document defensively and
# skip whatever the schema already reported, so one run lists every problem exactly once.
#
# A slot may appear twice in one parameter only for interim and final limits: when BOTH columns
# carry an effective/expires window (at least one bound; a missing bound is open-ended) and the two
# windows share no day. Any other repeat would put two limits in one DMR column on the same day.

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from app.domain.mass_loading import FLOW_PARAMETER_CODE
from app.domain.monitoring_frequency import parse_frequency
from app.domain.parameter_codes import is_known_parameter
from app.domain.rules_config import RuleConfigError, effective_rules
from app.domain.units import canonical_unit_name, icis_unit_code, is_known_unit, is_mass_loading_unit

PH_CODE = "00400"
# CALC-10: pH is logarithmic, so no base that averages values may be applied to it.
AVERAGING_BASES = ("monthly_average", "weekly_average", "geometric_mean")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_CODE = re.compile(r"^[0-9]{5}$")
_UNIT_CODE = re.compile(r"^[0-9A-Z]{2}$")
_FREQUENCY = re.compile(r"^([0-9]{1,3}/[0-9]{1,3}|CONT)$")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_JSON_TYPES = {"string": "a string", "integer": "a whole number", "number": "a number",
               "object": "an object", "array": "an array", "boolean": "true or false", "null": "null"}


@dataclass(frozen=True)
class DefinitionProblem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def json_path(parts: Iterable[str | int]) -> str:
    text = "$"
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif _IDENTIFIER.match(part):
            text += f".{part}"
        else:
            text += f"[{json.dumps(part, ensure_ascii=False)}]"
    return text


def describe(value: Any) -> str:
    """A found value for a message: scalars as JSON (30, "30", null), containers by kind."""
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array" if value else "an empty array"
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 200:
        # Python will not print an integer of over 4300 digits (a ValueError); no message needs its digits.
        return "a whole number too long to show"
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def sorted_problems(problems: Iterable[DefinitionProblem]) -> list[DefinitionProblem]:
    """Unique problems in path order, with array indexes compared as numbers ([2] before [10])."""
    unique = list(dict.fromkeys(problems))
    # Digit runs compare by length, then text: numeric order without int(), which refuses 4300+ digits.
    return sorted(unique, key=lambda p: [(len(t.lstrip("0")), t) if t.isdecimal() else t
                                         for t in re.split(r"(\d+)", p.path)])


# --- schema errors -----------------------------------------------------------------------------

def schema_problems(validator: Draft202012Validator, document: object) -> list[DefinitionProblem]:
    problems = []
    for error in validator.iter_errors(document):
        problems.extend(_from_schema_error(error))
    return problems


def _expected(error: ValidationError) -> str:
    schema = error.schema if isinstance(error.schema, dict) else {}
    if "description" in schema:
        return schema["description"]
    if error.validator == "type":
        types = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        return " or ".join(_JSON_TYPES.get(t, t) for t in types)
    if error.validator == "pattern":
        return f"text matching {error.validator_value}"
    if error.validator == "minLength":
        return "a non-empty string"
    if error.validator == "maxLength":
        return f"at most {error.validator_value} characters"
    return error.message


def _from_schema_error(error: ValidationError) -> Iterator[DefinitionProblem]:
    parts = list(error.absolute_path)
    instance, kind = error.instance, error.validator
    if kind == "additionalProperties" and isinstance(instance, dict):
        allowed = list(error.schema.get("properties", {}))
        for key in instance:
            if key not in allowed:
                yield DefinitionProblem(json_path([*parts, key]),
                                        f"unknown key (expected one of: {', '.join(allowed)})")
    elif kind == "required" and isinstance(instance, dict):
        for key in error.validator_value:
            if key not in instance:
                yield DefinitionProblem(json_path([*parts, key]), "missing required key")
    elif kind == "enum":
        choices = ", ".join(json.dumps(c) for c in error.validator_value)
        yield DefinitionProblem(json_path(parts), f"expected one of {choices}, got {describe(instance)}")
    elif kind == "minItems":
        yield DefinitionProblem(json_path(parts),
                                f"expected at least {error.validator_value} item, got {describe(instance)}")
    elif kind == "uniqueItems":
        yield DefinitionProblem(json_path(parts), "expected each value once, got a repeated value")
    else:
        yield DefinitionProblem(json_path(parts), f"expected {_expected(error)}, got {describe(instance)}")


# --- semantic checks ---------------------------------------------------------------------------

def _obj(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _arr(value: Any) -> list:
    return value if isinstance(value, list) else []


@cache
def _iana_zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def is_iana_time_zone(name: object) -> bool:
    if not isinstance(name, str) or not name:
        return False
    names = _iana_zone_names()
    if names:
        return name in names
    try:  # no zone list on this system: fall back to loading the zone itself
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def parse_date(value: Any, path: str, problems: list[DefinitionProblem]) -> date | None:
    """A YYYY-MM-DD date, or None; a well-formed but impossible date ("2026-02-30") is a problem."""
    if not isinstance(value, str) or not _DATE.match(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems.append(DefinitionProblem(path, f"expected a real calendar date, got {describe(value)}"))
        return None


def semantic_problems(document: object) -> list[DefinitionProblem]:
    problems: list[DefinitionProblem] = []
    root = _obj(document)
    timezone = _obj(root.get("facility")).get("timezone")
    if isinstance(timezone, str) and timezone and not is_iana_time_zone(timezone):
        problems.append(DefinitionProblem("$.facility.timezone", "expected an IANA time zone name such as "
                                          f'"America/New_York", got {describe(timezone)}'))
    permit = _obj(root.get("permit"))
    _check_window(permit, "$.permit", problems)
    if isinstance(permit.get("rules"), dict):
        try:
            effective_rules(permit["rules"], json_path="$.permit.rules")
        except RuleConfigError as error:
            problems.append(DefinitionProblem(error.path, error.message))
    monitored: set[str] = set()
    seen_ids: dict[str, str] = {}
    for i, outfall in enumerate(_arr(permit.get("outfalls"))):
        path = f"$.permit.outfalls[{i}]"
        outfall = _obj(outfall)
        feature_id = outfall.get("id")
        if isinstance(feature_id, str):
            if feature_id in seen_ids:
                problems.append(DefinitionProblem(f"{path}.id", f"duplicate outfall id {describe(feature_id)}, "
                                                  f"already used by {seen_ids[feature_id]}"))
            seen_ids.setdefault(feature_id, path)
        _check_outfall(outfall, path, problems)
        # The schema has already named a code that is no string; a list here must not end the check in a crash.
        monitored.update(c for p in _arr(outfall.get("parameters")) if isinstance(c := _obj(p).get("code"), str))
    for k, code in enumerate(_arr(permit.get("listed_24h_parameters"))):
        if isinstance(code, str) and _CODE.match(code) and code not in monitored:
            problems.append(DefinitionProblem(f"$.permit.listed_24h_parameters[{k}]", "expected a parameter code "
                                              f"monitored at one of the permit's outfalls, got {describe(code)}"))
    return problems


def _check_window(node: dict, path: str, problems: list[DefinitionProblem]) -> tuple[date | None, date | None]:
    effective = parse_date(node.get("effective"), f"{path}.effective", problems)
    expires = parse_date(node.get("expires"), f"{path}.expires", problems)
    if effective and expires and expires <= effective:
        problems.append(DefinitionProblem(f"{path}.expires", f"expected a date after effective "
                                          f"({effective.isoformat()}), got {describe(node['expires'])}"))
    return effective, expires


def _check_outfall(outfall: dict, path: str, problems: list[DefinitionProblem]) -> None:
    parameters = [_obj(p) for p in _arr(outfall.get("parameters"))]
    has_flow = any(p.get("code") == FLOW_PARAMETER_CODE for p in parameters)
    seen_rows: dict[tuple, str] = {}
    for j, parameter in enumerate(parameters):
        p_path = f"{path}.parameters[{j}]"
        code = parameter.get("code")
        if isinstance(code, str) and _CODE.match(code) and not is_known_parameter(code):
            problems.append(DefinitionProblem(f"{p_path}.code", "expected a parameter code from EPA's DMR "
                                              f"parameter list, got {describe(code)}"))
        frequency = parameter.get("frequency")
        if isinstance(frequency, str) and _FREQUENCY.match(frequency):
            try:
                parse_frequency(frequency)
            except ValueError:
                problems.append(DefinitionProblem(f"{p_path}.frequency", "expected n/d with n and d at "
                                                  f"least 1, such as \"2/7\", got {describe(frequency)}"))
        row = (code, parameter.get("monitoring_location"), parameter.get("season", 0))
        if all(isinstance(v, (str, int)) for v in row):
            if row in seen_rows:
                problems.append(DefinitionProblem(p_path, f"parameter {code} at monitoring location {row[1]}, "
                                                  f"season {row[2]} is already defined at {seen_rows[row]}"))
            seen_rows.setdefault(row, p_path)
        _check_columns(parameter, p_path, outfall.get("id"), has_flow, problems)


def _check_columns(parameter: dict, path: str, outfall_id: Any, has_flow: bool,
                   problems: list[DefinitionProblem]) -> None:
    windows: dict[str, list[tuple[str, tuple[date | None, date | None] | None]]] = {}
    for k, column in enumerate(_arr(parameter.get("columns"))):
        c_path = f"{path}.columns[{k}]"
        column = _obj(column)
        unit = column.get("unit")
        unit_code = column.get("unit_code")
        canonical = canonical_unit_name(unit) if isinstance(unit, str) else None
        if isinstance(unit, str) and unit.strip() and not is_known_unit(unit) and unit_code is None:
            problems.append(DefinitionProblem(f"{c_path}.unit", "expected a built-in unit such as mg/L, ug/L, "
                                              f"lb/d, MGD or SU, or a unit_code for it, got {describe(unit)}"))
        known_code = icis_unit_code(unit) if isinstance(unit, str) else None
        if isinstance(unit_code, str) and _UNIT_CODE.match(unit_code) and known_code and unit_code != known_code:
            # A code that contradicts the recorded one would print the wrong unit on the federal report.
            problems.append(DefinitionProblem(f"{c_path}.unit_code", f'expected "{known_code}", the ICIS code '
                                              f"of {canonical or unit}, got {describe(unit_code)}"))
        if column.get("derived") == "mass":
            if isinstance(unit, str) and not is_mass_loading_unit(unit):
                problems.append(DefinitionProblem(f"{c_path}.unit", "expected a mass-loading unit (lb/d or "
                                                  f"kg/d) for a derived mass column, got {describe(unit)}"))
            if not has_flow:
                problems.append(DefinitionProblem(f"{c_path}.derived", "a derived mass column needs the outfall's "
                                                  f"flow (parameter {FLOW_PARAMETER_CODE}), which outfall "
                                                  f"{describe(outfall_id)} does not monitor"))
        base = column.get("statistical_base")
        if base in AVERAGING_BASES and (parameter.get("code") == PH_CODE or canonical == "SU"):
            problems.append(DefinitionProblem(f"{c_path}.statistical_base", "pH is never averaged (RULES.md "
                                              "CALC-10): expected a minimum or maximum base, got "
                                              f"{describe(base)}"))
        window = _check_window(column, c_path, problems)
        slot = column.get("slot")
        if isinstance(slot, str):
            has_window = column.get("effective") is not None or column.get("expires") is not None
            windows.setdefault(slot, []).append((c_path, window if has_window else None))
    for slot, uses in windows.items():
        for later in range(1, len(uses)):
            for earlier in range(later):
                problem = _slot_clash(slot, uses[earlier], uses[later])
                if problem:
                    problems.append(problem)
                    break


def _slot_clash(slot: str, first: tuple, second: tuple) -> DefinitionProblem | None:
    (first_path, first_window), (second_path, second_window) = first, second
    where = f"{second_path}.slot"
    if first_window is None or second_window is None:
        return DefinitionProblem(where, f"slot {slot} is already used by {first_path}; a slot may repeat only "
                                 "for interim and final limits whose effective/expires windows do not overlap")
    start_a, end_a = first_window[0] or date.min, first_window[1] or date.max
    start_b, end_b = second_window[0] or date.min, second_window[1] or date.max
    if start_a <= end_b and start_b <= end_a:
        return DefinitionProblem(where, f"slot {slot} is already used by {first_path} and the two "
                                 "effective/expires windows overlap; interim and final limits must not overlap")
    return None
