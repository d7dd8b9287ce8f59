"""In a real browser: the manager reviews a month's DMR, acknowledges its flags, signs it and reads the checksums."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

pytestmark = pytest.mark.e2e

# Kept for a person to look at after the run; the folder ignores its own contents, so git never sees them.
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


@pytest.fixture
def march(app, db, tmp_path, monkeypatch, make_user):
    """A small hand-made month rather than the demo's year: copper over both limits, one TSS result."""
    from app.services.permits import import_permit_definition
    from app.services.results import record_result
    from tests.factories import permit_document

    monkeypatch.setitem(app.config, "OUTFALL_DOCUMENTS_PATH", str(tmp_path / "documents"))
    import_permit_definition(db.session, permit_document("npdes"))
    now = datetime(2026, 4, 2, 12, tzinfo=timezone.utc)
    for sample_id, day, value in (("CU-1", "2026-03-03T08:00", "0.30"), ("CU-2", "2026-03-17T08:00", "1.4"),
                                  ("TSS-1", "2026-03-03T08:00", "22")):
        record_result(db.session, {"permit": "CT0000001", "outfall": "001", "sample_id": sample_id, "sampled_at": day,
                                   "parameter_code": "00530" if sample_id.startswith("TSS") else "01042",
                                   "value": value, "unit": "mg/L"}, now=now)
    db.session.commit()
    return make_user("manager", email="signer@test.example", name="Morgan Manager")


def _watch(page) -> list[str]:
    """Script errors, CSP refusals and failed requests (the browser's own favicon probe aside)."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # A failed load is reported again on the console; the response listener below already judges those.
    page.on("console", lambda message: errors.append(message.text) if message.type == "error"
            and not message.text.startswith("Failed to load resource") else None)
    page.on("response", lambda response: errors.append(f"{response.status} {response.url}")
            if response.status >= 400 and not response.url.endswith("/favicon.ico") else None)
    return errors


def test_manager_acknowledges_the_flags_signs_and_sees_the_checksums(live_server, page, march, db):
    from app.models.report import SignedReport
    from tests.conftest import TEST_PASSWORD

    errors = _watch(page)
    page.goto(live_server + "/auth/login")
    page.fill("input[name=email]", "signer@test.example")
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.click("nav >> text=Reports")
    assert page.locator("h1").inner_text() == "Reports"
    page.locator("#permit-CT0000001").get_by_role("link", name="2026-03", exact=True).click()
    assert page.locator("h1").inner_text() == "DMR CT0000001 · 2026-03"

    average = page.locator("#row-001-01042-1-0 td[data-slot=C2]")
    assert "0.85" in average.inner_text() and "violation" in average.get_attribute("class")
    assert average.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(251, 233, 231)"
    average.locator("a").click()
    assert page.url.endswith("#derive-001-01042-1-0-C2")
    derivation = page.locator("#derive-001-01042-1-0-C2")
    assert derivation.is_visible() and "CALC-02" in derivation.inner_text() and "CU-2" in derivation.inner_text()

    flags = page.locator("ol.flags > li")
    assert flags.count() >= 2
    for index in range(flags.count()):
        flags.nth(index).locator("textarea").fill("Reviewed with the lab; see the March log.")
    page.fill("input[name=signer_title]", "Plant Manager")
    page.check("input[name=certify]")
    page.get_by_role("button", name="Sign revision 1").click()

    assert "Signed revision 1" in page.locator(".flash-success").inner_text()
    assert page.url.endswith("#revision-1")
    report = db.session.scalars(select(SignedReport)).one()
    shown = {row.get_attribute("data-format"): row.locator("code.sha256").inner_text()
             for row in page.locator("#revision-1 table.checksums tr[data-format]").all()}
    assert shown == {fmt: f["sha256"] for fmt, f in report.files.items()}
    assert all(re.fullmatch(r"[0-9a-f]{64}", checksum) for checksum in shown.values())
    assert page.locator("form#sign-off").count() == 0
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / ".gitignore").write_text("*\n", encoding="utf-8")
    page.screenshot(path=str(ARTIFACTS / "report-signed.png"), full_page=True)
    assert errors == []
