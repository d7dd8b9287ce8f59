"""Records services: calibration due dates, equipment failures, chain of custody, and the binder's checksums."""
from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from datetime import date, datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.models.compliance import NoncomplianceEvent, NotificationObligation
from app.models.monitoring import Sample
from app.models.record import CalibrationEntry, Document
from app.services.binder import BinderError, binder_range, stream_binder, write_binder
from app.services.calibration import (CalibrationError, CalibrationRecord, InstrumentSpec, instrument_standings,
                                      overdue_instruments, record_calibration, register_instrument,
                                      report_equipment_failure, set_instrument_in_service)
from app.services.custody import CustodyError, TransferRecord, add_custody_transfer, custody_gaps, custody_transfers
from app.services.documents import DocumentUpload, store_document
from app.services.notification_obligations import list_obligations
from app.services.permits import import_permit_definition
from app.services.report_signoff import Signature, flag_key, sign_report
from app.services.results import record_result
from tests.factories import permit_document

UTC = timezone.utc
NOW = datetime(2026, 4, 5, 15, 0, tzinfo=UTC)
CALIBRATED = datetime(2026, 3, 9, 12, 30, tzinfo=UTC)  # 08:30 at the facility (EDT)
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.fixture
def npdes(db):
    import_permit_definition(db.session, permit_document("npdes"))
    db.session.commit()


def _row(**overrides):
    row = {"permit": "CT0000001", "outfall": "001", "parameter_code": "01042", "sample_id": "L-1",
           "sampled_at": "2026-03-10T08:00", "value": "0.20", "unit": "mg/L", "received_at": "2026-03-13T09:15"}
    row.update(overrides)
    return row


def _instrument(db, name="Outfall 001 pH meter", kind="ph_meter", interval=30, **overrides):
    spec = dict(name=name, kind=kind, calibration_interval_days=interval, serial_number="PH-7781",
                permit_number="CT0000001", outfall="001")
    spec.update(overrides)
    return register_instrument(db.session, InstrumentSpec(**spec))


def _calibrate(db, instrument, *, at=CALIBRATED, passed=True, store, **overrides):
    fields = dict(instrument_id=instrument.id, performed_at=at, passed=passed, technician="M. Reyes",
                  standards="pH 4.00 / 7.00 / 10.00 buffers, lot 2231", readings="4.01 / 7.00 / 10.02")
    fields.update(overrides)
    return record_calibration(db.session, CalibrationRecord(**fields), now=NOW, store=store)


# ---- instruments and calibration due ------------------------------------------------------------------------

def test_registering_checks_the_name_the_kind_and_the_outfall(db, npdes):
    _instrument(db)
    with pytest.raises(CalibrationError, match="already registered"):
        _instrument(db)
    with pytest.raises(CalibrationError, match="kind: expected one of"):
        _instrument(db, name="x", kind="barometer")
    with pytest.raises(CalibrationError, match="has no outfall '1'"):
        _instrument(db, name="y", outfall="1")
    with pytest.raises(CalibrationError, match="calibration_interval_days"):
        _instrument(db, name="z", interval=0)
    with pytest.raises(CalibrationError, match="no permit numbered"):
        _instrument(db, name="w", permit_number="NOPE")


def test_next_due_and_the_overdue_list(db, npdes, tmp_path):
    ph = _instrument(db, interval=30)
    sampler = _instrument(db, name="Composite sampler 001", kind="sampler", interval=90)
    spare = _instrument(db, name="Spare thermometer", kind="thermometer", interval=365)
    _calibrate(db, ph, store=tmp_path)
    _calibrate(db, sampler, store=tmp_path, at=CALIBRATED - timedelta(days=100))
    set_instrument_in_service(db.session, spare.id, False, reason="in the cupboard")
    db.session.commit()

    standings = {r.instrument.name: r.standing for r in instrument_standings(db.session, NOW)}
    assert standings["Outfall 001 pH meter"].next_due == CALIBRATED + timedelta(days=30)
    assert standings["Outfall 001 pH meter"].status == "due_soon"  # 8 April is three days away
    assert standings["Composite sampler 001"].status == "overdue"
    assert standings["Spare thermometer"].status == "never_calibrated"
    # Out of service instruments are not nagged about; the sampler is (10 days overdue) and the pH meter is not.
    assert [r.instrument.name for r in overdue_instruments(db.session, NOW)] == ["Composite sampler 001"]
    later = NOW + timedelta(days=30)
    assert [r.instrument.name for r in overdue_instruments(db.session, later)] == ["Composite sampler 001",
                                                                                 "Outfall 001 pH meter"]


