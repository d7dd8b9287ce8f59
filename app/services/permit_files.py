"""Reading an uploaded or command-line permit definition file into a JSON document."""
from __future__ import annotations

import json


class PermitFileError(ValueError):
    """The file is not a readable JSON document; the message says what was expected."""


def load_permit_document(raw: bytes, filename: str = "permit.json") -> object:
    if not filename.lower().endswith(".json"):
        raise PermitFileError(f"{filename}: expected a .json permit definition file")
    if not raw.strip():
        raise PermitFileError(f"{filename}: the file is empty")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise PermitFileError(f"{filename}: expected UTF-8 text, found an invalid byte at "
                              f"position {error.start}") from None
    try:
        document = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        raise PermitFileError(f"{filename}: not valid JSON at line {error.lineno}, column {error.colno}: "
                              f"{error.msg}") from None
    except RecursionError:
        # Python's parser gives up near a thousand levels; the definition check refuses far less.
        raise PermitFileError(f"{filename}: nested too deeply to be a permit definition") from None
    except ValueError:  # the one left once JSONDecodeError is caught: an integer of over 4300 digits
        raise PermitFileError(f"{filename}: a number in the file is too long to read") from None
    return document


def _refuse_constant(name: str):
    raise json.JSONDecodeError(f"{name} is not allowed", name, 0)
