"""import_permit_definition against the real database: new versions only, identical re-import a no-op, audited."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from app.domain.permit_definition import PermitDefinitionError, canonical_sha256
from app.models import (AuditEntry, Facility, LimitColumn, MonitoredParameter, Outfall, Permit,
                        PermitVersion)
from app.services.permits import import_permit_definition, permit_version_on, renewal_application_due
from tests.factories import permit_document

STORED = (Facility, Permit, PermitVersion, Outfall, MonitoredParameter, LimitColumn, AuditEntry)


def _counts(db) -> dict[str, int]:
    return {m.__name__: db.session.scalar(select(func.count()).select_from(m)) for m in STORED}


def _permit(db, number="CT0000001") -> Permit:
    return db.session.scalar(select(Permit).where(Permit.number == number))


def _amended(document: dict) -> dict:
    """The demo permit modified: a later effective date and a tighter copper daily maximum."""
    document["permit"]["effective"] = "2027-01-01"
    document["permit"]["outfalls"][0]["parameters"][2]["columns"][1]["limit"] = "0.80"
    return document


def test_first_import_creates_version_1_with_outfalls_parameters_and_columns(db):
    document = permit_document("npdes")
    outcome = import_permit_definition(db.session, document, actor_label="test")
    db.session.commit()
    assert (outcome.permit_number, outcome.version, outcome.created) == ("CT0000001", 1, True)
    permit = _permit(db)
    assert (permit.program, permit.facility.name, permit.facility.timezone) == \
        ("npdes", "Example Metal Finishing", "America/New_York")
    version = permit.latest_version
    assert (version.version, version.effective, version.expires, version.rule_pack) == \
        (1, date(2026, 1, 1), date(2030, 12, 31), "ct_npdes")
    assert (version.reporting_frequency, version.reporting_due_day) == ("monthly", 15)
    assert version.listed_24h_parameters == ["01042"] and version.rules == {"nd": {"avg_substitution": "zero"}}
    assert version.source_document == document and version.source_sha256 == canonical_sha256(document)
    assert [o.feature_id for o in version.outfalls] == ["001", "002"]
    outfall = version.outfalls[0]
    assert [(p.position, p.code) for p in outfall.parameters] == \
        [(0, "50050"), (1, "00530"), (2, "01042"), (3, "01092"), (4, "00400")]
    tss = outfall.parameters[1]
    assert (tss.frequency, tss.sample_type, tss.monitoring_location, tss.season, tss.conditional) == \
        ("2/7", "24-hour composite", "1", 0, False)
    assert [(c.position, c.slot, c.statistical_base, c.limit_text, c.unit, c.unit_code, c.derived)
            for c in tss.columns] == [
        (0, "Q1", "monthly_average", "50", "lb/d", "26", "mass"),
        (1, "Q2", "daily_maximum", "90", "lb/d", "26", "mass"),
        (2, "C1", "weekly_average", "45", "mg/L", "19", None),
        (3, "C2", "monthly_average", "30", "mg/L", "19", None),
        (4, "C3", "daily_maximum", "60", "mg/L", "19", None),
    ]
    assert outfall.parameters[2].columns[0].limit_text == "0.50"  # the permit's digits survive
    assert outfall.parameters[0].columns[0].is_report_only
    assert _counts(db)["LimitColumn"] == 16  # 13 at outfall 001, 3 at 002


def test_unit_code_from_the_file_wins_and_unknown_codes_stay_empty(db):
    document = permit_document("pretreatment")
    flow = document["permit"]["outfalls"][0]["parameters"][0]
    assert flow["columns"][0]["unit"] == "gpd"  # no ICIS code recorded for gpd
    flow["columns"][1]["unit_code"] = "07"
    import_permit_definition(db.session, document)
    columns = _permit(db, "SP0002345").latest_version.outfalls[0].parameters[0].columns
    assert [c.unit_code for c in columns] == [None, "07"]


def test_a_modified_file_makes_version_2_and_version_1_is_untouched(db):
    import_permit_definition(db.session, permit_document("npdes"))
    db.session.commit()
    first = _permit(db).latest_version
    before = {c.id: (c.limit_text, c.parameter_id) for c in db.session.scalars(select(LimitColumn))}
    first_source, first_sha = dict(first.source_document), first.source_sha256

    outcome = import_permit_definition(db.session, _amended(permit_document("npdes")))
    db.session.commit()
    assert (outcome.version, outcome.created) == (2, True)
    db.session.expire_all()
    permit = _permit(db)
    assert [v.version for v in permit.versions] == [1, 2]
    version_1, version_2 = permit.versions
    assert version_1.id == first.id and version_1.effective == date(2026, 1, 1)
    assert (version_1.source_document, version_1.source_sha256) == (first_source, first_sha)
    assert version_1.outfalls[0].parameters[2].columns[1].limit_text == "1.0"
    assert version_2.outfalls[0].parameters[2].columns[1].limit_text == "0.80"
    still = {c.id: (c.limit_text, c.parameter_id) for c in db.session.scalars(select(LimitColumn))
             if c.id in before}
    assert still == before
    assert _counts(db)["Facility"] == 1 and _counts(db)["Permit"] == 1

    assert permit_version_on(permit, date(2026, 6, 15)) is version_1   # before v2 took effect
    assert permit_version_on(permit, date(2027, 1, 1)) is version_2
    assert permit_version_on(permit, date(2025, 12, 31)) is None       # before any version
    assert renewal_application_due(version_2) == date(2030, 7, 4)       # 180 days before 2030-12-31


def test_identical_reimport_creates_nothing(db):
    first = import_permit_definition(db.session, permit_document("npdes"))
    db.session.commit()
    counts = _counts(db)
    # Key order and layout do not matter: the canonical SHA-256 is the same.
    reordered = dict(reversed(list(permit_document("npdes").items())))
    again = import_permit_definition(db.session, reordered)
    db.session.commit()
    assert (again.permit_number, again.version, again.created) == ("CT0000001", first.version, False)
    assert _counts(db) == counts


def test_created_rows_are_audited_with_actor_and_reason(db):
    from tests.factories import create_test_user

    user = create_test_user(db.session, role="manager")
    import_permit_definition(db.session, permit_document("npdes"), actor_id=user.id, actor_label=user.email)
    db.session.commit()
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.entity != "user")).all()
    created = {(e.entity, e.entity_id) for e in entries if e.action == "create"}
    for model, entity in ((Facility, "facility"), (Permit, "permit"), (PermitVersion, "permit_version"),
                          (Outfall, "outfall"), (MonitoredParameter, "monitored_parameter"),
                          (LimitColumn, "limit_column")):
        ids = {str(i) for i in db.session.scalars(select(model.id))}
        assert ids and {(entity, i) for i in ids} <= created, entity
    assert all(e.reason == "permit import" and e.actor_id == user.id and e.actor_label == user.email
               for e in entries)
    version_entry = next(e for e in entries if e.entity == "permit_version")
    assert "source_document" not in version_entry.after and version_entry.after["version"] == 1


@pytest.mark.parametrize("spoil", [
    lambda d: d["permit"].update(bogus=1),
    lambda d: d["permit"]["outfalls"][0]["parameters"][1]["columns"][0].update(limit=50),
    lambda d: d["facility"].update(timezone="Nowhere/Special"),
])
def test_an_invalid_document_stores_nothing(db, spoil):
    document = permit_document("npdes")
    spoil(document)
    with pytest.raises(PermitDefinitionError) as caught:
        import_permit_definition(db.session, document)
    assert caught.value.errors and all(p.path.startswith("$.") for p in caught.value.errors)
    db.session.commit()
    assert set(_counts(db).values()) == {0}


@pytest.mark.parametrize("change, path", [
    (lambda d: d["facility"].update(name="Someone Else Plating"), "$.facility.name"),
    (lambda d: d["permit"].update(program="pretreatment", rule_pack="federal_pretreatment"), "$.permit.program"),
    (lambda d: d["facility"].update(timezone="America/Chicago"), "$.facility.timezone"),
])
def test_a_stored_permit_under_another_facility_program_or_zone_is_refused(db, change, path):
    import_permit_definition(db.session, permit_document("npdes"))
    db.session.commit()
    counts = _counts(db)
    document = permit_document("npdes")
    change(document)
    with pytest.raises(PermitDefinitionError) as caught:
        import_permit_definition(db.session, document)
    assert [p.path for p in caught.value.errors] == [path]
    db.session.commit()
    assert _counts(db) == counts