def test_a_calibration_in_the_future_or_without_a_technician_is_refused(db, npdes, tmp_path):
    ph = _instrument(db)
    with pytest.raises(CalibrationError, match="future"):
        _calibrate(db, ph, at=NOW + timedelta(hours=1), store=tmp_path)
    with pytest.raises(CalibrationError, match="technician"):
        _calibrate(db, ph, technician="  ", store=tmp_path)
    with pytest.raises(CalibrationError, match="time zone"):
        _calibrate(db, ph, at=datetime(2026, 3, 9, 8, 30), store=tmp_path)


def test_a_certificate_is_stored_as_a_document_and_a_bad_one_stores_nothing(db, npdes, tmp_path):
    ph = _instrument(db)
    entry = _calibrate(db, ph, store=tmp_path, certificate_data=PDF, certificate_name="cert 2231.pdf")
    db.session.commit()
    document = db.session.get(Document, entry.document_id)
    assert (document.kind, document.content_type, document.document_date) == (
        "calibration_certificate", "application/pdf", date(2026, 3, 9))
    assert document.retention_until == date(2031, 3, 9)  # CT permit: five years
    with pytest.raises(CalibrationError, match="certificate: file: not a PDF"):
        _calibrate(db, ph, store=tmp_path, certificate_data=b"MZ\x90\x00binary", certificate_name="cert.pdf")
    db.session.rollback()
    assert db.session.scalar(select(func.count(CalibrationEntry.id))) == 1


# ---- equipment failures -------------------------------------------------------------------------------------

def test_a_failed_calibration_reports_an_equipment_failure_discovered_when_it_failed(db, npdes, tmp_path, make_user):
    manager = make_user("manager")
    ph = _instrument(db)
    good = _calibrate(db, ph, store=tmp_path, at=CALIBRATED - timedelta(days=1))
    failed = _calibrate(db, ph, passed=False, readings="4.31 / 7.40 / 10.60 (slope 88%)", store=tmp_path)
    with pytest.raises(CalibrationError, match="passed; there is no failure"):
        report_equipment_failure(db.session, ph.id, calibration_id=good.id)

    event, obligations = report_equipment_failure(db.session, ph.id, calibration_id=failed.id, actor_id=manager.id,
                                                  actor_label=manager.email)
    db.session.commit()
    assert (event.kind, event.discovered_at, event.outfall) == ("monitoring_equipment_failure", CALIBRATED, "001")
    assert "failed calibration" in event.description and "PH-7781" in event.description
    assert obligations and all(o.trigger == "monitoring_equipment_failure" for o in obligations)
    ct = next(o for o in obligations if o.initial_kind == "oral")
    assert ct.initial_due == CALIBRATED + timedelta(hours=2)  # CT DEEP: a call within 2 hours
    listed = [o.id for o, _p in list_obligations(db.session, permit_number="CT0000001")]
    assert {o.id for o in obligations} <= set(listed)
    with pytest.raises(CalibrationError, match=f"already reported as event {event.id}"):
        report_equipment_failure(db.session, ph.id, calibration_id=failed.id)


def test_a_flow_meter_out_of_service_is_reported_from_when_it_went_out(db, npdes, tmp_path):
    meter = _instrument(db, name="Outfall 001 flow meter", kind="flow_meter", interval=365)
    ph = _instrument(db)
    with pytest.raises(CalibrationError, match="only a failed calibration or a flow meter out of service"):
        report_equipment_failure(db.session, meter.id)
    set_instrument_in_service(db.session, meter.id, False, reason="display blank, sensor fault")
    set_instrument_in_service(db.session, ph.id, False, reason="broken probe")
    db.session.commit()
    with pytest.raises(CalibrationError, match="already out of service"):
        set_instrument_in_service(db.session, meter.id, False, reason="again")
    with pytest.raises(CalibrationError, match="only a failed calibration or a flow meter"):
        report_equipment_failure(db.session, ph.id)  # a pH meter out of service is reported as an event by hand

    event, obligations = report_equipment_failure(db.session, meter.id)
    went_out = event.discovered_at
    assert abs(datetime.now(UTC) - went_out) < timedelta(minutes=5)  # the audit trail's time of the change
    assert event.description.startswith("flow meter Outfall 001 flow meter taken out of service")
    assert obligations


