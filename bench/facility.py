"""The benchmark facility's permit: 12 outfalls x 40 real DMR parameters, as CONTRACTS.md section 3 JSON."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

PERMIT_NUMBER = "CT0099001"
FACILITY = "Harbor Point Metal Works"
TIMEZONE = "America/New_York"
OUTFALLS = tuple(f"{n:03d}" for n in range(1, 13))
PH_READINGS_PER_DAY = 16  # the continuous pH recorder's hourly readings over the two operating shifts
LB_PER_MG_L_MGD = Decimal("8.34")


@dataclass(frozen=True)
class Spec:
    """One monitored parameter as the generator treats it: limits, typical level and non-detect rate."""

    code: str
    name: str
    frequency: str
    sample_type: str  # the permit's wording
    unit: str
    daily_max: str | None  # None: report only
    monthly_avg: str | None
    rl: str | None = None  # reporting limit of a non-detect ("<" with this value)
    nd_rate: float = 0.0
    mass: bool = False  # lb/d columns derived from the day's flow
    weekly: bool = False

    @property
    def kind(self) -> str:
        """Which sample a result of it belongs to: composite, grab, ph, flow."""
        if self.code == "50050":
            return "flow"
        if self.code == "00400":
            return "ph"
        return "composite" if self.sample_type == "24-hour composite" else "grab"


def _metal(code: str, name: str, daily_max: str, monthly_avg: str, rl: str, nd_rate: float,
           mass: bool = False) -> Spec:
    return Spec(code, name, "1/1", "24-hour composite", "mg/L", daily_max, monthly_avg, rl, nd_rate, mass)


SPECS: tuple[Spec, ...] = (
    Spec("50050", "Flow, in conduit or thru treatment plant", "CONT", "continuous", "MGD", None, None),
    Spec("00400", "pH", "CONT", "continuous", "SU", None, None),
    Spec("00010", "Temperature, water deg. centigrade", "1/1", "grab", "deg C", "30", None),
    Spec("00530", "Solids, total suspended", "1/1", "24-hour composite", "mg/L", "60", "30", "2.0", 0.02,
         mass=True, weekly=True),
    _metal("01042", "Copper, total (as Cu)", "1.0", "0.50", "0.010", 0.05, mass=True),
    _metal("01092", "Zinc, total (as Zn)", "1.5", "0.80", "0.020", 0.05, mass=True),
    _metal("01067", "Nickel, total (as Ni)", "3.98", "2.38", "0.010", 0.08, mass=True),
    _metal("01051", "Lead, total (as Pb)", "0.69", "0.43", "0.005", 0.45),
    _metal("01034", "Chromium, total (as Cr)", "2.77", "1.71", "0.010", 0.20),
    _metal("01032", "Chromium, hexavalent (as Cr)", "0.10", "0.05", "0.010", 0.70),
    _metal("01027", "Cadmium, total (as Cd)", "0.11", "0.07", "0.002", 0.80),
    _metal("01077", "Silver, total (as Ag)", "0.43", "0.24", "0.005", 0.85),
    _metal("01002", "Arsenic, total (as As)", "0.10", "0.05", "0.005", 0.75),
    _metal("01097", "Antimony, total (as Sb)", "0.20", "0.10", "0.005", 0.80),
    _metal("01147", "Selenium, total (as Se)", "0.10", "0.05", "0.005", 0.80),
    _metal("71900", "Mercury, total (as Hg)", "0.0020", "0.0010", "0.0002", 0.90),
    _metal("01105", "Aluminum, total (as Al)", "3.0", "1.5", "0.050", 0.10),
    _metal("01045", "Iron, total (as Fe)", "4.0", "2.0", "0.050", 0.02),
    _metal("01055", "Manganese, total (as Mn)", "2.0", "1.0", "0.010", 0.10),
    _metal("01022", "Boron, total (as B)", "5.0", "2.5", "0.050", 0.30),
    _metal("01012", "Beryllium, total (as Be)", "0.050", "0.025", "0.001", 0.95),
    _metal("01059", "Thallium, total (as Tl)", "0.050", "0.025", "0.001", 0.95),
    _metal("01087", "Vanadium, total (as V)", "0.50", "0.25", "0.005", 0.60),
    _metal("01062", "Molybdenum, total (as Mo)", "1.0", "0.50", "0.010", 0.40),
    _metal("01037", "Cobalt, total (as Co)", "0.50", "0.25", "0.005", 0.60),
    _metal("01007", "Barium, total (as Ba)", "2.0", "1.0", "0.010", 0.05),
    Spec("00940", "Chloride (as Cl)", "1/1", "24-hour composite", "mg/L", None, None, "1.0", 0.0),
    Spec("00945", "Sulfate, total (as SO4)", "1/1", "24-hour composite", "mg/L", None, None, "1.0", 0.0),
    Spec("70295", "Solids, total dissolved", "1/1", "24-hour composite", "mg/L", "2000", "1500", "10", 0.0),
    Spec("00310", "BOD, 5-day, 20 deg. C", "2/7", "24-hour composite", "mg/L", "45", "30", "2.0", 0.15,
         weekly=True),
    Spec("00340", "Oxygen demand, chem. (high level) (COD)", "2/7", "24-hour composite", "mg/L", "240", "120", "10", 0.10),
    Spec("00610", "Nitrogen, ammonia total (as N)", "2/7", "24-hour composite", "mg/L", "20", "10", "0.10", 0.20),
    Spec("00665", "Phosphorus, total (as P)", "2/7", "24-hour composite", "mg/L", None, None, "0.05", 0.10),
    Spec("00630", "Nitrite plus nitrate total 1 det. (as N)", "2/7", "24-hour composite", "mg/L", None, None, "0.05", 0.10),
    Spec("00556", "Oil & grease", "1/7", "grab", "mg/L", "20", "15", "5.0", 0.60),
    Spec("00720", "Cyanide, total (as CN)", "1/7", "grab", "mg/L", "1.20", "0.65", "0.005", 0.70),
    Spec("00951", "Fluoride, total (as F)", "1/7", "24-hour composite", "mg/L", "20", "10", "0.10", 0.10),
    Spec("32730", "Phenolics, total recoverable", "1/7", "grab", "mg/L", "0.50", "0.25", "0.010", 0.70),
    Spec("78141", "Organics, total toxic", "1/30", "grab", "mg/L", "2.13", None, "0.010", 0.85),
    Spec("34475", "Tetrachloroethylene", "1/30", "grab", "mg/L", "0.10", None, "0.001", 0.90),
)
SPEC_BY_CODE = {spec.code: spec for spec in SPECS}


def design_flow(outfall: str) -> Decimal:
    """Each outfall's typical daily flow (MGD): 0.08 to 0.30, so mass limits differ from one to another."""
    return Decimal(8 + (int(outfall) * 7) % 23) / 100


