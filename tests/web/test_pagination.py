"""Long lists are paged on the server, and the pager keeps the filters from one page to the next."""
from __future__ import annotations

from datetime import datetime, timezone

from app.services.permits import import_permit_definition
from app.services.results import record_result
from tests.factories import permit_document

NOW = datetime(2026, 4, 1, tzinfo=timezone.utc)


def test_results_and_the_audit_trail_are_paged_with_their_filters_kept(client, db, login_as):
    import_permit_definition(db.session, permit_document("npdes"))
    for number in range(105):  # one more page than the 100 results a page shows
        record_result(db.session, {"permit": "CT0000001", "outfall": "001", "parameter_code": "00530",
                                   "sample_id": f"P-{number:03d}", "sampled_at": f"2026-03-{number % 28 + 1:02d}",
                                   "value": "12", "unit": "mg/L"}, now=NOW, evaluate=False)
    db.session.commit()
    login_as("viewer")
    first = client.get("/results/?permit=CT0000001").get_data(as_text=True)
    assert "page 1 of 2" in first and "← newer" not in first
    assert 'href="/results/?page=2&amp;permit=CT0000001">older →' in first
    second = client.get("/results/?page=2&permit=CT0000001").get_data(as_text=True)
    assert "page 2 of 2" in second and "older →" not in second
    assert second.count("<tr") - 1 == 5  # the header row and the five results left over
    trail = client.get("/admin/audit?entity=result").get_data(as_text=True)
    assert "page 1 of 3" in trail and 'href="/admin/audit?page=2&amp;entity=result">older →' in trail
