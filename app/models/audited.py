"""The marker for compliance records whose every insert and update lands in the audit trail."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import inspect


def json_value(value: Any) -> Any:
    """A column value as JSON: Decimals keep their digits as text, dates are ISO strings."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


class Audited:
    """Mixin: instances are compliance records. They are audited and may never be deleted."""

    __audited__ = True
    # Columns left out of the before/after snapshot (secrets, for instance).
    __audit_exclude__: tuple[str, ...] = ()

    def audit_snapshot(self) -> dict[str, Any]:
        mapper = inspect(type(self))
        return {
            column.key: json_value(getattr(self, column.key))
            for column in mapper.column_attrs
            if column.key not in self.__audit_exclude__
        }
