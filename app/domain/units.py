"""The built-in unit table: canonical names, aliases, dimensions, exact conversions and ICIS unit codes."""
from __future__ import annotations

import csv
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

ICIS_UNITS_CSV = Path(__file__).resolve().parent / "data" / "icis_units.csv"

CONCENTRATION = "concentration"
MASS_FRACTION = "mass_fraction"
MASS_LOADING = "mass_loading"
FLOW = "flow"
PH = "pH"
TEMPERATURE = "temperature"
COUNT_DENSITY = "count_density"
PERCENT = "percent"
CONDUCTIVITY = "conductivity"
TURBIDITY = "turbidity"
DURATION = "duration"

# One US gallon is exactly 3.785411784 litres and one pound exactly 0.45359237 kg (by definition).
_GALLON_LITRES = Decimal("3.785411784")
_POUND_KG = Decimal("0.45359237")


class UnitError(ValueError):
    """A unit the table does not know, or a conversion between units that measure different things."""


@dataclass(frozen=True)
class Unit:
    """A canonical unit; `factor` turns a value into its dimension's base unit (the one with factor 1).

    `factor` is None where a value cannot be rescaled: temperature is converted by formula, and
    CFU and MPN counts come from different methods, so neither is a multiple of the other.
    """

    name: str
    dimension: str
    factor: Decimal | None
    aliases: tuple[str, ...] = ()


UNITS: tuple[Unit, ...] = (
    Unit("mg/L", CONCENTRATION, Decimal(1), ("mg/l", "milligrams per liter", "milligrams/liter")),
    Unit("ug/L", CONCENTRATION, Decimal("0.001"), ("µg/L", "μg/L", "mcg/L", "micrograms per liter")),
    Unit("ng/L", CONCENTRATION, Decimal("0.000001"), ("nanograms per liter",)),
    Unit("g/L", CONCENTRATION, Decimal(1000), ("grams per liter",)),
    Unit("mg/kg", MASS_FRACTION, Decimal(1), ("mg/kg dry weight",)),
    Unit("ug/kg", MASS_FRACTION, Decimal("0.001"), ("µg/kg", "μg/kg")),
    # Mass loading in g/d and flow in L/d as bases keep every factor exact, so a conversion is
    # one multiplication and one division with no rounding in between.
    Unit("g/d", MASS_LOADING, Decimal(1), ("g/day",)),
    Unit("kg/d", MASS_LOADING, Decimal(1000), ("kg/day", "kgs/day", "kg per day")),
    Unit("lb/d", MASS_LOADING, _POUND_KG * 1000, ("lb/day", "lbs/d", "lbs/day", "pounds per day", "ppd")),
    Unit("MGD", FLOW, _GALLON_LITRES * 1000000, ("mgd", "million gallons per day")),
    Unit("gpd", FLOW, _GALLON_LITRES, ("gal/d", "gal/day", "gallons per day")),
    Unit("gpm", FLOW, _GALLON_LITRES * 1440, ("gal/min", "gallons per minute")),
    Unit("m3/d", FLOW, Decimal(1000), ("m³/d", "m3/day", "cubic meters per day")),
    Unit("SU", PH, Decimal(1), ("S.U.", "std units", "standard units", "pH units")),
    Unit("deg F", TEMPERATURE, None, ("°F", "degF", "degrees F", "degrees fahrenheit")),
    Unit("deg C", TEMPERATURE, None, ("°C", "degC", "degrees C", "degrees celsius")),
    Unit("cfu/100mL", COUNT_DENSITY, None, ("CFU/100 mL", "colonies/100mL")),
    Unit("MPN/100mL", COUNT_DENSITY, None, ("MPN/100 mL",)),
    Unit("%", PERCENT, Decimal(1), ("percent", "pct")),
    Unit("umho/cm", CONDUCTIVITY, Decimal(1), ("umhos/cm", "µmho/cm", "uS/cm", "µS/cm", "μS/cm")),
    Unit("NTU", TURBIDITY, Decimal(1), ("nephelometric turbidity units",)),
    Unit("min", DURATION, Decimal(1), ("minutes", "mins")),
    Unit("h", DURATION, Decimal(60), ("hr", "hrs", "hours")),
    Unit("d", DURATION, Decimal(1440), ("day", "days")),
)