def test_an_instrument_without_a_permit_cannot_report(db, npdes, tmp_path):
    loose = _instrument(db, name="Bench pH meter", permit_number=None, outfall=None)
    failed = _calibrate(db, loose, passed=False, store=tmp_path)
    with pytest.raises(CalibrationError, match="not tied to a permit"):
        report_equipment_failure(db.session, loose.id, calibration_id=failed.id)
    assert db.session.scalar(select(func.count(NoncomplianceEvent.id))) == 0


# ---- chain of custody ---------------------------------------------------------------------------------------

@pytest.fixture
def sample(db, npdes):
    record_result(db.session, _row(), now=NOW)
    db.session.commit()
    return db.session.scalar(select(Sample).where(Sample.sample_code == "L-1"))


def _transfer(sample, **overrides):
    fields = dict(sample_pk=sample.id, relinquished_by="M. Reyes (sampler)",
                  relinquished_at=datetime(2026, 3, 10, 13, 0, tzinfo=UTC),
                  received_by="J. Park (Tri-County Labs)", received_at=datetime(2026, 3, 10, 15, 30, tzinfo=UTC))
    fields.update(overrides)
    return TransferRecord(**fields)


def test_custody_transfers_are_listed_in_the_order_they_happened(db, sample):
    second = _transfer(sample, relinquished_by="J. Park (Tri-County Labs)", received_by="Sub-lab intake",
                       relinquished_at=datetime(2026, 3, 11, 9, 0, tzinfo=UTC),
                       received_at=datetime(2026, 3, 11, 16, 0, tzinfo=UTC))
    add_custody_transfer(db.session, second, now=NOW)
    add_custody_transfer(db.session, _transfer(sample), now=NOW)
    transfers = custody_transfers(db.session, sample.id)
    assert [t.received_by for t in transfers] == ["J. Park (Tri-County Labs)", "Sub-lab intake"]
    assert custody_gaps(transfers) == []
    add_custody_transfer(db.session, _transfer(sample, relinquished_by="Somebody else",
                                               relinquished_at=datetime(2026, 3, 12, 9, 0, tzinfo=UTC),
                                               received_at=datetime(2026, 3, 12, 9, 5, tzinfo=UTC)), now=NOW)
    gaps = custody_gaps(custody_transfers(db.session, sample.id))
    assert gaps == ["Sub-lab intake received the sample, but the next hand-over is by Somebody else"]


@pytest.mark.parametrize("overrides, message", [
    ({"received_at": datetime(2026, 3, 10, 12, 59, tzinfo=UTC)}, "received_at: is before relinquished_at"),
    ({"relinquished_by": "  "}, "relinquished_by: the name"),
    ({"received_by": ""}, "received_by: the name"),
    ({"relinquished_at": datetime(2026, 3, 10, 13, 0)}, "relinquished_at: a date and time with its time zone"),
    ({"received_at": datetime(2026, 3, 10, 15, 30)}, "received_at: a date and time with its time zone"),
    # Sampled 08:00 EDT = 12:00 UTC: custody cannot start before the sample existed.
    ({"relinquished_at": datetime(2026, 3, 10, 11, 0, tzinfo=UTC)}, "before the sample was collected"),
    ({"received_at": NOW + timedelta(days=1)}, "in the future"),
])
def test_custody_validation(db, sample, overrides, message):
    with pytest.raises(CustodyError, match=message):
        add_custody_transfer(db.session, _transfer(sample, **overrides), now=NOW)
    assert custody_transfers(db.session, sample.id) == []


def test_a_transfer_received_the_same_minute_it_was_handed_over_is_fine(db, sample):
    moment = datetime(2026, 3, 10, 13, 0, tzinfo=UTC)
    add_custody_transfer(db.session, _transfer(sample, relinquished_at=moment, received_at=moment), now=NOW)
    assert len(custody_transfers(db.session, sample.id)) == 1


# ---- the binder ---------------------------------------------------------------------------------------------

def test_binder_range_defaults_to_three_years_and_checks_its_input():
    assert binder_range(None, None, date(2026, 4, 5)) == (date(2023, 4, 5), date(2026, 4, 5))
    assert binder_range("", "2024-02-29", date(2026, 4, 5)) == (date(2021, 2, 28), date(2024, 2, 29))
    assert binder_range("2026-01-01", "2026-03-31", date(2026, 4, 5)) == (date(2026, 1, 1), date(2026, 3, 31))
    with pytest.raises(BinderError, match="from: expected a date"):
        binder_range("last year", None, date(2026, 4, 5))
    with pytest.raises(BinderError, match="is after to"):
        binder_range("2026-04-01", "2026-03-01", date(2026, 4, 5))


