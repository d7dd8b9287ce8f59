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


def test_calc02_room_left_orders_exceeded_then_tight_then_untouched():
    from app.domain.headroom import room_left

    exceeded = average_headroom([D("70"), D("70")], D("30"), 4)          # allowed -10
    tight = average_headroom([D("55"), D("56")], D("30"), 4)             # allowed 4.5
    untouched = average_headroom([], D("30"), 8)                         # allowed = the limit
    final_close = average_headroom([D("29"), D("28")], D("30"), 2)       # final average 28.5
    final_over = average_headroom([D("31"), D("33")], D("30"), 2)        # final average 32
    nothing_required = average_headroom([], D("30"), 0)
    assert room_left(exceeded) == D("-10") / D("30") and room_left(tight) == D("4.5") / D("30")
    assert room_left(untouched) == 1 and room_left(nothing_required) == 1
    assert room_left(final_close) == D("1.5") / D("30") and room_left(final_over) < 0


def test_calc02_least_room_keeps_the_given_order_and_breaks_ties_by_position():
    from app.domain.headroom import least_room

    lines = [("a", average_headroom([], D("30"), 4)), ("b", average_headroom([D("55")], D("30"), 4)),
             ("c", average_headroom([], D("30"), 4)), ("d", average_headroom([D("100")], D("30"), 4)),
             ("e", average_headroom([], D("30"), 4))]
    chosen = least_room(lines, 3, lambda line: line[1])
    assert [name for name, _ in chosen] == ["a", "b", "d"]  # b and d are tight; a is the first of the ties
    assert least_room(lines, 9, lambda line: line[1]) == lines
