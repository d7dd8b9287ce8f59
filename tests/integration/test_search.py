"""The search index follows every record change in the same transaction (described at commit or first search); search finds records by any of their words."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import delete, select, text

from app.models.audit import AuditEntry
from app.models.monitoring import Sample
from app.models.search import SearchEntry
from app.services import search_entries
from app.services.calibration import CalibrationRecord, InstrumentSpec, record_calibration, register_instrument
from app.services.custody import TransferRecord, add_custody_transfer
from app.services.documents import DocumentUpload, store_document
from app.services.events import EventReport, report_event
from app.services.permits import import_permit_definition
from app.services.report_signoff import Signature, flag_key, sign_report
from app.services.results import record_result
from app.services.search import count_matches, fts5_query, run_search, search, search_terms, tsquery
from app.services.search_index import index_pending, rebuild_search_index
from tests.factories import permit_document

UTC = timezone.utc
NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def npdes(db):
    outcome = import_permit_definition(db.session, permit_document("npdes"))
    db.session.commit()
    return outcome


def _row(**overrides):
    row = {"permit": "CT0000001", "outfall": "001", "parameter_code": "01042", "sample_id": "L2510-0147",
           "sampled_at": "2026-03-10T08:00", "value": "0.20", "unit": "mg/L", "received_at": "2026-03-13T09:15",
           "chain_of_custody": "COC-88121"}
    row.update(overrides)
    return row


@pytest.fixture
def samples(db, npdes):
    """Copper at outfall 001 on 10 March; TSS at outfall 001 on 2 March."""
    copper = record_result(db.session, _row(), now=NOW)
    tss = record_result(db.session, _row(parameter_code="00530", sample_id="L2503-0009", sampled_at="2026-03-02T08:00",
                                         value="12", chain_of_custody="COC-70002"), now=NOW)
    db.session.commit()
    return {"copper": copper.result_id, "tss": tss.result_id}


def _entry(db, entity: str, entity_id) -> SearchEntry | None:
    # Changes are described at commit, or when a search in the same transaction reads the index first.
    index_pending(db.session)
    return db.session.scalar(select(SearchEntry).where(SearchEntry.entity == entity,
                                                       SearchEntry.entity_id == str(entity_id)))


def _found(db, words: str, **filters) -> set[tuple[str, str]]:
    return {(hit.entity, hit.entity_id) for hit in search(db.session, words, **filters)}


def _sample_id(db, code: str) -> str:
    return str(db.session.scalar(select(Sample.id).where(Sample.sample_code == code)))


def _snapshot(db) -> dict:
    return {(e.entity, e.entity_id): (e.title, e.body, e.permit_id, e.outfall, e.parameter_code, e.record_date)
            for e in db.session.scalars(select(SearchEntry))}


# ---- keeping the index in step ------------------------------------------------------------------------------

def test_recording_a_result_indexes_its_sample_the_result_and_the_audit_entries(db, samples):
    result = _entry(db, "result", samples["copper"])
    assert result.title == "Result L2510-0147 — 01042 Copper, total (as Cu), outfall 001, 2026-03-10: 0.20 mg/L"
    assert (result.outfall, result.parameter_code, result.record_date) == ("001", "01042", date(2026, 3, 10))
    assert "COC-88121" in result.body and "Permit CT0000001" in result.body
    sample = _entry(db, "sample", _sample_id(db, "L2510-0147"))
    assert sample.title == "Sample L2510-0147 — outfall 001, 2026-03-10"
    # Every audit entry written, by flushes and by the permit import alike, is in the index.
    audit_ids = {str(i) for i in db.session.scalars(select(AuditEntry.id))}
    indexed = set(db.session.scalars(select(SearchEntry.entity_id).where(SearchEntry.entity == "audit_entry")))
    assert audit_ids and indexed == audit_ids


def test_an_audit_entry_another_session_indexed_first_is_left_as_it_is(app, db, samples):
    """An audit entry appended outside a flush (a sign-in) can be picked up by two sessions at once: the
    second finds it indexed and leaves it alone (text and updated_at), and its own write goes through."""
    from sqlalchemy.orm import Session

    from app.services.audit import APPENDED_SEQS, record_event

    record_event(db.session, entity="user", entity_id="7", action="sign_in")
    seq = db.session.info[APPENDED_SEQS][-1]
    db.session.commit()  # indexed at commit
    entry_id = str(db.session.scalar(select(AuditEntry.id).where(AuditEntry.seq == seq)))
    first = _entry(db, "audit_entry", entry_id)
    stored = (first.title, first.body, first.updated_at)
    db.session.commit()
    with Session(db.engine) as other:
        other.info[APPENDED_SEQS] = [seq]  # the same entry, noted by a second session
        record_result(other, _row(sample_id="L2510-0999", chain_of_custody="COC-88999"), now=NOW)
        index_pending(other)
        other.commit()
    db.session.expire_all()
    again = _entry(db, "audit_entry", entry_id)
    assert (again.title, again.body, again.updated_at) == stored
    assert _entry(db, "sample", _sample_id(db, "L2510-0999")) is not None


def test_a_correction_updates_the_result_entry_in_the_same_transaction(db, samples, make_user):
    labtech = make_user("labtech")
    record_result(db.session, _row(value="0.35", correction_reason="lab re-ran the digest"), now=NOW,
                  actor_id=labtech.id, actor_label=labtech.email)
    entry = _entry(db, "result", samples["copper"])  # not committed: the index moved with the correction
    assert entry.title.endswith("2026-03-10: 0.35 mg/L")
    assert "Revision 2" in entry.body and "lab re-ran the digest" in entry.body
    assert ("result", str(samples["copper"])) in _found(db, "re-ran digest")
    db.session.rollback()
    assert _entry(db, "result", samples["copper"]).title.endswith("0.20 mg/L")


def test_a_stored_document_is_indexed_with_its_text(db, npdes, tmp_path):
    document = store_document(db.session, DocumentUpload(
        data=b"Pace Analytical work order 2510-77\nZinc by ICP-MS; analyst Okonkwo verified the calibration.\n",
        filename="metals-october.txt", kind="lab_report", title="October metals report",
        document_date=date(2026, 3, 14), permit_number="CT0000001", outfall="001"), store=tmp_path)
    entry = _entry(db, "document", document.id)
    assert entry.title == "Lab report: October metals report (metals-october.txt)"
    assert (entry.record_date, entry.outfall) == (date(2026, 3, 14), "001")
    assert _found(db, "okonkwo") == {("document", str(document.id))}
    assert ("document", str(document.id)) in _found(db, "metals-october.txt")
    hit = search(db.session, "Okonkwo")[0]
    assert "Okonkwo" in hit.snippet and "\x1f" not in hit.snippet


def test_every_kind_of_record_is_indexed(db, samples, tmp_path, make_user):
    manager = make_user("manager")
    who = {"actor_id": manager.id, "actor_label": manager.email}
    event, obligations = report_event(db.session, EventReport(
        permit="CT0000001", kind="upset", outfall="001", discovered_at=datetime(2026, 3, 13, 13, 15, tzinfo=UTC),
        description="Clarifier rake drive tripped; solids carry-over"))
    meter = register_instrument(db.session, InstrumentSpec(name="Outfall 001 pH meter", kind="ph_meter",
                                                           calibration_interval_days=30, serial_number="PH-7781",
                                                           permit_number="CT0000001", outfall="001"))
    calibration = record_calibration(db.session, CalibrationRecord(
        instrument_id=meter.id, performed_at=datetime(2026, 3, 9, 12, 30, tzinfo=UTC), passed=True,
        technician="M. Reyes", standards="pH 4.00 / 7.00 / 10.00 buffers, lot 2231"), now=NOW, store=tmp_path)
    transfer = add_custody_transfer(db.session, TransferRecord(
        sample_pk=int(_sample_id(db, "L2510-0147")), relinquished_by="J. Alvarez",
        relinquished_at=datetime(2026, 3, 10, 14, 0, tzinfo=UTC), received_by="Pace courier Okafor",
        received_at=datetime(2026, 3, 10, 14, 5, tzinfo=UTC)), now=NOW)
    from app.services.dmr_build import build_dmr
    flags = build_dmr(db.session, "CT0000001", "2026-03").document["flags"]
    report = sign_report(db.session, "CT0000001", "2026-03", Signature("Morgan Manager", "Plant Manager", True),
                         {flag_key(f): "reviewed" for f in flags}, now=NOW, store=tmp_path, **who)
    db.session.commit()

    assert ("noncompliance_event", str(event.id)) in _found(db, "clarifier carry-over")
    assert _entry(db, "noncompliance_event", event.id).record_date == date(2026, 3, 13)  # 09:15 in Connecticut
    assert ("notification_obligation", str(obligations[0].id)) in _found(db, "upset", entity="notification_obligation")
    assert ("instrument", str(meter.id)) in _found(db, "PH-7781")
    assert ("calibration_entry", str(calibration.id)) in _found(db, "reyes")
    assert ("calibration_entry", str(calibration.id)) in _found(db, "lot 2231")
    assert ("custody_transfer", str(transfer.id)) in _found(db, "okafor")
    assert ("signed_report", str(report.id)) in _found(db, "Morgan Manager")
    assert ("exceedance", "1") not in _found(db, "upset")  # nothing exceeded: 0.20 is within the copper limits
    # A calibration is shown on its instrument's page, a transfer on its sample's, an audit entry in the trail.
    pages = {(h.entity, h.entity_id): (h.page, h.trail) for h in search(db.session, "reyes okafor PH-7781")
             + search(db.session, "okafor") + search(db.session, "reyes")}
    assert pages[("calibration_entry", str(calibration.id))][0] == ("instrument", str(meter.id))
    assert pages[("custody_transfer", str(transfer.id))][0] == ("sample", str(transfer.sample_pk))
    audit = search(db.session, "calibration", entity="audit_entry")
    assert audit and audit[0].page is None and audit[0].trail[0] != "audit_entry"


def test_renaming_an_instrument_updates_its_calibrations(db, npdes, tmp_path):
    meter = register_instrument(db.session, InstrumentSpec(name="Old meter", kind="ph_meter",
                                                           calibration_interval_days=30))
    calibration = record_calibration(db.session, CalibrationRecord(
        instrument_id=meter.id, performed_at=datetime(2026, 3, 9, 12, 30, tzinfo=UTC), passed=False,
        technician="M. Reyes"), now=NOW, store=tmp_path)
    meter.name = "Effluent pH meter"
    db.session.flush()
    assert _entry(db, "calibration_entry", calibration.id).title.startswith("Calibration of Effluent pH meter")


def test_a_record_the_index_cannot_describe_is_still_stored(db, npdes, monkeypatch):
    def broken(row, lookups):
        raise ValueError("unexpected data")

    monkeypatch.setitem(search_entries.DESCRIBERS, "sample", broken)
    outcome = record_result(db.session, _row(), now=NOW)
    db.session.commit()
    assert outcome.status == "imported"
    assert _entry(db, "sample", _sample_id(db, "L2510-0147")) is None
    assert _entry(db, "result", outcome.result_id) is not None


# ---- finding ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("words", ["L2510-0147", "l2510-0147", "L2510", "L2510-01", "2510", "0147", "L25100147",
                                   "sample L2510"])
def test_a_sample_id_is_found_whole_or_in_part(db, samples, words):
    found = _found(db, words)
    assert ("sample", _sample_id(db, "L2510-0147")) in found
    assert ("result", str(samples["copper"])) in found
    assert ("sample", _sample_id(db, "L2503-0009")) not in found


@pytest.mark.parametrize("words", ["COC-88121", "coc-88121", "COC88121", "88121", "COC-881", "chain of custody 88121"])
def test_a_chain_of_custody_number_is_found(db, samples, words):
    found = _found(db, words)
    assert ("sample", _sample_id(db, "L2510-0147")) in found
    assert ("sample", _sample_id(db, "L2503-0009")) not in found


def test_a_parameter_is_found_by_its_name_or_code(db, samples):
    for words in ("copper", "Copper total", "01042"):
        found = _found(db, words, entity="result")
        assert found == {("result", str(samples["copper"]))}, words
    assert _found(db, "suspended solids", entity="result") == {("result", str(samples["tss"]))}


def test_the_records_come_before_their_audit_entries(db, samples):
    # Over the limit: the evaluation's audit entries quote the sample id in their reason.
    record_result(db.session, _row(sample_id="L2511-0300", sampled_at="2026-03-11T08:00", value="1.3"), now=NOW)
    hits = search(db.session, "L2511-0300")
    kinds = [h.entity for h in hits]
    assert kinds[0] in ("sample", "result") and "audit_entry" in kinds
    assert kinds.index("audit_entry") > max(kinds.index("sample"), kinds.index("result"))
    assert all(k == "audit_entry" for k in kinds[kinds.index("audit_entry"):])


def test_filters_by_type_outfall_parameter_permit_and_dates(db, samples, npdes):
    copper, tss = ("result", str(samples["copper"])), ("result", str(samples["tss"]))
    assert _found(db, "COC", entity="result") == {copper, tss}
    assert _found(db, "COC", entity="result", parameter_code="00530") == {tss}
    assert _found(db, "COC", entity="result", outfall="002") == set()
    assert _found(db, "COC", entity="result", date_from=date(2026, 3, 5)) == {copper}
    assert _found(db, "COC", entity="result", date_to=date(2026, 3, 5)) == {tss}
    assert _found(db, "COC", entity="result", date_from=date(2026, 3, 2), date_to=date(2026, 3, 2)) == {tss}
    permit_id = _entry(db, "result", samples["copper"]).permit_id
    assert _found(db, "COC", entity="result", permit_id=permit_id) == {copper, tss}
    assert _found(db, "COC", entity="result", permit_id=permit_id + 1000) == set()
    assert count_matches(db.session, "COC", outfall="001")["result"] == 2


def test_filters_alone_list_the_newest_records(db, samples):
    hits = search(db.session, "", entity="result")
    assert [h.entity_id for h in hits] == [str(samples["copper"]), str(samples["tss"])]  # 10 March, then 2 March
    assert search(db.session, "   ") == [] and search(db.session, None) == []
    assert search(db.session, '"*"') == []  # no word to match and no filter: nothing, not everything


def test_results_are_grouped_by_kind_with_counts(db, samples):
    outcome = run_search(db.session, "COC", limit=1)
    groups = {g.entity: g for g in outcome.groups}
    assert groups["result"].count == 2 and groups["sample"].count == 2
    assert sum(len(g.hits) for g in outcome.groups) == 1
    assert outcome.total == sum(g.count for g in outcome.groups)
    assert outcome.terms == ["coc"]


HOSTILE = ['"', '""', "'", "AND OR NOT", "AND", "NOT copper", "*", "-", "--", "NEAR(", "NEAR(a b)", "a:*", "a & b",
           "a | !b", "(copper", "copper)", "^", "col:copper", "title:copper", "{title body}: x", "\\", "%", "_",
           "'; DROP TABLE search_entry; --", "<->", "a <-> b", "1.5e3", "0.20", "²", "ﬁ", "💧 copper", "铜",
           "x" * 5000, "a\x00b", "\x1f", " ".join(["copper"] * 100), "L2510-0147*", '"L2510-0147"', "-L2510",
           "+copper", "copper~", "copper^2", "@@", "::", "1 OR 1=1"]


@pytest.mark.parametrize("words", HOSTILE)
def test_hostile_input_never_raises(db, samples, words):
    search(db.session, words)
    count_matches(db.session, words)
    search(db.session, words, entity="result", outfall="001", date_from=date(2026, 1, 1))
    # The transaction is still usable afterwards (on PostgreSQL an error would have aborted it).
    assert db.session.execute(text("SELECT 1")).scalar() == 1


def test_quotes_and_operators_are_words_not_syntax(db, samples):
    assert fts5_query('say "hi" AND NEAR(') == '"say" """hi""" "AND" "NEAR("*'
    assert tsquery("a & b | !c:* 'd'") == "a & b & c & d:*"
    assert search_terms("L2510-0147 COC_88121") == ["l2510", "0147", "coc", "88121"]
    assert ("result", str(samples["copper"])) in _found(db, '"L2510-0147"')
    # Were OR an operator this would find every L2510 record; as a word that must match too, it finds none.
    assert _found(db, "zzz OR L2510") == set() and _found(db, "L2510 NOT zzz") == set()


# ---- rebuilding ---------------------------------------------------------------------------------------------

def test_rebuild_produces_the_same_entries(db, samples, tmp_path):
    store_document(db.session, DocumentUpload(data=b"Zinc by ICP-MS\n", filename="z.txt", kind="lab_report",
                                              title="Zinc", document_date=date(2026, 3, 14),
                                              permit_number="CT0000001"), store=tmp_path)
    db.session.commit()
    before = _snapshot(db)
    db.session.execute(delete(SearchEntry))
    assert search(db.session, "L2510") == []
    count = rebuild_search_index(db.session)
    db.session.commit()
    assert count == len(before)
    assert _snapshot(db) == before
    assert ("result", str(samples["copper"])) in _found(db, "L2510")
    # Run again it rewrites nothing: an unchanged entry is left as it is.
    stamps = dict(db.session.execute(select(SearchEntry.id, SearchEntry.updated_at)).all())
    assert rebuild_search_index(db.session) == count
    assert dict(db.session.execute(select(SearchEntry.id, SearchEntry.updated_at)).all()) == stamps


def test_rebuild_repairs_a_stale_entry(db, samples):
    entry = _entry(db, "result", samples["copper"])
    entry.title = "stale"
    db.session.commit()
    rebuild_search_index(db.session)
    db.session.commit()
    db.session.refresh(entry)
    assert entry.title.startswith("Result L2510-0147")
    assert _found(db, "stale") == set()


def test_the_reindex_command(db, samples, runner):
    db.session.execute(delete(SearchEntry))
    db.session.commit()
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "search index rebuilt:" in result.output
    assert ("result", str(samples["copper"])) in _found(db, "copper")


def test_postgresql_answers_from_the_gin_index(db, samples):
    if db.session.connection().dialect.name != "postgresql":
        pytest.skip("the GIN index exists on PostgreSQL only")
    from app.services.search_match import full_text

    source, match, ranking = full_text(db.session, "copper L2510", not_kinds=("audit_entry",))
    trail = full_text(db.session, "copper L2510", kind="audit_entry")
    query = select(SearchEntry.id).select_from(source).where(match)
    sql = str(query.order_by(ranking).compile(dialect=db.session.connection().dialect,
                                              compile_kwargs={"literal_binds": True}))
    db.session.execute(text("SET LOCAL enable_seqscan = off"))
    plan = "\n".join(db.session.execute(text("EXPLAIN VERBOSE " + sql)).scalars())
    assert "ix_search_entry_fts_records" in plan  # the records' own index (migration 0015_search_sides)
    trail_sql = str(select(SearchEntry.id).select_from(trail[0]).where(trail[1]).compile(
        dialect=db.session.connection().dialect, compile_kwargs={"literal_binds": True}))
    # On a few test rows the btrees led by `entity` are cheaper; at ten years they would read 4.9 M entries.
    # Dropped inside a savepoint (PostgreSQL's DDL is transactional) to see that the trail's own index serves.
    with db.session.begin_nested() as savepoint:
        db.session.execute(text("DROP INDEX ix_search_entry_entity"))
        db.session.execute(text("ALTER TABLE search_entry DROP CONSTRAINT uq_search_entry_entity_entity_id"))
        assert "ix_search_entry_fts_trail" in "\n".join(db.session.execute(text("EXPLAIN " + trail_sql)).scalars())
        savepoint.rollback()
    # Ranked on the stored vector (migration 0012_search_vector): no row's text is parsed again to order the hits.
    assert "ts_rank(search_entry.search_fts_vector" in plan and "to_tsvector" not in plan


def test_postgresql_stores_the_weighted_vector_it_ranks_on(db, samples):
    """The generated column is the title weighted A over the body, so a title word ranks above a body word,
    and the entry's kind as the lexeme "@<kind>" (migration 0013_search_kinds)."""
    if db.session.connection().dialect.name != "postgresql":
        pytest.skip("the stored tsvector exists on PostgreSQL only")
    stored, computed, entity = db.session.execute(text(
        "SELECT search_fts_vector::text, (setweight(to_tsvector('simple', title), 'A') "
        "|| to_tsvector('simple', body))::text, entity FROM search_entry ORDER BY id LIMIT 1")).one()
    assert stored.replace(f"'@{entity}' ", "").replace(f" '@{entity}'", "") == computed and ":1A" in stored
    assert f"'@{entity}'" in stored
