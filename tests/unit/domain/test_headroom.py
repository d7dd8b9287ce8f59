"""Headroom for average limits (CALC-02): what the remaining samples of the period may average."""
from __future__ import annotations

from decimal import Decimal as D

import pytest

from app.domain.headroom import average_headroom


@pytest.mark.parametrize("values, limit, required, allowed, exceeded, warning", [
    (["20", "25"], "30", 4, "37.5", False, False),     # (30*4 - 45) / 2
    (["50", "50"], "30", 4, "10", False, False),       # (120 - 100) / 2: 10 >= 0.2*30
    (["55", "56"], "30", 4, "4.5", False, True),       # (120 - 111) / 2: below 20 % of the limit
    (["70", "70"], "30", 4, "-10", True, True),        # even two zeros leave the average at 35
    ([], "30", 8, "30", False, False),
])
def test_calc02_headroom_table(values, limit, required, allowed, exceeded, warning):
    h = average_headroom([D(v) for v in values], D(limit), required)
    assert (h.allowed_remaining_average, h.already_exceeded, h.margin_warning) == (D(allowed), exceeded, warning)
    assert h.remaining == required - len(values)


def test_a_complete_period_is_final():
    h = average_headroom([D("29"), D("30")], D("30"), 2)
    assert h.final and h.allowed_remaining_average is None and h.running_average == D("29.5")
    assert not h.already_exceeded and h.margin_warning
    assert average_headroom([D("31"), D("30")], D("30"), 2).already_exceeded


def test_more_samples_than_required_still_count():
    h = average_headroom([D("10")] * 5, D("30"), 4)
    assert h.final and h.running_average == D("10")


def test_a_limit_must_be_positive():
    with pytest.raises(ValueError):
        average_headroom([], D("0"), 4)
