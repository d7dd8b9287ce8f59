"""Steps shared by the two-factor web tests: a frozen clock, enrolling through the pages, the code of a moment."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import pyotp
import pytest

from tests.conftest import TEST_PASSWORD


@dataclass
class Clock:
    now: datetime

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    """Freezes the time the two-factor views see, near the real time (the password throttle uses the real one)."""
    real = datetime.now(timezone.utc).replace(microsecond=0)
    frozen = Clock(real - timedelta(seconds=real.timestamp() % 30) + timedelta(seconds=5))
    for module in ("app.blueprints.auth.two_factor", "app.blueprints.auth.signin"):
        monkeypatch.setattr(f"{module}.utcnow", lambda: frozen.now)
    return frozen


def code_at(secret: str, moment: datetime) -> str:
    return pyotp.TOTP(secret).at(moment)


@dataclass
class Enrolled:
    secret: str
    recovery_codes: list[str] = field(default_factory=list)


def sign_in_with_password(client, user, next_path: str | None = None):
    url = "/auth/login" + (f"?next={next_path}" if next_path else "")
    return client.post(url, data={"email": user.email, "password": TEST_PASSWORD})


def enrol(client, clock: Clock) -> Enrolled:
    """Through the pages, as a person would: begin, read the key, type the app's current code."""
    assert client.post("/auth/profile/two-factor/begin").status_code == 302
    page = client.get("/auth/profile/two-factor").get_data(as_text=True)
    secret = re.search(r'id="totp-secret"[^>]*>([^<]+)<', page).group(1).replace(" ", "")
    response = client.post("/auth/profile/two-factor/enable", data={"code": code_at(secret, clock.now)})
    assert response.status_code == 200, response.get_data(as_text=True)
    codes = re.findall(r"<li><code>([A-Z2-7]{5}-[A-Z2-7]{5})</code></li>", response.get_data(as_text=True))
    return Enrolled(secret=secret, recovery_codes=codes)


def session_of(client) -> dict:
    with client.session_transaction() as session:
        return dict(session)
