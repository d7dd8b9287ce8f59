"""A hand-made February 2026 NPDES report and an exchange header, shared by the export tests."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from netdmr_export import DmrReport, Flag, IcisHeader, OutfallReport, ParameterReport, SlotValue

CERTIFICATION = ("I certify under penalty of law that this document and all attachments were prepared under my "
                 "direction or supervision in accordance with a system designed to assure that qualified personnel "
                 "properly gather and evaluate the information submitted.")


def tss() -> ParameterReport:
    # Columns in the permit's order (C2 C3 Q1 Q2 C1), as CONTRACTS.md section 3 lists them.
    return ParameterReport(
        code="00530", monitoring_location="1", season=0,
        values=(
            SlotValue("C2", "monthly_average", "27", "=", "mg/L", None, "30", False, None),
            SlotValue("C3", "daily_maximum", "62", "=", "mg/L", None, "60", True, None),
            SlotValue("Q1", "monthly_average", "41.3", "=", "lb/d", None, "50", False, None),
            SlotValue("Q2", "daily_maximum", "95.0", "=", "lb/d", None, "90", True, None),
            SlotValue("C1", "weekly_average", "38.5", "=", "mg/L", None, "45", False, None),
        ),
        excursions=2, frequency="2/7", sample_type="24-hour composite", samples=8,
        flags=(Flag("ESTIMATED_FLOW", "flow meter out of service 2026-02-14; flow estimated from pump hours",
                    "00530", "Q2"),),
        comment="Clarifier upset on 2026-02-12; upset report filed 2026-02-13.",
        name="Solids, total suspended")


def ph() -> ParameterReport:
    return ParameterReport(
        code="00400", monitoring_location="1", season=0,
        values=(
            SlotValue("C1", "instantaneous_minimum", "6.8", "=", "SU", None, "6.0", False, None),
            SlotValue("C3", "instantaneous_maximum", "8.1", "=", "SU", None, "9.0", False, None),
        ),
        excursions=0, frequency="1/1", sample_type="grab", samples=20, name="pH", sample_type_code="GR")


def chlorine() -> ParameterReport:
    # Conditional monitoring that was not triggered this month: NODI 9 and no value.
    return ParameterReport(
        code="50060", monitoring_location="1", season=0,
        values=(SlotValue("C3", "daily_maximum", None, None, "mg/L", None, "0.019", False, "9"),),
        excursions=0, frequency="1/7", sample_type="grab", samples=0, name="Chlorine, total residual")


def copper() -> ParameterReport:
    return ParameterReport(
        code="01119", monitoring_location="1", season=0,
        values=(
            SlotValue("C2", "monthly_average", "5.0", "<", "ug/L", None, "12", False, None),
            SlotValue("C3", "daily_maximum", "5.0", "<", "ug/L", None, "18", False, None),
        ),
        excursions=0, frequency="1/7", sample_type="24-hour composite", samples=4, name="Copper, total recoverable")


def flow() -> ParameterReport:
    # Report-only columns (no limit) and a frequency with no ICIS code in the shipped list.
    return ParameterReport(
        code="50050", monitoring_location="1", season=0,
        values=(
            SlotValue("Q1", "monthly_average", "0.45", "=", "MGD"),
            SlotValue("Q2", "daily_maximum", "0.62", "=", "MGD"),
        ),
        excursions=0, frequency="CONT", sample_type="continuous", samples=28, name="Flow, in conduit")


def sample_report(**changes) -> DmrReport:
    fields = dict(
        permit="CT0000001", version=1, program="npdes",
        period_start=date(2026, 2, 1), period_end=date(2026, 2, 28), due=date(2026, 3, 15),
        outfalls=(
            OutfallReport("001", "A", None, (tss(), ph(), chlorine(), copper(), flow())),
            OutfallReport("002", "A", "C"),
        ),
        violations=2,
        flags=(Flag("MONITORING_FREQUENCY_NOT_MET", "required 1/7, short in week of 2026-02-16", "01119"),),
        certification_text=CERTIFICATION, facility_name="Example Metal Finishing",
        comments="Analyses by Example Labs (CT certification PH-0000).")
    fields.update(changes)
    return DmrReport(**fields)


def sample_header() -> IcisHeader:
    return IcisHeader(sender_id="OUTFALL-CT0000001", author="Pat Operator", organization="Example Metal Finishing",
                      title="DMR CT0000001 2026-02",
                      creation_time=datetime(2026, 3, 10, 14, 30, tzinfo=timezone(timedelta(hours=-5))),
                      contact_info="pat.operator@example.com")


@pytest.fixture
def report() -> DmrReport:
    return sample_report()


@pytest.fixture
def header() -> IcisHeader:
    return sample_header()
