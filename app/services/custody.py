"""A sample's chain of custody: hand-overs added in order, checked, and read back with any gap in the chain."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.monitoring import Sample
from app.models.record import CustodyTransfer
from app.services.audit import audit_context

# A phone's clock typed to the minute may run a little ahead of the server's.
CLOCK_GRACE = timedelta(minutes=5)


class CustodyError(ValueError):
    """The transfer cannot be recorded; the message names the field and what was expected."""


@dataclass(frozen=True)
class TransferRecord:
    sample_pk: int
    relinquished_by: str
    relinquished_at: datetime
    received_by: str
    received_at: datetime
    notes: str | None = None


def _aware(name: str, moment: object) -> datetime:
    if not isinstance(moment, datetime) or moment.utcoffset() is None:
        raise CustodyError(f"{name}: a date and time with its time zone is needed")
    return moment


def _name(name: str, value: str | None) -> str:
    text = (value or "").strip()
    if not text:
        raise CustodyError(f"{name}: the name of the person (and organisation) is required")
    if len(text) > 120:
        raise CustodyError(f"{name}: at most 120 characters")
    return text


def add_custody_transfer(session: Session, transfer: TransferRecord, *, now: datetime, actor_id: int | None = None,
                         actor_label: str | None = None) -> CustodyTransfer:
    sample = session.get(Sample, transfer.sample_pk)
    if sample is None:
        raise CustodyError(f"sample {transfer.sample_pk}: not found")
    relinquished_by = _name("relinquished_by", transfer.relinquished_by)
    received_by = _name("received_by", transfer.received_by)
    relinquished_at = _aware("relinquished_at", transfer.relinquished_at)
    received_at = _aware("received_at", transfer.received_at)
    if received_at < relinquished_at:
        raise CustodyError("received_at: is before relinquished_at; a sample is received when or after it is "
                           "handed over")
    if received_at > now + CLOCK_GRACE:
        raise CustodyError("received_at: is in the future")
    # Custody starts at collection; a composite is handed over once compositing has ended.
    collected = sample.composite_end or sample.sampled_at
    if collected is not None and relinquished_at < collected:
        raise CustodyError(f"relinquished_at: is before the sample was collected ({collected.isoformat()})")
    with audit_context(session, actor_id=actor_id, actor_label=actor_label,
                       reason=f"custody transfer of sample {sample.sample_code} recorded"):
        row = CustodyTransfer(sample_pk=sample.id, relinquished_by=relinquished_by, relinquished_at=relinquished_at,
                              received_by=received_by, received_at=received_at,
                              notes=(transfer.notes or "").strip() or None, entered_by_id=actor_id)
        session.add(row)
        session.flush()
    return row


def custody_transfers(session: Session, sample_pk: int) -> list[CustodyTransfer]:
    """The hand-overs of one sample in the order they happened."""
    return list(session.scalars(select(CustodyTransfer).where(CustodyTransfer.sample_pk == sample_pk)
                                .order_by(CustodyTransfer.relinquished_at, CustodyTransfer.received_at,
                                          CustodyTransfer.id)))


def custody_gaps(transfers: list[CustodyTransfer]) -> list[str]:
    """What an inspector would question: a hand-over by someone who had not received the sample, or one that
    starts before the previous hand-over ended. Recorded as entered; shown, not refused."""
    gaps = []
    for before, after in zip(transfers, transfers[1:]):
        if after.relinquished_by.casefold() != before.received_by.casefold():
            gaps.append(f"{before.received_by} received the sample, but the next hand-over is by "
                        f"{after.relinquished_by}")
        if after.relinquished_at < before.received_at:
            gaps.append(f"{after.relinquished_by} handed the sample over at {after.relinquished_at.isoformat()}, "
                        f"before {before.received_by} received it ({before.received_at.isoformat()})")
    return gaps
