"""The busy pages run as many SQL statements for 30 rows as for 1: no query per row (N+1)."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import event, select

from app.domain.parameter_codes import parameter_descriptions
from app.models.monitoring import Sample
from app.services.permits import import_permit_definition
from app.services.results import record_result
from tests.factories import permit_document

MANY = 30


@contextmanager
def _counted(db):
    statements: list[str] = []

    def count(_connection, _cursor, statement, _parameters, _context, _executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def _statements(client, db, url: str) -> list[str]:
    # A request shares the test's session (one app context for the whole test); production starts each
    # request with an empty one, so empty it here too: nothing the set-up loaded may hide a query.
    db.session.expunge_all()
    with _counted(db) as statements:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return statements


def _wide_permit() -> dict:
    """The demo NPDES permit with MANY monitored parameters at outfall 001, so one sample can carry MANY results."""
    document = permit_document("npdes")
    parameters = document["permit"]["outfalls"][0]["parameters"]
    taken = {p["code"] for p in parameters} | {"00400", "50050"}
    extra = [code for code in sorted(parameter_descriptions()) if code.startswith("01") and code not in taken]
    parameters += [{"code": code, "monitoring_location": "1", "frequency": "1/30", "sample_type": "grab",
                    "columns": [{"slot": "C3", "statistical_base": "daily_maximum", "limit": "1.0", "unit": "mg/L"}]}
                   for code in extra[:MANY]]
    return document


def _copper(day, sample_id: str, value: str = "1.3") -> dict:
    # Beyond the 1.0 mg/L daily maximum: each row is an exceedance with a 24-hour notification obligation.
    return {"permit": "CT0000001", "outfall": "001", "parameter_code": "01042", "sample_id": sample_id,
            "sampled_at": f"{day.isoformat()}T08:00", "value": value, "unit": "mg/L",
            "chain_of_custody": f"COC-{sample_id}"}


@pytest.fixture
def wide(db):
    import_permit_definition(db.session, _wide_permit())
    db.session.commit()


def _grow(db, now, count: int, start: int = 0) -> None:
    today = now.date()
    for n in range(start, start + count):
        record_result(db.session, _copper(today - timedelta(days=n + 1), f"CU-{n}"), now=now)
    db.session.commit()


def test_the_dashboard_and_results_list_do_not_query_per_row(client, db, login_as, wide):
    now = datetime.now(timezone.utc)
    login_as("manager")
    _grow(db, now, 1)
    few = {url: _statements(client, db, url) for url in ("/", "/results/")}
    _grow(db, now, MANY - 1, start=1)
    for url, before in few.items():
        after = _statements(client, db, url)
        assert len(after) <= len(before), (url, len(before), len(after), after[len(before):][:5])
    # The rows did grow: thirty results listed, and the dashboard's lists full.
    assert client.get("/results/").get_data(as_text=True).count("CU-") == MANY
    dashboard = client.get("/").get_data(as_text=True)
    assert dashboard.count('<li class="bad">CT0000001 001') == 20  # the exceedance list's limit


def test_a_sample_record_queries_the_same_for_one_result_as_for_thirty(client, db, login_as, make_user, wide):
    now, labtech = datetime.now(timezone.utc), make_user("labtech")
    day = (now - timedelta(days=3)).date()
    codes = [p["code"] for p in _wide_permit()["permit"]["outfalls"][0]["parameters"]
             if p["code"] not in ("00400", "50050", "00530")][:MANY]
    assert len(codes) == MANY
    for n, code in enumerate(codes):
        record_result(db.session, {**_copper(day, "WIDE-1"), "parameter_code": code, "value": f"0.{n + 1:02d}"},
                      now=now)
    record_result(db.session, _copper(day, "NARROW-1", "0.2"), now=now)
    # A correction on each page, so the revision history and who entered it are read too.
    for sample_id in ("NARROW-1", "WIDE-1"):
        record_result(db.session, {**_copper(day, sample_id, "0.4"), "correction_reason": "lab re-ran it"}, now=now,
                      actor_id=labtech.id, actor_label=labtech.email)
    db.session.commit()
    login_as("viewer")
    ids = {s.sample_code: s.id for s in db.session.scalars(select(Sample))}
    one = _statements(client, db, f"/records/samples/{ids['NARROW-1']}")
    thirty = _statements(client, db, f"/records/samples/{ids['WIDE-1']}")
    assert len(thirty) <= len(one), (len(one), len(thirty), thirty[len(one):][:3])
    page = client.get(f"/records/samples/{ids['WIDE-1']}").get_data(as_text=True)
    assert page.count('<article class="result"') == MANY
    # Each result still finds its parameter, and so the limits of the version that applied.
    assert "not monitored under the version that applied" not in page
    assert page.count("daily maximum") >= MANY
