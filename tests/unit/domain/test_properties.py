"""Property tests over the public domain API: ND-04 maxima, CALC-02 averages, 5.1 deadlines, CALC-07 mass averages."""
import copy
from collections import defaultdict
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from app.domain.deadlines import compute_deadline
from app.domain.dmr_columns import ColumnDefinition, ParameterDefinition
from app.domain.dmr_values import compute_parameter_values
from app.domain.measurements import Measurement
from app.domain.obligations import NoncomplianceFact, obligations_for
from app.domain.periods import parse_period
from app.domain.rounding import format_reported, round_reported
from app.domain.rules_config import effective_rules

UTC = timezone.utc
NY_NAME = "America/New_York"
NY = ZoneInfo(NY_NAME)
FEBRUARY = parse_period("2026-02")       # four whole Sunday-Saturday weeks: no straddling week
APRIL = parse_period("2026-04")          # its first week starts on Sunday Mar 29
PROPERTY = settings(max_examples=75, deadline=None)


def result(value, day, qualifier="=", unit="mg/L"):
    return Measurement(value=Decimal(value), sample_date=day, unit=unit, qualifier=qualifier)


def column(slot, base, limit, unit="mg/L", **kwargs):
    return ColumnDefinition(slot=slot, statistical_base=base, limit=limit, unit=unit, **kwargs)


def substitute(value, qualifier, policy):
    """ND-02, written out independently of the domain code."""
    if qualifier == "=":
        return value
    return {"zero": Decimal(0), "rl": value, "half_rl": value / 2}[policy]


def close(a, b):
    """Exact rationals against a 28-digit Decimal quotient from the domain, to that precision."""
    return abs(a - b) <= (abs(b) + 1) * Fraction(1, 10 ** 24)


_concentration = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999"), places=2)


# --- ND-04 / CALC-04: removing non-detects below the maximum never changes the daily maximum ----------
#
# A non-detect on a day that also has a quantified result enters that day's mean (ND-02: as zero by
# default), so removing it would legitimately raise the daily value. The property is therefore about
# non-detect days: days whose every result is "<RL", with RL below the reported maximum.

@PROPERTY
@given(quantified=st.lists(st.tuples(st.integers(0, 27), _concentration), min_size=1, max_size=15),
       policy=st.sampled_from(["zero", "rl", "half_rl"]),
       multiple=st.sampled_from(["arithmetic_mean", "max_of_samples"]),
       limit=st.sampled_from([None, "50", "100", "0.50", "250"]),
       data=st.data())
def test_nd04_calc04_property_daily_maximum_unchanged_when_non_detect_days_are_removed(
        quantified, policy, multiple, limit, data):
    rules = effective_rules({"nd": {"avg_substitution": policy},
                             "calc": {"daily_value_from_multiple_samples": multiple}})
    days = defaultdict(list)
    for index, value in quantified:
        days[FEBRUARY.start + timedelta(days=index)].append(value)
    # Independent CALC-01: the mean of the day's results (or the greatest, for max_of_samples).
    daily = {day: (max(v) if multiple == "max_of_samples" else sum(v) / len(v)) for day, v in days.items()}
    highest = max(daily.values())
    # At most 15 sample days, so February always has days left for non-detects.
    free_days = [FEBRUARY.start + timedelta(days=i) for i in range(28)
                 if FEBRUARY.start + timedelta(days=i) not in days]
    rl = st.decimals(min_value=Decimal("0.0001"), max_value=highest, places=4).filter(lambda x: x < highest)
    non_detects = data.draw(st.lists(st.tuples(st.sampled_from(free_days), rl), min_size=1, max_size=10))

    detected = [result(v, day) for day, values in days.items() for v in values]
    everything = detected + [result(level, day, "<") for day, level in non_detects]
    parameter = ParameterDefinition(code="01042", frequency="1/30", sample_type="grab", columns=(
        column("C3", "daily_maximum", limit),))
    with_nd = compute_parameter_values(parameter, everything, FEBRUARY, rules)
    without_nd = compute_parameter_values(parameter, detected, FEBRUARY, rules)

    slot_with, slot_without = with_nd.values["C3"], without_nd.values["C3"]
    assert (slot_with.value, slot_with.qualifier, slot_with.violation) == (
        slot_without.value, slot_without.qualifier, slot_without.violation)
    assert with_nd.excursions == without_nd.excursions
    assert slot_with.value == format_reported(round_reported(highest, limit, rules))
    assert slot_with.qualifier == "="
    assert with_nd.samples == len(everything)                   # the non-detects were really there


