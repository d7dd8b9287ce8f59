"""Spreadsheet formula injection: a text cell a spreadsheet could run gets a leading apostrophe."""
import pytest

from app.domain.spreadsheet_cells import safe_cell


@pytest.mark.parametrize("text, expected", [
    ("=HYPERLINK(\"http://x\",\"y\")", "'=HYPERLINK(\"http://x\",\"y\")"),
    ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
    ("\tinvisible", "'\tinvisible"),
    ("\rreturn", "'\rreturn"),
    ("-cmd", "'-cmd"),
    # Plain numbers are values, not formulas: an apostrophe would change a reported result.
    ("-0.5", "-0.5"),
    ("+3", "+3"),
    ("-1E-3", "-1E-3"),
    ("12.0", "12.0"),
    ("pH 4.00 / 7.00 buffers", "pH 4.00 / 7.00 buffers"),
    ("", ""),
    ("a=b", "a=b"),
])
def test_safe_cell(text, expected):
    assert safe_cell(text) == expected