def _key(text: str) -> str:
    # Compatibility-normalise (µ → μ, ³ → 3), fold case, spell the micro sign "u" and the degree sign
    # "deg", and drop spaces and dots, so "µg/L", "UG/L", "°F" and "deg. F" all meet their unit.
    folded = unicodedata.normalize("NFKC", text).casefold().replace("μ", "u").replace("°", "deg")
    return "".join(ch for ch in folded if not ch.isspace() and ch != ".")


@cache
def _by_key() -> dict[str, Unit]:
    table: dict[str, Unit] = {}
    for unit in UNITS:
        for spelling in (unit.name, *unit.aliases):
            key = _key(spelling)
            if table.setdefault(key, unit) is not unit:
                raise RuntimeError(f"unit spelling {spelling!r} is claimed by two units")
    return table


def lookup_unit(text: str) -> Unit | None:
    """The canonical unit for any spelling the table knows ("MG/L", "µg/L", "lbs/day"), or None."""
    return _by_key().get(_key(text)) if isinstance(text, str) else None


def canonical_unit_name(text: str) -> str | None:
    unit = lookup_unit(text)
    return unit.name if unit else None


def is_known_unit(text: str) -> bool:
    """Known to the built-in table or to the ICIS unit code list."""
    return lookup_unit(text) is not None or icis_unit_code(text) is not None


def is_mass_loading_unit(text: str) -> bool:
    unit = lookup_unit(text)
    return unit is not None and unit.dimension == MASS_LOADING


def _require(text: str) -> Unit:
    unit = lookup_unit(text)
    if unit is None:
        raise UnitError(f"unknown unit {text!r}: expected one of {', '.join(u.name for u in UNITS)}")
    return unit


def convert(value: Decimal, from_unit: str, to_unit: str) -> Decimal:
    """`value` in `from_unit` expressed in `to_unit`, within one dimension only.

    Full Decimal precision, never rounded: the caller rounds once, at the end (RULES.md ND-07).
    Temperature is converted by formula (°F = °C × 9/5 + 32). Mass and concentration, flow and
    mass, CFU and MPN are different things and raise UnitError; a mass from a concentration needs a
    flow and is computed in app.domain.mass_loading.
    """
    if not isinstance(value, Decimal):
        raise TypeError(f"convert() takes a Decimal, got {type(value).__name__}")
    source, target = _require(from_unit), _require(to_unit)
    if source is target:
        return value
    if source.dimension != target.dimension:
        raise UnitError(f"cannot convert {source.name} ({source.dimension}) to {target.name} "
                        f"({target.dimension}): different dimensions")
    if source.dimension == TEMPERATURE:
        if source.name == "deg C":
            return value * 9 / 5 + 32
        return (value - 32) * 5 / 9
    if source.factor is None or target.factor is None:
        raise UnitError(f"cannot convert {source.name} to {target.name}: the counts come from different "
                        "methods and are not multiples of each other")
    return value * source.factor / target.factor


@cache
def icis_unit_codes() -> dict[str, str]:
    """ICIS unit code by unit description, exactly as recovered in data/icis_units.csv."""
    with ICIS_UNITS_CSV.open(encoding="utf-8", newline="") as handle:
        return {row["description"]: row["code"] for row in csv.DictReader(handle)}


@cache
def _icis_by_key() -> dict[str, str]:
    return {_key(description): code for description, code in icis_unit_codes().items()}


def icis_unit_code(text: str) -> str | None:
    """The ICIS unit code for a unit, only ever from data/icis_units.csv; None when it is not there.

    A unit without a recorded code must take its code from the permit (`unit_code`): a guessed code
    would put a wrong unit on a federal report.
    """
    if not isinstance(text, str):
        return None
    by_key = _icis_by_key()
    unit = lookup_unit(text)
    if unit is not None:
        for spelling in (unit.name, *unit.aliases):
            code = by_key.get(_key(spelling))
            if code is not None:
                return code
        return None
    return by_key.get(_key(text))
