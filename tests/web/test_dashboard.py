"""The dashboard shows what is due and what is wrong, from the demo's data."""
from __future__ import annotations

from datetime import date

import pytest


@pytest.fixture
def demo(db):
    from app.services.demo import load_demo

    load_demo(db.session, date.today())
    db.session.commit()


def test_the_manager_sees_obligations_reports_sampling_and_headroom(client, login_as, demo):
    login_as("manager")
    page = client.get("/").get_data(as_text=True)
    for heading in ("Open notifications", "DMR / SMR", "Sampling this week", "Exceedances, last 30 days",
                    "Headroom this month", "Permits", "Calibrations and e-mail"):
        assert heading in page
    assert "CT0000001" in page and "SP0002345" in page
    assert 'data-due="' in page  # the open copper obligations of the last 30 days, with their countdown
    assert "Missed in the last 30 days" in page  # the demo's skipped zinc sample


def test_an_empty_installation_says_so(client, login_as, db):
    login_as("viewer")
    page = client.get("/").get_data(as_text=True)
    assert "No permit has been loaded yet" in page
