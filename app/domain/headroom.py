"""Compliance headroom: how high the rest of the month's samples may average before an average limit is exceeded.

For an average limit L over a period needing N sample days, with k daily values summing to S so
far, the remaining r = max(N - k, 0) values may average at most (L*(k + r) - S) / r. With nothing
left to sample the average is final. All Decimal; the limit is judged as the DMR judges it.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

ZERO = Decimal(0)


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
