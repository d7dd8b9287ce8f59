"""The CI's judge of pip-audit reports (issue #10: `pip-audit` of the pinned requirements in CI).

pip-audit exits 0 when it could not look packages up; the judge must not let that pass as "audited".
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

JUDGE = Path(__file__).resolve().parents[2] / ".ci" / "audit_requirements.py"


def judged(tmp_path: Path, dependencies: list[dict]) -> tuple[int, str]:
    report = tmp_path / "report.json"
    report.write_text(json.dumps({"dependencies": dependencies, "fixes": []}), encoding="utf-8")
    done = subprocess.run([sys.executable, str(JUDGE), str(report)], capture_output=True, text=True, check=False)
    return done.returncode, done.stdout


def test_clean_report_passes(tmp_path):
    code, out = judged(tmp_path, [{"name": "flask", "version": "3.1.3", "vulns": []},
                                  {"name": "lxml", "version": "6.1.3", "vulns": []}])
    assert code == 0
    assert "audited 2 pinned packages: no known vulnerabilities" in out


def test_known_vulnerability_fails_naming_package_and_fix(tmp_path):
    code, out = judged(tmp_path, [{"name": "flask", "version": "3.1.3", "vulns": []},
                                  {"name": "werkzeug", "version": "2.0.0", "vulns": [
                                      {"id": "PYSEC-2023-58", "fix_versions": ["2.2.3"]}]}])
    assert code == 1
    assert "VULNERABLE werkzeug 2.0.0: PYSEC-2023-58 (fixed in 2.2.3)" in out


@pytest.mark.parametrize("audited", [1, 3])
def test_a_package_left_unaudited_fails(tmp_path, audited):
    dependencies = [{"name": f"pkg{i}", "version": "1.0", "vulns": []} for i in range(audited)]
    dependencies.append({"name": "psycopg", "skip_reason": "Dependency not found on PyPI and could not be audited"})
    code, out = judged(tmp_path, dependencies)
    assert code == 1
    assert "UNAUDITED psycopg" in out


def test_no_package_looked_up_is_service_unreachable_not_a_pass(tmp_path):
    code, out = judged(tmp_path, [{"name": n, "skip_reason": "Dependency not found on PyPI and could not be audited"}
                                  for n in ("flask", "lxml")])
    assert code == 3
    assert "NOT AUDITED" in out and "none of the 2" in out


def test_missing_report_fails(tmp_path):
    done = subprocess.run([sys.executable, str(JUDGE), str(tmp_path / "absent.json")], capture_output=True,
                          text=True, check=False)
    assert done.returncode == 1
    assert "wrote no readable report" in done.stderr
