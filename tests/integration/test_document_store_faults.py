"""An upload when the document store cannot take it: not a folder, under a file, or a disk that fills mid-write."""
from __future__ import annotations

import errno
import io
import os
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.models.audit import AuditEntry
from app.models.record import Document
from app.services.documents import DocumentError, DocumentUpload, store_document
from app.services.permits import import_permit_definition
from tests.factories import permit_document

PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
       b"trailer<</Root 1 0 R>>\n%%EOF\n")
BLOCKER_CONTENT = b"not a folder: the store path was taken by a file\n"


@pytest.fixture
def permit(db):
    import_permit_definition(db.session, permit_document("npdes"))
    db.session.commit()


def _upload() -> DocumentUpload:
    return DocumentUpload(data=PDF, filename="report.pdf", kind="lab_report", title="Tri-County report L2603-11",
                          document_date=date(2026, 3, 12), permit_number="CT0000001")


def _rows(db) -> tuple[int, int]:
    return (db.session.scalar(select(func.count(Document.id))), db.session.scalar(select(func.count(AuditEntry.id))))


def _files_under(path: Path) -> list[Path]:
    return sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else []


# Permission bits do not stop root, so these faults are made of files where folders should be: they fail
# for every user alike (ENOTDIR / EEXIST), as a store on a detached or remounted volume would.
UNWRITABLE = {
    "the store is a regular file": lambda tmp: tmp / "documents",
    "the store is under a regular file": lambda tmp: tmp / "documents" / "store",
}


def _block(tmp_path: Path) -> Path:
    blocker = tmp_path / "documents"
    blocker.write_bytes(BLOCKER_CONTENT)
    return blocker


@pytest.mark.parametrize("where", UNWRITABLE)
def test_an_unwritable_store_is_a_clean_error_with_no_row(db, permit, tmp_path, where):
    blocker, store = _block(tmp_path), UNWRITABLE[where](tmp_path)
    before = _rows(db)
    with pytest.raises(DocumentError, match=r"the document store cannot be written \(.+\); nothing was stored"):
        store_document(db.session, _upload(), store=store)
    db.session.rollback()
    assert _rows(db) == before
    assert blocker.read_bytes() == BLOCKER_CONTENT  # the file in the way is not touched either


def test_a_disk_that_fills_mid_write_leaves_no_half_file_and_no_row(db, permit, tmp_path, monkeypatch):
    store, real_fsync, seen = tmp_path / "documents", os.fsync, []
    before = _rows(db)

    def full_disk(fd):
        # By now part of the upload is in the temporary file; the disk "fills" before it is made durable.
        seen.extend(p for p in _files_under(store) if p.stat().st_size > 0)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(DocumentError, match="No space left on device"):
        store_document(db.session, _upload(), store=store)
    monkeypatch.setattr(os, "fsync", real_fsync)
    db.session.rollback()
    assert seen and seen[0].name.startswith(".upload-")  # the fault really struck mid-write
    assert _files_under(store) == []
    assert _rows(db) == before
    # The disk freed, the same upload is stored whole.
    document = store_document(db.session, _upload(), store=store)
    assert [p.name for p in _files_under(store)] == [document.sha256]


@pytest.mark.parametrize("where", UNWRITABLE)
def test_the_upload_page_answers_400_with_the_reason_and_stores_nothing(app, client, db, permit, login_as,
                                                                      tmp_path, monkeypatch, where):
    blocker, store = _block(tmp_path), UNWRITABLE[where](tmp_path)
    monkeypatch.setitem(app.config, "OUTFALL_DOCUMENTS_PATH", str(store))
    login_as("labtech")
    before = _rows(db)
    response = client.post("/records/documents/upload", content_type="multipart/form-data", data={
        "kind": "lab_report", "title": "Tri-County report L2603-12", "document_date": "2026-03-14",
        "permit": "CT0000001", "file": (io.BytesIO(PDF), "report.pdf")})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Nothing was stored" in page and "the document store cannot be written" in page
    assert _rows(db) == before
    assert blocker.read_bytes() == BLOCKER_CONTENT
