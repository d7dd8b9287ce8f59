"""SAMP-01 grab-only pollutants and SAMP-05 holding times (RULES.md section 8)."""
import csv
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from app.domain.sample_rules import (
    GRAB_ONLY,
    HOLDING_TIMES,
    PARAMETER_GROUPS,
    check_holding_time,
    check_sample_type,
    duration_in_words,
    grab_only_groups,
    holding_time,
    holding_time_exceeded,
)

EPA_LIST = Path(__file__).resolve().parents[3] / "app" / "domain" / "data" / "DMR_Parameter_List_10302018.csv"
NEW_YORK = ZoneInfo("America/New_York")
T0 = datetime(2026, 2, 2, 8, 0, tzinfo=NEW_YORK)
SECOND = timedelta(seconds=1)

# The evidence for every mapped code: its group and a word its EPA description must contain. Kept apart
# from the module on purpose, so a code added there without evidence here fails the suite.
EVIDENCE = {
    "31648": ("bacteria", "E. coli"), "51040": ("bacteria", "E. coli"), "51041": ("bacteria", "E. coli"),
    "31633": ("bacteria", "E. coli"), "31616": ("bacteria", "coliform, fecal"),
    "31613": ("bacteria", "coliform, fecal"), "31615": ("bacteria", "fecal coliform"),
    "31641": ("bacteria", "fecal coliform"), "74055": ("bacteria", "coliform, fecal"),
    "74057": ("bacteria", "coliform, fecal"), "31501": ("bacteria", "coliform, total"),
    "31505": ("bacteria", "coliform, tot"), "74056": ("bacteria", "coliform, total"),
    "74058": ("bacteria", "coliform, total"), "61211": ("bacteria", "enterococci"),
    "31639": ("bacteria", "enterococci"),
    "00310": ("bod", "BOD, 5-day"), "00318": ("bod", "BOD, 5-day"),
    "80082": ("bod", "BOD, carbonaceous, 05 day"), "81286": ("bod", "BOD, carbonaceous, 5-day"),
    "00335": ("cod", "(COD)"), "00340": ("cod", "(COD)"), "81017": ("cod", "(COD)"),
    "00610": ("ammonia_tkn", "ammonia"), "34726": ("ammonia_tkn", "ammonia"), "00625": ("ammonia_tkn", "Kjeldahl"),
    "00620": ("nitrate_nitrite", "nitrate total"), "71850": ("nitrate_nitrite", "nitrate total"),
    "00615": ("nitrate_nitrite", "nitrite total"), "71855": ("nitrate_nitrite", "nitrite total"),
    "00630": ("nitrate_plus_nitrite", "Nitrite plus nitrate"),
    "00665": ("total_phosphorus", "Phosphorus, total"),
    "00660": ("orthophosphate", "ortho"), "04175": ("orthophosphate", "ortho"),
    "50785": ("orthophosphate", "ortho"),
    "00530": ("residue", "Solids, total suspended"), "70295": ("residue", "Solids, total dissolved"),
    "70300": ("residue", "Solids, total dissolved"), "00515": ("residue", "Residue, tot fltrble"),
    "00500": ("residue", "Solids, total"), "00505": ("residue", "Solids, total volatile"),
    "00535": ("residue", "Solids, volatile suspended"),
    "00545": ("settleable_solids", "Solids, settleable"),
    "01042": ("metals", "Copper"), "01119": ("metals", "Copper"), "01051": ("metals", "Lead"),
    "01114": ("metals", "Lead"), "01067": ("metals", "Nickel"), "01074": ("metals", "Nickel"),
    "01092": ("metals", "Zinc"), "01094": ("metals", "Zinc"), "01027": ("metals", "Cadmium"),
    "01113": ("metals", "Cadmium"), "01034": ("metals", "Chromium, total"),
    "01118": ("metals", "Chromium, total"), "01002": ("metals", "Arsenic"), "00978": ("metals", "Arsenic"),
    "01147": ("metals", "Selenium"), "00981": ("metals", "Selenium"), "01077": ("metals", "Silver"),
    "01079": ("metals", "Silver"), "01097": ("metals", "Antimony"), "01268": ("metals", "Antimony"),
    "01012": ("metals", "Beryllium"), "00998": ("metals", "Beryllium"), "01059": ("metals", "Thallium"),
    "00982": ("metals", "Thallium"), "01045": ("metals", "Iron"), "00980": ("metals", "Iron"),
    "01055": ("metals", "Manganese"), "11123": ("metals", "Manganese"), "01105": ("metals", "Aluminum"),
    "01104": ("metals", "Aluminum"), "01007": ("metals", "Barium"), "01009": ("metals", "Barium"),
    "01062": ("metals", "Molybdenum"), "01129": ("metals", "Molybdenum"), "01037": ("metals", "Cobalt"),
    "00979": ("metals", "Cobalt"), "01087": ("metals", "Vanadium"), "01128": ("metals", "Vanadium"),
    "01102": ("metals", "Tin"), "00983": ("metals", "Tin"),
    "71900": ("mercury", "Mercury"), "71901": ("mercury", "Mercury"),
    "01032": ("chromium_vi", "Chromium, hexavalent"),
    "00720": ("cyanide", "Cyanide"), "00722": ("cyanide", "Cyanide"),
    "00552": ("oil_grease", "Oil and grease"), "00556": ("oil_grease", "Oil & grease"),
    "03582": ("oil_grease", "Oil and grease"),
    "32730": ("phenols", "Phenolics, total"), "34043": ("phenols", "Phenolics, total"),
    "00745": ("sulfide", "Sulfide"),
    "00400": ("ph", "pH"),
    "50060": ("total_residual_chlorine", "Chlorine, total residual"),
    "00010": ("temperature", "Temperature, water"), "00011": ("temperature", "Temperature, water"),
    "00300": ("dissolved_oxygen", "Oxygen, dissolved"),
    "00900": ("hardness", "Hardness"),
    "00410": ("alkalinity_acidity", "Alkalinity"), "00435": ("alkalinity_acidity", "Acidity"),
    "00940": ("chloride_fluoride_sulfate", "Chloride"), "00951": ("chloride_fluoride_sulfate", "Fluoride"),
    "00945": ("chloride_fluoride_sulfate", "Sulfate"),
    "00070": ("turbidity_color", "Turbidity"), "00076": ("turbidity_color", "Turbidity"),
    "00080": ("turbidity_color", "Color"),
    "34030": ("voc", "Benzene"), "34010": ("voc", "Toluene"), "34371": ("voc", "Ethylbenzene"),
    "32106": ("voc", "Chloroform"), "32102": ("voc", "Carbon tetrachloride"),
    "34423": ("voc", "Methylene chloride"), "34475": ("voc", "Tetrachloroethylene"),
    "39180": ("voc", "Trichloroethylene"), "39175": ("voc", "Vinyl chloride"), "34301": ("voc", "Chlorobenzene"),
    "34506": ("voc", "1,1,1-Trichloroethane"), "34511": ("voc", "1,1,2-Trichloroethane"),
    "34496": ("voc", "1,1-Dichloroethane"), "32103": ("voc", "1,2-Dichloroethane"),
    "34501": ("voc", "1,1-Dichloroethylene"), "34546": ("voc", "1,2-trans-Dichloroethylene"),
    "34541": ("voc", "1,2-Dichloropropane"), "34516": ("voc", "1,1,2,2-Tetrachloroethane"),
    "32104": ("voc", "Bromoform"), "32105": ("voc", "Dibromochloromethane"),
    "32101": ("voc", "Dichlorobromomethane"), "85811": ("voc", "Chloroethane"),
    "34418": ("voc", "Methyl chloride"), "34413": ("voc", "Methyl bromide"),
    "34488": ("voc", "Trichlorofluoromethane"),
}

