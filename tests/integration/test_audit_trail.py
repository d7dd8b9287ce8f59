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
