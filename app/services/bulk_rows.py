"""INSERTs of many rows whose new ids the caller needs next (audit entries, links), fast on both engines.

INSERT ... RETURNING of a batch is what SQLAlchemy offers for this, but the two engines pay for it
differently. On PostgreSQL (psycopg) it is sent as multi-row VALUES statements with thousands of
parameters each, measured at five times the plain executemany (1.1 s against 0.22 s for 5,000
revisions); there the ids are drawn from the table's own sequence in one query and the rows are
inserted plainly. On SQLite the batched RETURNING is cheap, but SQLite does not promise its rows in
the order of the parameters, so the ids are matched back by the table's unique key (asking for that
order makes SQLAlchemy send one row per statement there).

On PostgreSQL the rows themselves go by COPY (postgres_insert), not as psycopg's executemany of one
statement per row.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import psycopg
from sqlalchemy import JSON, Column, Table, insert, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.types import TypeDecorator

from app.models.base import stored_json

# From this many rows on, postgres_insert goes by COPY; below, as a plain INSERT or, with ON CONFLICT,
# one INSERT ... SELECT FROM unnest(arrays).
COPY_FROM_ROWS = 50

_RESERVE = text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :count)")


def _reserve_ids(connection: Connection, table: Table, count: int) -> list[int]:
    # Ascending, so that rows get the ids one INSERT per row would have given them, in their order.
    return sorted(connection.scalars(_RESERVE, {"table": table.name, "count": count}))


def _copy_value(column: Column, dialect) -> Callable[[Any], Any] | None:
    """What the column's own bind processing sends for a value (UTCDateTime: naive UTC; JSON: its
    text, and None as the JSON value null unless the column says none_as_null); None: as it is."""
    kind = column.type
    if isinstance(kind, TypeDecorator):
        return lambda value: kind.process_bind_param(value, dialect)
    if isinstance(kind, JSON):
        if kind.none_as_null:
            return lambda value: None if value is None else stored_json(value)
        return stored_json
    return None


def _default(column: Column) -> Callable[[], Any] | None:
    """The column's Python-side default, which an INSERT of a row leaving it out applies (COPY does not)."""
    default = column.default
    if default is None or column.primary_key:
        return None
    if default.is_callable:
        return lambda: default.arg(None)
    if default.is_scalar:
        return lambda: default.arg
    return None


_ARRAY_TYPES: dict[tuple[str, str], str] = {}
_POSTGRESQL = postgresql.dialect()


def _array_type(column: Column) -> str:
    # Without a length: a value too long for VARCHAR(n) is then refused by the INSERT, as it would be
    # by a plain one, where an explicit cast would cut it. Worked out once per column (a recorded
    # result writes its search entries this way, and a type's text never changes).
    key = (column.table.name, column.name)
    if key not in _ARRAY_TYPES:
        _ARRAY_TYPES[key] = re.sub(r"\([\d, ]+\)", "", column.type.compile(dialect=_POSTGRESQL)) + "[]"
    return _ARRAY_TYPES[key]


def _values(columns: list[Column], defaults: dict[str, Callable[[], Any]], rows: Sequence[dict[str, Any]],
            dialect) -> Iterator[list[Any]]:
    """Each row's values in `columns`' order as the database takes them: a column no row names takes
    its default, a key the row leaves out is None, and each value goes through its column's processing."""
    convert = [_copy_value(c, dialect) for c in columns]
    makers = [defaults.get(c.name) for c in columns]
    for row in rows:
        values = [row.get(c.name) if make is None else make() for c, make in zip(columns, makers, strict=True)]
        yield [value if to is None else to(value) for to, value in zip(convert, values, strict=True)]


def _staging_name(table_name: str, column_names: list[str]) -> str:
    """The staging table of rows for `table_name` with these columns: a name of its own per column list
    (within PostgreSQL's 63 characters), so that two callers naming other columns never share one."""
    digest = hashlib.blake2b(",".join(column_names).encode(), digest_size=4).hexdigest()
    return f"outfall_staging_{table_name[:30]}_{digest}"


def _copy(cursor, quote, table_name: str, columns: list[Column], values: Iterable[list[Any]]) -> None:
    with cursor.copy(f"COPY {quote(table_name)} ({', '.join(quote(c.name) for c in columns)}) FROM STDIN") as copy:
        for row in values:
            copy.write_row(row)


