"""RULES.md section 6: pretreatment SNC self-check (SNC-A chronic, SNC-B TRC, SNC-F late reports)."""
import csv
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.measurements import Measurement
from app.domain.snc import (
    POLLUTANT_GROUPS,
    ReportDue,
    SncSeries,
    evaluate_series,
    format_threshold,
    is_chronic,
    is_trc,
    late_reports,
    latest_window_end,
    pollutant_group,
    snc_self_check,
    snc_window,
    trc_factor,
)
from app.domain.rules_config import effective_rules

D = Decimal
DEFAULTS = effective_rules()
H1 = (date(2026, 1, 1), date(2026, 6, 30))
PARAMETER_LIST = Path(__file__).resolve().parents[3] / "app" / "domain" / "data" / "DMR_Parameter_List_10302018.csv"


def m(value, day=date(2026, 2, 10), qualifier="=", unit="mg/L"):
    return Measurement(value=D(value), sample_date=day, unit=unit, qualifier=qualifier)


def monthly(values, qualifier="="):
    # One value per month Jan..Jun, inside the H1 window.
    return tuple(m(v, date(2026, month, 15), qualifier) for month, v in enumerate(values, start=1))


def series(values, upper="0.50", code="01042", lower=None, base="daily_maximum", **extra):
    return SncSeries(parameter_code=code, statistical_base=base, measurements=monthly(values),
                     upper_limit=None if upper is None else D(upper), lower_limit=None if lower is None else D(lower),
                     **extra)


@pytest.mark.parametrize("count, n, chronic", [
    (4, 6, True),       # 66.7 %: 400 >= 396
    (3, 6, False),      # 50 %: 300 < 396
    (2, 3, True),       # 66.7 %
    (66, 100, True),    # exactly 66 %
    (65, 100, False),
    (0, 0, False),      # no measurements, no SNC
])
def test_SNC_A_chronic_integer_threshold(count, n, chronic):
    assert is_chronic(count, n, DEFAULTS) is chronic


@pytest.mark.parametrize("count, n, trc", [
    (2, 6, True),       # 33.3 %: 200 >= 198
    (1, 6, False),      # 16.7 %
    (33, 100, True),    # exactly 33 %
    (32, 100, False),
    (1, 3, True),
    (0, 0, False),
])
def test_SNC_B_trc_integer_threshold(count, n, trc):
    assert is_trc(count, n, DEFAULTS) is trc


def test_SNC_A_chronic_exactly_66_percent_4_of_6():
    result = evaluate_series(series(["0.55", "0.51", "0.58", "0.52", "0.40", "0.30"]), H1, DEFAULTS)
    assert (result["measurements"], result["chronic_count"], result["chronic"]) == (6, 4, True)


def test_SNC_A_chronic_3_of_6_is_not_chronic():
    result = evaluate_series(series(["0.55", "0.51", "0.58", "0.50", "0.40", "0.30"]), H1, DEFAULTS)
    assert (result["chronic_count"], result["chronic"]) == (3, False)


def test_SNC_A_a_value_equal_to_the_limit_does_not_exceed():
    result = evaluate_series(series(["0.50"] * 6), H1, DEFAULTS)
    assert result["chronic_count"] == 0


def test_SNC_A_compare_after_rounding_to_the_limits_figures():
    # 0.504 is reported as 0.50 against a two-figure limit (ND-07), which does not exceed 0.50.
    values = ["0.504"] * 4 + ["0.1"] * 2
    assert evaluate_series(series(values), H1, DEFAULTS)["chronic_count"] == 0
    raw = effective_rules({"rounding": {"compare_after_rounding": False}})
    assert evaluate_series(series(values), H1, raw)["chronic_count"] == 4


def test_SNC_B_trc_exactly_33_percent_2_of_6_and_equal_to_the_threshold_counts():
    # Copper limit 0.50 x 1.2 = 0.60: two values equal or exceed it.
    result = evaluate_series(series(["0.60", "0.75", "0.59", "0.20", "0.20", "0.20"]), H1, DEFAULTS)
    assert (result["trc_threshold"], result["trc_count"], result["trc"]) == ("0.60", 2, True)


def test_SNC_B_trc_1_of_6_is_not_trc():
    result = evaluate_series(series(["0.60", "0.59", "0.59", "0.20", "0.20", "0.20"]), H1, DEFAULTS)
    assert (result["trc_count"], result["trc"]) == (1, False)