@pytest.fixture
def filed(db, npdes, tmp_path, make_user):
    """A month of records: results with a correction and an exceedance, a calibration, custody, a document and a
    signed report."""
    manager = make_user("manager")
    who = {"actor_id": manager.id, "actor_label": manager.email}
    record_result(db.session, _row(parameter_code="00530", sample_id="T-1", value="22",
                                   notes="=HYPERLINK(\"http://evil.example\",\"click\")"), now=NOW, **who)
    record_result(db.session, _row(sample_id="CU-1", value="1.3"), now=NOW, **who)
    record_result(db.session, _row(sample_id="CU-1", value="1.4", correction_reason="lab re-ran the digestate"),
                  now=NOW, **who)
    ph = _instrument(db)
    failed = _calibrate(db, ph, passed=False, technician="@bad tech", store=tmp_path)
    report_equipment_failure(db.session, ph.id, calibration_id=failed.id, **who)
    sample = db.session.scalar(select(Sample).where(Sample.sample_code == "CU-1"))
    add_custody_transfer(db.session, _transfer(sample), now=NOW, **who)
    store_document(db.session, DocumentUpload(data=PDF, filename="L2603-11.pdf", kind="lab_report",
                                              title="Tri-County report L2603-11", document_date=date(2026, 3, 12),
                                              permit_number="CT0000001", sample_pk=sample.id), store=tmp_path, **who)
    from app.services.dmr_build import build_dmr
    flags = build_dmr(db.session, "CT0000001", "2026-03").document["flags"]
    sign_report(db.session, "CT0000001", "2026-03", Signature("Morgan Manager", "Plant Manager", certify=True),
                {flag_key(f): "reviewed" for f in flags}, now=NOW, store=tmp_path, **who)
    db.session.commit()
    return tmp_path


def _binder(db, store) -> tuple[zipfile.ZipFile, dict]:
    out = io.BytesIO()
    # Audit entries carry the real clock, so the range runs to today.
    last = max(datetime.now(UTC).date(), date(2026, 4, 30))
    write_binder(db.session, out, first=date(2026, 1, 1), last=last, store=store, now=NOW,
                 generated_by="Ines Inspector <inspector@test.example>")
    archive = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    return archive, json.loads(archive.read("manifest.json"))


def _csv(archive, name) -> list[dict]:
    return list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8"))))


def test_the_binder_holds_every_section_and_every_checksum_matches_its_manifest(db, filed):
    archive, manifest = _binder(db, filed)
    names = set(archive.namelist())
    listed = {f["path"]: f for f in manifest["files"]}
    assert names == set(listed) | {"manifest.json"}
    for path, entry in listed.items():
        data = archive.read(path)
        assert (len(data), hashlib.sha256(data).hexdigest()) == (entry["size"], entry["sha256"]), path
    assert archive.testzip() is None
    assert manifest["problems"] == [] and (manifest["from"], manifest["generated_by"]) == (
        "2026-01-01", "Ines Inspector <inspector@test.example>")
    for expected in ("index.html", "permits/CT0000001-v1.json", "results/results.csv", "results/results.xlsx",
                     "compliance/exceedances.csv", "compliance/notification_obligations.csv",
                     "compliance/noncompliance_events.csv", "records/calibration_log.csv", "records/custody.csv",
                     "records/instruments.csv", "documents/register.csv", "audit/audit_trail.csv",
                     "reports/CT0000001-2026-03-rev1/signed-report.json"):
        assert expected in names, expected
    index = archive.read("index.html").decode("utf-8")
    for path, entry in listed.items():
        if path != "index.html":
            assert entry["sha256"] in index and path in index


