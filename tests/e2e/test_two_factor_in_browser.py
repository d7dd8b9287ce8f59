"""In a real browser, under the real CSP: a manager sets up two-factor from the QR page, then signs in with a code."""
from __future__ import annotations

import pytest

from tests.conftest import TEST_PASSWORD
from tests.web.two_factor_steps import clock, code_at  # noqa: F401

pytestmark = pytest.mark.e2e


def test_manager_sets_up_two_factor_and_then_needs_the_code_to_sign_in(live_server, page, make_user, clock, tmp_path):
    user = make_user("manager", email="plant.manager@test.example")
    blocked = []
    page.on("console", lambda message: blocked.append(message.text) if "Content Security Policy" in message.text
            else None)
    page.goto(live_server + "/permits/")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.goto(live_server + "/auth/profile")
    page.click("text=Set up two-factor sign-in")
    page.click("button:has-text('Set up two-factor sign-in')")
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    assert len(secret) == 32
    # The QR code is an image from its own route: it loads under CSP with no inline script.
    qr = page.locator("img[alt='QR code of the two-factor secret']")
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
    page.screenshot(path=str(tmp_path / "enrol.png"), full_page=True)
    page.fill("input[name=code]", code_at(secret, clock.now))
    page.click("button:has-text('Turn on two-factor sign-in')")
    assert "Two-factor sign-in is on" in page.locator(".flash-success").inner_text()
    assert page.locator("#recovery-codes li").count() == 10

    page.click("button:has-text('Sign out')")
    clock.advance(seconds=30)
    page.goto(live_server + "/permits/")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("button[type=submit]")
    assert page.locator("h1").inner_text() == "Two-factor code"
    page.fill("input[name=code]", code_at(secret, clock.now))
    page.click("button:has-text('Verify')")
    assert page.url == live_server + "/permits/"  # where the sign-in was headed
    assert blocked == []