@pytest.mark.parametrize("code, limit, threshold, at_threshold, below", [
    ("00310", "30", "42", "42", "41"),          # BOD 1.4
    ("80082", "25", "35", "35", "34"),          # CBOD 1.4 (interpretation)
    ("00530", "100", "140", "140", "139"),      # TSS 1.4
    ("00552", "100", "140", "140", "139"),      # oil & grease, HEM 1.4
    ("01042", "0.50", "0.60", "0.60", "0.59"),  # copper 1.2
    ("01092", "2.6", "3.12", "3.2", "3.1"),     # zinc 1.2: the product keeps the digits it needs
])
def test_SNC_B_trc_factor_by_pollutant_group(code, limit, threshold, at_threshold, below):
    result = evaluate_series(series([at_threshold, at_threshold, below, below, below, below], upper=limit,
                                    code=code), H1, DEFAULTS)
    assert (result["trc_threshold"], result["trc_count"], result["trc"]) == (threshold, 2, True)


@pytest.mark.parametrize("limit, factor, text", [
    ("0.50", "1.2", "0.60"), ("30", "1.4", "42"), ("2.6", "1.2", "3.12"), ("100", "1.2", "120"),
    ("0.05", "1.4", "0.07"), ("1.0", "1.2", "1.2"), ("3E+1", "1.4", "42"),
])
def test_SNC_B_trc_threshold_is_written_to_the_limits_places_without_losing_digits(limit, factor, text):
    assert format_threshold(D(limit), D(factor)) == text


def test_SNC_B_trc_threshold_is_compared_exactly_not_as_displayed():
    # 2.6 x 1.2 = 3.12: a reported 3.1 is below it even though "3.1" has the limit's precision.
    result = evaluate_series(series(["3.1"] * 6, upper="2.6", code="01092"), H1, DEFAULTS)
    assert (result["chronic_count"], result["trc_count"]) == (6, 0)


def test_SNC_pH_outside_the_range_on_either_side_counts_toward_chronic_and_TRC_does_not_apply():
    ph = SncSeries(parameter_code="00400", statistical_base="instantaneous_minimum",
                   measurements=monthly(["5.5", "9.5", "7.0", "5.8", "9.2", "7.2"]),
                   upper_limit=D("9.0"), lower_limit=D("6.0"))
    result = evaluate_series(ph, H1, DEFAULTS)
    assert result == {"parameter_code": "00400", "measurements": 6, "chronic_count": 4, "chronic": True,
                      "trc_threshold": None, "trc_count": 0, "trc": False}


def test_SNC_pH_at_the_range_edges_is_compliant():
    ph = SncSeries(parameter_code="00400", statistical_base="instantaneous_maximum",
                   measurements=monthly(["6.0", "9.0", "6.0", "9.0"]), upper_limit=D("9.0"), lower_limit=D("6.0"))
    assert evaluate_series(ph, H1, DEFAULTS)["chronic_count"] == 0


@pytest.mark.parametrize("value, qualifier, chronic_counts, trc_counts", [
    ("0.40", "<", False, False),      # "<RL" with RL <= limit never exceeds
    ("0.50", "<", False, False),
    ("0.80", "<", False, False),      # RL above the limit: ND-05, flagged elsewhere, never counted
    ("0.80", "J", False, False),      # an estimate below an RL that is above the limit: ND-05 again
    ("0.60", ">", True, True),        # the true value is above 0.60
    ("0.50", ">", True, False),       # above the limit, not known to reach 0.60
    ("0.51", "=", True, False),
])
def test_SNC_qualified_results(value, qualifier, chronic_counts, trc_counts):
    s = SncSeries(parameter_code="01042", statistical_base="daily_maximum",
                  measurements=(m(value, qualifier=qualifier),), upper_limit=D("0.50"))
    result = evaluate_series(s, H1, DEFAULTS)
    assert (result["chronic_count"] == 1, result["trc_count"] == 1) == (chronic_counts, trc_counts)


def test_SNC_only_measurements_inside_the_window_count():
    s = SncSeries(parameter_code="01042", statistical_base="daily_maximum", upper_limit=D("0.50"),
                  measurements=(m("0.9", date(2025, 12, 31)), m("0.9", date(2026, 1, 1)),
                                m("0.1", date(2026, 6, 30)), m("0.9", date(2026, 7, 1))))
    result = evaluate_series(s, H1, DEFAULTS)
    assert (result["measurements"], result["chronic_count"]) == (2, 1)


