"""Sign-off freezes a DMR: flags acknowledged, certification, checksums; later data needs a new revision."""
from __future__ import annotations

import hashlib
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from app.models.record import Document
from app.models.report import SignedReport
from app.services.documents import open_document
from app.services.dmr_build import build_dmr
from app.services.permits import import_permit_definition
from app.services.report_signoff import (Signature, SignOffError, flag_key, record_submission, revision_needed,
                                         sign_report)
from app.services.results import record_result
from tests.factories import permit_document

NOW = datetime(2026, 4, 5, 15, 0, tzinfo=timezone.utc)
SIGNER = Signature("Morgan Manager", "Plant Manager", certify=True)


@pytest.fixture
def month(db):
    import_permit_definition(db.session, permit_document("npdes"))
    record_result(db.session, {"permit": "CT0000001", "outfall": "001", "parameter_code": "00530", "sample_id": "S1",
                               "sampled_at": "2026-03-03T08:00", "value": "22", "unit": "mg/L"}, now=NOW)
    db.session.commit()


def _acks(db):
    return {flag_key(f): "reviewed: see comment" for f in build_dmr(db.session, "CT0000001", "2026-03").document["flags"]}


def test_signing_needs_every_flag_acknowledged_and_the_certification(db, month, make_user, tmp_path):
    user = make_user("manager")
    with pytest.raises(SignOffError, match="review flags not acknowledged"):
        sign_report(db.session, "CT0000001", "2026-03", SIGNER, {}, now=NOW, store=tmp_path, actor_id=user.id,
                    actor_label=user.email)
    with pytest.raises(SignOffError, match="certify"):
        sign_report(db.session, "CT0000001", "2026-03", Signature("M", "T", certify=False), _acks(db), now=NOW,
                    store=tmp_path, actor_id=user.id, actor_label=user.email)
    report = sign_report(db.session, "CT0000001", "2026-03", SIGNER, _acks(db), now=NOW, store=tmp_path,
                         actor_id=user.id, actor_label=user.email)
    db.session.commit()
    assert (report.revision, report.status, report.signer_title) == (1, "signed", "Plant Manager")
    assert report.certification_text.startswith("I certify")
    for fmt in ("json", "netdmr-csv", "xlsx", "icis-xml"):
        document = db.session.get(Document, report.files[fmt]["document_id"])
        data = open_document(document, tmp_path).read_bytes()
        assert hashlib.sha256(data).hexdigest() == report.files[fmt]["sha256"]


def test_later_data_needs_a_new_revision_and_the_old_one_stays(db, month, make_user, tmp_path):
    user = make_user("manager")
    first = sign_report(db.session, "CT0000001", "2026-03", SIGNER, _acks(db), now=NOW, store=tmp_path,
                        actor_id=user.id, actor_label=user.email)
    with pytest.raises(SignOffError, match="already signed"):
        sign_report(db.session, "CT0000001", "2026-03", SIGNER, _acks(db), now=NOW, store=tmp_path,
                    actor_id=user.id, actor_label=user.email)
    record_result(db.session, {"permit": "CT0000001", "outfall": "001", "parameter_code": "00530", "sample_id": "S2",
                               "sampled_at": "2026-03-10T08:00", "value": "40", "unit": "mg/L"}, now=NOW)
    changes = revision_needed(db.session, build_dmr(db.session, "CT0000001", "2026-03"))
    assert any("00530 C3: 22 -> 40" in c for c in changes)
    second = sign_report(db.session, "CT0000001", "2026-03", SIGNER, _acks(db), now=NOW, store=tmp_path,
                         actor_id=user.id, actor_label=user.email)
    assert (second.revision, second.supersedes_id, first.status) == (2, first.id, "superseded")
    assert first.document["outfalls"][0]["parameters"][1]["values"]["C3"]["value"] == "22"  # frozen


def test_submission_is_recorded_once_on_the_current_revision(db, month, make_user, tmp_path):
    user = make_user("manager")
    report = sign_report(db.session, "CT0000001", "2026-03", SIGNER, _acks(db), now=NOW, store=tmp_path,
                         actor_id=user.id, actor_label=user.email)
    with pytest.raises(SignOffError, match="confirmation number"):
        record_submission(db.session, report.id, submitted_at=NOW, confirmation_number=" ",
                          copy_of_record_document_id=None, actor_id=user.id, actor_label=user.email)
    record_submission(db.session, report.id, submitted_at=NOW, confirmation_number="NETDMR-778812",
                      copy_of_record_document_id=None, actor_id=user.id, actor_label=user.email)
    assert db.session.scalars(select(SignedReport)).one().status == "submitted"
    with pytest.raises(SignOffError, match="is submitted"):
        record_submission(db.session, report.id, submitted_at=NOW, confirmation_number="X",
                          copy_of_record_document_id=None, actor_id=user.id, actor_label=user.email)


def test_data_entered_after_the_signature_is_a_review_flag_until_the_next_one(db, month, make_user, tmp_path):
    user = make_user("manager")
    sign_report(db.session, "CT0000001", "2026-03", SIGNER, _acks(db), now=NOW, store=tmp_path,
                actor_id=user.id, actor_label=user.email)
    assert not [f for f in build_dmr(db.session, "CT0000001", "2026-03").document["flags"]
                if f["code"] == "DATA_ENTERED_AFTER_REVIEW"]
    later = NOW.replace(hour=16)
    record_result(db.session, {"permit": "CT0000001", "outfall": "001", "parameter_code": "00530", "sample_id": "S2",
                               "sampled_at": "2026-03-10T08:00", "value": "12", "unit": "mg/L"}, now=later)
    built = build_dmr(db.session, "CT0000001", "2026-03")
    flagged = [f for f in built.document["flags"] if f["code"] == "DATA_ENTERED_AFTER_REVIEW"]
    assert [(f["parameter"], f["slot"]) for f in flagged] == [("00530", None)]
    assert "1 result revision(s) of outfall 001 entered after revision 1 was signed" in flagged[0]["reason"]
    tss = next(p for p in built.document["outfalls"][0]["parameters"] if p["code"] == "00530")
    assert flagged[0] in tss["flags"]
    assert revision_needed(db.session, built)  # the new sample changed the average
    with pytest.raises(SignOffError, match="review flags not acknowledged"):
        sign_report(db.session, "CT0000001", "2026-03", SIGNER, {k: v for k, v in _acks(db).items()
                                                                  if not k.startswith("DATA_ENTERED")},
                    now=later.replace(hour=17), store=tmp_path, actor_id=user.id, actor_label=user.email)
    second = sign_report(db.session, "CT0000001", "2026-03", SIGNER, _acks(db), now=later.replace(hour=17),
                         store=tmp_path, actor_id=user.id, actor_label=user.email)
    # Re-signed: the flag is gone from the report as built now, and that alone is no change.
    rebuilt = build_dmr(db.session, "CT0000001", "2026-03")
    assert not [f for f in rebuilt.document["flags"] if f["code"] == "DATA_ENTERED_AFTER_REVIEW"]
    assert second.revision == 2 and revision_needed(db.session, rebuilt) == []
