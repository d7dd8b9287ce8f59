"""The facility's monitoring history, day by day: samples, lab and meter results, non-detects, planted
exceedances and corrections, written through the BulkWriter."""
from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from bench.bulk import BulkWriter
from bench.facility import PH_READINGS_PER_DAY, SPECS, TIMEZONE, Spec, design_flow

ZONE = ZoneInfo(TIMEZONE)
LAB = "Tri-County Labs"
COLLECTORS = ("R. Alvarez", "K. Osei", "D. Marsh")
ANALYSTS = ("J. Ortiz", "P. Nguyen", "S. Lamb")
METHODS = {"00530": "SM 2540 D", "00310": "SM 5210 B", "00340": "EPA 410.4", "00610": "EPA 350.1",
           "00665": "EPA 365.1", "00630": "EPA 353.2", "00556": "EPA 1664B", "00720": "SM 4500-CN E",
           "00951": "EPA 300.0", "32730": "EPA 420.1", "78141": "EPA 624.1", "34475": "EPA 624.1",
           "00940": "EPA 300.0", "00945": "EPA 300.0", "70295": "SM 2540 C", "71900": "EPA 245.1",
           "01032": "SM 3500-Cr B"}
CORRECTION_RATE = 0.001
CORRECTION_REASONS = ("lab reissued the report: transcription error in the value",
                      "lab reissued the report: dilution factor applied twice",
                      "wrong unit on the original report (ug/L, not mg/L)")
REASON = "result recorded"


def sampled_on(spec: Spec, day: date) -> bool:
    """Does this parameter get a sample on this day (daily; Tue/Thu for 2/7; Tue for 1/7; first Tuesday for 1/30)."""
    if spec.frequency in ("1/1", "CONT"):
        return True
    if spec.frequency == "2/7":
        return day.weekday() in (1, 3)
    if spec.frequency == "1/7":
        return day.weekday() == 1
    return day.weekday() == 1 and day.day <= 7


def _sig(value: float, digits: int = 3) -> str:
    return str(Decimal(f"{value:.{digits}g}"))


def typical_value(spec: Spec, day: date, rng: random.Random) -> float:
    """A plausible level: a lognormal spread around a third of the daily limit, never near it."""
    if spec.code == "00010":
        return 19 + 6 * math.sin((day.timetuple().tm_yday - 100) / 58.1) + rng.uniform(-1.5, 1.5)
    ceiling = {"00940": 900, "00945": 600, "00665": 6, "00630": 20}.get(spec.code)
    limit = float(spec.daily_max) if spec.daily_max else ceiling
    return min(limit * 0.34 * rng.lognormvariate(0, 0.3), limit * 0.8)


@dataclass
class Plan:
    """What the history plants: (outfall, code, day) -> value over the limit; the months to evaluate."""

    planted: dict[tuple[str, str, date], str] = field(default_factory=dict)
    corrections: int = 0

    def months(self) -> set[tuple[str, str, str]]:
        return {(outfall, code, f"{day:%Y-%m}") for outfall, code, day in self.planted}


def plan_exceedances(outfalls: tuple[str, ...], first: date, last: date, count: int, rng: random.Random) -> Plan:
    """`count` results beyond a daily limit (one in ten a pH excursion), spread over the whole history."""
    limited = [s for s in SPECS if s.daily_max and s.code != "00010"]
    plan, days = Plan(), (last - first).days + 1
    while len(plan.planted) < count:
        outfall = rng.choice(outfalls)
        if rng.random() < 0.1:
            day = first + timedelta(days=rng.randrange(days))
            plan.planted[(outfall, "00400", day)] = rng.choice(("9.3", "9.6", "5.7", "5.4"))
            continue
        spec = rng.choice(limited)
        day = first + timedelta(days=rng.randrange(days))
        while not sampled_on(spec, day) and day < last:
            day += timedelta(days=1)
        if sampled_on(spec, day):
            plan.planted[(outfall, spec.code, day)] = _sig(float(spec.daily_max) * rng.uniform(1.1, 1.9))
    return plan


