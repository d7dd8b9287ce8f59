"""Text written into a CSV or XLSX cell, made safe from spreadsheet formula injection."""
from __future__ import annotations

import re

# A spreadsheet may run a cell that starts with one of these as a formula (OWASP "CSV injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# A plain signed number ("-0.5", "+3", "-1E-3") is no formula; an apostrophe would change a reported value.
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def safe_cell(text: str) -> str:
    """The text with a leading apostrophe when a spreadsheet could read it as a formula."""
    if text.startswith(FORMULA_PREFIXES) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text