# SAMP-05, Table II as RULES.md section 8 gives it: group, one mapped code, maximum holding time.
TABLE_II = [
    ("bacteria", "51040", timedelta(hours=8)),
    ("bod", "00310", timedelta(hours=48)),
    ("cod", "00340", timedelta(days=28)),
    ("ammonia_tkn", "00610", timedelta(days=28)),
    ("nitrate_nitrite", "00620", timedelta(hours=48)),
    ("nitrate_plus_nitrite", "00630", timedelta(days=28)),
    ("total_phosphorus", "00665", timedelta(days=28)),
    ("orthophosphate", "00660", timedelta(hours=48)),
    ("residue", "00530", timedelta(days=7)),
    ("settleable_solids", "00545", timedelta(hours=48)),
    ("metals", "01042", timedelta(days=180)),
    ("mercury", "71900", timedelta(days=28)),
    ("chromium_vi", "01032", timedelta(days=28)),
    ("cyanide", "00720", timedelta(days=14)),
    ("oil_grease", "00552", timedelta(days=28)),
    ("phenols", "32730", timedelta(days=28)),
    ("sulfide", "00745", timedelta(days=7)),
    ("ph", "00400", timedelta(minutes=15)),
    ("total_residual_chlorine", "50060", timedelta(minutes=15)),
    ("temperature", "00010", timedelta(minutes=15)),
    ("dissolved_oxygen", "00300", timedelta(minutes=15)),
    ("hardness", "00900", timedelta(days=180)),
    ("alkalinity_acidity", "00410", timedelta(days=14)),
    ("chloride_fluoride_sulfate", "00940", timedelta(days=28)),
    ("turbidity_color", "00070", timedelta(hours=48)),
    ("voc", "34030", timedelta(days=14)),
]


