"""Recording a result evaluates only what it can move: the months reading its day and the parameters reading it.

The property test is the proof: after each recorded result, re-evaluating every month of every
parameter from scratch must change nothing more (no exceedance, obligation or audit entry).
"""
from __future__ import annotations

import copy
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, func, select

from app.models.audit import AuditEntry
from app.models.compliance import Exceedance, NotificationObligation
from app.models.permit import Permit
from app.services.evaluation_scope import evaluation_targets, months_reading
from app.services.exceedances import EvaluationSummary, evaluate_parameter_month, month_of
from app.services.permits import import_permit_definition
from app.services.results import record_result
from tests.factories import permit_document

NOW = datetime(2026, 5, 20, 12, 0, tzinfo=timezone.utc)
PERMIT = "CT0000001"


def _document(rules: dict | None = None) -> dict:
    """The demo NPDES permit plus an influent copper (location G) and a copper percent removal (CALC-09)."""
    document = permit_document("npdes")
    outfall = document["permit"]["outfalls"][0]
    copper = next(p for p in outfall["parameters"] if p["code"] == "01042")
    influent = copy.deepcopy(copper)
    influent.update(monitoring_location="G", columns=[{**copper["columns"][0], "limit": None}])
    copper["columns"].append({**copper["columns"][0], "slot": "C1", "statistical_base": "percent_removal",
                              "limit": "85", "unit": "%"})
    outfall["parameters"].append(influent)
    if rules is not None:
        document["permit"]["rules"] = rules
    return document


def _permit(db, rules: dict | None = None) -> Permit:
    import_permit_definition(db.session, _document(rules))
    db.session.commit()
    return db.session.scalar(select(Permit).where(Permit.number == PERMIT))


def test_calc03_a_day_is_read_by_its_month_and_by_a_neighbour_only_through_a_straddling_week(db):
    """CALC-03 (Sunday weeks, saturday_month): Sun 03-29 .. Sat 04-04 is April's week; 02-22 .. 02-28 is February's."""
    permit = _permit(db)
    labels = lambda day: [m.label for m in months_reading(permit, day)]  # noqa: E731
    assert labels(date(2026, 3, 15)) == ["2026-03"]
    assert labels(date(2026, 3, 30)) == ["2026-03", "2026-04"]  # March's day, in April's week
    assert labels(date(2026, 4, 2)) == ["2026-04"]  # March's window ends 03-31
    assert labels(date(2026, 3, 1)) == ["2026-03"]  # February's last week ends 02-28
    assert labels(date(2026, 2, 28)) == ["2026-02"]


def test_calc03_the_wednesday_rule_moves_which_neighbour_reads_a_day(db):
    """calc.week_month_assignment wednesday_rule: a straddling week belongs to the month of its Wednesday."""
    permit = _permit(db, {"nd": {"avg_substitution": "zero"}, "calc": {"week_month_assignment": "wednesday_rule"}})
    # Week Sun 03-29 .. Sat 04-04 has its Wednesday on 04-01: April's, so March 30 is read by April too.
    assert [m.label for m in months_reading(permit, date(2026, 3, 30))] == ["2026-03", "2026-04"]
    # Week Sun 02-22 .. Sat 02-28 lies inside February: March 1 is March's only.
    assert [m.label for m in months_reading(permit, date(2026, 3, 1))] == ["2026-03"]


def test_calc07_calc09_targets_are_the_parameters_that_read_the_result(db):
    permit = _permit(db)
    assert evaluation_targets(permit, "001", "01042", "1") == [("01042", "1")]
    # CALC-07: a flow reaches the mass columns only (TSS has Q1/Q2 in lb/d); pH and metals never read flow.
    assert evaluation_targets(permit, "001", "50050", "1") == [("00530", "1"), ("50050", "1")]
    # CALC-09: an influent copper reaches the copper percent removal, not the other parameters.
    assert evaluation_targets(permit, "001", "01042", "G") == [("01042", "1"), ("01042", "G")]
    assert evaluation_targets(permit, "001", "00530", "1") == [("00530", "1")]