class History:
    """Writes one day of one outfall at a time; the sample codes follow the lab's monthly numbering."""

    def __init__(self, writer: BulkWriter, permit_id: int, plan: Plan, rng: random.Random, *, entered_by: int) -> None:
        self.writer, self.permit_id, self.plan, self.rng = writer, permit_id, plan, rng
        self.entered_by = entered_by
        self.month_counter: dict[str, int] = {}
        self.results = 0
        self.lab_samples: dict[tuple[str, str], list[str]] = {}  # (outfall, month) -> sample codes, for reports

    def _lab_code(self, day: date) -> str:
        key = f"{day:%y%m}"
        self.month_counter[key] = self.month_counter.get(key, 0) + 1
        return f"L{key}-{self.month_counter[key]:04d}"

    def _sample(self, code: str, outfall: str, day: date, sampled_at: datetime | None, kind: str, *,
                coc: str | None = None, lab: str | None = None, composite: bool = False) -> int:
        values = {"permit_id": self.permit_id, "sample_code": code, "outfall": outfall, "monitoring_location": "1",
                  "sampled_at": sampled_at, "sample_date": day, "sample_type": kind,
                  "collector": self.rng.choice(COLLECTORS) if kind != "continuous" else None, "lab": lab,
                  "chain_of_custody": coc, "created_at": self._received(sampled_at, day, lab).astimezone(ZONE)}
        if composite:
            values.update(composite_start=sampled_at - timedelta(hours=24), composite_end=sampled_at)
        return self.writer.create("sample", values, at=values["created_at"], reason=REASON)

    @staticmethod
    def _received(sampled_at: datetime | None, day: date, lab: str | None) -> datetime:
        if lab:
            return sampled_at + timedelta(days=3, hours=7)
        if sampled_at is None:  # a flow total is read off the totaliser next morning
            return datetime.combine(day + timedelta(days=1), time(6, 10), tzinfo=ZONE)
        return sampled_at + timedelta(minutes=5)

    def _result(self, sample_pk: int, sample_code: str, outfall: str, spec: Spec, day: date, sampled_at, kind: str,
                value: str, *, coc: str | None = None, lab: str | None = None) -> None:
        qualifier, rl, mdl = "=", None, None
        if spec.rl is not None:
            rl, mdl = spec.rl, str((Decimal(spec.rl) / 3).quantize(Decimal(spec.rl)) or spec.rl)
            if (outfall, spec.code, day) not in self.plan.planted and self.rng.random() < spec.nd_rate:
                qualifier, value = "<", spec.rl
        received = self._received(sampled_at, day, lab)
        result_id = self.writer.create("result", {
            "permit_id": self.permit_id, "outfall": outfall, "parameter_code": spec.code, "monitoring_location": "1",
            "sample_id": sample_code, "sample_pk": sample_pk, "current_revision": 1, "sample_date": day,
            "created_at": received},
            at=received, reason=REASON)
        revision = {"result_id": result_id, "revision": 1, "sampled_at": sampled_at, "sample_date": day, "value": value,
                    "qualifier": qualifier, "unit": spec.unit, "mdl": mdl, "rl": rl,
                    "method": METHODS.get(spec.code, "EPA 200.7" if lab else None), "lab": lab,
                    "analyst": self.rng.choice(ANALYSTS) if lab else None,
                    "analyzed_at": sampled_at + timedelta(hours=4) if lab else None, "received_at": received,
                    "sample_type": kind, "chain_of_custody": coc, "notes": None, "estimated": False, "reason": None,
                    "entered_by_id": self.entered_by, "entered_at": received}
        self.writer.create("result_revision", revision, at=received, reason=REASON)
        self.results += 1
        if lab and qualifier == "=" and (outfall, spec.code, day) not in self.plan.planted \
                and self.rng.random() < CORRECTION_RATE:
            self._correct(result_id, revision)

    def _correct(self, result_id: int, revision: dict) -> None:
        """A second revision with a reason, entered six days later, and the result moved onto it."""
        reason = self.rng.choice(CORRECTION_REASONS)
        at = revision["received_at"] + timedelta(days=6)
        corrected = {**revision, "revision": 2, "value": _sig(float(revision["value"]) * 0.9),
                     "reason": reason, "entered_at": at}
        self.writer.create("result_revision", corrected, at=at, reason=reason)
        self.writer.update("result", {"id": result_id}, {"current_revision": 2}, at=at, reason=reason)
        self.plan.corrections += 1

    def _value(self, outfall: str, spec: Spec, day: date) -> str:
        return self.plan.planted.get((outfall, spec.code, day)) or _sig(typical_value(spec, day, self.rng))

    def write_day(self, outfall: str, day: date) -> None:
        rng, eight = self.rng, datetime.combine(day, time(8, 0), tzinfo=ZONE)
        flow = design_flow(outfall) * Decimal(rng.randint(70, 120)) / 100
        flow_spec, ph_spec = SPECS[0], SPECS[1]
        code = f"FL{outfall}-{day:%Y%m%d}"
        pk = self._sample(code, outfall, day, None, "continuous")
        self._result(pk, code, outfall, flow_spec, day, None, "continuous", str(flow.quantize(Decimal("0.001"))))
        planted_ph = self.plan.planted.get((outfall, "00400", day))
        for reading in range(PH_READINGS_PER_DAY):
            at = datetime.combine(day, time(6 + reading, 0), tzinfo=ZONE)
            code = f"PH{outfall}-{day:%Y%m%d}-{6 + reading:02d}"
            pk = self._sample(code, outfall, day, at, "continuous")
            value = planted_ph if planted_ph and reading == 9 else f"{rng.uniform(6.6, 8.2):.1f}"
            self._result(pk, code, outfall, ph_spec, day, at, "continuous", value)
        for kind, wording in (("composite", "24-hour composite"), ("grab", "grab")):
            due = [s for s in SPECS[2:] if s.sample_type == wording and sampled_on(s, day)]
            code, coc = self._lab_code(day), f"COC-{day:%Y%m%d}-{outfall}"
            pk = self._sample(code, outfall, day, eight, kind, coc=coc, lab=LAB, composite=kind == "composite")
            self.lab_samples.setdefault((outfall, f"{day:%Y-%m}"), []).append(code)
            for spec in due:
                self._result(pk, code, outfall, spec, day, eight, kind, self._value(outfall, spec, day), coc=coc,
                             lab=LAB if spec.code != "00010" else None)
        self.writer.maybe_flush()


