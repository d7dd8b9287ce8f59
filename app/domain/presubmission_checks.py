"""Pre-submission review flags of one DMR parameter: bacteria averaging, figures, NODI and daily-average checks."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from app.domain.dmr_columns import ColumnDefinition, Flag, ParameterDefinition, ParameterValues
from app.domain.dmr_derivation import SlotDerivation, derive_parameter
# The significant-figures checks (and their flag codes) are their own module.
from app.domain.figures_checks import figures_flags
from app.domain.mass_loading import FLOW_PARAMETER_CODE
from app.domain.measurements import Measurement
from app.domain.nodi import NODI_CODES
from app.domain.periods import MonitoringPeriod
from app.domain.rules_config import rule

BACTERIA_ARITHMETIC_AVERAGE = "BACTERIA_ARITHMETIC_AVERAGE"
GEOMETRIC_MEAN_NOT_BACTERIA = "GEOMETRIC_MEAN_NOT_BACTERIA"
NODI_WITH_RESULTS = "NODI_WITH_RESULTS"
NODI_9_NOT_CONDITIONAL = "NODI_9_NOT_CONDITIONAL"
NODI_C_WITH_FLOW = "NODI_C_WITH_FLOW"
SLOT_WITHOUT_VALUE_OR_NODI = "SLOT_WITHOUT_VALUE_OR_NODI"
AVERAGE_OF_DAILY_AVERAGES = "AVERAGE_OF_DAILY_AVERAGES"

# Bacteria densities (E. coli, fecal coliform, enterococci, total coliform), code -> description, taken
# by description from EPA's DMR parameter list (shared/domain/codes/DMR_Parameter_List_10302018.csv,
# shipped as app/domain/data/). Left out on purpose: percentages and ratios of samples (00111, 82028,
# 30500, 51005, 51617, 51618, 51694), which are arithmetic by nature, and fecal streptococci (74054,
# 31671-31679), which CALC-06 does not name.
BACTERIA_PARAMETERS: dict[str, str] = {
    "51040": "E. coli", "51041": "E. coli, colony forming units (CFU)", "31648": "E. coli, MTEC-MF",
    "31633": "E. coli, thermotol, MF, MTEC",
    "74055": "Coliform, fecal general", "74057": "Coliform, fecal, colony forming units",
    "31641": "Fecal coliform", "31625": "Coliform, fecal MF, MFC, 0.7um",
    "31616": "Coliform, fecal MF, MFC broth, 44.5 C", "31615": "Fecal coliform, MPN, EC med, 44.5 C",
    "31613": "Coliform, fecal MF, MFC agar, 44.5 C, 24hr", "48201": "Coliform, fecal MPN + membrane ftl 44.5 C",
    "31612": "Coliform, fecal 10/mL", "51131": "Fecal coliform in sludge, CFU/gram",
    "49187": "Sanitary waste, fecal coliform",
    "61211": "Enterococci", "31639": "Enterococci: group D, MF trans, M-E, EIA",
    "74058": "Coliform, total colony forming units", "74056": "Coliform, total general",
    "31501": "Coliform, total MF, immed, m-endo med 35 C", "31502": "Coliform, total 10/mL",
    "31503": "Coliform, total MF, delayed, m-endo med", "31504": "Coliform, total MF, immed, les endo agar",
    "31505": "Coliform, tot, MPN, completed, (100 mL)",
}
ARITHMETIC_AVERAGES = {"monthly_average": ("monthly average", "CALC-02"),
                       "weekly_average": ("weekly averages", "CALC-03")}
_COMBINED = {"arithmetic_mean": "average", "flow_weighted_mean": "flow-weighted mean",
             "max_of_samples": "highest"}


def is_bacteria(parameter_code: str) -> bool:
    return parameter_code in BACTERIA_PARAMETERS


def bacteria_flags(parameter: ParameterDefinition, values: ParameterValues) -> list[Flag]:
    """CALC-06: bacteria averaged geometrically (Form 3320-1), everything else arithmetically (122.41(l)(4)(iii))."""
    flags = []
    for column in parameter.columns:
        slot = values.values.get(column.slot)
        if slot is None or slot.value is None:
            continue  # a NODI or an empty slot computed nothing to confirm
        if is_bacteria(parameter.code) and column.statistical_base in ARITHMETIC_AVERAGES:
            flags.append(Flag(BACTERIA_ARITHMETIC_AVERAGE, (
                f"{column.statistical_base} of bacteria parameter {parameter.code} "
                f"({BACTERIA_PARAMETERS[parameter.code]}) is computed as an arithmetic mean "
                f"({ARITHMETIC_AVERAGES[column.statistical_base][1]}), but Form 3320-1 averages bacteria "
                "geometrically (CALC-06): confirm the permit means an arithmetic average, or make the column "
                "geometric_mean"), parameter.code, column.slot))
        elif not is_bacteria(parameter.code) and column.statistical_base == "geometric_mean":
            flags.append(Flag(GEOMETRIC_MEAN_NOT_BACTERIA, (
                f"geometric_mean on {parameter.code}, which is not a bacteria parameter: CALC-06 defines the "
                "geometric mean for bacteria and 122.41(l)(4)(iii) averages arithmetically unless the permit "
                "says otherwise; confirm the permit asks for a geometric mean here"), parameter.code, column.slot))
    return flags


def nodi_flags(parameter: ParameterDefinition, measurements: Sequence[Measurement], period: MonitoringPeriod, *,
               nodi: str | None, whole_outfall: bool, flows: Sequence[Measurement] = ()) -> list[Flag]:
    """Declared NODIs that leave a required or existing value unreported (NODI-01 to NODI-03).

    The missing-data codes themselves (D, E, F, G, H, M, X) are flagged by nodi.nodi_flag already.
    """
    if nodi is None:
        return []
    name = f"NODI {nodi} ({NODI_CODES.get(nodi, 'unknown code')})" + (" for the whole outfall" if whole_outfall else "")
    # A zero flow reading agrees with "no discharge"; any other result of the period is a value left out.
    in_period = [m for m in measurements if period.contains(m.sample_date)
                 and not (nodi == "C" and parameter.code == FLOW_PARAMETER_CODE and m.value.is_zero())]
    flags = []
    if in_period:
        # 122.41(l)(4)(ii): every result of the period goes into the DMR; a NODI stands only where there is none.
        flags.append(Flag(NODI_WITH_RESULTS, (
            f"{name} replaces {len(in_period)} result(s) of the period that are then not reported: "
            f"{_listing([m.label for m in in_period])}; a NODI means there is no value (NODI-01, NODI-03): "
            "confirm the results are invalid and say why, or withdraw the NODI"), parameter.code))
    if nodi == "9" and not parameter.conditional:
        flags.append(Flag(NODI_9_NOT_CONDITIONAL, (
            "NODI 9 (conditional monitoring not required) on a parameter the permit does not make conditional: "
            "the required value is missing, which counts as a monitoring or reporting deficiency (NODI-02, "
            "NODI-03); confirm the permit's condition or declare the code that says why there is no value"),
            parameter.code))
    if nodi == "C" and not whole_outfall and parameter.code != FLOW_PARAMETER_CODE:
        days = sorted({m.sample_date for m in flows if period.contains(m.sample_date) and m.value > 0})
        if days:
            flags.append(Flag(NODI_C_WITH_FLOW, (
                f"NODI C (no discharge) on {parameter.code}, but the outfall's flow shows discharge on "
                f"{_listing([d.isoformat() for d in days])}; C means no discharge all period, otherwise the "
                "missing value is a monitoring violation (NODI-01): confirm there was no discharge at this "
                "monitoring point"), parameter.code))
    return flags


def empty_slot_flags(parameter: ParameterDefinition, values: ParameterValues, period: MonitoringPeriod,
                     has_results: bool) -> list[Flag]:
    """Section 4 and NODI-05: a field with neither value nor NODI is a value not received."""
    if not has_results:
        return []  # NODI_REQUIRED (dmr_values) already asks for a NODI for the whole parameter
    flags = []
    for column in parameter.columns:
        slot = values.values.get(column.slot)
        if slot is None or slot.value is not None or slot.nodi is not None or not _in_force(column, period):
            continue
        flags.append(Flag(SLOT_WITHOUT_VALUE_OR_NODI, (
            f"{column.slot} ({column.statistical_base}) has neither a value nor a NODI: NetDMR needs one in every "
            "field (RULES.md section 4), and ICIS records a non-receipt violation for a value not received "
            "within 31 days of the due date (NODI-05); confirm the data or declare a NODI"),
            parameter.code, column.slot))
    return flags


def _in_force(column: ColumnDefinition, period: MonitoringPeriod) -> bool:
    return ((column.effective is None or column.effective <= period.end)
            and (column.expires is None or column.expires >= period.start))


def _listing(items: Sequence[str], shown: int = 5) -> str:
    # A month of daily readings would drown the reason; the first few identify the problem.
    more = f" and {len(items) - shown} more" if len(items) > shown else ""
    return ", ".join(items[:shown]) + more


def daily_average_flags(parameter: ParameterDefinition, derivations: Mapping[str, SlotDerivation],
                        rules: Mapping[str, Any]) -> list[Flag]:
    """CALC-01 with CALC-02/03: a period average over daily values that are themselves several samples combined."""
    how = _COMBINED[rule(rules, "calc.daily_value_from_multiple_samples")]
    flags = []
    for column in parameter.columns:
        derivation = derivations.get(column.slot)
        if derivation is None or derivation.problem or derivation.base not in ARITHMETIC_AVERAGES:
            continue
        several = [v for v in derivation.values if len(v.measurements) > 1]
        if not several:
            continue
        label, rule_id = ARITHMETIC_AVERAGES[derivation.base]
        days = ", ".join(f"{v.day.isoformat()}: {len(v.measurements)} samples" for v in several)
        flags.append(Flag(AVERAGE_OF_DAILY_AVERAGES, (
            f"{label} of {len(derivation.values)} daily values, {len(several)} of them the {how} of several "
            f"samples ({days}); CALC-01 makes one daily value of a day's samples and {rule_id} averages daily "
            "values, not samples: confirm that is the permit's averaging"), parameter.code, column.slot))
    return flags


def presubmission_flags(parameter: ParameterDefinition, values: ParameterValues, measurements: Sequence[Measurement],
                        period: MonitoringPeriod, rules: Mapping[str, Any], *, flows: Sequence[Measurement] = (),
                        influent: Sequence[Measurement] = (), nodi: str | None = None,
                        whole_outfall: bool = False,
                        derivations: Mapping[str, SlotDerivation] | None = None) -> list[Flag]:
    """Every pre-submission flag of one parameter, from what compute_parameter_values took and returned.

    `nodi` is the code declared for it (or for its whole outfall, with `whole_outfall`). `derivations`,
    when the caller has them from the values' own calculation (dmr_derivation.derivations_of), save
    computing the parameter again; they must be those of exactly these inputs.
    """
    has_results = any(period.contains(m.sample_date) for m in measurements)
    flags = bacteria_flags(parameter, values)
    flags += nodi_flags(parameter, measurements, period, nodi=nodi, whole_outfall=whole_outfall, flows=flows)
    if nodi is None:
        flags += empty_slot_flags(parameter, values, period, has_results)
    if any(v.value is not None for v in values.values.values()):
        # The same ParameterCalculation as the values, so each check sees exactly the days behind a slot.
        if derivations is None:
            derivations = derive_parameter(parameter, measurements, period, rules, flows=flows, influent=influent)
        flags += figures_flags(parameter, values, derivations, rules, flows)
        flags += daily_average_flags(parameter, derivations, rules)
    return flags