def test_calc07_calc09_a_plain_result_is_its_own_only_target_without_reading_the_permits_versions():
    # A concentration at an effluent location moves only its own findings (CALC-07 and CALC-09 widen the
    # targets of flows and influents alone): no version's parameters are read to find that out (issue 9).
    class Unread:
        @property
        def versions(self):
            raise AssertionError("the permit's versions were read")

    assert evaluation_targets(Unread(), "001", "00530", "1") == [("00530", "1")]
    with pytest.raises(AssertionError, match="versions were read"):
        evaluation_targets(Unread(), "001", "50050", "1")


def test_calc02_flow_weighted_averages_make_every_concentration_read_flow(db):
    permit = _permit(db, {"nd": {"avg_substitution": "zero"}, "calc": {"average_method": "flow_weighted"}})
    assert evaluation_targets(permit, "001", "50050", "1") == [
        ("00400", "1"), ("00530", "1"), ("01042", "1"), ("01042", "G"), ("01092", "1"), ("50050", "1")]


class _Statements:
    def __init__(self, engine):
        self.engine, self.sql = engine, []

    def _log(self, conn, cursor, statement, *args):
        self.sql.append(" ".join(statement.split()))

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._log)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._log)


def test_recording_a_flow_reads_the_results_once_and_the_stored_exceedances_once(db):
    permit = _permit(db)
    record_result(db.session, _raw("00530", "1", date(2026, 3, 30), "55", "T1"), now=NOW)
    with _Statements(db.engine) as log:
        outcome = record_result(db.session, _raw("50050", "1", date(2026, 3, 30), "0.250", "F1"), now=NOW)
    assert outcome.evaluation.created  # 55 mg/L x 0.25 MGD x 8.34 = 115 lb/d > 90 (CALC-07)
    windows = [s for s in log.sql if s.startswith("SELECT") and "JOIN result_revision ON" in s]
    stored = [s for s in log.sql if s.startswith("SELECT") and "FROM exceedance WHERE" in s
              and "evaluation_month IN" in s]
    # Two targets (flow, TSS) x two months (March; April through the straddling week): one read each.
    assert len(windows) == 1 and len(stored) == 1, log.sql
    assert not [s for s in log.sql if "FROM exceedance WHERE" in s and "evaluation_month =" in s]
    assert {m.label for m in months_reading(permit, date(2026, 3, 30))} == {"2026-03", "2026-04"}


def _raw(code: str, location: str, day: date, value: str, sample_id: str, reason: str | None = None) -> dict:
    unit = {"50050": "MGD", "00400": "SU"}.get(code, "mg/L")
    raw = {"permit": PERMIT, "outfall": "001", "parameter_code": code, "monitoring_location": location,
           "sample_id": sample_id, "sampled_at": f"{day.isoformat()}T08:00", "value": value, "unit": unit,
           "received_at": f"{(day + timedelta(days=2)).isoformat()}T10:00"}
    if reason:
        raw["correction_reason"] = reason
    return raw


def test_a_correction_moving_the_sample_to_another_month_evaluates_both_days(db, make_user):
    """CALC-01: the exceedance of the old day is withdrawn, the new day's is created, in one correction."""
    _permit(db)
    user = make_user("labtech")
    record_result(db.session, _raw("00530", "1", date(2026, 3, 10), "65", "T1"), now=NOW)  # C3 65 > 60
    outcome = record_result(db.session, _raw("00530", "1", date(2026, 4, 15), "65", "T1",
                                             reason="wrong sampling date on the chain of custody"),
                            now=NOW, actor_id=user.id, actor_label=user.email)
    found = {(e.evaluation_key, e.status) for e in db.session.scalars(
        select(Exceedance).where(Exceedance.slot == "C3"))}
    assert found == {("day:2026-03-10", "withdrawn"), ("day:2026-04-15", "active")}
    assert outcome.evaluation.created and outcome.evaluation.withdrawn


