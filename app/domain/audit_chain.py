"""The audit trail's hash chain: canonical content, entry hashes and the first broken link."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

GENESIS_HASH = "0" * 64
CHAINED_FIELDS = ("seq", "at", "actor_id", "actor_label", "entity", "entity_id", "action",
                  "before", "after", "reason", "prev_hash")


def _canonical_at(at: datetime) -> str:
    if at.tzinfo is None:
        raise ValueError("audit timestamps must be aware")
    return at.astimezone(timezone.utc).isoformat(timespec="microseconds")


def entry_hash(entry: Mapping[str, Any]) -> str:
    """SHA-256 over the entry's content and the previous entry's hash, in canonical JSON."""
    content = {key: entry[key] for key in CHAINED_FIELDS}
    content["at"] = _canonical_at(entry["at"])
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class BrokenLink:
    seq: int
    entry_id: int | None
    problem: str

    def __str__(self) -> str:
        return f"audit entry seq {self.seq} (id {self.entry_id}): {self.problem}"


def first_broken_link(entries: Iterable[Mapping[str, Any]]) -> BrokenLink | None:
    """Walk entries in seq order; return where the chain first stops proving itself, or None.

    Catches an edited entry (its hash no longer matches its content), a deleted or inserted entry
    (a gap in seq, or a prev_hash that is not the previous entry's hash) and a rewritten hash.
    """
    expected_seq = 1
    previous_hash = GENESIS_HASH
    for entry in entries:
        seq, entry_id = entry["seq"], entry.get("id")
        if seq != expected_seq:
            return BrokenLink(seq, entry_id, f"sequence jumps from {expected_seq - 1} to {seq} "
                                            "(an entry was removed or inserted)")
        if entry["prev_hash"] != previous_hash:
            return BrokenLink(seq, entry_id, "prev_hash does not match the previous entry's hash")
        if entry_hash(entry) != entry["hash"]:
            return BrokenLink(seq, entry_id, "content does not match its hash (the entry was altered)")
        previous_hash = entry["hash"]
        expected_seq += 1
    return None
