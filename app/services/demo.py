"""The demo facility: two permits and the demo accounts, for `flask demo` and `make run`."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models.monitoring import Result
from app.models.permit import Permit
from app.services.demo_results import load_demo_results
from app.services.sampling_schedule import generate_schedule, refresh_statuses
from app.models.user import User
from app.services.permits import import_permit_definition
from app.services.users import create_user

DEMO_DATA = Path(__file__).resolve().parent.parent / "demo_data"
DEMO_PASSWORD = "outfall-demo"
DEMO_USERS = (
    ("manager@example.com", "Morgan Manager", "manager"),
    ("labtech@example.com", "Lee Labtech", "labtech"),
    ("inspector@example.com", "Ines Inspector", "viewer"),
    ("admin@example.com", "Ada Admin", "admin"),
)
DEMO_PERMIT_FILES = ("npdes_permit.json", "pretreatment_permit.json")


def demo_is_loaded(session: Session) -> bool:
    return bool(session.scalar(select(func.count(Permit.id))))


def load_demo(session: Session, today: date) -> str:
    """Load what is missing of the demo (accounts, permits, a year of results); twice adds nothing."""
    lines = []
    for email, name, role in DEMO_USERS:
        if session.scalar(select(User.id).where(User.email == email)) is None:
            create_user(session, email=email, name=name, role=role, password=DEMO_PASSWORD,
                        actor_label="demo")
            lines.append(f"user {email} ({role})")
    for filename in DEMO_PERMIT_FILES:
        document = json.loads((DEMO_DATA / filename).read_text(encoding="utf-8"))
        outcome = import_permit_definition(session, document, actor_label="demo")
        if outcome.created:
            lines.append(f"permit {outcome.permit_number} version {outcome.version}")
    if session.scalar(select(func.count(Result.id))) == 0:
        lines.append(f"{load_demo_results(session, today)} results from the twelve months before {today:%B %Y} "
                     "to yesterday")
        for permit in session.scalars(select(Permit)):
            generate_schedule(session, permit, today=today)
            refresh_statuses(session, permit, today=today)
    return "demo loaded: " + (", ".join(lines) if lines else "nothing new")
