"""In a real browser: sign in as the demo manager, find the demo permits and their DMR-style limits."""
from __future__ import annotations

import json
from datetime import date

import pytest

pytestmark = pytest.mark.e2e


@pytest.fixture
def demo(db):
    from app.services.demo import load_demo

    load_demo(db.session, date.today())
    db.session.commit()


def _sign_in(page, base, email):
    page.goto(base + "/")
    assert "/auth/login" in page.url
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", "outfall-demo")
    page.click("button[type=submit]")


def test_manager_signs_in_and_reads_the_permit_limits(live_server, page, demo, tmp_path):
    _sign_in(page, live_server, "manager@example.com")
    assert page.locator("h1").inner_text() == "Dashboard"
    page.click("nav >> text=Permits")
    page.click("text=CT0000001")
    assert "Permit CT0000001" in page.locator("h1").inner_text()
    tss_row = page.locator("table.dmr tr", has_text="00530")
    assert "30 mg/L" in tss_row.inner_text() and "monthly average" in tss_row.inner_text()
    assert "50 lb/d" in tss_row.inner_text()
    assert page.locator("#renewal-due").inner_text().startswith("2030-07-04")
    page.screenshot(path=str(tmp_path / "permit.png"), full_page=True)


def test_wrong_password_in_the_browser_shows_an_error(live_server, page, demo):
    page.goto(live_server + "/auth/login")
    page.fill("input[name=email]", "manager@example.com")
    page.fill("input[name=password]", "not the password")
    page.click("button[type=submit]")
    assert "E-mail or password is wrong" in page.locator(".flash-error").inner_text()


def test_manager_uploads_a_new_permit_version_and_sees_errors_for_a_bad_one(live_server, page, demo, tmp_path):
    from tests.factories import permit_document

    _sign_in(page, live_server, "manager@example.com")
    bad = permit_document("npdes")
    bad["permit"]["outfalls"][0]["parameters"][1]["columns"][0]["limit"] = 50
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    page.goto(live_server + "/permits/upload")
    page.set_input_files("input[type=file]", str(tmp_path / "bad.json"))
    page.click("form.card button[type=submit]")
    errors = page.locator("ul.errors").inner_text()
    assert "$.permit.outfalls[0].parameters[1].columns[0].limit" in errors

    good = permit_document("npdes")
    good["permit"]["effective"] = "2027-01-01"
    (tmp_path / "good.json").write_text(json.dumps(good))
    page.set_input_files("input[type=file]", str(tmp_path / "good.json"))
    page.click("form.card button[type=submit]")
    assert "imported as version 2" in page.locator(".flash-success").inner_text()


def test_inspector_sees_permits_but_no_upload(live_server, page, demo):
    _sign_in(page, live_server, "inspector@example.com")
    page.goto(live_server + "/permits/")
    assert page.locator("text=CT0000001").count() == 1
    assert page.locator("text=Upload a permit definition").count() == 0
    response = page.goto(live_server + "/permits/upload")
    assert response.status == 403
