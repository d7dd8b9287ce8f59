"""Sample type and holding-time rules: SAMP-01 grab-only pollutants and SAMP-05 Part 136 Table II holding times."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from app.domain.parameter_codes import parameter_description

PROGRAMS = ("npdes", "pretreatment")


@dataclass(frozen=True)
class HoldingTimeGroup:
    """One row of 40 CFR 136.3(e) Table II: the analytes it covers and their maximum holding time."""

    name: str
    holding_time: timedelta
    in_words: str  # Table II's own wording, which is what the lab tech knows


_MINUTES_15 = timedelta(minutes=15)
_HOURS_8 = timedelta(hours=8)
_HOURS_48 = timedelta(hours=48)
_DAYS_7 = timedelta(days=7)
_DAYS_14 = timedelta(days=14)
_DAYS_28 = timedelta(days=28)
# Table II says "6 months", but calendar months are 181 to 184 days long and a holding time must be one
# fixed duration. 180 days is the usual laboratory reading and is never longer than six calendar months,
# so it never accepts a sample that Table II would reject.
_MONTHS_6 = timedelta(days=180)

# RULES.md section 8, SAMP-05 (40 CFR 136.3(e) Table II). Keys are what PARAMETER_GROUPS and GRAB_ONLY use.
HOLDING_TIMES: dict[str, HoldingTimeGroup] = {
    # Footnote 22: incubation must start within 8 h of collection, so `analyzed_at` is the incubation start.
    "bacteria": HoldingTimeGroup("Coliform, E. coli and enterococci", _HOURS_8, "8 hours"),
    "bod": HoldingTimeGroup("BOD5 / CBOD5", _HOURS_48, "48 hours"),
    "cod": HoldingTimeGroup("COD", _DAYS_28, "28 days"),
    "ammonia_tkn": HoldingTimeGroup("Ammonia / TKN", _DAYS_28, "28 days"),
    "nitrate_nitrite": HoldingTimeGroup("Nitrate or nitrite", _HOURS_48, "48 hours"),
    "nitrate_plus_nitrite": HoldingTimeGroup("Nitrate plus nitrite", _DAYS_28, "28 days"),
    "total_phosphorus": HoldingTimeGroup("Total phosphorus", _DAYS_28, "28 days"),
    "orthophosphate": HoldingTimeGroup("Orthophosphate", _HOURS_48, "48 hours"),
    "residue": HoldingTimeGroup("TSS / TDS / total and volatile residue", _DAYS_7, "7 days"),
    "settleable_solids": HoldingTimeGroup("Settleable solids", _HOURS_48, "48 hours"),
    "metals": HoldingTimeGroup("Metals (except mercury and chromium VI)", _MONTHS_6, "6 months (taken as 180 days)"),
    # 28 days is the cold-vapour (245.1) limit. Method 1631E allows 90 days, but RULES.md marks that [K], and
    # the parameter code does not say which method was used, so low-level mercury codes are not mapped.
    "mercury": HoldingTimeGroup("Mercury", _DAYS_28, "28 days"),
    "chromium_vi": HoldingTimeGroup("Chromium VI", _DAYS_28, "28 days"),
    "cyanide": HoldingTimeGroup("Cyanide", _DAYS_14, "14 days"),
    "oil_grease": HoldingTimeGroup("Oil and grease (HEM)", _DAYS_28, "28 days"),
    "phenols": HoldingTimeGroup("Total phenols", _DAYS_28, "28 days"),
    "sulfide": HoldingTimeGroup("Sulfide", _DAYS_7, "7 days"),
    "ph": HoldingTimeGroup("pH", _MINUTES_15, "15 minutes"),
    "total_residual_chlorine": HoldingTimeGroup("Total residual chlorine", _MINUTES_15, "15 minutes"),
    "temperature": HoldingTimeGroup("Temperature", _MINUTES_15, "15 minutes"),
    # The probe limit: a DO code does not say probe or Winkler (8 h), and permits almost always mean a field
    # probe. A Winkler result therefore shows as exceeded and needs the reviewer's eye, which is the safe side.
    "dissolved_oxygen": HoldingTimeGroup("Dissolved oxygen (probe)", _MINUTES_15, "15 minutes"),
    "hardness": HoldingTimeGroup("Hardness", _MONTHS_6, "6 months (taken as 180 days)"),
    "alkalinity_acidity": HoldingTimeGroup("Alkalinity / acidity", _DAYS_14, "14 days"),
    "chloride_fluoride_sulfate": HoldingTimeGroup("Chloride / fluoride / sulfate", _DAYS_28, "28 days"),
    "turbidity_color": HoldingTimeGroup("Turbidity / color", _HOURS_48, "48 hours"),
    # Purgeable (624.1) halocarbons and aromatics. Acrolein and acrylonitrile have their own preservation
    # rules, so they are deliberately left out of the code list below.
    "voc": HoldingTimeGroup("Volatile organic compounds", _DAYS_14, "14 days"),
}

# Every code below was checked against the shipped EPA list (data/DMR_Parameter_List_10302018.csv) and its
# description names the analyte; tests/unit/domain/test_sample_rules.py re-checks that. Water-column codes
# only: sludge, bottom-deposit, dry-weight, percent-removal and per-production codes are other measurements.
_CODES_BY_GROUP: dict[str, tuple[str, ...]] = {
    "bacteria": ("31648", "51040", "51041", "31633", "31616", "31613", "31615", "31641", "74055", "74057",
                 "31501", "31505", "74056", "74058", "61211", "31639"),
    "bod": ("00310", "00318", "80082", "81286"),
    "cod": ("00335", "00340", "81017"),
    "ammonia_tkn": ("00610", "34726", "00625"),
    "nitrate_nitrite": ("00620", "71850", "00615", "71855"),
    "nitrate_plus_nitrite": ("00630",),
    "total_phosphorus": ("00665",),
    "orthophosphate": ("00660", "04175", "50785"),
    "residue": ("00530", "70295", "70300", "00515", "00500", "00505", "00535"),
    "settleable_solids": ("00545",),
    # Total and total recoverable forms. Boron is left out: Table II lists it apart from "metals" and the
    # excerpt in RULES.md does not show its row.
    "metals": ("01042", "01119", "01051", "01114", "01067", "01074", "01092", "01094", "01027", "01113",
               "01034", "01118", "01002", "00978", "01147", "00981", "01077", "01079", "01097", "01268",
               "01012", "00998", "01059", "00982", "01045", "00980", "01055", "11123", "01105", "01104",
               "01007", "01009", "01062", "01129", "01037", "00979", "01087", "01128", "01102", "00983"),
    "mercury": ("71900", "71901"),
    "chromium_vi": ("01032",),
    "cyanide": ("00720", "00722"),
    "oil_grease": ("00552", "00556", "03582"),
    "phenols": ("32730", "34043"),
    "sulfide": ("00745",),
    "ph": ("00400",),
    "total_residual_chlorine": ("50060",),
    "temperature": ("00010", "00011"),
    "dissolved_oxygen": ("00300",),
    "hardness": ("00900",),
    "alkalinity_acidity": ("00410", "00435"),
    "chloride_fluoride_sulfate": ("00940", "00951", "00945"),
    "turbidity_color": ("00070", "00076", "00080"),
    "voc": ("34030", "34010", "34371", "32106", "32102", "34423", "34475", "39180", "39175", "34301",
            "34506", "34511", "34496", "32103", "34501", "34546", "34541", "34516", "32104", "32105",
            "32101", "85811", "34418", "34413", "34488"),
}

PARAMETER_GROUPS: dict[str, str] = {code: group for group, codes in _CODES_BY_GROUP.items() for code in codes}

# SAMP-01 (403.12(g)(3)): these must be grab samples under a pretreatment permit.
GRAB_ONLY: frozenset[str] = frozenset({"ph", "cyanide", "phenols", "oil_grease", "sulfide", "voc"})


def grab_only_groups(*, include_temperature: bool = False) -> frozenset[str]:
    """SAMP-01's list, plus temperature where the local ordinance adds it (many do)."""
    return GRAB_ONLY | {"temperature"} if include_temperature else GRAB_ONLY


