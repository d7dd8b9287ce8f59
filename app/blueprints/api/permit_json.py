"""Permits as the API shows them: the permit definition's own names (CONTRACTS.md section 3), every version."""
from __future__ import annotations

from typing import Any

from app.models.permit import LimitColumn, MonitoredParameter, Outfall, PermitVersion
from app.services.permit_overview import PermitSummary, statuses


def _day(value) -> str | None:
    return None if value is None else value.isoformat()


def _column(column: LimitColumn) -> dict[str, Any]:
    # `limit` stays text: "30" and "30.0" are different limits for rounding; null is report-only.
    return {"slot": column.slot, "statistical_base": column.statistical_base, "limit": column.limit_text,
            "unit": column.unit, "unit_code": column.unit_code, "derived": column.derived,
            "effective": _day(column.effective), "expires": _day(column.expires)}


def _parameter(parameter: MonitoredParameter) -> dict[str, Any]:
    return {"code": parameter.code, "name": parameter.name, "monitoring_location": parameter.monitoring_location,
            "season": parameter.season, "frequency": parameter.frequency, "sample_type": parameter.sample_type,
            "conditional": parameter.conditional, "columns": [_column(c) for c in parameter.columns]}


def _outfall(outfall: Outfall) -> dict[str, Any]:
    return {"id": outfall.feature_id, "description": outfall.description, "limit_set": outfall.limit_set,
            "parameters": [_parameter(p) for p in outfall.parameters]}


def _version(version: PermitVersion, status: str) -> dict[str, Any]:
    return {"version": version.version, "status": status, "effective": _day(version.effective),
            "expires": _day(version.expires), "issuing_authority": version.issuing_authority,
            "control_authority": version.control_authority, "rule_pack": version.rule_pack,
            "reporting": {"frequency": version.reporting_frequency, "due_day": version.reporting_due_day},
            "renewal_application_due": _day(version.renewal_application_due),
            "listed_24h_parameters": list(version.listed_24h_parameters or []),
            "outfalls": [_outfall(o) for o in version.outfalls]}


def permit_as_json(summary: PermitSummary) -> dict[str, Any]:
    permit = summary.permit
    status = statuses(permit, summary.today)
    return {"number": permit.number, "program": permit.program,
            "facility": {"name": permit.facility.name, "timezone": permit.facility.timezone},
            "applying_version": summary.applying.version if summary.applying else None,
            "versions": [_version(v, status[v.version]) for v in permit.versions]}
