"""NetDMR No Data Indicator codes (RULES.md section 4) and which of them leave a required value missing."""
from __future__ import annotations

# The full NetDMR list as TDEC publishes it (RULES.md section 4); 6 and O-P, T-U, Y-Z are not codes.
NODI_CODES: dict[str, str] = {
    "1": "Wrong Flow", "2": "Operation Shutdown", "3": "Special Report Attached",
    "4": "Discharge to Lagoon/Groundwater", "5": "Frozen Conditions", "7": "No Influent",
    "8": "Other (see comments)", "9": "Conditional Monitoring - Not Required", "A": "General Permit Exemption",
    "B": "Below Detection Limit/No Detection", "C": "No Discharge", "D": "Lost Sample/Data Not Available",
    "E": "Analysis Not Conducted/No Sample", "F": "Insufficient Flow for Sampling", "G": "Sampling Equipment Failure",
    "H": "Invalid Test", "I": "Land Applied", "J": "Recycled Water-closed system", "K": "Natural Disaster",
    "L": "DMR Received But Not Entered", "M": "Laboratory Error", "N": "Not Constructed", "Q": "Not Quantifiable",
    "R": "Administratively Resolved", "S": "Fire Conditions", "V": "Weather Related", "W": "Dry Lysimeter/Well",
    "X": "Parameter/Value Not Reported",
}
# NODI-03: a required value is missing; usually a monitoring or reporting deficiency.
MISSING_DATA_CODES = frozenset("DEFGHMX")


class NodiError(ValueError):
    """An unknown code, or a code that may not stand where it was declared."""


def check_nodi(code: str, *, whole_outfall: bool, allow_b: bool = False) -> str:
    """The code, upper-cased, if it may be declared there; NODI-04: B only where the state allows it."""
    normalised = (code or "").strip().upper()
    if normalised not in NODI_CODES:
        raise NodiError(f"--code: {code!r} is not a NetDMR NODI code; expected one of {', '.join(NODI_CODES)}")
    if normalised == "B" and not allow_b:
        raise NodiError("--code: B (below detection) is off for this permit (nodi.allow_B); report \"<RL\" instead "
                        "(ND-01, NODI-04)")
    if whole_outfall and normalised == "9":
        raise NodiError("--code: 9 (conditional monitoring) belongs to a parameter; name it with --parameter")
    return normalised


def nodi_flag(code: str) -> tuple[str, str] | None:
    """The review flag a declared code raises, if any (NODI-03)."""
    if code in MISSING_DATA_CODES:
        return ("NODI_MISSING_DATA", f"NODI {code} ({NODI_CODES[code]}) leaves a required value missing; it usually "
                                     "counts as a monitoring or reporting deficiency (NODI-03)")
    return None