@PROPERTY
@given(specs=st.lists(st.tuples(st.integers(0, 27), _concentration, st.sampled_from(["=", "<"])),
                      min_size=1, max_size=20),
       limit=st.sampled_from([None, "50", "0.50"]))
def test_nd04_calc05_property_instantaneous_maximum_unchanged_when_any_non_detect_below_it_is_removed(specs, limit):
    # Instantaneous values are never averaged, so here a non-detect may share a day with detections.
    detected_values = [v for _, v, q in specs if q == "="]
    assume(detected_values)
    highest = max(detected_values)
    everything = [result(v, FEBRUARY.start + timedelta(days=i), q) for i, v, q in specs if q == "=" or v < highest]
    detected = [m for m in everything if m.qualifier == "="]
    parameter = ParameterDefinition(code="01042", frequency="1/30", sample_type="grab", columns=(
        column("C3", "instantaneous_maximum", limit),))
    with_nd = compute_parameter_values(parameter, everything, FEBRUARY, effective_rules())
    without_nd = compute_parameter_values(parameter, detected, FEBRUARY, effective_rules())
    assert with_nd.values["C3"] == without_nd.values["C3"]
    assert with_nd.excursions == without_nd.excursions
    assert with_nd.values["C3"].value == format_reported(round_reported(highest, limit, effective_rules()))


# --- CALC-02 / CALC-03: an arithmetic average lies within [min, max] of the daily values -------------

_april_window = [date(2026, 3, 29) + timedelta(days=i) for i in range(33)]          # Mar 29 .. Apr 30
_flow = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5"), places=2)


# Values from a wide range or from a narrow band: in a narrow band a wrong divisor (e.g. the number of
# days in the month instead of the number of daily values) falls outside [min, max] at once.
_daily_number = st.one_of(_concentration, st.decimals(min_value=Decimal("20"), max_value=Decimal("24"), places=2))


@PROPERTY
@given(first=st.tuples(st.integers(3, 32), _daily_number),
       others=st.lists(st.tuples(st.integers(0, 32), _daily_number, st.sampled_from(["=", "=", "<"])),
                       max_size=25),
       policy=st.sampled_from(["zero", "rl", "half_rl"]),
       method=st.sampled_from(["arithmetic", "flow_weighted"]),
       flows=st.lists(_flow, min_size=33, max_size=33))