# Values around each limit, so that exceedances appear, move and are withdrawn.
VALUES = {"00530": ["5", "29", "31", "44", "46", "59", "61", "200"], "50050": ["0.05", "0.25", "0.6", "2.0"],
          "01042": ["0.1", "0.49", "0.51", "0.99", "1.3"], "00400": ["5.8", "7.0", "9.4"]}
PARAMETERS = [("00530", "1"), ("01042", "G"), ("50050", "1"), ("01042", "1"), ("00400", "1")]
FIRST_DAY = date(2026, 2, 20)

step = st.tuples(st.sampled_from(PARAMETERS), st.integers(0, 50), st.integers(0, 7),
                 st.one_of(st.none(), st.integers(0, 5)))


def _state(db) -> list[tuple]:
    exceedances = [(e.id, e.limit_column_id, e.evaluation_key, e.status, e.status_reason, e.value, e.aware_at,
                    tuple(e.sample_ids), e.first_day, e.last_day) for e in db.session.scalars(
        select(Exceedance).order_by(Exceedance.id))]
    obligations = [(o.id, o.exceedance_id, o.rule_id, o.status, o.status_reason, o.aware_at, o.initial_due,
                    o.followup_due) for o in db.session.scalars(
        select(NotificationObligation).order_by(NotificationObligation.id))]
    return [exceedances, obligations, db.session.scalar(select(func.count()).select_from(AuditEntry))]


def _evaluate_everything(db, permit: Permit) -> EvaluationSummary:
    summary = EvaluationSummary()
    month = month_of(date(2026, 1, 1))
    while month.start <= date(2026, 5, 31):
        for version in permit.versions:
            for outfall in version.outfalls:
                for parameter in outfall.parameters:
                    evaluate_parameter_month(db.session, permit, outfall.feature_id, parameter.code,
                                             parameter.monitoring_location, month, reason="full re-evaluation",
                                             summary=summary)
        month = month_of(month.end + timedelta(days=1))
    return summary


RULE_VARIANTS = {
    "default": None,
    "flow_weighted_wednesday": {"nd": {"avg_substitution": "zero"},
                                "calc": {"average_method": "flow_weighted", "week_month_assignment": "wednesday_rule"}},
}


@pytest.mark.parametrize("variant", sorted(RULE_VARIANTS))
def test_incremental_evaluation_equals_evaluating_every_month_from_scratch(db, make_user, variant):
    """CALC-03, CALC-07, CALC-09 (and CALC-02 flow-weighted): whatever is recorded or corrected, on whatever
    day, a full re-evaluation of every parameter and month afterwards finds nothing left to change."""
    permit = _permit(db, RULE_VARIANTS[variant])
    user = make_user("labtech")
    db.session.commit()

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.lists(step, min_size=1, max_size=6))
    def run(steps):
        savepoint = db.session.begin_nested()
        try:
            recorded: list[tuple] = []
            for number, ((code, location), offset, pick, corrects) in enumerate(steps):
                day, value = FIRST_DAY + timedelta(days=offset), VALUES[code][pick % len(VALUES[code])]
                same_kind = [r for r in recorded if r[0] == (code, location)]
                if corrects is not None and same_kind:
                    # A correction of an earlier result: a new value, and maybe another sample day.
                    _, sample_id = same_kind[corrects % len(same_kind)]
                    raw = _raw(code, location, day, value, sample_id, reason="lab reissued the report")
                else:
                    sample_id = f"S{number}"
                    raw = _raw(code, location, day, value, sample_id)
                    recorded.append(((code, location), sample_id))
                record_result(db.session, raw, now=NOW, actor_id=user.id, actor_label=user.email)
                before = _state(db)
                summary = _evaluate_everything(db, permit)
                assert (summary.created, summary.updated, summary.withdrawn) == ([], [], []), (number, steps)
                assert _state(db) == before, (number, steps)
        finally:
            savepoint.rollback()

    run()