def after(delta, start=T0):
    """`start` plus `delta` of real time: aware-datetime addition is wall-clock and would skip DST hours."""
    return (start.astimezone(timezone.utc) + delta).astimezone(NEW_YORK)


def epa_descriptions():
    with EPA_LIST.open(encoding="utf-8", newline="") as handle:
        rows = csv.reader(handle)
        next(rows)
        return {row[0]: row[1] for row in rows}


def test_samp05_every_mapped_code_is_in_the_epa_list_and_names_its_analyte():
    descriptions = epa_descriptions()
    assert set(PARAMETER_GROUPS) == set(EVIDENCE)
    for code, (group, word) in EVIDENCE.items():
        assert code in descriptions, code
        assert word.lower() in descriptions[code].lower(), (code, descriptions[code], word)
        assert PARAMETER_GROUPS[code] == group, code


def test_samp05_no_code_is_listed_in_two_groups():
    from app.domain.sample_rules import _CODES_BY_GROUP
    listed = [code for codes in _CODES_BY_GROUP.values() for code in codes]
    assert len(listed) == len(set(listed)) == len(PARAMETER_GROUPS)


def test_samp05_every_group_has_a_holding_time_and_every_table_row_is_tested():
    assert set(PARAMETER_GROUPS.values()) == set(HOLDING_TIMES) == {group for group, _, _ in TABLE_II}


@pytest.mark.parametrize("group, code, limit", TABLE_II)
def test_samp05_holding_time_per_group(group, code, limit):
    assert PARAMETER_GROUPS[code] == group
    assert holding_time(code) == limit
    assert HOLDING_TIMES[group].holding_time == limit


@pytest.mark.parametrize("group, code, limit", TABLE_II)
def test_samp05_exactly_at_the_limit_is_within_and_one_second_over_is_exceeded(group, code, limit):
    at_limit = check_holding_time(code, sampled_at=T0, analyzed_at=after(limit))
    assert (at_limit.exceeded, at_limit.elapsed, at_limit.allowed) == (False, limit, limit)
    assert at_limit.reason.startswith("Within holding time")
    over = check_holding_time(code, sampled_at=T0, analyzed_at=after(limit + SECOND))
    assert (over.exceeded, over.elapsed) == (True, limit + SECOND)
    assert over.reason.startswith("Holding time exceeded")
    assert over.reason.endswith("it was 1 second late.")
    assert f"({code})" in over.reason and HOLDING_TIMES[group].in_words in over.reason


def test_samp05_reason_names_parameter_limit_and_elapsed_time_in_lab_words():
    verdict = check_holding_time("00310", sampled_at=T0, analyzed_at=T0 + timedelta(hours=50, minutes=30))
    assert verdict.reason == ("Holding time exceeded: BOD, 5-day, 20 deg. C (00310) was analysed 50 hours "
                              "30 minutes after collection; the maximum holding time is 48 hours "
                              "(40 CFR 136.3(e) Table II), so it was 2 hours 30 minutes late.")
    metals = check_holding_time("01042", sampled_at=T0, analyzed_at=T0 + timedelta(days=30, hours=4))
    assert metals.reason == ("Within holding time: Copper, total (as Cu) (01042) was analysed 30 days 4 hours "
                             "after collection; the maximum holding time is 6 months (taken as 180 days).")


def test_samp05_automated_composite_clock_starts_at_the_end_of_compositing():
    end = T0 + timedelta(hours=24)
    verdict = check_holding_time("00310", sampled_at=T0, analyzed_at=end + timedelta(hours=48),
                                 sample_type="24-hour composite", composite_end=end)
    assert (verdict.clock_start, verdict.elapsed, verdict.exceeded) == (end, timedelta(hours=48), False)
    assert "after compositing ended" in verdict.reason
    late = check_holding_time("00310", sampled_at=T0, analyzed_at=end + timedelta(hours=48) + SECOND,
                              sample_type="composite", composite_end=end)
    assert late.exceeded