def _month_starts(first: date, last: date) -> list[date]:
    months, day = [], first.replace(day=1)
    while day <= last:
        months.append(day)
        day = (day + timedelta(days=32)).replace(day=1)
    return months


def write_documents(writer: BulkWriter, history: History, permit_number: str, first: date, last: date,
                    rng: random.Random) -> int:
    """Document metadata rows (no stored files): a lab report per outfall and month, the DMR copy of record
    per month, and the pH meters' calibration certificates each quarter."""
    count = 0
    for month in _month_starts(first, last):
        issued = (month + timedelta(days=40)).replace(day=10)
        rows = [("dmr_copy_of_record", f"DMR {permit_number} {month:%Y-%m} copy of record", None,
                 f"DMR-{permit_number}-{month:%Y-%m}.pdf", None)]
        for (outfall, label), codes in history.lab_samples.items():
            if label == f"{month:%Y-%m}":
                rows.append(("lab_report", f"{LAB} report {month:%y%m}-{outfall}", outfall,
                             f"TCL-{month:%y%m}-{outfall}.pdf",
                             f"{LAB} analytical report, outfall {outfall}, {month:%B %Y}. Samples: " + ", ".join(codes)))
        if month.month in (1, 4, 7, 10):
            rows += [("calibration_certificate", f"pH meter PH-{o} calibration certificate {month:%Y-%m}", o,
                      f"cal-PH-{o}-{month:%Y%m}.pdf", None) for o in sorted({o for o, _ in history.lab_samples})]
        for kind, title, outfall, name, extracted in rows:
            at = datetime.combine(min(issued, last + timedelta(days=15)), time(10, 0), tzinfo=ZONE)
            writer.create("document", {
                "sha256": hashlib.sha256(f"{kind} {title}".encode()).hexdigest(), "size": rng.randint(40_000, 900_000),
                "content_type": "application/pdf", "original_name": name, "kind": kind, "title": title,
                "document_date": at.date(), "permit_id": history.permit_id, "outfall": outfall,
                "report_ref": f"{permit_number} {month:%Y-%m}" if kind != "calibration_certificate" else None,
                "extracted_text": extracted, "retention_until": at.date().replace(year=at.year + 5),
                "status": "active", "uploaded_by_id": history.entered_by, "uploaded_at": at}, at=at,
                reason="document stored")
            count += 1
        writer.maybe_flush()
    return count
