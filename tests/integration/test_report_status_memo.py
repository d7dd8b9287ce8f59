"""The dashboard's report statuses come from a memo keyed by the audit chain's head: never stale, built once.

Every write that can change a DMR (a result, a correction, a NODI, a signature, a submission) must
change the status on the next read; a read with nothing changed must not build the DMR again.
"""
from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import event

from app.domain.periods import parse_period
from app.models.permit import Permit
from app.services.audit import record_event
from app.services.dashboard import _headroom, report_status
from app.services.data_version import VersionedMemo, data_version
from app.services.dmr_build import DMR_SOURCE_TABLES, build_dmr, set_nodi
from app.services.permits import import_permit_definition
from app.services.report_signoff import Signature, flag_key, record_submission, sign_report
from app.services.results import record_result
from tests.factories import permit_document

NOW = datetime(2026, 4, 5, 15, 0, tzinfo=timezone.utc)
TODAY = date(2026, 4, 5)
MARCH = parse_period("2026-03")
SIGNER = Signature("Morgan Manager", "Plant Manager", certify=True)


@pytest.fixture
def permit(db):
    import_permit_definition(db.session, permit_document("npdes"))
    db.session.commit()
    return db.session.query(Permit).filter_by(number="CT0000001").one()


@contextmanager
def _statements(db):
    seen: list[str] = []

    def count(_connection, _cursor, statement, _parameters, _context, _executemany):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def _status(db, permit):
    status = report_status(db.session, permit, MARCH, TODAY)
    return status.status, status.detail


def _tss(db, sample_id, day, value, user=None, reason=None):
    row = {"permit": "CT0000001", "outfall": "001", "parameter_code": "00530", "sample_id": sample_id,
           "sampled_at": f"{day}T08:00", "value": value, "unit": "mg/L"}
    if reason:
        row["correction_reason"] = reason
    record_result(db.session, row, now=NOW, actor_id=user.id if user else None,
                  actor_label=user.email if user else None)


def test_each_change_of_the_data_changes_the_status_on_the_next_read(db, permit, make_user, tmp_path):
    assert _status(db, permit) == ("not started", "no results in the period yet")
    _tss(db, "S1", "2026-03-03", "22")
    db.session.commit()
    status, detail = _status(db, permit)
    assert status == "data incomplete" and detail.endswith("item(s) to resolve")  # NODI_REQUIRED elsewhere
    missing = int(detail.split()[0])
    set_nodi(db.session, permit_number="CT0000001", period_label="2026-03", outfall="002", parameter_code=None,
             code="C", reason="no discharge all month")
    db.session.commit()
    assert int(_status(db, permit)[1].split()[0]) < missing  # NODI-01: outfall 002 asks for nothing now
    user = make_user("manager")
    acks = {flag_key(f): "reviewed" for f in build_dmr(db.session, "CT0000001", "2026-03").document["flags"]}
    report = sign_report(db.session, "CT0000001", "2026-03", SIGNER, acks, now=NOW, store=tmp_path,
                         actor_id=user.id, actor_label=user.email)
    db.session.commit()
    assert _status(db, permit) == ("signed", "revision 1 signed by Morgan Manager")
    record_submission(db.session, report.id, submitted_at=NOW, confirmation_number="NETDMR-1",
                      copy_of_record_document_id=None, actor_id=user.id, actor_label=user.email)
    db.session.commit()
    assert _status(db, permit) == ("submitted", "revision 1 signed by Morgan Manager")
    # A correction after the signature: the last signed values no longer match the data (CONTRACTS.md).
    _tss(db, "S1", "2026-03-03", "40", user=user, reason="transcription error")
    db.session.commit()
    status, detail = _status(db, permit)
    assert status == "revision needed" and "00530 C3: 22 -> 40" in detail


def test_a_read_with_nothing_changed_does_not_build_the_report_again(db, permit):
    _tss(db, "S1", "2026-03-03", "22")
    db.session.commit()
    with _statements(db) as first:
        cold = _status(db, permit)
    with _statements(db) as second:
        warm = _status(db, permit)
    assert warm == cold
    assert any("result_revision" in s for s in first)
    assert not any("result_revision" in s for s in second), second  # the audit head, nothing else per report
    assert len(second) <= 2


def test_the_data_version_moves_with_every_audited_write_and_only_then(db, permit):
    before = data_version(db.session)
    assert data_version(db.session) == before
    _tss(db, "S1", "2026-03-03", "22")
    pending = data_version(db.session)  # the session's own flushed change counts before the commit
    assert pending != before
    db.session.rollback()
    assert data_version(db.session) == before
    _tss(db, "S1", "2026-03-03", "22")
    db.session.commit()
    # The same write again after the rollback is a different entry (its time), so no memo can mistake it.
    assert data_version(db.session) not in (before, pending)


def test_a_sign_in_moves_the_chain_but_not_the_version_of_what_a_dmr_reads(db, permit):
    reports = data_version(db.session, DMR_SOURCE_TABLES)
    whole = data_version(db.session)
    record_event(db.session, entity="user", entity_id=1, action="login")
    assert data_version(db.session) != whole
    assert data_version(db.session, DMR_SOURCE_TABLES) == reports
    _tss(db, "S1", "2026-03-03", "22")
    assert data_version(db.session, DMR_SOURCE_TABLES) != reports


def test_the_tables_a_build_and_a_status_read_are_all_in_the_memo_key(db, permit, make_user, tmp_path):
    """If build_dmr or the headroom starts reading another table, DMR_SOURCE_TABLES must name it."""
    _tss(db, "S1", "2026-03-03", "22")
    set_nodi(db.session, permit_number="CT0000001", period_label="2026-03", outfall="002", parameter_code=None,
             code="C", reason="no discharge all month")
    db.session.commit()
    with _statements(db) as seen:
        report_status(db.session, permit, MARCH, TODAY)
        _headroom(db.session, permit, date(2026, 3, 20))
    read = {name for statement in seen for name in re.findall(r"\b(?:FROM|JOIN)\s+\"?(\w+)", statement)}
    assert {"result_revision", "limit_column", "nodi_declaration", "signed_report"} <= read
    assert read - {"audit_entry"} <= DMR_SOURCE_TABLES, read - DMR_SOURCE_TABLES


def test_the_memo_keeps_its_newest_entries_and_computes_a_miss_once():
    memo: VersionedMemo[int] = VersionedMemo(size=2)
    calls = []

    def value(n):
        calls.append(n)
        return n * 10

    assert [memo.get(k, lambda k=k: value(k)) for k in (1, 2, 1, 3, 1, 2)] == [10, 20, 10, 30, 10, 20]
    assert calls == [1, 2, 3, 2]  # 2 was the oldest when 3 came, 1 had been read again
