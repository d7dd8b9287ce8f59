"""Importing permit definitions as new, never-edited permit versions, and finding the version for a day."""
from __future__ import annotations

# Re-importing a file identical to the permit's latest version (same canonical SHA-256) is a no-op:
# nothing is created and the outcome names the stored version with created=False, so the CLI, the
# upload page and the demo loader can be re-run safely.

import copy
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.permit_definition import (DefinitionProblem, LimitColumnDefinition, PermitDefinition,
                                          PermitDefinitionError, canonical_sha256, validate_permit_definition)
from app.domain.permit_terms import VersionTerm, version_applying_on
from app.domain.permit_terms import renewal_application_due as _renewal_due
from app.domain.units import icis_unit_code
from app.models.facility import Facility
from app.models.permit import LimitColumn, MonitoredParameter, Outfall, Permit, PermitVersion
from app.services.audit import audit_context


@dataclass(frozen=True)
class ImportOutcome:
    permit_number: str
    version: int
    created: bool


def import_permit_definition(session: Session, document: object, *, actor_id: int | None = None,
                             actor_label: str | None = None) -> ImportOutcome:
    """Validate and store the definition as the permit's next version; flushes, never commits.

    Raises PermitDefinitionError (nothing added to the session) when the file is invalid or
    contradicts what is stored: the permit number under another facility or program, or the
    facility under another time zone.
    """
    definition = validate_permit_definition(document)
    sha256 = canonical_sha256(document)
    permit = session.scalar(select(Permit).where(Permit.number == definition.number))
    facility = session.scalar(select(Facility).where(Facility.name == definition.facility_name))
    _refuse_contradictions(definition, permit, facility)
    if permit is not None and permit.versions and permit.latest_version.source_sha256 == sha256:
        return ImportOutcome(permit.number, permit.latest_version.version, created=False)

    with audit_context(session, actor_id=actor_id, actor_label=actor_label, reason="permit import"):
        if facility is None:
            facility = Facility(name=definition.facility_name, timezone=definition.facility_timezone)
            session.add(facility)
        if permit is None:
            permit = Permit(facility=facility, number=definition.number, program=definition.program)
            session.add(permit)
        latest = session.scalar(select(func.max(PermitVersion.version))
                                .where(PermitVersion.permit_id == permit.id)) if permit.id else None
        version = _new_version(definition, permit, (latest or 0) + 1, document, sha256, actor_id)
        session.add(version)
        session.flush()
    return ImportOutcome(permit.number, version.version, created=True)


def _refuse_contradictions(definition: PermitDefinition, permit: Permit | None,
                           facility: Facility | None) -> None:
    problems = []
    if permit is not None and permit.facility.name != definition.facility_name:
        problems.append(DefinitionProblem("$.facility.name", f"permit {permit.number} belongs to facility "
                                          f'"{permit.facility.name}"; expected that name, got '
                                          f'"{definition.facility_name}"'))
    if permit is not None and permit.program != definition.program:
        problems.append(DefinitionProblem("$.permit.program", f"permit {permit.number} is stored as a "
                                          f'"{permit.program}" permit; expected "{permit.program}", got '
                                          f'"{definition.program}"'))
    # Changing the zone would move the sample days already recorded under it, so it is refused here.
    if facility is not None and facility.timezone != definition.facility_timezone:
        problems.append(DefinitionProblem("$.facility.timezone", f'facility "{facility.name}" keeps its days in '
                                          f'"{facility.timezone}"; expected that zone, got '
                                          f'"{definition.facility_timezone}"'))
    if problems:
        raise PermitDefinitionError(problems)


def _new_version(definition: PermitDefinition, permit: Permit, number: int, document: object,
                 sha256: str, actor_id: int | None) -> PermitVersion:
    version = PermitVersion(
        permit=permit, version=number,
        issuing_authority=definition.issuing_authority, control_authority=definition.control_authority,
        effective=definition.effective, expires=definition.expires,
        renewal_application_days=definition.renewal_application_days, rule_pack=definition.rule_pack,
        rules=copy.deepcopy(definition.rules), reporting_frequency=definition.reporting_frequency,
        reporting_due_day=definition.reporting_due_day,
        listed_24h_parameters=list(definition.listed_24h_parameters),
        certification_text=definition.certification_text,
        source_document=copy.deepcopy(document), source_sha256=sha256, imported_by_id=actor_id,
    )
    for outfall_definition in definition.outfalls:
        outfall = Outfall(permit_version=version, feature_id=outfall_definition.id,
                          description=outfall_definition.description, limit_set=outfall_definition.limit_set)
        for position, parameter_definition in enumerate(outfall_definition.parameters):
            parameter = MonitoredParameter(
                outfall=outfall, position=position, code=parameter_definition.code,
                name=parameter_definition.name, monitoring_location=parameter_definition.monitoring_location,
                season=parameter_definition.season, frequency=parameter_definition.frequency,
                sample_type=parameter_definition.sample_type, conditional=parameter_definition.conditional,
            )
            for column_position, column in enumerate(parameter_definition.columns):
                _limit_column(parameter, column_position, column)
    return version


def _limit_column(parameter: MonitoredParameter, position: int, column: LimitColumnDefinition) -> LimitColumn:
    return LimitColumn(
        parameter=parameter, position=position, slot=column.slot, statistical_base=column.statistical_base,
        limit_text=column.limit, unit=column.unit,
        # The permit's own code wins; otherwise only a code recorded in data/icis_units.csv, never a guess.
        unit_code=column.unit_code or icis_unit_code(column.unit),
        derived=column.derived, effective=column.effective, expires=column.expires,
    )


def permit_version_on(permit: Permit, day: date) -> PermitVersion | None:
    """The version that applies on `day`: the highest-numbered version already effective on that day.

    A newer version does not reach back: older versions keep governing their own dates.
    """
    terms = [VersionTerm(v.version, v.effective, v.expires) for v in permit.versions]
    applying = version_applying_on(terms, day)
    if applying is None:
        return None
    return next(v for v in permit.versions if v.version == applying.version)


def renewal_application_due(version: PermitVersion) -> date:
    """The day the renewal application is due: renewal_application_days before the version expires."""
    return _renewal_due(version.expires, version.renewal_application_days)