def test_SNC_average_limits_compare_period_averages_by_default():
    # Six monthly averages, 2 above 0.30; the twenty individual results are not the denominator.
    s = SncSeries(parameter_code="01042", statistical_base="monthly_average", upper_limit=D("0.30"),
                  measurements=tuple(m("0.35", date(2026, 1 + i % 6, 1 + i)) for i in range(20)),
                  period_averages=monthly(["0.31", "0.40", "0.20", "0.20", "0.20", "0.20"]))
    default = evaluate_series(s, H1, DEFAULTS)
    assert (default["measurements"], default["chronic_count"], default["chronic"]) == (6, 2, False)
    individual = evaluate_series(s, H1, effective_rules({"snc": {"average_limits": "compare_individual_samples"}}))
    assert (individual["measurements"], individual["chronic_count"], individual["chronic"]) == (20, 20, True)


def test_SNC_average_limit_without_period_averages_is_an_error():
    s = SncSeries(parameter_code="01042", statistical_base="monthly_average", upper_limit=D("0.30"),
                  measurements=monthly(["0.35"]))
    with pytest.raises(ValueError, match="period averages"):
        evaluate_series(s, H1, DEFAULTS)


@pytest.mark.parametrize("end, start", [
    (date(2026, 6, 30), date(2026, 1, 1)),
    (date(2026, 9, 30), date(2026, 4, 1)),
    (date(2026, 12, 31), date(2026, 7, 1)),
    (date(2026, 3, 31), date(2025, 10, 1)),
])
def test_SNC_window_rolling_6mo_at_quarter_end(end, start):
    assert snc_window(end, DEFAULTS) == (start, end)


@pytest.mark.parametrize("end, start", [(date(2026, 6, 30), date(2026, 1, 1)), (date(2026, 12, 31), date(2026, 7, 1))])
def test_SNC_window_fixed_semiannual(end, start):
    assert snc_window(end, effective_rules({"snc": {"window": "fixed_semiannual"}})) == (start, end)


@pytest.mark.parametrize("rules, end", [
    (DEFAULTS, date(2026, 6, 15)),
    (DEFAULTS, date(2026, 5, 31)),
    (effective_rules({"snc": {"window": "fixed_semiannual"}}), date(2026, 9, 30)),
])
def test_SNC_window_end_must_be_a_window_boundary(rules, end):
    with pytest.raises(ValueError, match="SNC window end"):
        snc_window(end, rules)


@pytest.mark.parametrize("day, rolling, semiannual", [
    (date(2026, 8, 14), date(2026, 6, 30), date(2026, 6, 30)),
    (date(2026, 11, 2), date(2026, 9, 30), date(2026, 6, 30)),
    (date(2026, 2, 1), date(2025, 12, 31), date(2025, 12, 31)),
    (date(2026, 3, 31), date(2026, 3, 31), date(2025, 12, 31)),
])
def test_SNC_latest_window_end(day, rolling, semiannual):
    assert latest_window_end(day, DEFAULTS) == rolling
    assert latest_window_end(day, effective_rules({"snc": {"window": "fixed_semiannual"}})) == semiannual


def test_SNC_F_late_reports_more_than_45_days_after_the_due_date():
    due = date(2026, 1, 28)
    reports = [ReportDue("SMR 2025-12 on time", due, due),
               ReportDue("SMR 45 days", due, due + timedelta(days=45)),
               ReportDue("SMR 46 days", due, due + timedelta(days=46)),
               ReportDue("SMR never", date(2026, 4, 28)),
               ReportDue("SMR due before the window", date(2025, 12, 1), date(2026, 3, 1)),
               ReportDue("SMR submitted after as-of", date(2026, 4, 1), date(2026, 8, 1))]
    late = late_reports(reports, H1, date(2026, 7, 15), DEFAULTS)
    assert late == [
        {"report": "SMR 46 days", "due": "2026-01-28", "submitted": "2026-03-15", "days_late": 46},
        {"report": "SMR never", "due": "2026-04-28", "submitted": None, "days_late": 78},
        {"report": "SMR submitted after as-of", "due": "2026-04-01", "submitted": None, "days_late": 105},
    ]


