"""Plain factory functions for tests."""
from __future__ import annotations

import copy
import json
from pathlib import Path

from app.services.users import create_user

EXAMPLES = Path(__file__).resolve().parents[2] / "shared" / "examples"
DEMO_DATA = Path(__file__).resolve().parents[1] / "app" / "demo_data"


def create_test_user(session, *, role: str = "manager", email: str | None = None,
                     password: str = "correct horse battery", name: str | None = None):
    email = email or f"{role}-{session.info.setdefault('user_seq', 0) + 1}@test.example"
    session.info["user_seq"] = session.info.get("user_seq", 0) + 1
    user = create_user(session, email=email, name=name or f"Test {role}", role=role, password=password)
    session.commit()
    return user


def permit_document(name: str = "npdes") -> dict:
    """A deep copy of a valid permit definition: 'npdes' is the demo NPDES permit."""
    files = {"npdes": DEMO_DATA / "npdes_permit.json", "pretreatment": DEMO_DATA / "pretreatment_permit.json"}
    return copy.deepcopy(json.loads(files[name].read_text(encoding="utf-8")))


def write_json(path: Path, document) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path