def test_the_binder_rows(db, filed):
    archive, _manifest = _binder(db, filed)
    assert json.loads(archive.read("permits/CT0000001-v1.json"))["permit"]["number"] == "CT0000001"
    results = _csv(archive, "results/results.csv")
    copper = [r for r in results if r["sample_id"] == "CU-1"]
    assert [(r["revision"], r["value"], r["in_force"], r["correction_reason"]) for r in copper] == [
        ("1", "1.3", "no", ""), ("2", "1.4", "yes", "lab re-ran the digestate")]
    tss = next(r for r in results if r["sample_id"] == "T-1")
    assert tss["notes"] == "'=HYPERLINK(\"http://evil.example\",\"click\")"  # neutralized, not a formula
    sheet = load_workbook(io.BytesIO(archive.read("results/results.xlsx")), read_only=True)["results"]
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == len(results) + 1 and rows[0][0] == "permit"
    assert any(row[24] == "'=HYPERLINK(\"http://evil.example\",\"click\")" for row in rows[1:])

    exceedances = _csv(archive, "compliance/exceedances.csv")
    daily = next(e for e in exceedances if e["statistical_base"] == "daily_maximum")
    assert (daily["parameter_code"], daily["value"], daily["limit"], daily["sample_ids"]) == ("01042", "1.4", "1.0",
                                                                                              "CU-1")
    obligations = _csv(archive, "compliance/notification_obligations.csv")
    assert {"daily_maximum_exceeded", "monitoring_equipment_failure"} <= {o["trigger"] for o in obligations}
    events = _csv(archive, "compliance/noncompliance_events.csv")
    assert [(e["kind"], e["discovered_at"]) for e in events] == [("monitoring_equipment_failure",
                                                                  "2026-03-09T12:30:00+00:00")]
    calibration = _csv(archive, "records/calibration_log.csv")
    assert [(c["instrument"], c["passed"], c["technician"]) for c in calibration] == [
        ("Outfall 001 pH meter", "no", "'@bad tech")]
    custody = _csv(archive, "records/custody.csv")
    assert [(c["sample_id"], c["received_by"]) for c in custody] == [("CU-1", "J. Park (Tri-County Labs)")]
    register = {d["title"]: d for d in _csv(archive, "documents/register.csv")}
    lab = register["Tri-County report L2603-11"]
    assert archive.read(lab["in_binder"]) == PDF
    assert any(d["in_binder"] == "with its signed report under reports/" for d in register.values())
    signed = json.loads(archive.read("reports/CT0000001-2026-03-rev1/signed-report.json"))
    assert (signed["signer_name"], signed["status"]) == ("Morgan Manager", "signed")
    for fmt, file in signed["files"].items():
        if "document_id" in file:
            frozen = [n for n in archive.namelist()
                      if n.startswith(f"reports/CT0000001-2026-03-rev1/{file['document_id']}-")]
            assert len(frozen) == 1 and hashlib.sha256(archive.read(frozen[0])).hexdigest() == file["sha256"], fmt
    audit = _csv(archive, "audit/audit_trail.csv")
    assert any(a["entity"] == "custody_transfer" and a["action"] == "create" for a in audit)
    assert any(a["reason"] == "lab re-ran the digestate" for a in audit)


def test_the_binder_leaves_out_what_is_outside_the_range_and_reports_a_missing_file(db, filed):
    document = db.session.scalar(select(Document).where(Document.kind == "lab_report"))
    from app.services.documents import blob_path
    blob_path(filed, document.sha256).unlink()
    out = io.BytesIO()
    summary = write_binder(db.session, out, first=date(2026, 3, 1), last=date(2026, 3, 31), store=filed, now=NOW,
                           generated_by="x")
    archive = zipfile.ZipFile(out)
    assert any("missing from the store" in p for p in summary.problems)
    assert "missing from the store" in archive.read("index.html").decode("utf-8")
    assert not [n for n in archive.namelist() if n.startswith("documents/") and n != "documents/register.csv"]
    # Audit entries are stamped with the real clock, later than March 2026: none in this range.
    assert _csv(archive, "audit/audit_trail.csv") == [] or datetime.now(UTC).date() <= date(2026, 3, 31)
    empty = io.BytesIO()
    write_binder(db.session, empty, first=date(2020, 1, 1), last=date(2020, 12, 31), store=filed, now=NOW,
                 generated_by="x")
    names = zipfile.ZipFile(empty).namelist()
    assert "results/results.csv" in names and not [n for n in names if n.startswith(("permits/", "reports/"))]


def test_the_binder_is_produced_in_pieces_and_opens_nothing_until_asked(db, filed):
    chunks = stream_binder(db.session, first=date(2026, 1, 1), last=date(2026, 12, 31), store=filed, now=NOW,
                           generated_by="x")
    pieces = list(chunks)
    assert pieces and all(isinstance(p, bytes) for p in pieces)
    assert zipfile.ZipFile(io.BytesIO(b"".join(pieces))).testzip() is None
    # An abandoned stream closes cleanly (the archive's end is written to the sink, not raised).
    abandoned = stream_binder(db.session, first=date(2026, 1, 1), last=date(2026, 12, 31), store=filed, now=NOW,
                              generated_by="x")
    abandoned.close()
    assert db.session.scalar(select(func.count(NotificationObligation.id))) > 0
