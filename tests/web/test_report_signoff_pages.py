"""Signing a DMR on its review page: acknowledgements, frozen checksums, revisions after a correction, submission."""
from __future__ import annotations

import hashlib
import io
import re
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.blueprints.reports.forms import ack_field_name
from app.models.record import Document
from app.models.report import SignedReport
from app.services.documents import open_document
from app.services.permits import import_permit_definition
from app.services.report_signoff import flag_key
from app.services.report_views import recent_periods
from tests.factories import permit_document
from tests.web.test_report_pages import EXE, PDF, REVIEW, UTC, _count, _sign, _sign_data, _store, _tree
from tests.web.test_report_pages import month, store  # noqa: F401  (fixtures, used by name)


def test_sign_off_is_refused_until_every_flag_is_acknowledged_and_certified(client, db, login_as, month):
    login_as("manager")
    page = client.get(REVIEW).get_data(as_text=True)
    response = client.post(REVIEW + "/sign", data=_sign_data(page, acknowledge=False))
    assert response.status_code == 400
    assert response.get_data(as_text=True).count("Acknowledge this flag with a comment.") == \
        len(set(re.findall(r'name="(ack-[0-9a-f]{16})"', page)))
    response = client.post(REVIEW + "/sign", data=_sign_data(page, certify=""))
    assert response.status_code == 400
    assert "The signatory must certify the statement." in response.get_data(as_text=True)
    assert _count(db, SignedReport) == 0


def test_sign_off_freezes_the_files_and_shows_their_checksums(client, db, login_as, month, store):
    login_as("manager")
    page = client.get(REVIEW).get_data(as_text=True)
    assert "I certify under penalty of law that this document" in page  # the permit's own text
    response = _sign(client, page)
    assert response.status_code == 302 and response.headers["Location"].endswith(REVIEW + "#revision-1")
    report = db.session.scalars(select(SignedReport)).one()
    assert (report.revision, report.status, report.signer_name) == (1, "signed", "Morgan Manager")
    keys = {flag_key(f) for f in report.document["flags"]}
    assert {a["flag"] for a in report.acknowledgements} == keys
    tree = _tree(client.get(REVIEW))
    shown = {tr.get("data-format"): tr.xpath(".//code")[0].text
             for tr in tree.xpath("//table[@class='checksums']//tr[@data-format]")}
    assert set(shown) == {"json", "icis-xml", "netdmr-csv", "xlsx"}
    for fmt, checksum in shown.items():
        document = db.session.get(Document, report.files[fmt]["document_id"])
        assert hashlib.sha256(open_document(document, store).read_bytes()).hexdigest() == checksum
    assert "is signed and the data has not changed since" in tree.text_content()
    assert not tree.xpath("//form[@id='sign-off']")


def test_a_later_correction_shows_revision_needed_and_signing_again_keeps_the_old_revision(
        client, db, login_as, month, make_user):
    manager = login_as("manager")
    assert _sign(client).status_code == 302
    _store(db, "01042", "CU-3", "2026-03-17T08:00", "0.90", correction_reason="lab re-ran the digestate",
           actor_id=manager.id)
    db.session.commit()
    response = client.get(REVIEW)
    page = response.get_data(as_text=True)
    banner = " ".join(_tree(response).xpath("//section[@id='revision-needed']")[0].text_content().split())
    assert "Revision needed" in banner and "001 01042 C3: 1.4 -> 0.90" in banner
    assert "revision 2" in page and "lab re-ran the digestate" in page  # the derivation names the correction
    # Another correction lands while the manager reads: the signature must not cover values never shown.
    _store(db, "01042", "CU-1", "2026-03-03T08:00", "0.35", correction_reason="transcription error",
           actor_id=manager.id)
    db.session.commit()
    refused = client.post(REVIEW + "/sign", data=_sign_data(page))
    assert refused.status_code == 400
    assert "the report changed since this page was opened" in refused.get_data(as_text=True)
    assert _sign(client).status_code == 302
    first, second = db.session.scalars(select(SignedReport).order_by(SignedReport.revision)).all()
    assert (first.status, second.status, second.supersedes_id) == ("superseded", "signed", first.id)
    assert first.document["outfalls"][0]["parameters"][2]["values"]["C3"]["value"] == "1.4"  # frozen
    tree = _tree(client.get(REVIEW))
    assert tree.xpath("//article[@id='revision-1']") and tree.xpath("//article[@id='revision-2']")
    assert not tree.xpath("//section[@id='revision-needed']")


