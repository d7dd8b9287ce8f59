"""Read models of the permits for the dashboard and the permit pages."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from app.domain.permit_terms import (VersionTerm, facility_today, renewal_application_due,
                                     version_applying_on, version_status)
from app.models.facility import Facility
from app.models.permit import MonitoredParameter, Outfall, Permit, PermitVersion


@dataclass(frozen=True)
class PermitSummary:
    permit: Permit
    today: date
    applying: PermitVersion | None
    latest: PermitVersion
    renewal_due: date
    days_to_renewal_due: int
    days_to_expiry: int


def installation_today(session: Session, now: datetime) -> date:
    """Today in the facility's zone (one facility per installation); UTC's day before any permit exists."""
    zone = session.scalar(select(Facility.timezone).order_by(Facility.id).limit(1))
    return facility_today(zone, now) if zone else now.date()


def terms_of(permit: Permit) -> list[VersionTerm]:
    return [VersionTerm(v.version, v.effective, v.expires) for v in permit.versions]


def summarise(permit: Permit, now: datetime) -> PermitSummary:
    today = facility_today(permit.facility.timezone, now)
    applying_term = version_applying_on(terms_of(permit), today)
    by_number = {v.version: v for v in permit.versions}
    latest = permit.latest_version
    # The renewal clock runs on the newest terms the facility holds.
    renewal_due = renewal_application_due(latest.expires, latest.renewal_application_days)
    return PermitSummary(
        permit=permit, today=today,
        applying=by_number[applying_term.version] if applying_term else None,
        latest=latest, renewal_due=renewal_due,
        days_to_renewal_due=(renewal_due - today).days,
        days_to_expiry=(latest.expires - today).days,
    )


def permit_overview(session: Session, now: datetime) -> list[PermitSummary]:
    permits = session.scalars(
        select(Permit).options(selectinload(Permit.versions), selectinload(Permit.facility))
        .order_by(Permit.number)
    ).all()
    return [summarise(p, now) for p in permits if p.versions]


def statuses(permit: Permit, today: date) -> dict[int, str]:
    terms = terms_of(permit)
    return {v.version: version_status(terms, v.version, today) for v in permit.versions}


# Loads every outfall's parameters and limit columns of the versions a query selects: three queries for
# them all rather than two per parameter (the permit page, the DMR build, an import's evaluation).
WITH_LIMIT_COLUMNS = (selectinload(PermitVersion.outfalls).selectinload(Outfall.parameters)
                      .selectinload(MonitoredParameter.columns))


def permit_by_number(session: Session, number: str) -> Permit | None:
    return session.scalar(select(Permit).where(Permit.number == number))


def version_detail(session: Session, permit: Permit, version: int) -> PermitVersion | None:
    return session.scalar(
        select(PermitVersion)
        .where(PermitVersion.permit_id == permit.id, PermitVersion.version == version)
        .options(WITH_LIMIT_COLUMNS)  # the page lists every parameter's limit columns
    )


# Up to this many monitored parameters the permit page shows every outfall's limits at once; a
# larger permit (a dozen outfalls of forty parameters) is shown one outfall at a time, or its page
# is a third of a megabyte that nobody reads through and every worker spends its time rendering.
PARAMETERS_ON_ONE_PAGE = 120


@dataclass(frozen=True)
class OutfallTab:
    feature_id: str
    parameters: int


@dataclass(frozen=True)
class VersionPage:
    version: PermitVersion
    outfalls: list[Outfall]  # those shown, with their parameters and limit columns loaded
    tabs: list[OutfallTab]  # every outfall of the version, for the page's outfall navigation
    chosen: str | None  # the outfall shown alone; None when every outfall is shown


def version_page(session: Session, permit: Permit, version: int, outfall: str | None = None) -> VersionPage | None:
    """The version's terms and the limits of one outfall, or of all when the permit is small enough
    (or `outfall` is "all"). None when the version or the outfall asked for does not exist."""
    chosen = session.scalar(select(PermitVersion).where(PermitVersion.permit_id == permit.id,
                                                        PermitVersion.version == version))
    if chosen is None:
        return None
    tabs = [OutfallTab(feature_id, count) for feature_id, count in session.execute(
        select(Outfall.feature_id, func.count(MonitoredParameter.id))
        .outerjoin(MonitoredParameter, MonitoredParameter.outfall_id == Outfall.id)
        .where(Outfall.permit_version_id == chosen.id)
        .group_by(Outfall.id, Outfall.feature_id).order_by(Outfall.feature_id))]
    if outfall is None and sum(t.parameters for t in tabs) > PARAMETERS_ON_ONE_PAGE and tabs:
        outfall = tabs[0].feature_id
    if outfall == "all":
        outfall = None
    query = (select(Outfall).where(Outfall.permit_version_id == chosen.id).order_by(Outfall.feature_id)
             .options(selectinload(Outfall.parameters).selectinload(MonitoredParameter.columns)))
    if outfall is not None:
        query = query.where(Outfall.feature_id == outfall)
    shown = list(session.scalars(query))
    if outfall is not None and not shown:
        return None
    return VersionPage(chosen, shown, tabs, outfall)
