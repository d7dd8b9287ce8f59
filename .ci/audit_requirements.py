#!/usr/bin/env python3
"""Judge a pip-audit JSON report of the pinned requirements: known vulnerabilities fail the build.

pip-audit itself exits 0 when it could not look a package up ("Dependency not found on PyPI and could
not be audited"), so a machine that cannot reach the vulnerability service would pass every audit. This
judge refuses that: a package left unaudited is a failure, unless *no* package could be looked up at all,
which means the service did not answer; then it says so loudly and exits 3, for the caller to decide.

Usage: audit_requirements.py REPORT.json   (the output of `pip-audit -f json ...`)
Exit: 0 audited, nothing known; 1 vulnerabilities or packages left unaudited; 3 service unreachable.
"""
from __future__ import annotations

import json
import sys

SERVICE_UNREACHABLE = 3


def judge(report: dict) -> tuple[int, list[str]]:
    dependencies = report.get("dependencies", [])
    skipped = [d for d in dependencies if d.get("skip_reason")]
    vulnerable = [d for d in dependencies if d.get("vulns")]
    lines = []
    for dependency in vulnerable:
        for vuln in dependency["vulns"]:
            fixed = ", ".join(vuln.get("fix_versions") or []) or "no fixed release yet"
            lines.append(f"VULNERABLE {dependency['name']} {dependency.get('version')}: {vuln.get('id')} "
                         f"(fixed in {fixed})")
    if dependencies and len(skipped) == len(dependencies):
        lines.append(f"NOT AUDITED: the vulnerability service answered for none of the {len(dependencies)} "
                     "pinned packages (no network route to it from this machine?)")
        return (1 if vulnerable else SERVICE_UNREACHABLE), lines
    for dependency in skipped:
        lines.append(f"UNAUDITED {dependency['name']}: {dependency['skip_reason']}")
    if vulnerable or skipped:
        return 1, lines
    lines.append(f"audited {len(dependencies)} pinned packages: no known vulnerabilities")
    return 0, lines


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        with open(argv[1], encoding="utf-8") as handle:
            code, lines = judge(json.load(handle))
    except (OSError, ValueError) as error:
        print(f"pip-audit: wrote no readable report ({error}); the audit failed", file=sys.stderr)
        return 1
    for line in lines:
        print(f"pip-audit: {line}")
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv))