# ---- submission -------------------------------------------------------------------------------------------

def _submit(client, data=PDF, name="copy-of-record.pdf", **fields):
    form = {"revision": "1", "submitted_at": "2026-04-10T10:15", "confirmation_number": "NETDMR-778812",
            "copy_of_record": (io.BytesIO(data), name)}
    form.update(fields)
    return client.post(REVIEW + "/submission", data=form, content_type="multipart/form-data")


def test_the_submission_is_recorded_with_the_uploaded_copy_of_record(client, db, login_as, month, store):
    login_as("manager")
    assert _sign(client).status_code == 302
    form = _tree(client.get(REVIEW)).xpath("//form[@id='submission']")[0]
    assert form.xpath(".//input[@name='revision']/@value") == ["1"] and form.get("enctype") == "multipart/form-data"
    assert _submit(client, confirmation_number=" ").status_code == 400
    response = _submit(client, data=EXE, name="copy.pdf")
    assert response.status_code == 400 and "file:" in response.get_data(as_text=True)
    assert db.session.scalars(select(SignedReport)).one().status == "signed"
    response = _submit(client)
    assert response.status_code == 302 and response.headers["Location"].endswith("#revision-1")
    report = db.session.scalars(select(SignedReport)).one()
    assert (report.status, report.confirmation_number) == ("submitted", "NETDMR-778812")
    assert report.submitted_at.replace(tzinfo=UTC) == datetime(2026, 4, 10, 14, 15, tzinfo=UTC)  # EDT
    copy = db.session.get(Document, report.copy_of_record_document_id)
    assert (copy.kind, copy.content_type, copy.report_ref) == ("dmr_copy_of_record", "application/pdf",
                                                                "CT0000001 2026-03")
    assert open_document(copy, store).read_bytes() == PDF
    tree = _tree(client.get(REVIEW))
    article = tree.xpath("//article[@id='revision-1']")[0]
    assert article.xpath(".//strong[@class='confirmation']")[0].text == "NETDMR-778812"
    assert f"/records/documents/{copy.id}" in article.xpath(".//a/@href")
    assert not tree.xpath("//form[@id='submission']")  # recorded once
    assert _submit(client).status_code == 400




def test_a_period_is_signed_only_once_it_is_over(client, db, login_as, store):
    import_permit_definition(db.session, permit_document("npdes"))
    today = datetime.now(UTC).astimezone(ZoneInfo("America/New_York")).date()
    current = recent_periods("monthly", today)[0]
    _store(db, "01042", "CU-NOW", f"{current.start.isoformat()}T08:00", "0.20")
    db.session.commit()
    login_as("manager")
    url = f"/reports/CT0000001/{current.label}"
    page = client.get(url).get_data(as_text=True)
    assert f"The period runs until {current.end.isoformat()}" in page and 'id="sign-off"' not in page
    data = {"fingerprint": "0" * 64, "signer_name": "M", "signer_title": "T", "certify": "y",
            **{ack_field_name(key): "ok" for key in re.findall(r'data-flag="([^"]+)"', page)}}
    response = client.post(url + "/sign", data=data)
    assert response.status_code == 400 and "a report is signed once its monitoring period is over" in \
        response.get_data(as_text=True)
    assert _count(db, SignedReport) == 0


def test_a_copy_of_record_over_the_size_limit_is_refused(app, client, db, login_as, month, monkeypatch):
    login_as("manager")
    assert _sign(client).status_code == 302
    monkeypatch.setitem(app.config, "OUTFALL_MAX_DOCUMENT_BYTES", 40)
    response = _submit(client)
    assert response.status_code == 400 and "over the 40-byte limit" in response.get_data(as_text=True)
    response = _submit(client, data=PDF + b"%" * (70 * 1024))
    assert response.status_code == 413 and "nothing was stored" in response.get_data(as_text=True)
    assert db.session.scalars(select(SignedReport)).one().status == "signed"
