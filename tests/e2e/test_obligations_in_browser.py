"""In a real browser: the manager reports an equipment failure, watches its countdown and records the call."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

pytestmark = pytest.mark.e2e

ZONE = ZoneInfo("America/New_York")  # the demo facility's


@pytest.fixture
def demo(db):
    from app.services.demo import load_demo

    load_demo(db.session, date.today())
    db.session.commit()


def _sign_in(page, base, email):
    page.goto(base + "/auth/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", "outfall-demo")
    page.click("button[type=submit]")
    assert page.locator("h1").inner_text() == "Dashboard"


def test_manager_reports_an_event_and_records_the_oral_notice(live_server, page, demo, tmp_path):
    errors, missing = [], []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("response", lambda response: missing.append(response.url) if response.status == 404 else None)
    # A controllable page clock, so the countdown script can be seen to tick without waiting hours.
    page.clock.install()
    _sign_in(page, live_server, "manager@example.com")
    page.click("nav >> text=Obligations")
    assert page.locator("h1").inner_text() == "Notification obligations"

    page.click("text=Report an event")
    discovered = datetime.now(timezone.utc).astimezone(ZONE) - timedelta(minutes=20)
    page.select_option("select[name=permit]", "SP0002345")
    page.select_option("select[name=kind]", "monitoring_equipment_failure")
    page.fill("input[name=outfall]", "101")
    page.fill("input[name=discovered_at]", discovered.strftime("%Y-%m-%dT%H:%M"))
    page.fill("textarea[name=description]", "pH probe drifted; readings unusable")
    page.click("form.card button[type=submit]")

    assert "1 notification obligation created" in page.locator(".flash-success").inner_text()
    card = page.locator("article.obligation", has_text="pH probe drifted")
    assert "SP0002345" in card.inner_text() and "pH probe drifted; readings unusable" in card.inner_text()
    call = card.locator("tr.part-initial .countdown")
    assert re.fullmatch(r"due in 1 h [34]\d min", call.inner_text())
    assert "overdue" not in (call.get_attribute("class") or "")
    page.screenshot(path=str(tmp_path / "obligations.png"), full_page=True)

    # Three hours on, by the page's clock: the script rewrites the text and turns it red.
    page.clock.fast_forward("03:00:00")
    page.wait_for_function("document.querySelector('tr.part-initial .countdown').textContent.startsWith('overdue')")
    assert re.fullmatch(r"overdue by \d h \d+ min", call.inner_text())
    assert "overdue" in call.get_attribute("class")
    assert call.evaluate("el => getComputedStyle(el).color") == "rgb(179, 38, 30)"  # --bad

    card.locator("summary", has_text="Record the oral notice").click()
    card.locator("input[name$='-initial-to_whom']").fill("R. Patel, CT DEEP")
    card.locator("select[name$='-initial-method']").select_option("phone")
    card.locator("form", has=page.locator("input[name$='-initial-to_whom']")).locator("button[type=submit]").click()

    assert "Recorded the oral notice" in page.locator(".flash-success").inner_text()
    card = page.locator("article.obligation", has_text="pH probe drifted")
    done = card.locator("tr.part-initial .done").inner_text()
    assert done.startswith("done ") and re.search(r"E[SD]T$", done)
    assert "to R. Patel, CT DEEP by phone" in card.locator("tr.part-initial").inner_text()
    assert card.locator("tr.part-followup .countdown").count() == 1  # the written report is still open
    assert [url for url in missing if not url.endswith("/favicon.ico")] == []
    assert [e for e in errors if "404" not in e] == []  # no script error, no CSP refusal
    page.screenshot(path=str(tmp_path / "recorded.png"), full_page=True)


def test_inspector_sees_obligations_but_no_forms(live_server, page, demo, db):
    from app.services.events import EventReport, report_event

    report_event(db.session, EventReport(permit="SP0002345", kind="upset",
                                         discovered_at=datetime.now(timezone.utc) - timedelta(hours=1)))
    db.session.commit()
    _sign_in(page, live_server, "inspector@example.com")
    page.goto(live_server + "/compliance/obligations")
    assert page.locator("article.obligation").count() >= 1
    assert page.locator("details.record-form").count() == 0
    assert page.locator("text=Report an event").count() == 0
    assert page.goto(live_server + "/compliance/events/new").status == 403
