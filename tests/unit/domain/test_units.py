"""The built-in unit table: spellings, exact Decimal conversions within a dimension, ICIS codes from the CSV only."""
import csv
from decimal import Decimal

import pytest

from app.domain.parameter_codes import is_known_parameter, parameter_description
from app.domain.units import (ICIS_UNITS_CSV, UNITS, UnitError, canonical_unit_name, convert, icis_unit_code,
                              is_known_unit, is_mass_loading_unit, lookup_unit)


@pytest.mark.parametrize("written, canonical", [
    ("mg/L", "mg/L"), ("mg/l", "mg/L"), ("MG/L", "mg/L"), (" mg / L ", "mg/L"),
    ("µg/L", "ug/L"), ("μg/L", "ug/L"), ("UG/L", "ug/L"),
    ("lbs/day", "lb/d"), ("lb/day", "lb/d"), ("LB/D", "lb/d"), ("kg/day", "kg/d"),
    ("mgd", "MGD"), ("GPD", "gpd"), ("gal/min", "gpm"),
    ("s.u.", "SU"), ("°F", "deg F"), ("deg. C", "deg C"),
    ("CFU/100 mL", "cfu/100mL"), ("mpn/100ml", "MPN/100mL"), ("µS/cm", "umho/cm"), ("percent", "%"),
])
def test_spellings_meet_their_canonical_unit(written, canonical):
    assert canonical_unit_name(written) == canonical


@pytest.mark.parametrize("written", ["furlongs", "", "mg", "lb", "ppm"])
def test_unknown_spellings(written):
    assert lookup_unit(written) is None


@pytest.mark.parametrize("value, source, target, expected", [
    ("5.2", "ug/L", "mg/L", "0.0052"),
    ("0.50", "mg/L", "ug/L", "500"),
    ("1", "g/L", "mg/L", "1000"),
    ("50", "lb/d", "kg/d", "22.6796185"),        # 1 lb = 0.45359237 kg, exactly
    ("40000", "gpd", "MGD", "0.04"),
    ("1", "MGD", "m3/d", "3785.411784"),         # 1 US gal = 3.785411784 L, exactly
    ("100", "gpm", "gpd", "144000"),
    ("212", "deg F", "deg C", "100"),
    ("20", "deg C", "deg F", "68"),
    ("90", "min", "h", "1.5"),
    ("7.5", "SU", "S.U.", "7.5"),
])
def test_convert_within_a_dimension_is_exact(value, source, target, expected):
    result = convert(Decimal(value), source, target)
    assert isinstance(result, Decimal) and result == Decimal(expected)


def test_conversion_round_trip_keeps_the_value():
    there = convert(Decimal("37.5"), "kg/d", "lb/d")
    assert convert(there, "lb/d", "kg/d").quantize(Decimal("0.000001")) == Decimal("37.500000")


@pytest.mark.parametrize("source, target", [
    ("mg/L", "lb/d"), ("lb/d", "MGD"), ("SU", "mg/L"), ("deg F", "%"), ("mg/kg", "mg/L"),
])
def test_convert_across_dimensions_is_refused(source, target):
    with pytest.raises(UnitError, match="different dimensions"):
        convert(Decimal(1), source, target)


def test_cfu_and_mpn_are_not_converted_into_each_other():
    with pytest.raises(UnitError, match="different methods"):
        convert(Decimal(10), "cfu/100mL", "MPN/100mL")


def test_convert_refuses_unknown_units_and_non_decimals():
    with pytest.raises(UnitError, match="unknown unit 'furlongs'"):
        convert(Decimal(1), "furlongs", "mg/L")
    with pytest.raises(TypeError):
        convert(1, "mg/L", "ug/L")  # type: ignore[arg-type]


def _csv_codes() -> dict[str, str]:
    with ICIS_UNITS_CSV.open(encoding="utf-8", newline="") as handle:
        return {row["description"]: row["code"] for row in csv.DictReader(handle)}


@pytest.mark.parametrize("written, code", [
    ("mg/L", "19"), ("mg/l", "19"), ("µg/L", "28"), ("lbs/day", "26"), ("kg/d", "01"), ("MGD", "03"),
    ("SU", "12"), ("deg F", "15"), ("%", "23"), ("CFU/100mL", "3Z"), ("MPN/100mL", "30"), ("umho/cm", "11"),
    ("mg/kg", "69"), ("kg/ha", "3K"),
])
def test_icis_unit_codes_come_from_the_csv(written, code):
    assert icis_unit_code(written) == code


@pytest.mark.parametrize("written", ["gpd", "ng/L", "deg C", "NTU", "furlongs"])
def test_no_icis_code_is_invented_for_a_unit_the_csv_does_not_record(written):
    assert icis_unit_code(written) is None


def test_every_code_the_table_gives_is_a_row_of_the_csv():
    recorded = _csv_codes()
    for unit in UNITS:
        code = icis_unit_code(unit.name)
        assert code is None or recorded.get(unit.name) == code or code in recorded.values()


def test_known_and_mass_loading_units():
    assert is_known_unit("gpd") and is_known_unit("kg/ha") and not is_known_unit("furlongs")
    assert is_mass_loading_unit("lbs/day") and is_mass_loading_unit("kg/d") and not is_mass_loading_unit("mg/L")


def test_epa_parameter_codes():
    assert is_known_parameter("00530") and is_known_parameter("50050") and not is_known_parameter("99999")
    assert parameter_description("00400") == "pH"
    assert parameter_description("99999") is None and not is_known_parameter(530)
