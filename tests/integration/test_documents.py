"""The document store: validated by content, content-addressed, retained, never half-written."""
from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from app.models.record import Document
from app.services.documents import (DocumentError, DocumentUpload, blob_path, dispose_document, open_document,
                                    store_document)
from app.services.permits import import_permit_definition
from tests.factories import permit_document

PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
       b"trailer<</Root 1 0 R>>\n%%EOF\n")


@pytest.fixture
def permits(db):
    import_permit_definition(db.session, permit_document("npdes"))
    import_permit_definition(db.session, permit_document("pretreatment"))
    db.session.commit()


def _upload(data=PDF, name="report.pdf", **overrides):
    fields = dict(data=data, filename=name, kind="lab_report", title="Tri-County report L2603-11",
                  document_date=date(2026, 3, 12), permit_number="CT0000001")
    fields.update(overrides)
    return DocumentUpload(**fields)


def test_a_pdf_is_stored_by_its_checksum_with_ct_retention(db, permits, tmp_path):
    document = store_document(db.session, _upload(), store=tmp_path)
    db.session.commit()
    assert document.content_type == "application/pdf" and len(document.sha256) == 64
    assert open_document(document, tmp_path).read_bytes() == PDF
    assert blob_path(tmp_path, document.sha256).parent.parent.parent == tmp_path
    assert document.retention_until == date(2031, 3, 12)  # CT permit: five years (SCHED-05)
    again = store_document(db.session, _upload(title="the same file again"), store=tmp_path)
    assert again.sha256 == document.sha256  # one blob, two descriptions
    assert len(list(tmp_path.rglob("*"))) == 3  # two levels of folders and one file


@pytest.mark.parametrize("upload, message", [
    (_upload(data=b"MZ\x90\x00\x03binary", name="invoice.pdf"), "not a PDF, PNG"),
    (_upload(data=b""), "empty"),
    (_upload(kind="selfie"), "kind: expected one of"),
    (_upload(title="  "), "title"),
    (_upload(permit_number="NOPE"), "no permit numbered"),
])
def test_bad_uploads_are_refused_and_nothing_is_stored(db, permits, tmp_path, upload, message):
    with pytest.raises(DocumentError, match=message):
        store_document(db.session, upload, store=tmp_path)
    assert db.session.scalar(select(func.count(Document.id))) == 0
    assert list(tmp_path.iterdir()) == []


def test_oversize_is_refused(db, permits, tmp_path):
    with pytest.raises(DocumentError, match="over the 100-byte limit"):
        store_document(db.session, _upload(data=PDF + b" " * 200), store=tmp_path, max_bytes=100)


def test_a_path_trick_in_the_name_stays_a_name(db, permits, tmp_path):
    document = store_document(db.session, _upload(name="../../etc/passwd\x00.pdf"), store=tmp_path)
    assert document.original_name == "passwd.pdf"
    assert not (tmp_path.parent / "etc").exists()


def test_an_xlsx_is_recognised_by_its_content(db, permits, tmp_path):
    buffer = io.BytesIO()
    Workbook().save(buffer)
    document = store_document(db.session, _upload(data=buffer.getvalue(), name="results.bin"), store=tmp_path)
    assert document.content_type.endswith("spreadsheetml.sheet")


def test_text_is_searchable_inside(db, permits, tmp_path):
    document = store_document(db.session, _upload(data=b"COC-88121 relinquished by M. Reyes", name="coc.txt",
                                                  kind="chain_of_custody"), store=tmp_path)
    assert "COC-88121" in document.extracted_text


def test_disposal_before_the_retention_date_is_refused(db, permits, tmp_path, make_user):
    admin = make_user("admin")
    document = store_document(db.session, _upload(permit_number="SP0002345"), store=tmp_path)
    with pytest.raises(DocumentError, match="must be kept until 2031-03-12"):
        dispose_document(db.session, document, today=date(2029, 1, 1), reason="cleanup", actor_id=admin.id,
                         actor_label=admin.email)
    dispose_document(db.session, document, today=date(2031, 3, 13), reason="past retention", actor_id=admin.id,
                     actor_label=admin.email)
    assert document.status == "disposed"