def test_calc02_calc03_property_averages_lie_within_the_daily_values(first, others, policy, method, flows):
    # `first` guarantees one quantified April result, so the monthly average is a number (ND-03).
    specs = [(first[0], first[1], "=")] + others
    measurements = [result(v, _april_window[i], q) for i, v, q in specs]
    flow_results = [result(q, day, unit="MGD") for q, day in zip(flows, _april_window)]
    parameter = ParameterDefinition(code="00530", frequency="1/30", sample_type="24-hour composite", columns=(
        column("C1", "weekly_average", "45"), column("C2", "monthly_average", "30")))
    overrides = {"nd": {"avg_substitution": policy}, "calc": {"average_method": method}}
    exact_rules = effective_rules(overrides, {"rounding": {"mode": "none"}})
    exact = compute_parameter_values(parameter, measurements, APRIL, exact_rules, flows=flow_results)

    by_day = defaultdict(list)
    for i, v, q in specs:
        by_day[_april_window[i]].append(substitute(v, q, policy))
    daily = {day: sum(v) / len(v) for day, v in by_day.items()}
    in_april = [v for day, v in daily.items() if APRIL.contains(day)]

    monthly = exact.values["C2"]
    assert monthly.qualifier == "="
    assert min(in_april) <= Decimal(monthly.value) <= max(in_april)
    # And it is the mean itself: divided by the number of daily values (or by the flows, when weighted).
    weights = {day: (Fraction(q) if method == "flow_weighted" else Fraction(1)) for q, day in zip(flows, _april_window)}
    april_days = [day for day in daily if APRIL.contains(day)]
    expected = (sum(Fraction(daily[day]) * weights[day] for day in april_days)
                / sum(weights[day] for day in april_days))
    assert close(Fraction(Decimal(monthly.value)), expected)
    weekly = exact.values["C1"]
    if weekly.qualifier == "=":
        # The highest weekly average uses the days of April's weeks, which start on Mar 29 (CALC-03).
        window_days = [v for day, v in daily.items() if day <= date(2026, 4, 25)]
        assert min(window_days) <= Decimal(weekly.value) <= max(window_days)

    # Rounding to the limit's figures is monotone, so the reported value stays between the rounded bounds.
    rounded_rules = effective_rules(overrides)
    reported = compute_parameter_values(parameter, measurements, APRIL, rounded_rules, flows=flow_results)
    low, high = (round_reported(x, "30", rounded_rules) for x in (min(in_april), max(in_april)))
    assert low <= Decimal(reported.values["C2"].value) <= high


# --- 5.1: deadlines are pure and time-zone aware around the America/New_York DST changes -------------

def us_dst_start_and_end(year):
    """Energy Policy Act 2005: 02:00 local on the second Sunday of March to 02:00 on the first Sunday of November."""
    march = date(year, 3, 1) + timedelta(days=(6 - date(year, 3, 1).weekday()) % 7 + 7)
    november = date(year, 11, 1) + timedelta(days=(6 - date(year, 11, 1).weekday()) % 7)
    return march, november


def ny_offset_at(instant):
    """New York's UTC offset at an instant, from the US rule rather than from the tz database."""
    start, end = us_dst_start_and_end(instant.year)
    dst_start = datetime.combine(start, time(7), tzinfo=UTC)      # 02:00 EST
    dst_end = datetime.combine(end, time(6), tzinfo=UTC)          # 02:00 EDT
    return timedelta(hours=-4) if dst_start <= instant.astimezone(UTC) < dst_end else timedelta(hours=-5)


def ny_offset_at_end_of(day):
    start, end = us_dst_start_and_end(day.year)
    return timedelta(hours=-4) if start <= day < end else timedelta(hours=-5)


TRANSITIONS = [datetime.combine(day, time(7 if day.month == 3 else 6), tzinfo=UTC)
               for year in range(2024, 2031) for day in us_dst_start_and_end(year)]
INPUT_ZONES = [UTC, NY, ZoneInfo("Asia/Tokyo"), ZoneInfo("America/Los_Angeles"),
               timezone(timedelta(hours=5, minutes=30))]
# Awareness within three days either side of a DST change, to the second, written in any zone.
AWARENESS = st.builds(lambda transition, seconds, zone: (transition + timedelta(seconds=seconds)).astimezone(zone),
                      st.sampled_from(TRANSITIONS), st.integers(-3 * 86400, 3 * 86400), st.sampled_from(INPUT_ZONES))
RULE_SETS = [effective_rules(), effective_rules({"notify": {"day_window": "exact_elapsed"}})]