def test_samp05_grabs_composited_later_clock_starts_at_the_last_grab():
    last_grab = T0 + timedelta(hours=6)
    verdict = check_holding_time("00720", sampled_at=T0, analyzed_at=last_grab + timedelta(days=14),
                                 sample_type="grab", composite_end=last_grab)
    assert (verdict.clock_start, verdict.exceeded) == (last_grab, False)
    assert "after the last grab" in verdict.reason


def test_samp05_composite_without_its_end_is_timed_from_the_start():
    verdict = check_holding_time("00310", sampled_at=T0, analyzed_at=T0 + timedelta(hours=49),
                                 sample_type="composite")
    assert (verdict.clock_start, verdict.exceeded) == (T0, True)
    assert "end was not recorded" in verdict.reason


def test_samp05_grab_clock_starts_at_collection():
    verdict = check_holding_time("00400", sampled_at=T0, analyzed_at=T0 + timedelta(minutes=5), sample_type="grab")
    assert (verdict.clock_start, verdict.elapsed) == (T0, timedelta(minutes=5))
    assert "after collection" in verdict.reason


@pytest.mark.parametrize("code, sampled, analyzed, elapsed, exceeded", [
    # Spring forward at 02:00 EST on 2026-03-08: the wall clocks differ by 48 h 45 min, real time by 47 h 45 min.
    ("00310", datetime(2026, 3, 7, 9, 30), datetime(2026, 3, 9, 10, 15), timedelta(hours=47, minutes=45), False),
    # 01:50 EST to 03:00 EDT is 10 real minutes, although the wall clocks are 70 minutes apart.
    ("00400", datetime(2026, 3, 8, 1, 50), datetime(2026, 3, 8, 3, 0), timedelta(minutes=10), False),
    # Wall clocks 8 h 15 min apart, but only 7 h 15 min passed: within the 8-hour E. coli limit.
    ("51040", datetime(2026, 3, 8, 0, 30), datetime(2026, 3, 8, 8, 45), timedelta(hours=7, minutes=15), False),
    ("51040", datetime(2026, 3, 7, 23, 0), datetime(2026, 3, 8, 8, 1), timedelta(hours=8, minutes=1), True),
    # Fall back on 2026-11-01: 01:10 EDT to the second 01:20 (EST, fold=1) is 70 minutes, not 10.
    ("00400", datetime(2026, 11, 1, 1, 10), datetime(2026, 11, 1, 1, 20, fold=1), timedelta(minutes=70), True),
])
def test_samp05_elapsed_time_across_the_dst_change_is_real_time(code, sampled, analyzed, elapsed, exceeded):
    verdict = check_holding_time(code, sampled_at=sampled.replace(tzinfo=NEW_YORK),
                                 analyzed_at=analyzed.replace(tzinfo=NEW_YORK))
    assert (verdict.elapsed, verdict.exceeded) == (elapsed, exceeded)


def test_samp05_zones_may_differ_between_collection_and_analysis():
    analyzed = (T0 + timedelta(hours=47)).astimezone(timezone.utc)
    verdict = check_holding_time("00310", sampled_at=T0, analyzed_at=analyzed)
    assert (verdict.elapsed, verdict.exceeded) == (timedelta(hours=47), False)


@pytest.mark.parametrize("field", ["sampled_at", "analyzed_at", "composite_end"])
def test_samp05_naive_datetimes_are_refused(field):
    times = {"sampled_at": T0, "analyzed_at": T0 + timedelta(hours=1), "composite_end": T0}
    times[field] = times[field].replace(tzinfo=None)
    with pytest.raises(ValueError, match=f"{field} must be timezone-aware"):
        check_holding_time("00310", sample_type="composite", **times)


@pytest.mark.parametrize("sampled, analyzed, end", [
    (T0, T0 - SECOND, None),
    (T0, T0 + timedelta(hours=1), T0 + timedelta(hours=2)),
    (T0, T0 + timedelta(hours=1), T0 - SECOND),
])
def test_samp05_impossible_times_are_refused(sampled, analyzed, end):
    with pytest.raises(ValueError, match="before"):
        check_holding_time("00310", sampled_at=sampled, analyzed_at=analyzed, sample_type="composite",
                           composite_end=end)


@pytest.mark.parametrize("code", ["99999", "34694", "50092", "01022", "34210", "", None, 310])
def test_samp05_unknown_code_has_no_holding_time(code):
    assert holding_time(code) is None
    assert check_holding_time(code, sampled_at=T0, analyzed_at=T0 + timedelta(days=400)) is None


def test_samp05_missing_analysis_time_gives_no_verdict():
    assert check_holding_time("00310", sampled_at=T0, analyzed_at=None) is None


