"""The demo's year of results: deterministic, loaded once, with the exceedances it plants found by the engine."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from app.models.compliance import Exceedance, NotificationObligation
from app.models.monitoring import Result
from app.services.demo import load_demo

TODAY = date(2026, 11, 23)


def test_demo_loads_a_year_of_results_with_exceedances_once(db):
    summary = load_demo(db.session, TODAY)
    db.session.commit()
    assert "results from the twelve months before November 2026 to yesterday" in summary
    results = db.session.scalar(select(func.count(Result.id)))
    assert results > 1000
    found = {(e.parameter_code, e.statistical_base, e.first_day.isoformat())
             for e in db.session.scalars(select(Exceedance).where(Exceedance.status == "active"))}
    # The planted ones: TSS daily maximum in February, CT SPDES copper 2x in April, the last one late October.
    assert ("00530", "daily_maximum", "2026-02-12") in found
    assert ("01042", "daily_maximum", "2026-04-19") in found
    assert ("01042", "daily_maximum", "2026-10-27") in found
    statuses = {o.status for o in db.session.scalars(select(NotificationObligation))}
    assert statuses == {"open", "done"}  # the last month's calls are still to be made
    load_demo(db.session, TODAY)
    assert db.session.scalar(select(func.count(Result.id))) == results
