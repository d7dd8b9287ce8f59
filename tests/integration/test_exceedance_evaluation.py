"""Storing a result evaluates it at once: exceedances and their obligations, updated and withdrawn on correction."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from app.models.compliance import Exceedance, NotificationObligation
from app.services.notification_obligations import list_obligations, obligation_as_json
from app.services.permits import import_permit_definition
from app.services.results import ResultConflict, record_result
from tests.factories import permit_document

NOW = datetime(2026, 3, 20, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def npdes(db):
    outcome = import_permit_definition(db.session, permit_document("npdes"))
    db.session.commit()
    return outcome


@pytest.fixture
def pretreatment(db):
    outcome = import_permit_definition(db.session, permit_document("pretreatment"))
    db.session.commit()
    return outcome


def _row(**overrides):
    row = {"permit": "CT0000001", "outfall": "001", "parameter_code": "01042", "sample_id": "L-1",
           "sampled_at": "2026-03-10T08:00", "value": "0.20", "unit": "mg/L",
           "received_at": "2026-03-13T09:15"}
    row.update(overrides)
    return row


def _obligations(db, exceedance_id):
    return {o.rule_id: o for o in db.session.scalars(
        select(NotificationObligation).where(NotificationObligation.exceedance_id == exceedance_id))}


def test_a_compliant_result_creates_nothing(db, npdes, make_user):
    outcome = record_result(db.session, _row(), now=NOW)
    assert outcome.status == "imported"
    assert db.session.scalars(select(Exceedance)).all() == []


def test_ct_npdes_listed_daily_maximum_exceedance_creates_every_obligation(db, npdes):
    """RULES.md 5.4 CT NPDES: any daily max violation 2 h / 5 d; 5.2 listed 24-hour parameter 24 h / 5 d."""
    record_result(db.session, _row(value="1.3"), now=NOW)
    exceedances = {e.statistical_base: e for e in db.session.scalars(select(Exceedance))}
    assert sorted(exceedances) == ["daily_maximum", "monthly_average"]
    exceedance = exceedances["daily_maximum"]
    assert exceedances["monthly_average"].value == "1.3"
    assert (exceedance.slot, exceedance.evaluation_key, exceedance.value, exceedance.limit_text) == (
        "C3", "day:2026-03-10", "1.3", "1.0")
    # The monthly average (1.3 > 0.50) is an exceedance of its own, reported with the DMR only.
    obligations = list_obligations(db.session, permit_number="CT0000001")
    payload = [obligation_as_json(o, p.number) for o, p in obligations]
    by_trigger = {(o["trigger"], o["rule"]): o for o in payload}
    triggers = sorted(o["trigger"] for o in payload)
    assert triggers.count("daily_maximum_exceeded") >= 1 and "listed_24h_parameter" in triggers
    ct = next(o for o in payload if o["trigger"] == "daily_maximum_exceeded" and "ct" in o["rule"].lower())
    assert ct["aware_at"] == "2026-03-13T09:15:00-04:00"
    assert ct["initial"]["due"] == "2026-03-13T11:15:00-04:00"
    assert ct["followup"]["due"] == "2026-03-18T23:59:59-04:00"
    listed = next(o for o in payload if o["trigger"] == "listed_24h_parameter")
    assert listed["initial"]["due"] == "2026-03-14T09:15:00-04:00"
    assert payload[0]["initial"]["due"] == "2026-03-13T11:15:00-04:00"  # earliest due first
    assert all(o["status"] == "open" and o["permit"] == "CT0000001" and o["outfall"] == "001" for o in payload)
    assert by_trigger  # every entry keyed


def test_reimporting_the_same_row_changes_nothing(db, npdes):
    record_result(db.session, _row(value="1.3"), now=NOW)
    count = len(db.session.scalars(select(NotificationObligation)).all())
    again = record_result(db.session, _row(value="1.3"), now=NOW)
    assert again.status == "unchanged"
    assert len(db.session.scalars(select(NotificationObligation)).all()) == count


def test_a_conflicting_row_without_reason_is_refused(db, npdes, make_user):
    record_result(db.session, _row(value="1.3"), now=NOW)
    with pytest.raises(ResultConflict):
        record_result(db.session, _row(value="0.3"), now=NOW)
    user = make_user("labtech")
    with pytest.raises(ResultConflict):
        record_result(db.session, _row(value="0.3"), now=NOW, actor_id=user.id)


def test_a_correction_withdraws_the_exceedance_and_its_obligations(db, npdes, make_user):
    user = make_user("labtech")
    record_result(db.session, _row(value="1.3"), now=NOW)
    outcome = record_result(db.session, _row(value="0.13", correction_reason="transcription error: 0.13"),
                            now=NOW, actor_id=user.id, actor_label=user.email)
    assert outcome.status == "revised" and outcome.revision == 2
    exceedances = db.session.scalars(select(Exceedance)).all()
    assert exceedances and all(e.status == "withdrawn" for e in exceedances)
    assert all("transcription error" in e.status_reason for e in exceedances)
    obligations = db.session.scalars(select(NotificationObligation)).all()
    assert obligations and all(o.status == "withdrawn" for o in obligations)
    assert list_obligations(db.session, open_only=True) == []


def test_a_monthly_average_uses_the_last_result_received_as_awareness(db, pretreatment):
    """RULES.md 5.1 notify.average_awareness = last_result_received; 5.3 403.12(g)(2) for any limit."""
    row = dict(permit="SP0002345", outfall="101", parameter_code="00720", unit="mg/L")
    record_result(db.session, {**row, "sample_id": "A", "sampled_at": "2026-03-03T08:00", "value": "0.60",
                               "received_at": "2026-03-06T10:00"}, now=NOW)
    assert db.session.scalars(select(Exceedance)).all() == []
    record_result(db.session, {**row, "sample_id": "B", "sampled_at": "2026-03-17T08:00", "value": "0.80",
                               "received_at": "2026-03-20T14:30"}, now=NOW)
    average = db.session.scalars(select(Exceedance).where(Exceedance.statistical_base == "monthly_average")).one()
    assert (average.value, average.evaluation_key) == ("0.70", "period:2026-03")
    assert average.aware_at == datetime(2026, 3, 20, 18, 30, tzinfo=timezone.utc)
    notice = next(o for o in _obligations(db, average.id).values() if o.trigger == "average_exceeded")
    assert notice.initial_due == datetime(2026, 3, 21, 18, 30, tzinfo=timezone.utc)  # 24 h


def test_ct_spdes_two_times_daily_maximum_with_grabs_averaged(db, pretreatment):
    """CALC-01 grabs of one day averaged; RULES.md 5.4 CT SPDES 2x daily max 2 h / 5 d plus 403.12(g)(2)."""
    row = dict(permit="SP0002345", outfall="101", parameter_code="01042", unit="mg/L",
               received_at="2026-03-13T09:15")
    record_result(db.session, {**row, "sample_id": "G1", "sampled_at": "2026-03-12T08:00", "value": "3.00"}, now=NOW)
    record_result(db.session, {**row, "sample_id": "G2", "sampled_at": "2026-03-12T14:00", "value": "6.00"}, now=NOW)
    daily = db.session.scalars(select(Exceedance).where(Exceedance.statistical_base == "daily_maximum")).one()
    assert daily.value == "4.50" and sorted(daily.sample_ids) == ["G1", "G2"]
    triggers = sorted(o.trigger for o in _obligations(db, daily.id).values())
    assert "two_times_daily_maximum" in triggers and "daily_maximum_exceeded" in triggers
    two_x = next(o for o in _obligations(db, daily.id).values() if o.trigger == "two_times_daily_maximum")
    assert two_x.initial_due == datetime(2026, 3, 13, 15, 15, tzinfo=timezone.utc)


def _tss(db, sample_id, when, value, received):
    return record_result(db.session, {"permit": "CT0000001", "outfall": "001", "parameter_code": "00530",
                                      "sample_id": sample_id, "sampled_at": when, "value": value, "unit": "mg/L",
                                      "received_at": received}, now=NOW)


def _flow(db, day, mgd):
    return record_result(db.session, {"permit": "CT0000001", "outfall": "001", "parameter_code": "50050",
                                      "sample_id": f"FLOW-{day}", "sampled_at": day, "value": mgd, "unit": "MGD",
                                      "received_at": f"{day}T23:59"}, now=NOW)


def test_calc07_mass_exceedance_appears_when_the_flow_arrives(db, npdes):
    """CALC-07: daily mass = C x same-day Q x 8.34; a flow stored after the result re-evaluates the mass column."""
    _tss(db, "T1", "2026-03-10T08:00", "55", "2026-03-12T10:00")
    assert not db.session.scalars(select(Exceedance).where(Exceedance.slot == "Q2")).all()
    _flow(db, "2026-03-10", "0.250")  # 55 * 0.250 * 8.34 = 114.675 lb/d > 90
    mass = db.session.scalars(select(Exceedance).where(Exceedance.slot == "Q2")).one()
    assert (mass.value, mass.limit_text, mass.unit) == ("110", "90", "lb/d")  # two figures, as the limit
    assert sorted(mass.sample_ids) == ["FLOW-2026-03-10", "T1"]
    # Awareness: the later of the two receipts (the mass was knowable only once both were in): the
    # lab result at 2026-03-12 10:00 EDT, not the flow at 2026-03-10 23:59.
    assert mass.aware_at == datetime(2026, 3, 12, 14, 0, tzinfo=timezone.utc)


def test_calc07_a_flow_correction_withdraws_the_mass_exceedance(db, npdes, make_user):
    user = make_user("labtech")
    _tss(db, "T1", "2026-03-10T08:00", "55", "2026-03-12T10:00")
    _flow(db, "2026-03-10", "0.250")
    record_result(db.session, {"permit": "CT0000001", "outfall": "001", "parameter_code": "50050",
                               "sample_id": "FLOW-2026-03-10", "sampled_at": "2026-03-10", "value": "0.150",
                               "unit": "MGD", "received_at": "2026-03-10T23:59",
                               "correction_reason": "meter recalibrated"}, now=NOW, actor_id=user.id)
    mass = db.session.scalars(select(Exceedance).where(Exceedance.slot == "Q2")).one()
    assert mass.status == "withdrawn" and "meter recalibrated" in mass.status_reason  # 68.8 lb/d <= 90


def test_calc03_weekly_average_straddling_months_is_judged_in_the_saturday_month(db, npdes):
    """CALC-03: week Sun 2026-02-22 .. Sat 2026-02-28 is February's; week Sun 03-29 .. Sat 04-04 is April's."""
    _tss(db, "W1", "2026-03-29T08:00", "50", "2026-03-31T10:00")
    _tss(db, "W2", "2026-04-02T08:00", "50", "2026-04-04T10:00")
    weekly = db.session.scalars(select(Exceedance).where(Exceedance.statistical_base == "weekly_average")).one()
    assert (weekly.evaluation_key, weekly.evaluation_month, weekly.value) == ("week:2026-03-29", "2026-04", "50")
    assert sorted(weekly.sample_ids) == ["W1", "W2"]


def test_calc05_calc10_each_ph_reading_outside_the_range_is_its_own_exceedance(db, npdes):
    row = {"permit": "CT0000001", "outfall": "001", "parameter_code": "00400", "unit": "SU",
           "received_at": "2026-03-10T09:00"}
    for sample_id, when, value in (("PH1", "2026-03-10T08:00", "5.8"), ("PH2", "2026-03-10T14:00", "9.4"),
                                   ("PH3", "2026-03-10T20:00", "7.0")):
        record_result(db.session, {**row, "sample_id": sample_id, "sampled_at": when, "value": value}, now=NOW)
    found = {e.statistical_base: e for e in db.session.scalars(select(Exceedance))}
    assert sorted(found) == ["instantaneous_maximum", "instantaneous_minimum"]
    assert found["instantaneous_minimum"].value == "5.8" and found["instantaneous_maximum"].value == "9.4"
    triggers = {o.trigger for o in db.session.scalars(select(NotificationObligation))}
    # CT NPDES names the maximum daily limit only; pH readings are reported with the DMR (122.41(l)(7)).
    assert "two_times_daily_maximum" not in triggers


def test_calc11_one_day_over_both_concentration_and_mass_gets_one_call(db, npdes, make_user):
    """CALC-11 counts such a day once; likewise one CT call covers the day's daily-maximum violations."""
    _flow(db, "2026-03-10", "0.250")
    _tss(db, "T1", "2026-03-10T08:00", "65", "2026-03-12T10:00")  # C3 65 > 60 and Q2 136 > 90
    daily = db.session.scalars(select(Exceedance).where(Exceedance.evaluation_key == "day:2026-03-10")).all()
    assert sorted(e.slot for e in daily) == ["C3", "Q2"]
    calls = [o for o in db.session.scalars(select(NotificationObligation))
             if o.trigger == "daily_maximum_exceeded"]
    assert len(calls) == 1
    # The concentration is corrected below its limit; the mass still exceeds and inherits the call.
    user = make_user("labtech")
    record_result(db.session, {"permit": "CT0000001", "outfall": "001", "parameter_code": "00530",
                               "sample_id": "T1", "sampled_at": "2026-03-10T08:00", "value": "58", "unit": "mg/L",
                               "received_at": "2026-03-12T10:00", "correction_reason": "lab reissued report"},
                  now=NOW, actor_id=user.id)  # Q2: 58 x 0.25 x 8.34 = 121 > 90
    calls = [o for o in db.session.scalars(select(NotificationObligation))
             if o.trigger == "daily_maximum_exceeded"]
    assert len(calls) == 1 and calls[0].status == "open"
    mass = db.session.scalars(select(Exceedance).where(Exceedance.slot == "Q2")).one()
    assert calls[0].exceedance_id == mass.id
