"""An SNC window worked by hand: the six months ending Jun 30 2026 (RULES.md 6).

Every expected number is derived in the comments from RULES.md, not read back from the code.
"""
from datetime import timedelta
from decimal import Decimal

import pytest

from app.domain.rules_config import effective_rules
from app.domain.snc import SncSeries, snc_self_check

from tests.unit.domain.worked_month_helpers import D, result


# =================================================================================================
# (c) One SNC window: the six months ending Jun 30 2026 (Jan 1 - Jun 30; RULES.md section 6).
#
# SNC-A chronic: count of results strictly above the limit (or outside a pH range); chronic if
#   100 × count >= 66 × n.  n = 6: 4 -> 400 >= 396 (66.7 %) yes; 3 -> 300 < 396 (50 %) no.
# SNC-B TRC: count of results >= limit × factor; TRC if 100 × count >= 33 × n.
#   n = 6: 2 -> 200 >= 198 (33.3 %) yes; 1 -> 100 < 198 (16.7 %) no.
# Factors: TSS 1.4, other pollutants 1.2, pH none.
# =================================================================================================

WINDOW_END = D(2026, 6, 30)
AS_OF = D(2026, 7, 15)
SNC_RULES = effective_rules({"profile": "CT_SPDES"})


def monthly_results(values, unit="mg/L"):
    # One result per month, Jan..Jun 2026, on the 15th.
    return tuple(result(v, D(2026, month, 15), unit=unit) for month, v in enumerate(values, start=1))


# Chromium, total (01034), daily maximum 0.50 mg/L -> TRC threshold 0.50 × 1.2 = 0.60.
#   0.60 (= threshold: exceeds, TRC), 0.72 (exceeds, TRC), 0.51, 0.55 (exceed), 0.50 (= limit: not), 0.30
#   chronic 4/6, TRC 2/6. Dec 31 2025 and Jul 1 2026 (0.20 each) lie outside the window: with them,
#   4/8 = 50 % and 2/8 = 25 % would be neither.
CHROMIUM = SncSeries(parameter_code="01034", statistical_base="daily_maximum", upper_limit=Decimal("0.50"),
                     measurements=(result("0.20", D(2025, 12, 31)),
                                   *monthly_results(["0.60", "0.72", "0.51", "0.55", "0.50", "0.30"]),
                                   result("0.20", D(2026, 7, 1))))
# Counter-case, just under both: 0.59 (exceeds, just under 0.60), 0.60 (TRC), 0.51, 0.50, 0.45, 0.30
#   chronic 3/6 (0.59, 0.60, 0.51), TRC 1/6 (0.60).
CHROMIUM_UNDER = SncSeries(parameter_code="01034", statistical_base="daily_maximum", upper_limit=Decimal("0.50"),
                           measurements=monthly_results(["0.59", "0.60", "0.51", "0.50", "0.45", "0.30"]))
# TSS (00530), daily maximum 300 mg/L -> TRC threshold 300 × 1.4 = 420 (not 360 as with 1.2).
#   420 (TRC), 455 (TRC), 400 (exceeds; >= 360 but < 420), 301, 300 (= limit: not), 250
#   chronic 4/6, TRC 2/6.
TSS_SNC = SncSeries(parameter_code="00530", statistical_base="daily_maximum", upper_limit=Decimal("300"),
                    measurements=monthly_results(["420", "455", "400", "301", "300", "250"]))
# Counter-case: 420, 400, 310, 300, 250, 200 -> chronic 3/6; TRC with 1.4: 1/6 (only 420);
#   with 1.2 it would be 2/6 (420 and 400 >= 360): TRC. So this also proves the 1.4 factor.
TSS_UNDER = SncSeries(parameter_code="00530", statistical_base="daily_maximum", upper_limit=Decimal("300"),
                      measurements=monthly_results(["420", "400", "310", "300", "250", "200"]))
# pH (00400), range 5.0 - 10.0 SU: 4.8 (low), 12.5 (high), 12.1 (high), 4.9 (low), 7.0, 8.0 -> chronic 4/6.
#   TRC does not apply to pH, although 12.5 and 12.1 are >= 10.0 × 1.2 = 12.0 (2/6 would be TRC).
PH_SNC = SncSeries(parameter_code="00400", statistical_base="instantaneous_maximum", lower_limit=Decimal("5.0"),
                   upper_limit=Decimal("10.0"),
                   measurements=monthly_results(["4.8", "12.5", "12.1", "4.9", "7.0", "8.0"], unit="SU"))