def test_SNC_F_late_report_days_is_configurable_for_pre_2005_ordinances():
    due = date(2026, 1, 28)
    report = [ReportDue("SMR", due, due + timedelta(days=31))]
    assert late_reports(report, H1, date(2026, 6, 30), DEFAULTS) == []
    thirty = effective_rules({"snc": {"late_report_days": 30}})
    assert [r["days_late"] for r in late_reports(report, H1, date(2026, 6, 30), thirty)] == [31]


def test_SNC_self_check_has_the_contract_section_9_shape():
    copper = series(["0.55", "0.51", "0.58", "0.61", "0.40", "0.30"])
    ph = SncSeries(parameter_code="00400", statistical_base="instantaneous_maximum",
                   measurements=monthly(["5.5", "9.5", "7.0", "5.8", "9.2", "7.2"]),
                   upper_limit=D("9.0"), lower_limit=D("6.0"))
    zinc = series(["0.1"] * 6, upper="1.0", code="01092")
    result = snc_self_check([copper, ph, zinc], [ReportDue("SMR", date(2026, 1, 28))],
                            date(2026, 6, 30), date(2026, 7, 15), DEFAULTS)
    assert result == {
        "window": {"start": "2026-01-01", "end": "2026-06-30"},
        "pollutants": [
            {"parameter_code": "01042", "measurements": 6, "chronic_count": 4, "chronic": True,
             "trc_threshold": "0.60", "trc_count": 1, "trc": False},
            {"parameter_code": "00400", "measurements": 6, "chronic_count": 4, "chronic": True,
             "trc_threshold": None, "trc_count": 0, "trc": False},
            {"parameter_code": "01092", "measurements": 6, "chronic_count": 0, "chronic": False,
             "trc_threshold": "1.2", "trc_count": 0, "trc": False},
        ],
        "late_reports": [{"report": "SMR", "due": "2026-01-28", "submitted": None, "days_late": 168}],
        "snc": ["01042", "00400"],
    }


def test_SNC_a_pollutant_in_SNC_under_two_limits_is_listed_once():
    daily = series(["0.9"] * 6)
    average = series(["0.9"] * 6, base="monthly_average", period_averages=monthly(["0.9"] * 6))
    assert snc_self_check([daily, average], [], date(2026, 6, 30), date(2026, 6, 30), DEFAULTS)["snc"] == ["01042"]


def test_SNC_trc_factor_map_and_permit_overrides():
    assert trc_factor("BOD", DEFAULTS) == D("1.4")
    assert trc_factor("pH", DEFAULTS) is None
    assert trc_factor("other", DEFAULTS) == D("1.2")
    rules = effective_rules({"snc": {"trc_factor": {"METALS": "1.3", "default": "1.25"}}})
    assert trc_factor("METALS", rules) == D("1.3")
    assert trc_factor("other", rules) == D("1.25")
    result = evaluate_series(series(["0.65"] * 6, group="METALS"), H1, rules)
    assert (result["trc_threshold"], result["trc_count"]) == ("0.65", 6)


def test_SNC_default_pollutant_groups_use_codes_of_the_DMR_parameter_list():
    with PARAMETER_LIST.open(newline="", encoding="utf-8") as handle:
        names = {row["PARAMETER_CODE"]: row["PARAMETER_DESC"].casefold() for row in csv.DictReader(handle)}
    words = {"BOD": "bod", "CBOD": "carbonaceous", "TSS": "suspended", "OG": "oil", "FOG": "fats", "pH": "ph"}
    for code, group in POLLUTANT_GROUPS.items():
        assert code in names, code
        assert words[group] in names[code], (code, names[code])
    assert pollutant_group("01042") == "other"
    assert pollutant_group("01042", "METALS") == "METALS"


@given(flags=st.lists(st.booleans(), min_size=1, max_size=30))
def test_SNC_A_property_chronic_iff_at_least_66_percent_exceed(flags):
    values = ["0.75" if above else "0.25" for above in flags]
    s = SncSeries(parameter_code="01042", statistical_base="daily_maximum", upper_limit=D("0.50"),
                  measurements=tuple(m(v, date(2026, 1, 1) + timedelta(days=i)) for i, v in enumerate(values)))
    result = evaluate_series(s, H1, DEFAULTS)
    count = sum(flags)
    assert result["chronic_count"] == count
    assert result["chronic"] is (count > 0 and Fraction(count, len(flags)) >= Fraction(66, 100))
    # 0.75 >= 0.60 as well, so every exceedance here is also a TRC value.
    assert result["trc"] is (count > 0 and Fraction(count, len(flags)) >= Fraction(33, 100))
