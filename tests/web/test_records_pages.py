"""The records pages: documents, instruments and calibration, a sample's full record, and the binder download."""
from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from app.models.compliance import NoncomplianceEvent
from app.models.monitoring import Sample
from app.models.record import CalibrationEntry, CustodyTransfer, Document, Instrument
from app.services.calibration import CalibrationRecord, InstrumentSpec, record_calibration, register_instrument
from app.services.documents import DocumentUpload, store_document
from app.services.permits import import_permit_definition
from app.services.results import record_result
from tests.conftest import TEST_PASSWORD
from tests.factories import permit_document
from tests.web.test_csrf import _token, csrf_client  # noqa: F401  (csrf_client is a fixture used here)

UTC = timezone.utc
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00This program cannot be run in DOS mode."


@pytest.fixture
def store(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "OUTFALL_DOCUMENTS_PATH", str(tmp_path / "documents"))
    return tmp_path / "documents"


@pytest.fixture
def records(db, store, make_user):
    """A permit, a sample with a corrected result that exceeds its limit, a document and an instrument."""
    labtech = make_user("labtech", email="lab@test.example")
    import_permit_definition(db.session, permit_document("npdes"))
    now = datetime(2026, 3, 20, 12, tzinfo=UTC)
    row = {"permit": "CT0000001", "outfall": "001", "parameter_code": "01042", "sample_id": "CU-7",
           "sampled_at": "2026-03-10T08:00", "value": "1.3", "unit": "mg/L", "received_at": "2026-03-13T09:15",
           "lab": "Tri-County Labs", "method": "EPA 200.7", "mdl": "0.002", "rl": "0.010",
           "analyzed_at": "2026-03-12T10:00", "chain_of_custody": "COC-88121"}
    record_result(db.session, row, now=now, actor_id=labtech.id, actor_label=labtech.email)
    record_result(db.session, {**row, "value": "1.4", "correction_reason": "lab re-ran the digestate"}, now=now,
                  actor_id=labtech.id, actor_label=labtech.email)
    sample = db.session.scalar(select(Sample).where(Sample.sample_code == "CU-7"))
    document = store_document(db.session, DocumentUpload(
        data=PDF, filename="L2603-11.pdf", kind="lab_report", title="Tri-County report L2603-11",
        document_date=date(2026, 3, 12), permit_number="CT0000001", sample_pk=sample.id), store=store)
    instrument = register_instrument(db.session, InstrumentSpec(
        name="Outfall 001 pH meter", kind="ph_meter", calibration_interval_days=1, permit_number="CT0000001",
        outfall="001"))
    db.session.commit()
    return {"sample": sample.id, "document": document.id, "instrument": instrument.id}


def _upload(client, data=PDF, name="report.pdf", **fields):
    form = {"kind": "lab_report", "title": "Tri-County report L2603-12", "document_date": "2026-03-14",
            "permit": "CT0000001", "file": (io.BytesIO(data), name)}
    form.update(fields)
    return client.post("/records/documents/upload", data=form, content_type="multipart/form-data")


def _count(db, model) -> int:
    return db.session.scalar(select(func.count(model.id)))


# ---- roles ------------------------------------------------------------------------------------------------

def test_the_inspector_reads_everything_and_changes_nothing(app, client, db, records, login_as):
    login_as("viewer")
    pages = ["/records/", "/records/documents", f"/records/documents/{records['document']}",
             "/records/instruments", f"/records/instruments/{records['instrument']}",
             f"/records/samples/{records['sample']}", "/records/documents?kind=lab_report&permit=CT0000001"]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert b"Upload a document" not in response.data, url  # no write affordances for the viewer
    assert client.get(f"/records/documents/{records['document']}/download").data == PDF
    posts = {rule.rule for rule in app.url_map.iter_rules()
             if rule.endpoint.startswith("records.") and "POST" in rule.methods}
    assert len(posts) == 9  # the seven records forms and the two inspector-link forms
    for rule in posts:
        url = (rule.replace("<int:document_id>", str(records["document"])).replace("<int:link_id>", "1")
               .replace("<int:instrument_id>", str(records["instrument"]))
               .replace("<int:sample_id>", str(records["sample"])))
        assert client.post(url, data={"reason": "x", "title": "x"}).status_code == 403, url
    assert (_count(db, Document), _count(db, Instrument), _count(db, CalibrationEntry),
            _count(db, CustodyTransfer)) == (1, 1, 0, 0)


