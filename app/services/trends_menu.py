"""The charts a person can pick: every monitored parameter of every outfall, current version first."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.permit import Permit


def chart_choices(session: Session) -> list[dict[str, str]]:
    seen, choices = set(), []
    for permit in session.scalars(select(Permit).order_by(Permit.number)):
        for version in sorted(permit.versions, key=lambda v: v.version, reverse=True):
            for outfall in version.outfalls:
                for parameter in outfall.parameters:
                    key = (permit.number, outfall.feature_id, parameter.code, parameter.monitoring_location)
                    if key in seen:
                        continue
                    seen.add(key)
                    choices.append({"permit": permit.number, "outfall": outfall.feature_id,
                                    "parameter": parameter.code, "location": parameter.monitoring_location,
                                    "label": f"{permit.number} · {outfall.feature_id} · {parameter.code} "
                                             f"{parameter.name}"})
    return choices