def postgres_insert(connection: Connection, table: Table, rows: Sequence[dict[str, Any]], on_conflict: str = "") -> None:
    """PostgreSQL: INSERT the rows by COPY, in the connection's transaction; with `on_conflict` (the
    statement's ON CONFLICT clause) they are copied into a staging table first and inserted from it.

    psycopg's executemany sends each row as a statement of its own (pipelined, but each one bound,
    parsed and answered): a year's 9,500 planned trips took 0.62 s so, 0.45 s by COPY and half the
    client's time (fewer than COPY_FROM_ROWS rows go as a plain INSERT, or one of arrays). A column
    no row names takes its Python-side default; a key some row leaves out is NULL there. A refusal by
    the database is raised as SQLAlchemy's, as a plain INSERT's would be.
    """
    if not rows:
        return
    names = list(dict.fromkeys(name for row in rows for name in row))
    defaults = {c.name: d for c in table.columns if c.name not in names and (d := _default(c)) is not None}
    columns = [table.c[name] for name in names + list(defaults)]
    quote = connection.dialect.identifier_preparer.quote
    listed = ", ".join(quote(c.name) for c in columns)
    if len(rows) < COPY_FROM_ROWS and not on_conflict:
        # A few rows (one recorded result's audit entries): a plain INSERT, prepared once by psycopg,
        # costs less than COPY's extra round trips.
        connection.execute(insert(table), list(rows))
        return
    if len(rows) < COPY_FROM_ROWS:
        # A few rows with ON CONFLICT (one result's search entries): one statement of arrays, one per
        # column, rather than a staging table's catalog entries or an executemany's statement per row.
        arrays = zip(*_values(columns, defaults, rows, connection.dialect), strict=True)
        connection.execute(text(
            f"INSERT INTO {quote(table.name)} ({listed}) SELECT * FROM unnest("
            f"{', '.join(f'CAST(:p{i} AS {_array_type(c)})' for i, c in enumerate(columns))}) {on_conflict}"),
            {f"p{i}": list(array) for i, array in enumerate(arrays)})
        return
    statement, values = f"COPY {table.name}", _values(columns, defaults, rows, connection.dialect)
    if not connection.in_transaction():
        # The COPY goes by the driver's cursor, past SQLAlchemy: begin the transaction that will commit it.
        connection.exec_driver_sql("SELECT 1")
    try:
        with connection.connection.dbapi_connection.cursor() as cursor:
            if not on_conflict:
                _copy(cursor, quote, table.name, columns, values)
                return
            # The staging table has the columns' types and nothing else (no keys, no indexes); it is the
            # session's own, so two writers never see each other's rows. One per table and column list
            # serves the whole transaction, emptied after each use and dropped at its end: a table
            # created and dropped per call held its locks until the commit, and rebuilding the search
            # index (one transaction, thousands of calls) ran out of lock slots (max_locks_per_transaction).
            # (The database role needs TEMPORARY, which PostgreSQL grants to every role by default.)
            staging = _staging_name(table.name, names + list(defaults))
            statement = f"SELECT to_regclass('pg_temp.{staging}')"
            cursor.execute(statement)
            if cursor.fetchone()[0] is None:
                statement = (f"CREATE TEMP TABLE {staging} ON COMMIT DROP AS SELECT {listed} FROM "
                             f"{quote(table.name)} WITH NO DATA")
                cursor.execute(statement)
            _copy(cursor, quote, staging, columns, values)
            statement = f"INSERT INTO {quote(table.name)} ({listed}) SELECT {listed} FROM {staging} {on_conflict}"
            cursor.execute(statement)
            statement = f"TRUNCATE {staging}"
            cursor.execute(statement)
    except psycopg.Error as error:
        raise DBAPIError.instance(statement, None, error, psycopg.Error) from error


def insert_rows(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """INSERT the rows: postgres_insert on PostgreSQL, executemany elsewhere."""
    if not rows:
        return
    if connection.dialect.name == "postgresql":
        postgres_insert(connection, table, rows)
    else:
        connection.execute(insert(table), list(rows))


def insert_with_ids(connection: Connection, table: Table, rows: list[dict[str, Any]], key: tuple[str, ...]) -> None:
    """INSERT the rows and set each one's "id"; `key` names a unique key of the table."""
    if not rows:
        return
    if connection.dialect.name == "postgresql":
        for row, new_id in zip(rows, _reserve_ids(connection, table, len(rows)), strict=True):
            row["id"] = new_id
        postgres_insert(connection, table, rows)
        return
    statement = insert(table).returning(table.c.id, *(table.c[name] for name in key))
    found = connection.execute(statement, [{k: v for k, v in row.items() if k != "id"} for row in rows])
    ids = {tuple(returned[1:]): returned[0] for returned in found}
    for row in rows:
        row["id"] = ids[tuple(row[name] for name in key)]


def insert_new(connection: Connection, table: Table, rows: list[dict[str, Any]], key: tuple[str, ...]
               ) -> list[dict[str, Any]]:
    """INSERT the rows whose unique `key` is not stored yet (another process may have just stored
    some); returns the rows written, in their order, each with its "id"."""
    if not rows:
        return []
    if connection.dialect.name == "postgresql":
        reserved = _reserve_ids(connection, table, len(rows))
        planned = [{**row, "id": new_id} for row, new_id in zip(rows, reserved, strict=True)]
        postgres_insert(connection, table, planned, f"ON CONFLICT ({', '.join(key)}) DO NOTHING")
        # A row skipped for a conflict leaves its reserved id unused; any other id in the range is
        # another transaction's.
        stored = set(connection.scalars(select(table.c.id).where(table.c.id.between(reserved[0], reserved[-1]))))
        return [row for row in planned if row["id"] in stored]
    statement = (sqlite.insert(table).on_conflict_do_nothing(index_elements=list(key))
                 .returning(table.c.id, *(table.c[name] for name in key)))
    ids = {tuple(found[1:]): found[0] for found in connection.execute(statement, rows)}
    return [{"id": ids[k], **row} for row in rows if (k := tuple(row[name] for name in key)) in ids]