def _mass_limit(concentration: str, outfall: str) -> str:
    # Sized on 1.3x the design flow, so that a typical day stays well inside the mass limit.
    value = Decimal(concentration) * design_flow(outfall) * Decimal("1.3") * LB_PER_MG_L_MGD
    return str(value.quantize(Decimal("0.1") if value < 10 else Decimal(1)))


def _columns(spec: Spec, outfall: str) -> list[dict]:
    if spec.code == "50050":
        return [{"slot": "Q1", "statistical_base": "monthly_average", "limit": None, "unit": "MGD"},
                {"slot": "Q2", "statistical_base": "daily_maximum", "limit": None, "unit": "MGD"}]
    if spec.code == "00400":
        return [{"slot": "C1", "statistical_base": "instantaneous_minimum", "limit": "6.0", "unit": "SU"},
                {"slot": "C3", "statistical_base": "instantaneous_maximum", "limit": "9.0", "unit": "SU"}]
    columns = []
    if spec.mass:
        columns += [{"slot": "Q1", "statistical_base": "monthly_average", "limit": _mass_limit(spec.monthly_avg, outfall),
                     "unit": "lb/d", "derived": "mass"},
                    {"slot": "Q2", "statistical_base": "daily_maximum", "limit": _mass_limit(spec.daily_max, outfall),
                     "unit": "lb/d", "derived": "mass"}]
    if spec.weekly:
        weekly = Decimal(spec.daily_max) * Decimal("0.75")
        columns.append({"slot": "C1", "statistical_base": "weekly_average", "limit": str(weekly.normalize()),
                        "unit": spec.unit})
    if spec.monthly_avg is not None or spec.daily_max is None:
        columns.append({"slot": "C2", "statistical_base": "monthly_average", "limit": spec.monthly_avg,
                        "unit": spec.unit})
    columns.append({"slot": "C3", "statistical_base": "daily_maximum", "limit": spec.daily_max, "unit": spec.unit})
    return columns


def permit_document(effective: date, expires: date, *, copper_daily_max: str = "1.0",
                    outfalls: tuple[str, ...] = OUTFALLS, number: str = PERMIT_NUMBER) -> dict:
    """The permit definition: every outfall monitors the same 40 parameters with its own mass limits."""
    specs = [spec if spec.code != "01042" else Spec(**{**spec.__dict__, "daily_max": copper_daily_max})
             for spec in SPECS]
    return {
        "facility": {"name": FACILITY, "timezone": TIMEZONE},
        "permit": {
            "number": number, "program": "npdes", "issuing_authority": "CT DEEP", "control_authority": None,
            "effective": effective.isoformat(), "expires": expires.isoformat(), "renewal_application_days": 180,
            "rule_pack": "ct_npdes", "reporting": {"frequency": "monthly", "due_day": 15},
            "rules": {"nd": {"avg_substitution": "zero"}}, "listed_24h_parameters": ["01042"],
            "certification_text": "I certify under penalty of law that this document and all attachments were "
                                  "prepared under my direction or supervision.",
            "outfalls": [{
                "id": outfall, "description": f"Process line {outfall} treated effluent to Harbor Brook",
                "limit_set": "A",
                "parameters": [{"code": spec.code, "name": spec.name, "monitoring_location": "1", "season": 0,
                                "frequency": spec.frequency, "sample_type": spec.sample_type, "conditional": False,
                                "columns": _columns(spec, outfall)} for spec in specs],
            } for outfall in outfalls],
        },
    }
