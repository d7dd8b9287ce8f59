"""In a real browser: the inspector finds a sample's full record and takes the binder; a lab tech files a document."""
from __future__ import annotations

import hashlib
import json
import os
import zipfile
from datetime import date

import pytest
from sqlalchemy import select

pytestmark = pytest.mark.e2e

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.fixture
def demo(app, db, tmp_path, monkeypatch):
    from app.services.demo import load_demo

    monkeypatch.setitem(app.config, "OUTFALL_DOCUMENTS_PATH", str(tmp_path / "documents"))
    load_demo(db.session, date.today())
    db.session.commit()


def _sign_in(page, base, email):
    page.goto(base + "/auth/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", "outfall-demo")
    page.click("button[type=submit]")
    assert page.locator("h1").inner_text() == "Dashboard"


def _watch(page) -> list[str]:
    """Script errors and failed requests (the browser's own favicon probe aside)."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("response", lambda response: errors.append(f"{response.status} {response.url}")
            if response.status >= 400 and not response.url.endswith("/favicon.ico") else None)
    return errors


def test_inspector_opens_a_sample_record_and_downloads_the_binder(live_server, page, demo, db, tmp_path):
    from app.models.monitoring import Result

    errors = _watch(page)
    code = db.session.scalar(select(Result.sample_id).order_by(Result.id).limit(1))
    _sign_in(page, live_server, "inspector@example.com")
    page.click("nav >> text=Records")
    assert page.locator("h1").inner_text() == "Records"
    page.fill("#code", code)
    page.click("#sample-lookup button[type=submit]")
    assert page.locator("h1").inner_text() == f"Sample {code}"
    assert page.locator("#results table.revisions tbody tr").count() >= 1
    assert page.locator("#custody form").count() == 0  # the inspector's account changes nothing
    page.screenshot(path=str(tmp_path / "sample.png"), full_page=True)
    if os.environ.get("OUTFALL_SCREENSHOTS"):
        page.screenshot(path=os.path.join(os.environ["OUTFALL_SCREENSHOTS"], "sample.png"), full_page=True)

    page.click("nav >> text=Records")
    with page.expect_download() as info:
        page.click("#binder button[type=submit]")
    download = info.value
    assert download.suggested_filename.startswith("records-binder-")
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    with zipfile.ZipFile(target) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        for entry in manifest["files"]:
            assert hashlib.sha256(archive.read(entry["path"])).hexdigest() == entry["sha256"], entry["path"]
        assert "results/results.xlsx" in archive.namelist()
    assert errors == []


def test_lab_tech_files_a_lab_report_and_downloads_it(live_server, page, demo, tmp_path):
    errors = _watch(page)
    report = tmp_path / "L2603-11.pdf"
    report.write_bytes(PDF)
    _sign_in(page, live_server, "labtech@example.com")
    page.goto(live_server + "/records/documents/upload")
    page.set_input_files("input[name=file]", str(report))
    page.fill("input[name=title]", "Tri-County report L2603-11")
    page.fill("input[name=document_date]", "2026-03-12")
    page.select_option("select[name=permit]", "CT0000001")
    page.click("form.card button[type=submit]")
    assert "Stored document" in page.locator(".flash-success").inner_text()
    assert page.locator("h1").inner_text().startswith("Tri-County report L2603-11")
    if os.environ.get("OUTFALL_SCREENSHOTS"):
        page.screenshot(path=os.path.join(os.environ["OUTFALL_SCREENSHOTS"], "document.png"), full_page=True)
    with page.expect_download() as info:
        page.click("text=Download L2603-11.pdf")
    assert info.value.suggested_filename == "L2603-11.pdf"
    saved = tmp_path / "downloaded.pdf"
    info.value.save_as(saved)
    assert saved.read_bytes() == PDF
    assert errors == []
