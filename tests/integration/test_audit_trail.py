"""The audit trail: written with every change, chained, and `flask audit verify` catches tampering."""
from __future__ import annotations

import pytest
from sqlalchemy import select, text

from app.models.audit import AuditEntry
from app.services.audit import ComplianceRecordDeletion, verify_audit_trail
from tests.factories import permit_document


@pytest.fixture
def trail(db):
    from app.services.permits import import_permit_definition
    from tests.factories import create_test_user

    user = create_test_user(db.session, role="manager")
    import_permit_definition(db.session, permit_document("npdes"), actor_id=user.id, actor_label=user.email)
    db.session.commit()
    return user


def test_every_created_compliance_record_is_audited_with_who(db, trail):
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
    entities = {e.entity for e in entries}
    assert {"user", "facility", "permit", "permit_version", "outfall", "monitored_parameter",
            "limit_column"} <= entities
    permit_entry = next(e for e in entries if e.entity == "permit")
    assert permit_entry.actor_label == trail.email and permit_entry.actor_id == trail.id
    assert permit_entry.after["number"] == "CT0000001"
    assert permit_entry.at.tzinfo is not None
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))


def test_an_update_records_before_and_after(db, trail):
    from app.services.users import change_role
    from tests.factories import create_test_user

    admin = create_test_user(db.session, role="admin")
    change_role(db.session, trail, "viewer", actor=admin)
    db.session.commit()
    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert (entry.action, entry.entity, entry.before["role"], entry.after["role"]) == \
        ("update", "user", "manager", "viewer")
    assert entry.reason == "role changed" and entry.actor_label == admin.email
    assert "password_hash" not in entry.after


def test_compliance_records_cannot_be_deleted(db, trail):
    from app.models.permit import LimitColumn

    column = db.session.scalars(select(LimitColumn)).first()
    db.session.delete(column)
    with pytest.raises(ComplianceRecordDeletion):
        db.session.flush()


def test_intact_chain_verifies(runner, trail):
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "audit trail intact" in result.output


@pytest.mark.parametrize("tamper, problem", [
    ("UPDATE audit_entry SET after = '{\"number\": \"CT9999999\"}' WHERE seq = :seq", "altered"),
    ("UPDATE audit_entry SET reason = 'nothing to see' WHERE seq = :seq", "altered"),
    ("DELETE FROM audit_entry WHERE seq = :seq", "removed"),
])
def test_tampering_with_any_row_is_named_by_verify(db, runner, trail, tamper, problem):
    total = db.session.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()).limit(1))
    target = total // 2
    db.session.execute(text(tamper), {"seq": target})
    db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    broken_seq = target if problem == "altered" else target + 1
    assert f"seq {broken_seq} " in result.output and problem in result.output


def test_rewriting_an_entry_and_its_hash_still_breaks_the_next_link(db, trail):
    from app.domain.audit_chain import entry_hash

    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.seq == 3)).one()
    forged = {c: getattr(entry, c) for c in ("seq", "at", "actor_id", "actor_label", "entity", "entity_id",
                                             "action", "before", "after", "reason", "prev_hash")}
    forged["reason"] = "forged"
    db.session.execute(text("UPDATE audit_entry SET reason = 'forged', hash = :h WHERE seq = 3"),
                       {"h": entry_hash(forged)})
    db.session.commit()
    checked, broken = verify_audit_trail(db.session)
    assert broken is not None and broken.seq == 4 and "prev_hash" in broken.problem


def _tail_queries(db, work) -> int:
    """How many times `work` asked the database for the chain's tail."""
    from sqlalchemy import event

    asked = []

    def count(_connection, _cursor, statement, _parameters, _context, _executemany):
        if "FROM audit_entry ORDER BY audit_entry.seq DESC" in " ".join(statement.split()):
            asked.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        work()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(asked)


def _seqs(db) -> list[int]:
    return list(db.session.scalars(select(AuditEntry.seq).order_by(AuditEntry.seq)))


def test_appends_of_one_transaction_read_the_tail_once_and_stay_chained(db):
    """The first append of a transaction holds the chain to its end (PostgreSQL's advisory lock, SQLite's
    write lock): the appends after it continue from the tail they left, without asking for it again."""
    from app.services.audit import record_event

    def three_events():
        for n in range(3):
            record_event(db.session, entity="user", entity_id=n, action="sign_in")

    assert _tail_queries(db, three_events) == 1
    db.session.commit()
    assert _tail_queries(db, three_events) == 1  # a new transaction asks again
    db.session.commit()
    assert _seqs(db) == list(range(1, 7))
    assert verify_audit_trail(db.session) == (6, None)


def test_an_append_after_a_savepoint_rolled_back_chains_to_what_is_stored(db):
    """Entries appended inside a savepoint go with it when it rolls back; the next append must chain to
    the entry before the savepoint, not to the entries that were rolled back."""
    from app.services.audit import record_event

    record_event(db.session, entity="user", entity_id=1, action="sign_in")
    savepoint = db.session.begin_nested()
    record_event(db.session, entity="user", entity_id=2, action="sign_in")
    record_event(db.session, entity="user", entity_id=3, action="sign_in")
    savepoint.rollback()
    record_event(db.session, entity="user", entity_id=4, action="sign_in")
    kept = db.session.begin_nested()
    record_event(db.session, entity="user", entity_id=5, action="sign_in")
    kept.commit()
    record_event(db.session, entity="user", entity_id=6, action="sign_in")
    db.session.commit()
    assert [e.entity_id for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq))] == ["1", "4", "5", "6"]
    assert _seqs(db) == [1, 2, 3, 4]
    assert verify_audit_trail(db.session) == (4, None)


def test_another_session_appending_between_two_transactions_is_chained_after(app, db):
    """A tail known in one transaction is never reused in the next: another writer may have appended
    in between (here a second session, as another worker would)."""
    from sqlalchemy.orm import Session

    from app.services.audit import record_event

    record_event(db.session, entity="user", entity_id=1, action="sign_in")
    db.session.commit()
    with Session(db.engine) as other:
        record_event(other, entity="user", entity_id=2, action="sign_in")
        other.commit()
    record_event(db.session, entity="user", entity_id=3, action="sign_in")
    db.session.commit()
    assert _seqs(db) == [1, 2, 3]
    assert verify_audit_trail(db.session) == (3, None)


def test_a_flush_failing_inside_a_savepoint_leaves_the_next_append_chained(db):
    """A flush refused by the database inside a savepoint rolls the savepoint's entries back too; the
    append after it starts again from the stored tail."""
    from sqlalchemy.exc import IntegrityError

    from app.models.user import User
    from app.services.audit import record_event

    record_event(db.session, entity="user", entity_id=1, action="sign_in")
    savepoint = db.session.begin_nested()
    record_event(db.session, entity="user", entity_id=2, action="sign_in")
    db.session.add_all([User(email="twin@example.com", name="A", role="viewer"),
                        User(email="twin@example.com", name="B", role="viewer")])
    with pytest.raises(IntegrityError):
        db.session.flush()
    savepoint.rollback()
    record_event(db.session, entity="user", entity_id=3, action="sign_in")
    db.session.commit()
    assert [e.entity_id for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq))] == ["1", "3"]
    assert verify_audit_trail(db.session) == (2, None)