@pytest.mark.parametrize("duration, use_days, words", [
    (timedelta(0), True, "0 minutes"),
    (timedelta(microseconds=1), True, "less than a second"),
    (SECOND, True, "1 second"),
    (timedelta(minutes=15, seconds=1), True, "15 minutes 1 second"),
    (timedelta(hours=1, minutes=1), True, "1 hour 1 minute"),
    (timedelta(hours=51), False, "51 hours"),
    (timedelta(hours=51), True, "2 days 3 hours"),
    (timedelta(days=181), True, "181 days"),
])
def test_samp05_durations_in_words(duration, use_days, words):
    assert duration_in_words(duration, use_days=use_days) == words


def test_samp01_grab_only_groups():
    assert GRAB_ONLY == {"ph", "cyanide", "phenols", "oil_grease", "sulfide", "voc"}
    assert grab_only_groups() == GRAB_ONLY
    assert grab_only_groups(include_temperature=True) == GRAB_ONLY | {"temperature"}


@pytest.mark.parametrize("program, code, sample_type, include_temperature, finding", [
    ("pretreatment", "00400", "composite", False, True),
    ("pretreatment", "00720", "24-hour composite", False, True),
    ("pretreatment", "32730", "composite", False, True),
    ("pretreatment", "00552", "Composite", False, True),
    ("pretreatment", "00745", "composite", False, True),
    ("pretreatment", "34030", "composite", False, True),
    ("pretreatment", "00400", "grab", False, False),
    ("pretreatment", "00400", None, False, False),
    ("pretreatment", "00400", "continuous", False, False),
    ("pretreatment", "00530", "composite", False, False),
    ("pretreatment", "99999", "composite", False, False),
    ("pretreatment", "00010", "composite", False, False),
    ("pretreatment", "00010", "composite", True, True),
    ("npdes", "00400", "composite", False, False),
    ("npdes", "00552", "composite", False, False),
    ("npdes", "00010", "composite", True, False),
])
def test_samp01_grab_only_pollutant_taken_as_composite(program, code, sample_type, include_temperature, finding):
    reason = check_sample_type(program, code, sample_type, include_temperature=include_temperature)
    assert (reason is not None) == finding
    if finding:
        assert f"({code})" in reason and "must be a grab sample" in reason and "SAMP-01" in reason


@pytest.mark.parametrize("code, where", [("00552", "in the lab only"), ("34030", "in the lab only"),
                                         ("00720", "in the field or the lab"), ("00745", "in the field or the lab")])
def test_samp01_reason_says_where_grabs_may_be_composited(code, where):
    assert where in check_sample_type("pretreatment", code, "composite")


def test_samp01_unknown_program_is_refused():
    with pytest.raises(ValueError, match="program"):
        check_sample_type("npdes ", "00400", "composite")


@pytest.mark.parametrize("group, code, limit", TABLE_II)
def test_samp05_the_flag_alone_agrees_with_the_verdict_at_every_limit(group, code, limit):
    # The DMR keeps only holding_time_exceeded of each analysis; it must be check_holding_time's `exceeded`.
    for analyzed, sample_type, end in ((after(limit), None, None), (after(limit + SECOND), None, None),
                                       (after(limit + SECOND), "composite", None),
                                       (after(limit + SECOND), "composite", T0 + timedelta(minutes=1))):
        times = dict(sampled_at=T0, analyzed_at=analyzed, sample_type=sample_type, composite_end=end)
        assert holding_time_exceeded(code, **times) is check_holding_time(code, **times).exceeded


def test_samp05_the_flag_alone_gives_none_and_refuses_as_the_verdict_does():
    assert holding_time_exceeded("99999", sampled_at=T0, analyzed_at=T0 + timedelta(days=400)) is None
    assert holding_time_exceeded("00310", sampled_at=T0, analyzed_at=None) is None
    with pytest.raises(ValueError, match="before"):
        holding_time_exceeded("00310", sampled_at=T0, analyzed_at=T0 - SECOND)
    with pytest.raises(ValueError, match="sampled_at must be timezone-aware"):
        holding_time_exceeded("00310", sampled_at=T0.replace(tzinfo=None), analyzed_at=T0)
    # DST: 7 h 15 min of real time is within the 8-hour E. coli limit although the wall clocks say 8 h 15 min.
    assert holding_time_exceeded("51040", sampled_at=datetime(2026, 3, 8, 0, 30, tzinfo=NEW_YORK),
                                 analyzed_at=datetime(2026, 3, 8, 8, 45, tzinfo=NEW_YORK)) is False
