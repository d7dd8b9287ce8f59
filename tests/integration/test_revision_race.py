"""Two corrections of one result saved at the same instant, from two real sessions: the later gets RevisionConflict."""
from __future__ import annotations

import threading
import time
from datetime import datetime, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.monitoring import Result, ResultRevision
from app.services.permits import import_permit_definition
from app.services.results import REVISED, RevisionConflict, plan_result, record_result, store_result
from tests.factories import permit_document

ROW = {"permit": "CT0000001", "outfall": "001", "parameter_code": "00530", "sample_id": "C-1",
       "sampled_at": "2026-03-10T08:00", "value": "72", "unit": "mg/L", "received_at": "2026-03-12T10:00"}
NOW = datetime(2026, 3, 13, 15, tzinfo=timezone.utc)
CONFLICT = r"revision 2 was saved by .* while you were editing revision 1; review it and correct again"


@pytest.fixture
def stored(db, make_user):
    import_permit_definition(db.session, permit_document("npdes"))
    record_result(db.session, ROW, now=NOW)
    alice, bob = make_user("labtech", email="alice@example.com"), make_user("manager", email="bob@example.com")
    db.session.commit()
    return alice.id, bob.id


def _correction(value: str, reason: str) -> dict:
    return {**ROW, "value": value, "correction_reason": reason}


def _revisions(db) -> list[tuple[int, str]]:
    db.session.rollback()
    return [(r.revision, r.value) for r in db.session.scalars(select(ResultRevision).order_by(ResultRevision.revision))]


def test_the_later_of_two_corrections_both_typed_against_revision_1_gets_the_optimistic_lock_message(db, stored):
    """Both sessions check revision 1 before either saves; the first commits, the second must not answer 500."""
    alice, bob = stored
    first, second = Session(db.engine), Session(db.engine)
    try:
        plan_a = plan_result(first, _correction("27", "transcription error"), actor_id=alice, expected_revision=1)
        plan_b = plan_result(second, _correction("7.2", "decimal point misplaced"), actor_id=bob,
                             expected_revision=1)
        assert plan_a.status == plan_b.status == REVISED
        store_result(first, plan_a, now=NOW, actor_id=alice, actor_label="alice@example.com")
        first.commit()
        with pytest.raises(RevisionConflict, match=CONFLICT) as conflict:
            store_result(second, plan_b, now=NOW, actor_id=bob, actor_label="bob@example.com")
        assert "alice@example.com" in conflict.value.message or "Alice" in conflict.value.message
        second.rollback()
    finally:
        first.close()
        second.close()
    assert _revisions(db) == [(1, "72"), (2, "27")]
    assert db.session.scalar(select(Result.current_revision)) == 2


def test_a_correction_blocked_behind_a_colleague_s_open_save_gets_the_conflict_once_it_commits(db, stored):
    """PostgreSQL: the second save waits on the first one's row lock, then finds revision 2 and stops."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite lets one writer in at a time: the second save waits on the file lock, not a row")
    alice, bob = stored
    first, second = Session(db.engine), Session(db.engine)
    outcome: dict[str, object] = {}

    def bob_saves():
        try:
            plan = plan_result(second, _correction("7.2", "decimal point misplaced"), actor_id=bob,
                               expected_revision=1)
            started.set()
            store_result(second, plan, now=NOW, actor_id=bob, actor_label="bob@example.com")
            outcome["stored"] = True
        except Exception as error:  # handed to the test thread below
            outcome["error"] = error
        finally:
            second.rollback()

    try:
        plan_a = plan_result(first, _correction("27", "transcription error"), actor_id=alice, expected_revision=1)
        store_result(first, plan_a, now=NOW, actor_id=alice, actor_label="alice@example.com")  # holds the row
        started = threading.Event()
        worker = threading.Thread(target=bob_saves)
        worker.start()
        assert started.wait(10)
        time.sleep(0.5)
        assert worker.is_alive()  # waiting on alice's row lock
        first.commit()
        worker.join(20)
        assert not worker.is_alive()
    finally:
        first.close()
        second.close()
    assert isinstance(outcome.get("error"), RevisionConflict), outcome
    assert outcome["error"].field == "revision"
    assert _revisions(db) == [(1, "72"), (2, "27")]
