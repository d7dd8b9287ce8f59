"""Two users correcting one result: the second save, typed against an older revision, is refused (optimistic lock)."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from app.models.monitoring import Result, ResultRevision
from app.services.permits import import_permit_definition
from app.services.results import RevisionConflict, record_result
from tests.conftest import TEST_PASSWORD
from tests.factories import permit_document

ROW = {"permit": "CT0000001", "outfall": "001", "parameter_code": "00530", "sample_id": "C-1",
       "sampled_at": "2026-03-10T08:00", "value": "72", "unit": "mg/L", "rl": "4.0", "lab": "Acme Labs"}
NOW = datetime(2026, 3, 11, 15, tzinfo=timezone.utc)


@pytest.fixture
def stored(db):
    import_permit_definition(db.session, permit_document("npdes"))
    outcome = record_result(db.session, ROW, now=NOW)
    db.session.commit()
    return outcome.result_id


def _signed_in(app, make_user, role: str, email: str):
    client = app.test_client()
    user = make_user(role, email=email, name=email.split("@")[0].title())
    response = client.post("/auth/login", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 302
    return client


def _form_as_shown(client, result_id: int) -> dict[str, str]:
    """What the browser would post back: every input of the correction form, hidden ones included."""
    html = client.get(f"/results/{result_id}").get_data(as_text=True)
    form = html[html.index('id="correct"'):]
    data = {name: value for name, value in re.findall(r'<input[^>]*name="([a-z_]+)"[^>]*value="([^"]*)"', form)}
    data.update({"qualifier": "", "sample_type": "", "notes": ""})
    data.pop("estimated", None)
    return data


def _revisions(db) -> int:
    return db.session.scalar(select(func.count(ResultRevision.id)))


def test_the_form_carries_the_revision_it_was_filled_from(app, db, stored, make_user):
    alice = _signed_in(app, make_user, "labtech", "alice@example.com")
    assert _form_as_shown(alice, stored)["revision"] == "1"


def test_the_second_of_two_overlapping_corrections_is_refused_and_stores_nothing(app, db, stored, make_user):
    alice = _signed_in(app, make_user, "labtech", "alice@example.com")
    bob = _signed_in(app, make_user, "manager", "bob@example.com")
    seen_by_alice, seen_by_bob = _form_as_shown(alice, stored), _form_as_shown(bob, stored)

    saved = alice.post(f"/results/{stored}/correct",
                       data={**seen_by_alice, "value": "22", "correction_reason": "transcription: 22 read as 72"})
    assert saved.status_code == 302
    refused = bob.post(f"/results/{stored}/correct",
                       data={**seen_by_bob, "value": "27", "correction_reason": "lab re-ran it: 27"})

    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert re.search(r"revision 2 was saved by Alice \(alice@example.com\) at 2\d{3}-\d\d-\d\d \d\d:\d\d E[DS]T "
                     r"while you were editing revision 1; review it and correct again", page)
    assert "Nothing was stored" in page
    db.session.expire_all()
    result = db.session.get(Result, stored)
    assert result.current_revision == 2 and result.current.value == "22"
    assert _revisions(db) == 2
    # Having seen the conflict, Bob's form now names revision 2, so a deliberate second try is a revision 3.
    assert re.search(r'name="revision" type="hidden" value="2"', page)
    again = bob.post(f"/results/{stored}/correct",
                     data={**seen_by_bob, "revision": "2", "value": "27", "correction_reason": "lab re-ran it: 27"})
    assert again.status_code == 302 and _revisions(db) == 3


def test_the_service_checks_the_expected_revision_and_none_keeps_the_old_behaviour(db, stored, make_user):
    lab = make_user("labtech", email="lab@example.com")
    corrected = {**ROW, "value": "22", "correction_reason": "typo"}
    record_result(db.session, corrected, now=NOW, actor_id=lab.id, actor_label=lab.email, expected_revision=1)
    with pytest.raises(RevisionConflict, match="revision 2 was saved by .*lab@example.com"):
        record_result(db.session, {**ROW, "value": "23", "correction_reason": "again"}, now=NOW, actor_id=lab.id,
                      actor_label=lab.email, expected_revision=1)
    outcome = record_result(db.session, {**ROW, "value": "23", "correction_reason": "again"}, now=NOW,
                            actor_id=lab.id, actor_label=lab.email)
    assert outcome.revision == 3