def parameter_group(parameter_code: object) -> str | None:
    return PARAMETER_GROUPS.get(parameter_code) if isinstance(parameter_code, str) else None


def holding_time(parameter_code: object) -> timedelta | None:
    """SAMP-05: the maximum holding time for the code, or None when Table II's row for it is not known here."""
    group = parameter_group(parameter_code)
    return None if group is None else HOLDING_TIMES[group].holding_time


@dataclass(frozen=True)
class HoldingTimeVerdict:
    """Whether one analysis met its holding time, with the reason in the words a lab tech uses."""

    allowed: timedelta
    elapsed: timedelta
    exceeded: bool
    clock_start: datetime
    reason: str


def _holding_clock(parameter_code: object, sampled_at: datetime, analyzed_at: datetime | None,
                   sample_type: str | None, composite_end: datetime | None
                   ) -> tuple[HoldingTimeGroup, datetime, str, timedelta] | None:
    """SAMP-05's arithmetic: (Table II row, clock start, how it started, time elapsed), or None."""
    _require_aware("sampled_at", sampled_at)
    _require_aware("analyzed_at", analyzed_at)
    _require_aware("composite_end", composite_end)
    # Compared in UTC for the same reason as the subtraction below.
    if composite_end is not None and composite_end.astimezone(timezone.utc) < sampled_at.astimezone(timezone.utc):
        raise ValueError(f"composite_end {composite_end.isoformat()} is before sampled_at {sampled_at.isoformat()}")
    group = parameter_group(parameter_code)
    if group is None or analyzed_at is None:
        return None
    row = HOLDING_TIMES[group]
    clock_start, started = _clock_start(sampled_at, sample_type, composite_end)
    # Subtract in UTC: two datetimes sharing one ZoneInfo subtract as wall-clock times, which is an hour
    # wrong across a DST change.
    elapsed = analyzed_at.astimezone(timezone.utc) - clock_start.astimezone(timezone.utc)
    if elapsed < timedelta(0):
        raise ValueError(f"analyzed_at {analyzed_at.isoformat()} is before the holding-time clock started "
                         f"({clock_start.isoformat()})")
    return row, clock_start, started, elapsed


