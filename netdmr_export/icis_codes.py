"""ICIS-NPDES code lists shipped as data: unit codes, NODI descriptions, frequency and sample-type codes."""
from __future__ import annotations

import csv
import unicodedata
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


class UnknownUnitCode(ValueError):
    """A DMR column whose unit has no ICIS unit code, neither from the permit nor from the shipped list."""


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def unit_key(text: str) -> str:
    # Spelling-only folding (case, micro and degree signs, spaces, dots): "MG/L" and "mg / L" are the
    # same printed unit. No aliases on purpose; "lbs/day" is the permit's job to code, not ours to guess.
    folded = unicodedata.normalize("NFKC", text).casefold().replace("μ", "u").replace("°", "deg")
    return "".join(ch for ch in folded if not ch.isspace() and ch != ".")


@cache
def unit_codes() -> dict[str, str]:
    """ICIS unit code by folded unit description, from data/icis_units.csv only."""
    table: dict[str, str] = {}
    for row in _rows("icis_units.csv"):
        key = unit_key(row["description"])
        if table.setdefault(key, row["code"]) != row["code"]:
            raise RuntimeError(f"icis_units.csv: {row['description']!r} folds onto two codes")
    return table


def unit_code_for(unit: str, declared: str | None, *, parameter: str, slot: str) -> str:
    """The permit's declared code if any, else the recorded one; never a guess (CONTRACTS.md section 3)."""
    if declared:
        return declared
    code = unit_codes().get(unit_key(unit))
    if code is None:
        raise UnknownUnitCode(f"parameter {parameter} slot {slot}: no ICIS unit code is known for unit "
                              f"{unit!r}; give the permit column a unit_code")
    return code


@cache
def nodi_descriptions() -> dict[str, str]:
    """NODI code -> description, e.g. 'C' -> 'No Discharge'."""
    prefix = "NODI:"
    return {row["code"][len(prefix):]: row["description"]
            for row in _rows("icis_nodi_and_value_types.csv") if row["code"].startswith(prefix)}


@cache
def frequency_codes() -> frozenset[str]:
    return frozenset(row["code"] for row in _rows("icis_frequencies.csv"))


@cache
def sample_type_codes() -> frozenset[str]:
    return frozenset(row["code"] for row in _rows("icis_sample_types.csv"))


def icis_frequency_code(frequency: str, declared: str | None) -> str | None:
    """The ICIS frequency code: the declared one, or n/d written as the recorded NN/DD code, else None.

    Only the zero-padded spelling of the same n/d is accepted ("2/7" -> "02/07"), and only when that
    code is in the shipped list; anything else ("CONT") is left out of the optional element.
    """
    if declared:
        return declared
    count, _, days = frequency.partition("/")
    if count.isdigit() and days.isdigit():
        code = f"{int(count):02d}/{int(days):02d}"
        if code in frequency_codes():
            return code
    return None


def icis_sample_type_code(sample_type: str, declared: str | None) -> str | None:
    """The declared ICIS sample-type code, or the sample type itself when it already is a listed code."""
    if declared:
        return declared
    return sample_type if sample_type in sample_type_codes() else None
