"""The CONTRACTS.md section 2 commands through Flask's CLI runner, against the real database."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from app.models import AuditEntry, LimitColumn, Permit, PermitVersion, User
from tests.factories import EXAMPLES, permit_document, write_json


def _counts(db):
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (Permit, PermitVersion, LimitColumn))


def test_users_create_reads_the_password_from_stdin(runner, db):
    result = runner.invoke(args=["users", "create", "Tech@Plant.example", "--role", "labtech", "--name", "T. Ech"],
                           input="a long enough secret\n")
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "tech@plant.example"))
    assert user.role == "labtech" and user.password_hash.startswith("scrypt:")


@pytest.mark.parametrize("args, stdin, expected", [
    (["users", "create", "x@plant.example", "--role", "labtech", "--name", "X"], "short\n", "at least 10"),
    (["users", "create", "not-an-email", "--role", "labtech", "--name", "X"], "a long enough secret\n", "email"),
    (["users", "create", "x@plant.example", "--role", "boss", "--name", "X"], "a long enough secret\n", "boss"),
])
def test_users_create_refuses_bad_input(runner, db, args, stdin, expected):
    result = runner.invoke(args=args, input=stdin)
    assert result.exit_code != 0
    assert expected in result.output
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_permits_import_accepts_the_shared_example(runner, db):
    result = runner.invoke(args=["permits", "import", str(EXAMPLES / "permit-npdes-example.json")])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "XX0456789 version 1"
    version = db.session.scalar(select(PermitVersion))
    assert [o.feature_id for o in version.outfalls] == ["001", "002"]
    tss = version.outfalls[0].parameters[1]
    assert (tss.code, [c.slot for c in tss.columns]) == ("00530", ["Q1", "Q2", "C2", "C3"])
    assert tss.columns[2].limit_text == "25" and tss.columns[0].derived == "mass"


def test_permits_import_twice_with_a_change_makes_version_2_and_keeps_version_1(runner, db, tmp_path):
    document = permit_document("npdes")
    runner.invoke(args=["permits", "import", str(write_json(tmp_path / "v1.json", document))])
    document["permit"]["effective"] = "2027-01-01"
    document["permit"]["outfalls"][0]["parameters"][2]["columns"][1]["limit"] = "0.80"
    result = runner.invoke(args=["permits", "import", str(write_json(tmp_path / "v2.json", document))])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "CT0000001 version 2"
    versions = db.session.scalars(select(PermitVersion).order_by(PermitVersion.version)).all()
    copper = [v.outfalls[0].parameters[2].columns[1].limit_text for v in versions]
    assert copper == ["1.0", "0.80"]
    again = runner.invoke(args=["permits", "import", str(tmp_path / "v2.json")])
    assert "version 2 (unchanged" in again.output
    assert db.session.scalar(select(func.count(PermitVersion.id))) == 2


def _broken(mutate):
    document = permit_document("npdes")
    mutate(document)
    return document


INVALID_CASES = [
    ("unknown key", lambda d: d["permit"].update(colour="blue"), "$.permit.colour"),
    ("missing key", lambda d: d["permit"]["outfalls"][0].pop("limit_set"), "$.permit.outfalls[0].limit_set"),
    ("bad code", lambda d: d["permit"]["outfalls"][0]["parameters"][1].update(code="99999"),
     "$.permit.outfalls[0].parameters[1].code"),
    ("malformed code", lambda d: d["permit"]["outfalls"][0]["parameters"][1].update(code="530"),
     "$.permit.outfalls[0].parameters[1].code"),
    ("duplicate slot", lambda d: d["permit"]["outfalls"][0]["parameters"][2]["columns"].append(
        {"slot": "C3", "statistical_base": "daily_maximum", "limit": "2.0", "unit": "mg/L"}),
     "$.permit.outfalls[0].parameters[2].columns[2].slot"),
    ("limit not a decimal string", lambda d: d["permit"]["outfalls"][0]["parameters"][1]["columns"][3].update(limit=30),
     "$.permit.outfalls[0].parameters[1].columns[3].limit"),
    ("limit text not a number", lambda d: d["permit"]["outfalls"][0]["parameters"][1]["columns"][3].update(limit="thirty"),
     "$.permit.outfalls[0].parameters[1].columns[3].limit"),
    ("unknown unit", lambda d: d["permit"]["outfalls"][0]["parameters"][1]["columns"][3].update(unit="furlongs"),
     "$.permit.outfalls[0].parameters[1].columns[3].unit"),
    ("expiry before effective", lambda d: d["permit"].update(expires="2025-12-31"), "$.permit.expires"),
]


@pytest.mark.parametrize("case, mutate, path", INVALID_CASES, ids=[c[0] for c in INVALID_CASES])
def test_permits_import_rejects_invalid_files_naming_the_json_path(runner, db, tmp_path, case, mutate, path):
    audit_before = db.session.scalar(select(func.count(AuditEntry.id)))
    file = write_json(tmp_path / "bad.json", _broken(mutate))
    result = runner.invoke(args=["permits", "import", str(file)])
    assert result.exit_code == 1, result.output
    assert path in result.output, result.output
    assert "nothing was stored" in result.output
    assert _counts(db) == (0, 0, 0)
    assert db.session.scalar(select(func.count(AuditEntry.id))) == audit_before


def test_permits_import_refuses_a_file_that_is_not_json(runner, db, tmp_path):
    file = tmp_path / "permit.json"
    file.write_text("{not json")
    result = runner.invoke(args=["permits", "import", str(file)])
    assert result.exit_code == 1 and "not valid JSON at line 1" in result.output
    assert _counts(db) == (0, 0, 0)


def test_demo_loads_two_permits_and_the_demo_users_once(runner, db):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert db.session.scalar(select(func.count(Permit.id))) == 2
    emails = set(db.session.scalars(select(User.email)))
    assert {"manager@example.com", "labtech@example.com", "inspector@example.com"} <= emails
    again = runner.invoke(args=["demo", "--if-empty"])
    assert "already present" in again.output
    assert db.session.scalar(select(func.count(PermitVersion.id))) == 2


def test_demo_users_can_sign_in_with_the_documented_password(runner, client, db):
    runner.invoke(args=["demo"])
    response = client.post("/auth/login", data={"email": "inspector@example.com", "password": "outfall-demo"})
    assert response.status_code == 302
    assert db.session.scalar(select(User.role).where(User.email == "inspector@example.com")) == "viewer"


def test_scheduler_lock_is_exclusive(app):
    from app.jobs.scheduler import SchedulerAlreadyRunning, acquire_scheduler_lock

    first = acquire_scheduler_lock(app)
    try:
        with pytest.raises(SchedulerAlreadyRunning):
            acquire_scheduler_lock(app)
    finally:
        first.release()
    acquire_scheduler_lock(app).release()  # free again once released


def test_scheduler_is_built_from_the_jobs_table(app):
    from app.jobs.scheduler import build_scheduler
    from app.jobs.tasks import JOBS

    scheduler = build_scheduler(app)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {job.id for job in JOBS}
    for job in jobs.values():
        assert job.coalesce is True and job.max_instances == 1