def holding_time_exceeded(parameter_code: str, *, sampled_at: datetime, analyzed_at: datetime | None,
                          sample_type: str | None = None, composite_end: datetime | None = None) -> bool | None:
    """check_holding_time's verdict alone (`exceeded`, or None where it gives None), without its words.

    A month's DMR judges some 16,000 analyses and keeps only this flag of each; the sentence is for
    the pages that show one result.
    """
    clock = _holding_clock(parameter_code, sampled_at, analyzed_at, sample_type, composite_end)
    return None if clock is None else clock[3] > clock[0].holding_time


def check_holding_time(parameter_code: str, *, sampled_at: datetime, analyzed_at: datetime | None,
                       sample_type: str | None = None, composite_end: datetime | None = None,
                       ) -> HoldingTimeVerdict | None:
    """SAMP-05: judge one analysis against Table II; None for an unknown code or a missing analysis time.

    The clock (Table II footnote 4): a grab from collection (`sampled_at`); an automated composite from
    the end of compositing (`composite_end`); grabs composited later from the last grab (pass it as
    `composite_end`). A composite without `composite_end` is timed from `sampled_at`, the earliest the
    clock could have started, so an exceedance is never missed.
    """
    clock = _holding_clock(parameter_code, sampled_at, analyzed_at, sample_type, composite_end)
    if clock is None:
        return None
    row, clock_start, started, elapsed = clock
    exceeded = elapsed > row.holding_time
    use_days = row.holding_time > _HOURS_48
    waited = duration_in_words(elapsed, use_days=use_days)
    subject = f"{_parameter_name(parameter_code, row)} was analysed {waited} {started}"
    if exceeded:
        over = duration_in_words(elapsed - row.holding_time, use_days=use_days)
        reason = (f"Holding time exceeded: {subject}; the maximum holding time is {row.in_words} "
                  f"(40 CFR 136.3(e) Table II), so it was {over} late.")
    else:
        reason = f"Within holding time: {subject}; the maximum holding time is {row.in_words}."
    return HoldingTimeVerdict(allowed=row.holding_time, elapsed=elapsed, exceeded=exceeded,
                              clock_start=clock_start, reason=reason)


