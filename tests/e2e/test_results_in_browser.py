"""On a phone-sized screen: a lab tech enters a TSS result over the limit, checks it, saves it and sees the result."""
from __future__ import annotations

import shutil
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import CHROMIUM_ARGS

pytestmark = pytest.mark.e2e

ZONE = ZoneInfo("America/New_York")  # the demo facility's
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone():
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("Debian's chromium is not on the PATH: `make test` installs it (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=3)
        page = context.new_page()
        yield page
        context.close()
        browser.close()


@pytest.fixture
def labtech(db):
    from app.services.permits import import_permit_definition
    from tests.factories import create_test_user, permit_document

    import_permit_definition(db.session, permit_document("npdes"))
    db.session.commit()
    return create_test_user(db.session, role="labtech", email="lab@test.example", name="Lee Lab")


def _fits_the_screen(page) -> None:
    """No sideways scrolling, and every form control lies inside the 390 px width."""
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    outside = page.evaluate("""() => [...document.querySelectorAll(
        'form.entry input:not([type=hidden]), form.entry select, form.entry button')].filter(el => {
            const box = el.getBoundingClientRect();
            return box.left < 0 || box.right > window.innerWidth;
        }).map(el => el.name)""")
    assert outside == []


def test_lab_tech_enters_a_sample_on_a_phone(live_server, phone, labtech, db, tmp_path):
    from app.models.compliance import Exceedance
    from app.models.monitoring import Result

    page = phone
    errors, missing = [], []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("response", lambda response: missing.append(response.url) if response.status == 404 else None)

    page.goto(live_server + "/auth/login")
    page.fill("input[name=email]", labtech.email)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("button[type=submit]")
    assert page.locator("h1").inner_text() == "Dashboard"

    page.click("nav >> text=Results")
    assert page.locator("h1").inner_text() == "Results"
    page.click("text=Enter a sample")
    page.click("text=CT0000001 · outfall 001")
    assert page.locator("h1").inner_text() == "Enter results"
    assert page.locator("section.entry-row").count() == 5
    _fits_the_screen(page)
    tss = page.locator("section#row-00530-1")
    # Stacked cards on a phone: value and qualifier side by side, unit and RL below them.
    value_box = tss.locator("input[name$='-value']").bounding_box()
    unit_box = tss.locator("input[name$='-unit']").bounding_box()
    assert unit_box["y"] > value_box["y"] and value_box["width"] < PHONE["width"] / 2
    assert tss.locator("input[name$='-unit']").input_value() == "mg/L"

    sampled = (datetime.now(timezone.utc).astimezone(ZONE) - timedelta(days=1)).replace(hour=8, minute=0)
    page.fill("input[name=sample_id]", "PH-0001")
    page.fill("input[name=sampled_at]", sampled.strftime("%Y-%m-%dT%H:%M"))
    page.select_option("select[name=sample_type]", "composite")
    page.fill("input[name=chain_of_custody]", "COC-77")
    tss.locator("input[name$='-value']").fill("72")
    page.screenshot(path=str(tmp_path / "entry.png"), full_page=True)

    page.click("input[value=Check]")
    assert "nothing was stored" in page.locator("#check-summary").inner_text()
    verdict = page.locator("section#row-00530-1 .verdict").inner_text()
    assert "Would exceed: 00530 daily maximum 72 mg/L over the limit 60" in verdict
    assert "Skipped: no value." in page.locator("section#row-01042-1").inner_text()
    _fits_the_screen(page)
    page.screenshot(path=str(tmp_path / "checked.png"), full_page=True)
    assert db.session.scalar(select(func.count()).select_from(Result)) == 0

    page.click("input[value=Save]")
    assert "00530" in page.locator("h1").inner_text() and "PH-0001" in page.locator("h1").inner_text()
    flashes = page.locator(".flash-success").all_inner_texts()
    assert "Sample PH-0001: 00530 saved (revision 1)." in flashes
    assert any(f.startswith("exceedance created: 00530 daily maximum 72 mg/L over the limit 60 mg/L") for f in flashes)
    assert "72 mg/L" in page.locator("#current .reading").inner_text()
    assert "COC-77" in page.locator("#sample").inner_text()
    assert "Lee Lab" in page.locator("#history").inner_text()
    assert "active" in page.locator("#exceedances").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(tmp_path / "result.png"), full_page=True)

    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Result)) == 1
    assert db.session.scalar(select(func.count()).select_from(Exceedance)) >= 1
    assert [url for url in missing if not url.endswith("/favicon.ico")] == []
    assert [e for e in errors if "404" not in e] == []  # no script error, no CSP refusal
