"""Validating a permit definition file (CONTRACTS.md section 3) into frozen dataclasses, listing every problem."""
from __future__ import annotations

import copy
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from app.domain.dmr_columns import MINIMUM_BASES
from app.domain.parameter_codes import parameter_description
from app.domain.permit_checks import (DefinitionProblem, json_path, schema_problems, semantic_problems,
                                      sorted_problems)
from app.domain.rounding import significant_figures
from app.domain.units import canonical_unit_name

__all__ = [
    "DefinitionProblem", "LimitColumnDefinition", "MonitoredParameterDefinition", "OutfallDefinition",
    "PermitDefinition", "PermitDefinitionError", "canonical_sha256", "permit_schema",
    "validate_permit_definition",
]

# The checks themselves, including when a slot may repeat (interim and final limits), are in
# app/domain/permit_checks.py; this module turns a document that passes them into dataclasses.
SCHEMA_PATH = Path(__file__).resolve().parent / "schemas" / "permit.schema.json"
DEFAULT_RENEWAL_APPLICATION_DAYS = 180
# A permit definition is eight levels deep. Far deeper is no permit, and the schema check, the error
# messages (repr) and the canonical hash would all run out of recursion on it instead of answering.
MAX_DEPTH = 32
MAX_INTEGER_BITS = 64  # no count or day in a permit comes near 2**64
# Control characters (tab and line breaks aside) belong in no permit's wording; PostgreSQL refuses NUL, and a
# lone surrogate ("\ud800" in the file) cannot even be encoded as UTF-8 for the canonical hash.
_NOT_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


class PermitDefinitionError(ValueError):
    """The definition is not valid; `errors` lists every problem, each with its JSON path."""

    def __init__(self, errors: list[DefinitionProblem]):
        self.errors = list(errors)
        count = len(self.errors)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in the permit definition: "
                         + "; ".join(str(e) for e in self.errors))


@dataclass(frozen=True)
class LimitColumnDefinition:
    """One DMR column. `limit` is the string the permit prints (its digits set the rounding)."""

    slot: str
    statistical_base: str
    limit: str | None
    # The table's canonical spelling when the unit is built in ("mg/l" → "mg/L"), else as written.
    unit: str
    unit_code: str | None  # as given in the file; None means "use the built-in table"
    derived: str | None = None
    effective: date | None = None
    expires: date | None = None

    @property
    def minimum(self) -> bool:
        """A lower limit (daily/instantaneous minimum, percent removal); all others are upper limits."""
        return self.statistical_base in MINIMUM_BASES

    @property
    def report_only(self) -> bool:
        return self.limit is None

    @property
    def significant_figures(self) -> int | None:
        """Significant figures of the limit as written (RULES.md ND-07); None when report-only."""
        return None if self.limit is None else significant_figures(self.limit)


@dataclass(frozen=True)
class MonitoredParameterDefinition:
    code: str
    name: str
    monitoring_location: str
    season: int
    frequency: str
    sample_type: str
    conditional: bool
    columns: tuple[LimitColumnDefinition, ...]


@dataclass(frozen=True)
class OutfallDefinition:
    id: str
    description: str
    limit_set: str
    parameters: tuple[MonitoredParameterDefinition, ...]


@dataclass(frozen=True)
class PermitDefinition:
    facility_name: str
    facility_timezone: str
    number: str
    program: str
    issuing_authority: str
    control_authority: str | None
    effective: date
    expires: date
    renewal_application_days: int
    rule_pack: str
    reporting_frequency: str
    reporting_due_day: int
    rules: dict[str, Any]  # the permit's overrides only; rules_config.effective_rules layers them
    listed_24h_parameters: tuple[str, ...]
    certification_text: str
    outfalls: tuple[OutfallDefinition, ...]

    @property
    def renewal_application_due(self) -> date:
        return self.expires - timedelta(days=self.renewal_application_days)


