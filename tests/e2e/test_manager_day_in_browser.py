"""In a real browser: the manager's day from the dashboard to the obligations, search, read-only pages, trends."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.e2e

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"  # screenshots of each key page, git-ignored
ZONE = ZoneInfo("America/New_York")  # the demo permit's facility
PHONE = {"width": 390, "height": 844}
MANAGER, LABTECH, VIEWER = "manager@test.example", "lab@test.example", "inspector@test.example"
COC = "COC-4711"


@pytest.fixture
def day(db):
    """A few targeted records instead of the demo (which takes ~10 s a test): one permit, three people, and TSS
    results over four months with a non-detect, the last with chain of custody COC-4711."""
    from app.services.permits import import_permit_definition
    from app.services.results import record_result
    from tests.factories import create_test_user, permit_document

    import_permit_definition(db.session, permit_document("npdes"))
    for role, email in (("manager", MANAGER), ("labtech", LABTECH), ("viewer", VIEWER)):
        create_test_user(db.session, role=role, email=email, name=f"Pat {role.title()}")
    now = datetime.now(timezone.utc)
    local = now.astimezone(ZONE)
    for days_back, value, qualifier, sample_id in ((100, "24", "", "TSS-A"), (70, "4.0", "<", "TSS-B"),
                                                   (40, "31", "", "TSS-C"), (10, "18", "", "TSS-D")):
        sampled = (local - timedelta(days=days_back)).replace(hour=8, minute=0, second=0, microsecond=0)
        record_result(db.session, {"permit": "CT0000001", "outfall": "001", "parameter_code": "00530",
                                   "sample_id": sample_id, "sampled_at": sampled.strftime("%Y-%m-%dT%H:%M"),
                                   "value": value, "qualifier": qualifier, "unit": "mg/L",
                                   "chain_of_custody": COC if sample_id == "TSS-D" else None}, now=now)
    db.session.commit()


@pytest.fixture
def watched(page):
    """The page, with script errors, CSP refusals and failed requests collected (the favicon probe aside)."""
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda message: problems.append(message.text)
            if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico") else None)
    page.on("response", lambda response: problems.append(f"{response.status} {response.url}")
            if response.status >= 400 and not response.url.endswith("/favicon.ico") else None)
    page.problems = problems
    return page


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _sign_in(page, base: str, email: str) -> None:
    page.goto(base + "/auth/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("button[type=submit]")
    assert page.locator("h1").inner_text() == "Dashboard"


def _sign_out(page) -> None:
    page.click("header .account button[type=submit]")
    assert page.locator("input[name=password]").count() == 1


def test_the_manager_sees_the_dashboard_and_its_sections(live_server, watched, day):
    page = watched
    _sign_in(page, live_server, MANAGER)
    for section in ("obligations", "reports", "sampling", "exceedances", "headroom", "permits", "upkeep"):
        assert page.locator(f"section#{section} h2").is_visible(), section
    assert "CT0000001" in page.locator("section#permits").inner_text()
    headroom = page.locator("section#headroom a.trend-link", has_text="00530")
    assert headroom.count() == 1
    _shot(page, "dashboard")
    headroom.click()
    assert page.locator("h1").inner_text() == "Trends"
    assert page.locator("#trend-chart svg circle.point").count() >= 1
    assert page.problems == []


def test_a_lab_tech_exceedance_reaches_the_manager_with_a_live_countdown(live_server, watched, day):
    page = watched
    _sign_in(page, live_server, LABTECH)
    page.click("nav >> text=Results")
    page.click("text=Enter a sample")
    page.click("text=CT0000001 · outfall 001")
    assert page.locator("h1").inner_text() == "Enter results"
    sampled = (datetime.now(timezone.utc).astimezone(ZONE) - timedelta(days=1)).replace(hour=7, minute=30)
    page.fill("input[name=sample_id]", "CU-DAY-1")
    page.fill("input[name=sampled_at]", sampled.strftime("%Y-%m-%dT%H:%M"))
    page.select_option("select[name=sample_type]", "composite")
    page.fill("input[name=chain_of_custody]", "COC-4712")
    page.locator("section#row-01042-1 input[name$='-value']").fill("1.6")  # copper: daily maximum 1.0 mg/L
    _shot(page, "entry")
    page.click("input[value=Save]")
    flashes = page.locator(".flash-success").all_inner_texts()
    assert any(f.startswith("exceedance created: 01042 daily maximum 1.6 mg/L over the limit 1.0") for f in flashes)
    _shot(page, "result")
    _sign_out(page)

    page.clock.install()  # the page's own clock, so the countdown script can be watched without waiting minutes
    _sign_in(page, live_server, MANAGER)
    page.click("nav >> text=Obligations")
    # Federal and state rules may each oblige a call for the one exceedance; each card has its own countdown.
    cards = page.locator("article.obligation", has_text="CU-DAY-1")
    cards.first.wait_for()  # the click only waits for the navigation to commit, not for the new page's DOM
    assert cards.count() >= 1
    card = cards.first
    assert "01042" in card.inner_text() and "1.6 mg/L against the limit 1.0 mg/L" in card.inner_text()
    countdown = card.locator("tr.part-initial .countdown")
    before = countdown.inner_text()
    assert re.fullmatch(r"due in (\d+ h )?\d+ min", before), before
    _shot(page, "obligations")
    # The script rewrites the text every 15 s by the page's clock; 90 s later the minutes have moved on.
    page.clock.run_for(90_000)
    page.wait_for_function("([el, text]) => el.textContent !== text", arg=[countdown.element_handle(), before])
    after = countdown.inner_text()
    assert after != before and re.fullmatch(r"due in (\d+ h )?\d+ min", after), (before, after)
    assert page.problems == []


def test_a_coc_number_typed_in_the_top_search_box_leads_to_its_sample(live_server, watched, day):
    page = watched
    _sign_in(page, live_server, VIEWER)
    box = page.locator("header form[role=search] input[name=q]")
    box.fill(COC)
    box.press("Enter")
    assert page.locator("h1").inner_text() == "Search"
    _shot(page, "search")
    page.locator("section#found-sample ol.hits a").first.click()
    assert page.locator("h1").inner_text() == "Sample TSS-D"
    assert COC in page.locator("section#collection").inner_text()
    _shot(page, "sample")
    assert page.problems == []


# Links that lead to a change; none may be offered to the inspector.
WRITE_LINKS = ("/results/enter", "/results/import", "/records/documents/upload", "/records/instruments/new",
               "/compliance/events/new", "/permits/upload")


def _write_controls(page) -> list[str]:
    """Forms that post, and buttons or links that lead to a change, in the page body (not the top bar)."""
    return page.evaluate("""(writeLinks) => {
        const found = [];
        const posts = f => (f.getAttribute('method') || 'get').toLowerCase() !== 'get';
        document.querySelectorAll('main form').forEach(f => { if (posts(f)) { found.push('form ' + f.action); } });
        document.querySelectorAll('main button, main input[type=submit]').forEach(b => {
            const form = b.closest('form');
            if (!form || posts(form)) { found.push('button ' + b.textContent); }
        });
        document.querySelectorAll('main a[href]').forEach(a => {
            if (writeLinks.some(w => a.pathname.startsWith(w))) { found.push('link ' + a.pathname); }
        });
        return found;
    }""", list(WRITE_LINKS))


def test_the_inspector_sees_no_edit_controls(live_server, watched, day, db):
    from sqlalchemy import select

    from app.models.monitoring import Result
    from app.services.results import record_result

    now = datetime.now(timezone.utc)
    sampled = (now.astimezone(ZONE) - timedelta(days=1)).strftime("%Y-%m-%dT08:00")
    record_result(db.session, {"permit": "CT0000001", "outfall": "001", "parameter_code": "01042", "sample_id": "CU-X",
                               "sampled_at": sampled, "value": "1.4", "unit": "mg/L"}, now=now)
    db.session.commit()
    result_id = db.session.scalar(select(Result.id).where(Result.sample_id == "CU-X"))
    pages = {"dashboard": "/", "results": "/results/", "result": f"/results/{result_id}", "records": "/records/",
             "obligations": "/compliance/obligations"}
    page = watched
    # The same pages offer the manager their forms, so an empty list below means something.
    _sign_in(page, live_server, MANAGER)
    offered = {name: _write_controls(page) for name, path in pages.items() if page.goto(live_server + path)}
    assert offered["result"] and offered["obligations"] and offered["results"] and offered["records"]
    _sign_out(page)

    _sign_in(page, live_server, VIEWER)
    for name, path in pages.items():
        assert page.goto(live_server + path).status == 200, path
        assert _write_controls(page) == [], name
        _shot(page, f"inspector-{name}")
    assert page.problems == []
    assert page.goto(live_server + "/results/enter").status == 403
    assert page.locator("h1").inner_text() == "403 · Not allowed"


def test_the_entry_form_fits_a_phone(live_server, watched, day):
    page = watched
    page.set_viewport_size(PHONE)
    _sign_in(page, live_server, LABTECH)
    page.goto(live_server + "/results/enter?permit=CT0000001&outfall=001")
    assert page.locator("h1").inner_text() == "Enter results"
    assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")
    controls = page.evaluate("""() => [...document.querySelectorAll(
        'form.entry input:not([type=hidden]), form.entry select, form.entry button')].map(el => {
            const box = el.getBoundingClientRect();
            return {name: el.name || el.value, left: box.left, right: box.right, height: box.height};
        })""")
    assert len(controls) > 10
    assert [c["name"] for c in controls if c["left"] < 0 or c["right"] > PHONE["width"]] == []
    assert [c["name"] for c in controls if c["height"] < 30] == []  # big enough to tap
    value = page.locator("section#row-00530-1 input[name$='-value']")
    value.click()
    value.fill("27")
    assert value.input_value() == "27"
    assert page.evaluate("document.activeElement.name").endswith("-value")
    _shot(page, "entry-phone")
    assert page.problems == []


def test_the_trend_page_draws_the_chart_and_exports_a_png(live_server, watched, day):
    page = watched
    _sign_in(page, live_server, MANAGER)
    page.click("nav >> text=Trends")
    page.select_option("#trend-choice", "CT0000001|001|00530|1")
    page.click("#trend-form button[type=submit]")
    chart = page.locator("#trend-chart svg")
    chart.wait_for()  # is_visible() and count() do not wait for the new page
    assert chart.is_visible()
    assert chart.locator("circle.point").count() == 4
    assert chart.locator("circle.nd").count() == 1
    assert chart.locator("line.limit").count() >= 3  # weekly, monthly and daily TSS limits in mg/L
    _shot(page, "trend")
    with page.expect_download() as info:
        page.click("#download-png")
    info.value.save_as(ARTIFACTS / "trend-export.png")
    png = (ARTIFACTS / "trend-export.png").read_bytes()
    assert info.value.suggested_filename == "trend.png" and png.startswith(b"\x89PNG\r\n\x1a\n")
    page.click("#trend-ranges >> text=3 years")
    page.wait_for_load_state()
    assert page.locator("#trend-chart svg circle.point").count() == 4
    assert page.problems == []