def test_the_records_link_is_in_the_navigation(client, db, login_as):
    login_as("viewer")
    assert b'href="/records/"' in client.get("/").data


# ---- documents --------------------------------------------------------------------------------------------

def test_a_labtech_uploads_a_document_and_it_downloads_as_stored(client, db, records, login_as, store):
    login_as("labtech")
    response = _upload(client, sample_code="CU-7")
    assert response.status_code == 302, response.get_data(as_text=True)
    document = db.session.scalar(select(Document).where(Document.title == "Tri-County report L2603-12"))
    assert response.headers["Location"].endswith(f"/records/documents/{document.id}")
    assert (document.sample_pk, document.retention_until) == (records["sample"], date(2031, 3, 14))
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Tri-County report L2603-12" in page and document.sha256 in page and "CU-7" in page
    listed = client.get("/records/documents?kind=lab_report&since=2026-03-13").get_data(as_text=True)
    assert "Tri-County report L2603-12" in listed and "Tri-County report L2603-11" not in listed

    download = client.get(f"/records/documents/{document.id}/download")
    assert download.status_code == 200 and download.data == PDF
    assert download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"] == "attachment; filename=report.pdf"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Length"] == str(len(PDF))


def test_links_that_do_not_exist_store_nothing(client, db, records, login_as):
    login_as("labtech")
    response = _upload(client, sample_code="NOPE-1")
    assert response.status_code == 400
    assert "sample code: no sample &#39;NOPE-1&#39; under permit CT0000001" in response.get_data(as_text=True)
    response = _upload(client, outfall="1")
    assert response.status_code == 400 and "outfall: permit CT0000001 has no outfall" in response.get_data(as_text=True)
    response = _upload(client, obligation_id="99999")
    assert response.status_code == 400 and "obligation id: no notification obligation 99999" in \
        response.get_data(as_text=True)
    assert _count(db, Document) == 1


def test_the_permit_is_taken_from_the_sample_so_retention_follows_it(client, db, records, login_as):
    login_as("labtech")
    assert _upload(client, permit="", sample_code="CU-7").status_code == 302
    document = db.session.scalar(select(Document).where(Document.title == "Tri-County report L2603-12"))
    assert (document.permit_id is not None, document.retention_until) == (True, date(2031, 3, 14))


def test_an_oversize_upload_is_refused_with_the_limit(app, client, db, records, login_as, monkeypatch, store):
    login_as("labtech")
    monkeypatch.setitem(app.config, "OUTFALL_MAX_DOCUMENT_BYTES", 1000)
    response = _upload(client, data=PDF + b" " * 2000)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Nothing was stored" in page and "is over the 1,000-byte limit" in page
    # Far beyond the cap the request itself is refused before it is read.
    huge = _upload(client, data=PDF + b" " * (200 * 1024))
    assert huge.status_code == 413 and "at most" in huge.get_data(as_text=True)
    assert _count(db, Document) == 1


def test_an_executable_renamed_pdf_is_refused_by_its_content(client, db, records, login_as, store):
    login_as("labtech")
    blobs = sorted(p.name for p in store.rglob("*") if p.is_file())
    response = _upload(client, data=EXE, name="invoice.pdf")
    assert response.status_code == 400
    assert "file: not a PDF, PNG, JPEG, TIFF, XLSX, DOCX or UTF-8 text file" in response.get_data(as_text=True)
    assert _count(db, Document) == 1
    assert sorted(p.name for p in store.rglob("*") if p.is_file()) == blobs


