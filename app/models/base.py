"""Declarative base with a constraint naming convention and a UTC-aware timestamp type."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import orjson
from sqlalchemy import DateTime, MetaData
from sqlalchemy.orm import DeclarativeBase, registry
from sqlalchemy.types import TypeDecorator

# Named constraints keep Alembic migrations reviewable and identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """Stored as naive UTC on every engine, handed back as an aware UTC datetime.

    A naive datetime is refused: a timestamp without a zone is how a 24-hour deadline goes wrong.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: timestamps must carry a time zone")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    # The map lives on the registry, not on the class: Flask-SQLAlchemy subclasses this base, and
    # SQLAlchemy 2.1 refuses a subclass that inherits both a registry and a type_annotation_map.
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


def stored_json(value: Any) -> str:
    """The text of a JSON column's value (the engines' json_serializer).

    orjson, not the standard library: a year's planned trips store about 26,000 JSON values (each
    trip's parameters, its audit entry's before and after) and json.dumps took 0.4 s of it. Equal
    values, compact text (no spaces, UTF-8 rather than \\u escapes); what orjson refuses and the
    standard library takes (an integer beyond 64 bits) still goes through json.dumps. The audit
    chain hashes its own canonical text (audit_chain.entry_hash), whatever a column holds.
    """
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode("utf-8")
    except (orjson.JSONEncodeError, TypeError):
        return json.dumps(value)
