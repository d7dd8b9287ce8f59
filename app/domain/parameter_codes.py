"""EPA's DMR parameter codes (the 2018-10-30 DMR Loading Tool list), read once on first use."""
from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

PARAMETER_LIST_CSV = Path(__file__).resolve().parent / "data" / "DMR_Parameter_List_10302018.csv"


@cache
def parameter_descriptions() -> dict[str, str]:
    """Description by 5-digit code. Read lazily: importing the module does no I/O."""
    with PARAMETER_LIST_CSV.open(encoding="utf-8", newline="") as handle:
        return {row["PARAMETER_CODE"].strip(): row["PARAMETER_DESC"].strip() for row in csv.DictReader(handle)}


def is_known_parameter(code: object) -> bool:
    return isinstance(code, str) and code in parameter_descriptions()


def parameter_description(code: str) -> str | None:
    """EPA's description of the code ("Solids, total suspended" for 00530), or None if unknown."""
    return parameter_descriptions().get(code) if isinstance(code, str) else None
