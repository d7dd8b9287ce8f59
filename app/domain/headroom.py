"""Compliance headroom: how high the rest of the month's samples may average before an average limit is exceeded.

For an average limit L over a period needing N sample days, with k daily values summing to S so
far, the remaining r = max(N - k, 0) values may average at most (L*(k + r) - S) / r. With nothing
left to sample the average is final. All Decimal; the limit is judged as the DMR judges it.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

ZERO = Decimal(0)
T = TypeVar("T")


@dataclass(frozen=True)
class Headroom:
    limit: Decimal
    samples_so_far: int
    samples_required: int
    running_average: Decimal | None
    remaining: int
    allowed_remaining_average: Decimal | None  # None when nothing remains to be sampled
    already_exceeded: bool  # even zeros in every remaining sample cannot bring it back under the limit
    margin_warning: bool

    @property
    def final(self) -> bool:
        return self.remaining == 0


def average_headroom(daily_values: Sequence[Decimal], limit: Decimal, samples_required: int, *,
                     warn_below: Decimal = Decimal("0.2")) -> Headroom:
    """`warn_below`: warn when what the remaining samples may average is under this share of the limit
    (or the running average is above 1 - that share of it when the period is complete)."""
    if limit <= ZERO:
        raise ValueError("an average limit must be positive")
    k = len(daily_values)
    total = sum(daily_values, ZERO)
    running = total / k if k else None
    remaining = max(samples_required - k, 0)
    if remaining == 0:
        exceeded = running is not None and running > limit
        warning = running is not None and not exceeded and running > limit * (1 - warn_below)
        return Headroom(limit, k, samples_required, running, 0, None, exceeded, warning)
    allowed = (limit * (k + remaining) - total) / remaining
    exceeded = allowed < ZERO
    return Headroom(limit, k, samples_required, running, remaining, allowed, exceeded,
                    exceeded or allowed < limit * warn_below)


def room_left(headroom: Headroom) -> Decimal:
    """The share of the limit still free, to put the tightest limits first: what the remaining samples
    may average over the limit, or, once the average is final, how far it is below the limit over
    the limit. Negative when the limit is exceeded; 1 for a period with nothing sampled or required."""
    if headroom.final:
        average = headroom.running_average if headroom.running_average is not None else ZERO
        return (headroom.limit - average) / headroom.limit
    return headroom.allowed_remaining_average / headroom.limit


def least_room(lines: Sequence[T], count: int, headroom_of: Callable[[T], Headroom]) -> list[T]:
    """The `count` lines with the least room left, kept in their given order (ties: the earlier line)."""
    if len(lines) <= count:
        return list(lines)
    tightest = sorted(range(len(lines)), key=lambda i: (room_left(headroom_of(lines[i])), i))[:count]
    return [lines[i] for i in sorted(tightest)]