@cache
def permit_schema() -> dict[str, Any]:
    """The JSON Schema shipped beside this module, read on first use."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(permit_schema())


def validate_permit_definition(document: object) -> PermitDefinition:
    """The definition as frozen dataclasses, or PermitDefinitionError listing every problem found."""
    unreadable = _unreadable(document)
    if unreadable is not None:
        raise PermitDefinitionError([DefinitionProblem(json_path(unreadable[0]), unreadable[1])])
    problems = schema_problems(_validator(), document) + semantic_problems(document)
    if problems:
        raise PermitDefinitionError(sorted_problems(problems))
    return _build(document)  # type: ignore[arg-type]  # the schema has proved the shape


def _unreadable(document: object) -> tuple[tuple[str | int, ...], str] | None:
    """(path, message) of the first node no later check could even describe; walked without recursion.

    Too deep, or an integer too long to print (Python refuses over 4300 digits, and the schema
    validator prints the value into its messages): either would end the checks in a crash.
    """
    pending: list[tuple[object, tuple[str | int, ...]]] = [(document, ())]
    while pending:
        node, path = pending.pop()
        if len(path) >= MAX_DEPTH:
            return path, f"nested more than {MAX_DEPTH} levels deep; expected the structure of CONTRACTS.md section 3"
        if isinstance(node, int) and not isinstance(node, bool) and node.bit_length() > MAX_INTEGER_BITS:
            return path, "expected a number of a sensible size, got a whole number too long to show"
        for text in (node, *node) if isinstance(node, dict) else (node,):
            found = _NOT_TEXT.search(text) if isinstance(text, str) else None
            if found:
                # A bad key is reported at its object: the path itself would carry the character.
                where = "the value" if text is node else "a key"
                return path, f"{where} contains the control or invalid character {found.group()!r}; expected plain text"
        if isinstance(node, dict):
            pending.extend((value, (*path, str(key))) for key, value in node.items())
        elif isinstance(node, list):
            pending.extend((value, (*path, index)) for index, value in enumerate(node))
    return None


def canonical_sha256(document: object) -> str:
    """SHA-256 of the document's canonical JSON (sorted keys, no spaces), so key order and layout
    of the file do not make an identical definition look new."""
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _optional_date(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


def _column(raw: dict[str, Any]) -> LimitColumnDefinition:
    return LimitColumnDefinition(
        slot=raw["slot"], statistical_base=raw["statistical_base"], limit=raw["limit"],
        unit=canonical_unit_name(raw["unit"]) or raw["unit"], unit_code=raw.get("unit_code"),
        derived=raw.get("derived"), effective=_optional_date(raw.get("effective")),
        expires=_optional_date(raw.get("expires")),
    )


def _parameter(raw: dict[str, Any]) -> MonitoredParameterDefinition:
    return MonitoredParameterDefinition(
        code=raw["code"],
        # A parameter the file leaves unnamed takes EPA's description of its code.
        name=raw.get("name") or parameter_description(raw["code"]) or raw["code"],
        monitoring_location=raw["monitoring_location"], season=int(raw.get("season", 0)),
        frequency=raw["frequency"], sample_type=raw["sample_type"],
        conditional=bool(raw.get("conditional", False)),
        columns=tuple(_column(c) for c in raw["columns"]),
    )


def _build(document: dict[str, Any]) -> PermitDefinition:
    facility, permit = document["facility"], document["permit"]
    return PermitDefinition(
        facility_name=facility["name"], facility_timezone=facility["timezone"],
        number=permit["number"], program=permit["program"],
        issuing_authority=permit["issuing_authority"], control_authority=permit.get("control_authority"),
        effective=date.fromisoformat(permit["effective"]), expires=date.fromisoformat(permit["expires"]),
        renewal_application_days=int(permit.get("renewal_application_days", DEFAULT_RENEWAL_APPLICATION_DAYS)),
        rule_pack=permit["rule_pack"],
        reporting_frequency=permit["reporting"]["frequency"],
        reporting_due_day=int(permit["reporting"]["due_day"]),
        rules=copy.deepcopy(permit.get("rules", {})),
        listed_24h_parameters=tuple(permit.get("listed_24h_parameters", ())),
        certification_text=permit["certification_text"],
        outfalls=tuple(
            OutfallDefinition(id=o["id"], description=o.get("description", ""), limit_set=o["limit_set"],
                              parameters=tuple(_parameter(p) for p in o["parameters"]))
            for o in permit["outfalls"]
        ),
    )
