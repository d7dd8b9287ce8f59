"""All mapped classes, imported here so that metadata and relationships are complete."""
from app.models.audit import AuditEntry
from app.models.base import Base
from app.models.compliance import Exceedance, NoncomplianceEvent, NotificationObligation
from app.models.facility import Facility
from app.models.monitoring import Result, ResultRevision, Sample
from app.models.record import CalibrationEntry, CustodyTransfer, Document, Instrument
from app.models.report import NodiDeclaration, SignedReport
from app.models.schedule import OutboxMessage, SamplingEvent
from app.models.search import SearchEntry
from app.models.permit import LimitColumn, MonitoredParameter, Outfall, Permit, PermitVersion
from app.models.user import ROLES, InspectorLink, LoginFailure, User

__all__ = [
    "AuditEntry", "Base", "CalibrationEntry", "CustodyTransfer", "Document", "Exceedance", "Facility",
    "InspectorLink", "Instrument", "LimitColumn", "LoginFailure", "MonitoredParameter",
    "NodiDeclaration", "NoncomplianceEvent", "NotificationObligation", "Outfall", "OutboxMessage", "Permit",
    "PermitVersion", "ROLES", "Result", "ResultRevision", "Sample", "SamplingEvent", "SearchEntry", "SignedReport", "User",
]