@PROPERTY
@given(aware_at=AWARENESS, hours=st.sampled_from([2, 24, 72]), other_zone=st.sampled_from(INPUT_ZONES))
def test_5_1_property_hour_window_is_n_elapsed_hours_with_the_right_offset_across_dst(aware_at, hours, other_zone):
    rules = effective_rules()
    deadline = compute_deadline(f"{hours}h", aware_at, NY_NAME, rules)
    assert deadline.due.timestamp() - aware_at.timestamp() == hours * 3600
    assert deadline.due.tzinfo == NY
    assert deadline.due.utcoffset() == ny_offset_at(deadline.due)
    assert deadline.due_date == (deadline.due.astimezone(UTC) + ny_offset_at(deadline.due)).date()
    # Pure: the same instant, however it is written, gives the same deadline, to the printed offset.
    again = compute_deadline(f"{hours}h", aware_at.astimezone(other_zone), NY_NAME, rules)
    assert again == deadline
    assert again.due.isoformat() == deadline.due.isoformat()


@PROPERTY
@given(aware_at=AWARENESS, days=st.sampled_from([1, 5, 30]), other_zone=st.sampled_from(INPUT_ZONES))
def test_5_1_property_day_window_ends_23_59_59_local_on_day_n_with_that_days_offset(aware_at, days, other_zone):
    rules = effective_rules()
    before = copy.deepcopy(rules)
    deadline = compute_deadline(f"{days}d", aware_at, NY_NAME, rules)
    local_aware_date = (aware_at.astimezone(UTC) + ny_offset_at(aware_at)).date()
    due_day = local_aware_date + timedelta(days=days)
    assert deadline.due_date == due_day
    assert deadline.due.date() == due_day and deadline.due.time() == time(23, 59, 59)
    assert deadline.due.utcoffset() == ny_offset_at_end_of(due_day)
    assert deadline.due.astimezone(UTC) == datetime.combine(due_day, time(23, 59, 59), tzinfo=UTC) - \
        ny_offset_at_end_of(due_day)
    assert compute_deadline(f"{days}d", aware_at.astimezone(other_zone), NY_NAME, rules) == deadline
    assert rules == before


@PROPERTY
@given(aware_at=AWARENESS, days=st.sampled_from([5, 30]))
def test_5_1_property_exact_elapsed_day_window_is_n_times_24_hours_across_dst(aware_at, days):
    deadline = compute_deadline(f"{days}d", aware_at, NY_NAME, RULE_SETS[1])
    assert deadline.due.timestamp() - aware_at.timestamp() == days * 86400
    assert deadline.due.utcoffset() == ny_offset_at(deadline.due)


FACTS = st.sampled_from([
    # (rule pack, kind, extra fact fields, expected (initial hours, followup days))
    ("federal_npdes", "exceedance", {"statistical_base": "daily_maximum", "value": Decimal("0.040"),
                                     "limit": Decimal("0.035"), "parameter_code": "01042", "listed_24h": True},
     (24, 5)),
    ("ct_spdes", "monitoring_equipment_failure", {}, (2, 5)),
    ("federal_pretreatment", "exceedance", {"statistical_base": "monthly_average", "value": Decimal("2.5"),
                                            "limit": Decimal("1.5"), "parameter_code": "01092"}, (24, 30)),
])


@PROPERTY
@given(aware_at=AWARENESS, fact_spec=FACTS, other_zone=st.sampled_from(INPUT_ZONES))
def test_5_1_property_obligations_are_pure_and_carry_the_facility_offset(aware_at, fact_spec, other_zone):
    pack, kind, extra, (hours, days) = fact_spec
    rules = effective_rules()
    fact = NoncomplianceFact(kind=kind, aware_at=aware_at, **extra)
    drafts = obligations_for(fact, pack, rules, NY_NAME)
    assert obligations_for(fact, pack, rules, NY_NAME) == drafts
    moved = NoncomplianceFact(kind=kind, aware_at=aware_at.astimezone(other_zone), **extra)
    assert obligations_for(moved, pack, rules, NY) == drafts
    (draft,) = drafts
    assert draft.aware_at.utcoffset() == ny_offset_at(aware_at)
    assert draft.initial.due.timestamp() - aware_at.timestamp() == hours * 3600
    assert draft.initial.due.utcoffset() == ny_offset_at(draft.initial.due)
    due_day = (aware_at.astimezone(UTC) + ny_offset_at(aware_at)).date() + timedelta(days=days)
    assert draft.followup.due.isoformat() == datetime.combine(due_day, time(23, 59, 59), tzinfo=timezone(
        ny_offset_at_end_of(due_day))).isoformat()