def test_snc_a_snc_b_window_values_exactly_on_the_thresholds():
    report = snc_self_check([CHROMIUM, TSS_SNC, PH_SNC], [], WINDOW_END, AS_OF, SNC_RULES)
    assert report == {
        "window": {"start": "2026-01-01", "end": "2026-06-30"},
        "pollutants": [
            {"parameter_code": "01034", "measurements": 6, "chronic_count": 4, "chronic": True,
             "trc_threshold": "0.60", "trc_count": 2, "trc": True},
            {"parameter_code": "00530", "measurements": 6, "chronic_count": 4, "chronic": True,
             "trc_threshold": "420", "trc_count": 2, "trc": True},
            {"parameter_code": "00400", "measurements": 6, "chronic_count": 4, "chronic": True,
             "trc_threshold": None, "trc_count": 0, "trc": False},
        ],
        "late_reports": [],
        "snc": ["01034", "00530", "00400"],
    }


def test_snc_a_snc_b_window_counter_cases_just_under_the_thresholds():
    report = snc_self_check([CHROMIUM_UNDER, TSS_UNDER], [], WINDOW_END, AS_OF, SNC_RULES)
    assert report["pollutants"] == [
        {"parameter_code": "01034", "measurements": 6, "chronic_count": 3, "chronic": False,
         "trc_threshold": "0.60", "trc_count": 1, "trc": False},
        {"parameter_code": "00530", "measurements": 6, "chronic_count": 3, "chronic": False,
         "trc_threshold": "420", "trc_count": 1, "trc": False},
    ]
    assert report["snc"] == []


def test_snc_b_window_tss_with_the_other_pollutant_factor_would_be_trc():
    # Only a permit that maps TSS to 1.2 makes TSS_UNDER a TRC case: 2/6 at >= 360.
    rules = effective_rules({"snc": {"trc_factor": {"TSS": "1.2"}}})
    report = snc_self_check([TSS_UNDER], [], WINDOW_END, AS_OF, rules)
    assert (report["pollutants"][0]["trc_threshold"], report["pollutants"][0]["trc_count"],
            report["snc"]) == ("360", 2, ["00530"])


def test_snc_window_fixed_semiannual_and_rolling_windows_agree_at_june_30():
    # Jun 30 ends both the rolling (Q1 + Q2) and the fixed Jan-Jun window.
    rolling = snc_self_check([CHROMIUM], [], WINDOW_END, AS_OF, SNC_RULES)
    fixed = snc_self_check([CHROMIUM], [], WINDOW_END, AS_OF, effective_rules({"snc": {"window": "fixed_semiannual"}}))
    assert rolling == fixed
    # At Sep 30 (Apr-Sep) only the rolling window exists; it holds Apr, May, Jun and the Jul 1 result:
    # 0.55, 0.50, 0.30, 0.20 -> chronic 1/4 (100 < 264), TRC 0/4.
    september = snc_self_check([CHROMIUM], [], D(2026, 9, 30), D(2026, 10, 15), SNC_RULES)
    assert september["window"] == {"start": "2026-04-01", "end": "2026-09-30"}
    assert (september["pollutants"][0]["measurements"], september["pollutants"][0]["chronic_count"],
            september["snc"]) == (4, 1, [])
    with pytest.raises(ValueError):
        snc_self_check([CHROMIUM], [], D(2026, 9, 30), D(2026, 10, 15),
                       effective_rules({"snc": {"window": "fixed_semiannual"}}))


@pytest.mark.parametrize("n, exceeding, at_trc, chronic, trc", [
    # Twice-weekly sampling for 25 weeks: 50 results. 33/50 = 66 % exactly: 3300 >= 3300 -> chronic.
    (50, 33, 0, True, False),
    (50, 32, 0, False, False),          # 64 %
    # About four a week: 100 results. 33/100 = 33 % exactly at >= 0.60 -> TRC (and 33 % is not chronic).
    (100, 33, 33, False, True),
    (100, 32, 32, False, False),        # 32 %
])
def test_snc_a_snc_b_window_percentages_exactly_66_and_33(n, exceeding, at_trc, chronic, trc):
    # Chromium 0.50 mg/L: 0.60 both exceeds and reaches the TRC threshold, 0.55 only exceeds, 0.40 neither.
    values = ["0.60"] * at_trc + ["0.55"] * (exceeding - at_trc) + ["0.40"] * (n - exceeding)
    days = [D(2026, 1, 1) + timedelta(days=(i * 181) // n) for i in range(n)]          # spread over Jan - Jun
    series = SncSeries(parameter_code="01034", statistical_base="daily_maximum", upper_limit=Decimal("0.50"),
                       measurements=tuple(result(v, day) for v, day in zip(values, days)))
    (entry,) = snc_self_check([series], [], WINDOW_END, AS_OF, SNC_RULES)["pollutants"]
    assert (entry["measurements"], entry["chronic_count"], entry["trc_count"]) == (n, exceeding, at_trc)
    assert (entry["chronic"], entry["trc"]) == (chronic, trc)
