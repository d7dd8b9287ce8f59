"""Free text made safe for the upload files: no spreadsheet formulas, no characters XML 1.0 cannot carry."""
from __future__ import annotations

import re

# This library may not import app.domain.spreadsheet_cells (the purity rule), so it keeps its own
# copy of the OWASP "CSV injection" rule: a cell starting with one of these may run as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# A plain signed number ("-0.5", "+3") is no formula; an apostrophe would change a reported value.
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
# XML 1.0 section 2.2: tab, LF and CR are the only C0 controls; surrogates, U+FFFE and U+FFFF never appear.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def spreadsheet_text(text: str) -> str:
    """The text with a leading apostrophe when a spreadsheet could read it as a formula."""
    if text.startswith(FORMULA_PREFIXES) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def xml_text(text: str) -> str:
    """Free text (comments, header fields) without the characters an XML 1.0 document cannot hold.

    They are invisible controls pasted in with the text; dropping them keeps every visible character,
    where lxml would otherwise refuse the whole document.
    """
    return _NOT_XML.sub("", text)


def has_non_xml(text: str) -> bool:
    return _NOT_XML.search(text) is not None