# --- CALC-07: the monthly mass average is the mean of daily masses, not mean C × mean Q -------------
#
# mean(C·Q) − mean(C)·mean(Q) = cov(C, Q) (population covariance). With Q = a + b·C (b ≠ 0) and C not
# constant, cov = b·var(C) ≠ 0, so the two must differ, by exactly 8.34·cov; with Q constant they agree.

MASS = ParameterDefinition(code="00530", frequency="1/30", sample_type="24-hour composite", columns=(
    column("Q1", "monthly_average", None, "lb/d", derived="mass"),))
FACTOR = Fraction(Decimal("8.34"))
EXACT = effective_rules({"rounding": {"mode": "none"}})


def mass_case(concentrations, flows):
    days = [FEBRUARY.start + timedelta(days=i) for i in range(len(concentrations))]
    values = compute_parameter_values(MASS, [result(c, d) for c, d in zip(concentrations, days)], FEBRUARY, EXACT,
                                      flows=[result(q, d, unit="MGD") for q, d in zip(flows, days)])
    n = len(concentrations)
    c = [Fraction(x) for x in concentrations]
    q = [Fraction(x) for x in flows]
    mean_of_masses = sum(ci * qi for ci, qi in zip(c, q)) / n * FACTOR
    shortcut = sum(c) / n * (sum(q) / n) * FACTOR
    return Fraction(Decimal(values.values["Q1"].value)), mean_of_masses, shortcut



_c = st.decimals(min_value=Decimal("0.1"), max_value=Decimal("500"), places=1)


@PROPERTY
@given(concentrations=st.lists(_c, min_size=2, max_size=28).filter(lambda cs: len(set(cs)) > 1),
       base=st.decimals(min_value=Decimal("0.05"), max_value=Decimal("2"), places=2),
       slope=st.decimals(min_value=Decimal("0.001"), max_value=Decimal("0.01"), places=3),
       together=st.booleans())
def test_calc07_property_mass_average_differs_from_mean_c_times_mean_q_when_they_vary_together(
        concentrations, base, slope, together):
    low, high = min(concentrations), max(concentrations)
    # Flow rises with concentration (together) or falls as it rises; always positive.
    flows = [base + slope * ((c - low) if together else (high - c)) for c in concentrations]
    reported, mean_of_masses, shortcut = mass_case(concentrations, flows)
    assert close(reported, mean_of_masses)
    n = len(concentrations)
    c = [Fraction(x) for x in concentrations]
    variance = sum(x * x for x in c) / n - (sum(c) / n) ** 2
    covariance = Fraction(slope) * variance * (1 if together else -1)
    assert covariance != 0
    assert close(reported - shortcut, FACTOR * covariance)
    assert (reported > shortcut) is together
    assert not close(reported, shortcut)


@PROPERTY
@given(concentrations=st.lists(_c, min_size=1, max_size=28),
       flow=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5"), places=2))
def test_calc07_property_mass_average_equals_mean_c_times_q_when_flow_is_constant(concentrations, flow):
    reported, mean_of_masses, shortcut = mass_case(concentrations, [flow] * len(concentrations))
    assert mean_of_masses == shortcut
    assert close(reported, shortcut)
    # And the reported (3-figure, report-only) values are identical.
    days = [FEBRUARY.start + timedelta(days=i) for i in range(len(concentrations))]
    rounded = compute_parameter_values(MASS, [result(c, d) for c, d in zip(concentrations, days)], FEBRUARY,
                                       effective_rules(), flows=[result(flow, d, unit="MGD") for d in days])
    mean_c = sum(concentrations) / len(concentrations)
    assert rounded.values["Q1"].value == format_reported(
        round_reported(mean_c * flow * Decimal("8.34"), None, effective_rules()))