def check_sample_type(program: str, parameter_code: str, sample_type: str | None, *,
                      include_temperature: bool = False) -> str | None:
    """SAMP-01: the reason a pretreatment grab-only pollutant taken as a composite is a finding, else None.

    NPDES permits set their own sample types (SAMP-03), so there is no program-wide rule to apply there.
    """
    if program not in PROGRAMS:
        raise ValueError(f"program {program!r}: expected one of {', '.join(PROGRAMS)}")
    group = parameter_group(parameter_code)
    if program != "pretreatment" or group not in grab_only_groups(include_temperature=include_temperature):
        return None
    if not _is_composite(sample_type):
        return None
    row = HOLDING_TIMES[group]
    # Several grabs composited before analysis are still grabs; say so, because that is the usual mix-up.
    where = "in the lab only" if group in ("oil_grease", "voc") else "in the field or the lab"
    return (f"{_parameter_name(parameter_code, row)} must be a grab sample under a pretreatment permit "
            f"(SAMP-01, 40 CFR 403.12(g)(3)) but was taken as a {sample_type}. Grabs composited {where} "
            f"before analysis count as grabs; record them as grab samples.")


def duration_in_words(duration: timedelta, *, use_days: bool = True) -> str:
    """'47 hours 45 minutes', '30 days 4 hours', '1 second': whole units, largest first, zeros left out.

    Without days, long spans read in hours, which is how a 48-hour limit is talked about in the lab.
    """
    seconds = duration // timedelta(seconds=1)
    if seconds <= 0:
        return "less than a second" if duration > timedelta(0) else "0 minutes"
    days, seconds = divmod(seconds, 86_400) if use_days else (0, seconds)
    hours, seconds = divmod(seconds, 3_600)
    minutes, seconds = divmod(seconds, 60)
    parts = [f"{count} {unit}{'' if count == 1 else 's'}"
             for count, unit in ((days, "day"), (hours, "hour"), (minutes, "minute"), (seconds, "second"))
             if count]
    return " ".join(parts)


def _clock_start(sampled_at: datetime, sample_type: str | None,
                 composite_end: datetime | None) -> tuple[datetime, str]:
    if composite_end is not None:
        return composite_end, "after the last grab" if sample_type == "grab" else "after compositing ended"
    if _is_composite(sample_type):
        return sampled_at, "after compositing started (its end was not recorded)"
    return sampled_at, "after collection"


def _is_composite(sample_type: str | None) -> bool:
    # Results say "composite"; permits say "24-hour composite" (CONTRACTS.md); both are composites.
    return sample_type is not None and "composite" in sample_type.lower()


def _parameter_name(parameter_code: str, row: HoldingTimeGroup) -> str:
    return f"{parameter_description(parameter_code) or row.name} ({parameter_code})"


def _require_aware(name: str, moment: datetime | None) -> None:
    if moment is not None and (moment.tzinfo is None or moment.utcoffset() is None):
        raise ValueError(f"{name} must be timezone-aware, got naive {moment.isoformat()}")
