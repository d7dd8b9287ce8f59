from datetime import datetime, timezone
from sqlalchemy import func, select
from app.models.monitoring import Result
from app.models.audit import AuditEntry
from app.services.permits import import_permit_definition
from app.services.result_import import preview_verdicts
from tests.factories import permit_document

def test_preview_shows_the_verdict_and_stores_nothing(db):
    import_permit_definition(db.session, permit_document("npdes"))
    db.session.commit()
    audit_before = db.session.scalar(select(func.count(AuditEntry.id)))
    rows = [{"permit": "CT0000001", "outfall": "001", "parameter_code": "00530", "sample_id": "P-1",
             "sampled_at": "2026-03-10T08:00", "value": "72", "unit": "mg/L"},
            {"permit": "CT0000001", "outfall": "001", "parameter_code": "00530", "sample_id": "P-2",
             "sampled_at": "2026-03-11T08:00", "value": "abc", "unit": "mg/L"}]
    verdicts = preview_verdicts(db.session, rows, now=datetime(2026, 3, 12, tzinfo=timezone.utc))
    assert verdicts[0].status == "imported"
    assert any("daily maximum 72 mg/L over the limit 60" in e for e in verdicts[0].exceedances)
    assert verdicts[1].status == "rejected" and verdicts[1].problem.column == "value"
    assert db.session.scalar(select(func.count(Result.id))) == 0
    db.session.commit()
    assert db.session.scalar(select(func.count(Result.id))) == 0
    assert db.session.scalar(select(func.count(AuditEntry.id))) == audit_before