def test_a_path_trick_in_the_file_name_stays_a_name(client, db, records, login_as, store):
    login_as("labtech")
    response = _upload(client, name="../../../etc/passwd.pdf")
    assert response.status_code == 302
    document = db.session.scalar(select(Document).where(Document.title == "Tri-County report L2603-12"))
    assert document.original_name == "passwd.pdf"
    assert not (store.parent / "etc").exists()
    download = client.get(f"/records/documents/{document.id}/download")
    assert download.headers["Content-Disposition"] == "attachment; filename=passwd.pdf"


def test_a_non_ascii_name_downloads_with_its_exact_name_encoded(client, db, records, login_as):
    login_as("labtech")
    _upload(client, data=b"Probenahme \xc3\xbcberpr\xc3\xbcft\n", name="Prüfbericht März.txt", kind="other")
    document = db.session.scalar(select(Document).where(Document.title == "Tri-County report L2603-12"))
    download = client.get(f"/records/documents/{document.id}/download")
    assert download.mimetype == "text/plain"
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "filename*=UTF-8''Pr%C3%BCfbericht%20M%C3%A4rz.txt" in disposition


def test_missing_fields_are_named(client, db, records, login_as):
    login_as("labtech")
    response = client.post("/records/documents/upload", data={"kind": "lab_report"},
                           content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Choose the file to store." in page and "Say what the document is." in page
    assert "Enter the date on the document." in page


def test_disposal_before_the_retention_date_is_refused(client, db, records, login_as):
    login_as("admin")
    response = client.post(f"/records/documents/{records['document']}/dispose", data={"reason": "tidying up"})
    assert response.status_code == 400
    assert "must be kept until 2031-03-12 (record retention); it cannot be disposed of before then" in \
        response.get_data(as_text=True)
    assert db.session.get(Document, records["document"]).status == "active"
    assert client.post(f"/records/documents/{records['document']}/dispose", data={}).status_code == 400


def test_disposal_after_retention_is_recorded_and_the_file_is_no_longer_served(client, db, records, login_as):
    db.session.get(Document, records["document"]).retention_until = date(2020, 1, 1)
    db.session.commit()
    login_as("admin")
    response = client.post(f"/records/documents/{records['document']}/dispose", data={"reason": "past retention"})
    assert response.status_code == 302
    document = db.session.get(Document, records["document"])
    db.session.refresh(document)
    assert (document.status, document.status_reason) == ("disposed", "past retention")
    assert client.get(f"/records/documents/{records['document']}/download").status_code == 410
    assert "disposed" in client.get(f"/records/documents/{records['document']}").get_data(as_text=True)


# ---- instruments and calibration --------------------------------------------------------------------------

def test_registering_an_instrument_and_a_failed_calibration_offers_the_failure_report(client, db, records, login_as):
    login_as("labtech")
    response = client.post("/records/instruments/new", data={
        "name": "Outfall 001 flow meter", "kind": "flow_meter", "serial_number": "FM-1", "permit": "CT0000001",
        "outfall": "1", "calibration_interval_days": "365"})
    assert response.status_code == 400 and "has no outfall &#39;1&#39;" in response.get_data(as_text=True)
    response = client.post("/records/instruments/new", data={
        "name": "Outfall 001 flow meter", "kind": "flow_meter", "serial_number": "FM-1", "permit": "CT0000001",
        "outfall": "001", "calibration_interval_days": "365"})
    assert response.status_code == 302
    meter = db.session.scalar(select(Instrument).where(Instrument.name == "Outfall 001 flow meter"))

    when = (datetime.now(UTC) - timedelta(hours=1)).astimezone(ZoneInfo("America/New_York"))
    response = client.post(f"/records/instruments/{meter.id}/calibrations", data={
        "performed_at": when.strftime("%Y-%m-%dT%H:%M"), "outcome": "failed", "technician": "M. Reyes",
        "readings": "reads 12% high against the weir", "certificate": (io.BytesIO(PDF), "cert.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 302 and response.headers["Location"].endswith("#failures")
    page = client.get(f"/records/instruments/{meter.id}").get_data(as_text=True)
    assert "FAILED" in page and "cert.pdf" in page
    assert "not reported yet: tell the environmental manager" in page  # a labtech cannot report it
    entry = db.session.scalar(select(CalibrationEntry).where(CalibrationEntry.instrument_id == meter.id))
    assert db.session.get(Document, entry.document_id).kind == "calibration_certificate"


def test_a_manager_reports_the_failure_in_one_click_and_it_reaches_the_obligations(client, db, records, login_as):
    failed_at = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)
    entry = record_calibration(db.session, CalibrationRecord(
        instrument_id=records["instrument"], performed_at=failed_at, passed=False, technician="M. Reyes"),
        now=datetime.now(UTC), store=Path("/nonexistent"))  # no certificate: the store is not touched
    db.session.commit()
    login_as("manager")
    page = client.get(f"/records/instruments/{records['instrument']}").get_data(as_text=True)
    assert "Report a monitoring-equipment failure" in page
    response = client.post(f"/records/instruments/{records['instrument']}/report-failure",
                           data={"calibration_id": str(entry.id)})
    assert response.status_code == 302 and "/compliance/obligations" in response.headers["Location"]
    event = db.session.scalar(select(NoncomplianceEvent))
    assert (event.kind, event.discovered_at, event.outfall) == ("monitoring_equipment_failure", failed_at, "001")
    obligations = client.get("/compliance/obligations").get_data(as_text=True)
    assert "failure or malfunction of monitoring equipment" in obligations
    again = client.post(f"/records/instruments/{records['instrument']}/report-failure",
                        data={"calibration_id": str(entry.id)})
    assert again.status_code == 400 and f"already reported as event {event.id}" in again.get_data(as_text=True)
    assert f"reported as event {event.id}" in client.get(f"/records/instruments/{records['instrument']}").get_data(
        as_text=True)


def test_a_flow_meter_out_of_service_offers_the_report(client, db, records, login_as):
    meter = register_instrument(db.session, InstrumentSpec(name="FM", kind="flow_meter", calibration_interval_days=365,
                                                           permit_number="CT0000001", outfall="001"))
    db.session.commit()
    login_as("manager")
    response = client.post(f"/records/instruments/{meter.id}/service", data={"in_service": "0",
                                                                             "reason": "sensor fault"})
    assert response.status_code == 302
    again = client.post(f"/records/instruments/{meter.id}/service", data={"in_service": "0", "reason": "x"})
    assert again.status_code == 400 and "already out of service" in again.get_data(as_text=True)
    page = client.get(f"/records/instruments/{meter.id}").get_data(as_text=True)
    assert "Flow meter out of service at" in page and "Report a monitoring-equipment failure" in page
    assert client.post(f"/records/instruments/{meter.id}/report-failure", data={}).status_code == 302
    assert db.session.scalar(select(NoncomplianceEvent)).description.startswith("flow meter FM taken out of service")


def test_the_instrument_list_shows_what_is_overdue(client, db, records, login_as):
    login_as("viewer")
    page = client.get("/records/instruments").get_data(as_text=True)
    assert "Outfall 001 pH meter" in page and "never calibrated" in page
    assert "never calibrated" in client.get("/records/").get_data(as_text=True)


# ---- one sample -------------------------------------------------------------------------------------------

def test_the_sample_page_shows_everything_about_the_sample(client, db, records, login_as):
    login_as("viewer")
    response = client.get("/records/samples?code=CU-7")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/records/samples/{records['sample']}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "COC-88121" in page and "Tri-County Labs" in page and "EPA 200.7" in page and "0.002" in page
    history = page[page.index('class="revisions"'):]
    assert 'class="revision-1"' in history and 'class="revision-2"' in history
    assert "lab re-ran the digestate" in page and "1.3 → 1.4" in page
    assert "Test labtech (lab@test.example)" in page
    assert "Within holding time" in page  # metals: 6 months
    assert "CT0000001 version 1" in page and "C3 daily maximum" in page and "1.0 mg/L" in page
    exceedances = page[page.index('id="exceedances"'):page.index('id="obligations"')]
    assert "daily maximum" in exceedances and "1.4 mg/L" in exceedances and "over the limit 1.0" in exceedances
    obligations = page[page.index('id="obligations"'):page.index('id="reports"')]
    assert "maximum daily limit" in obligations
    assert "Tri-County report L2603-11" in page


def test_an_unknown_sample_code_says_so(client, db, records, login_as):
    login_as("viewer")
    response = client.get("/records/samples?code=NOPE")
    assert response.status_code == 404 and "No sample with the id NOPE" in response.get_data(as_text=True)
    assert client.get("/records/samples").status_code == 200
    assert client.get("/records/samples/999999").status_code == 404


def test_custody_transfers_are_added_and_checked(client, db, records, login_as):
    login_as("labtech")
    url = f"/records/samples/{records['sample']}/custody"
    bad = client.post(url, data={"relinquished_by": "M. Reyes", "relinquished_at": "2026-03-10T09:00",
                                 "received_by": "J. Park", "received_at": "2026-03-10T08:59"})
    assert bad.status_code == 400
    assert "received_at: is before relinquished_at" in bad.get_data(as_text=True)
    missing = client.post(url, data={"relinquished_at": "2026-03-10T09:00", "received_at": "2026-03-10T11:00"})
    assert missing.status_code == 400 and "Enter who handed the sample over." in missing.get_data(as_text=True)
    good = client.post(url, data={"relinquished_by": "M. Reyes", "relinquished_at": "2026-03-10T09:00",
                                  "received_by": "J. Park", "received_at": "2026-03-10T11:00",
                                  "notes": "cooler 3.1 °C, seals intact"})
    assert good.status_code == 302
    page = client.get(f"/records/samples/{records['sample']}").get_data(as_text=True)
    custody = page[page.index('id="custody"'):]
    assert "J. Park" in custody and "2026-03-10 11:00 EDT" in custody and "seals intact" in custody


# ---- the binder -------------------------------------------------------------------------------------------

def test_the_inspector_takes_the_binder(client, db, records, login_as):
    login_as("viewer")
    response = client.get("/records/binder?from=2026-01-01&to=2026-12-31")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"] == \
        "attachment; filename=records-binder-2026-01-01-to-2026-12-31.zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert archive.testzip() is None
    assert {"index.html", "manifest.json", "results/results.csv", "results/results.xlsx",
            "audit/audit_trail.csv"} <= set(archive.namelist())
    assert archive.read(f"documents/{records['document']}-L2603-11.pdf") == PDF
    default = client.get("/records/binder")
    assert re.search(r"records-binder-\d{4}-\d{2}-\d{2}-to-\d{4}-\d{2}-\d{2}\.zip",
                     default.headers["Content-Disposition"])
    default.close()


def test_a_bad_binder_range_is_explained(client, db, records, login_as):
    login_as("viewer")
    response = client.get("/records/binder?from=2026-12-01&to=2026-01-01")
    assert response.status_code == 400 and "is after to" in response.get_data(as_text=True)


def test_forms_need_the_csrf_token(csrf_client, db, records, make_user):
    user = make_user("labtech", email="csrf-lab@test.example")
    token = _token(csrf_client.get("/auth/login").get_data(as_text=True))
    csrf_client.post("/auth/login", data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": token})
    response = csrf_client.post("/records/documents/upload", data={
        "kind": "lab_report", "title": "x", "document_date": "2026-03-14", "file": (io.BytesIO(PDF), "x.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 400 and b"Form expired" in response.data
    page = csrf_client.get("/records/documents/upload").get_data(as_text=True)
    assert 'name="csrf_token"' in page
    # Every form of the instrument and sample pages carries the token too.
    instrument = csrf_client.get(f"/records/instruments/{records['instrument']}").get_data(as_text=True)
    assert instrument.count('name="csrf_token"') == instrument.count('method="post"') == 3  # with sign-out
    sample = csrf_client.get(f"/records/samples/{records['sample']}").get_data(as_text=True)
    assert sample.count('name="csrf_token"') == sample.count('method="post"') >= 2

