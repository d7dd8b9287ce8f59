"""The permit page and the sample record read what they show, not what grows with the permit's history."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import event, select

from app.models.monitoring import Sample
from app.models.report import SignedReport
from app.services.dmr_build import build_dmr
from app.services.permits import import_permit_definition
from app.services.report_signoff import Signature, flag_key, sign_report
from app.services.results import record_result
from tests.factories import permit_document
from tests.web.test_query_counts import MANY, _statements, _wide_permit

NOW = datetime(2026, 4, 5, 15, 0, tzinfo=timezone.utc)


def test_the_permit_page_queries_the_same_for_thirty_more_parameters(client, db, login_as):
    import_permit_definition(db.session, permit_document("npdes"))
    wide = _wide_permit()
    wide["permit"]["number"] = "CT0000002"
    import_permit_definition(db.session, wide)
    db.session.commit()
    login_as("viewer")
    narrow_page = _statements(client, db, "/permits/CT0000001")
    wide_page = _statements(client, db, "/permits/CT0000002")
    assert len(wide_page) <= len(narrow_page), (len(narrow_page), len(wide_page))
    page = client.get("/permits/CT0000002").get_data(as_text=True)
    assert page.count("daily maximum") >= MANY  # every added parameter's limit column is still shown


def test_a_sample_record_reads_only_the_signed_reports_of_periods_holding_its_day(client, db, login_as, make_user,
                                                                                tmp_path):
    import_permit_definition(db.session, permit_document("npdes"))
    for number, day in enumerate(("2026-01-13", "2026-02-10", "2026-03-03"), start=1):
        record_result(db.session, {"permit": "CT0000001", "outfall": "001", "parameter_code": "00530",
                                   "sample_id": f"S{number}", "sampled_at": f"{day}T08:00", "value": "22",
                                   "unit": "mg/L"}, now=NOW)
    manager = make_user("manager")
    for period in ("2026-01", "2026-02", "2026-03"):
        acks = {flag_key(f): "reviewed" for f in build_dmr(db.session, "CT0000001", period).document["flags"]}
        sign_report(db.session, "CT0000001", period, Signature("Morgan Manager", "Plant Manager", certify=True),
                    acks, now=NOW, store=tmp_path, actor_id=manager.id, actor_label=manager.email)
    db.session.commit()
    login_as("viewer")
    february = db.session.scalar(select(Sample.id).where(Sample.sample_code == "S2"))
    read: list[str] = []

    def loaded(report, _context):
        read.append(report.period)

    event.listen(SignedReport, "load", loaded)
    try:
        _statements(client, db, f"/records/samples/{february}")  # empties the session, then runs the request
    finally:
        event.remove(SignedReport, "load", loaded)
    assert read == ["2026-02"]  # each signed report carries its whole DMR: the others are not loaded
    assert "2026-02" in client.get(f"/records/samples/{february}").get_data(as_text=True)
