"""Hot statements run on the driver's own cursor.

SQLAlchemy builds and compiles each statement once per dialect; executing it through
SQLAlchemy then still costs more than the statement itself on SQLite (about 0.1-0.2 ms of
execution context and result objects per call, docs/performance.md). A ``Prepared`` statement
keeps the compiled SQL and hands it, with its parameters in the driver's shape, straight to the
cursor of the unit of work's connection, so it runs in the same transaction. Rows come back as
plain tuples, in the order of the statement's columns.

Only for statements whose parameters are plain values: no expanding ``IN`` lists, and no
types that need converting on the way in or out (booleans come back as 0/1 from SQLite)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import Enum
from typing import Any, cast

from sqlalchemy import Connection, Dialect, Table, bindparam, insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

from sharekeeper.store.engine import DRIVER_TRANSACTION, begin_on_driver


class _Compiled:
    __slots__ = ("defaults", "positions", "sql")

    def __init__(self, statement: ClauseElement, dialect: Dialect) -> None:
        compiled = cast(SQLCompiler, statement.compile(dialect=dialect))
        if any(getattr(b, "expanding", False) for b in compiled.binds.values()):
            raise TypeError("a prepared statement cannot hold an expanding IN parameter")
        self.sql = compiled.string
        # Literal values written into the statement (a status, say) are bound parameters with
        # a value of their own; enums go to the driver as their plain value.
        self.defaults = {
            name: value.value if isinstance(value, Enum) else value
            for name, value in compiled.params.items()
        }
        # qmark/numeric drivers (sqlite3) take a sequence in this order; pyformat ones a dict.
        self.positions: tuple[str, ...] | None = (
            tuple(compiled.positiontup) if compiled.positional and compiled.positiontup else None
        )

    def parameters(self, values: Mapping[str, Any]) -> Sequence[Any] | Mapping[str, Any]:
        merged = {**self.defaults, **values} if self.defaults else values
        if self.positions is None:
            # psycopg dumps an Enum by its name; the stored value is the member's value.
            return {k: v.value if isinstance(v, Enum) else v for k, v in merged.items()}
        return [merged[name] for name in self.positions]


class Prepared:
    """A statement built once, compiled once per dialect, executed on the raw cursor."""

    __slots__ = ("_compiled", "statement")

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._compiled: dict[str, _Compiled] = {}

    @classmethod
    def insert(cls, table: Table) -> Prepared:
        """An INSERT of one row that names every column but the generated ``seq``: a value
        must be given for each (None for a NULL)."""
        values = {c.name: bindparam(c.name, type_=c.type) for c in table.columns if c.name != "seq"}
        return cls(insert(table).values(values))

    def _for(self, connection: Connection) -> _Compiled:
        dialect = connection.dialect
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            compiled = self._compiled[dialect.name] = _Compiled(self.statement, dialect)
        return compiled

    def _cursor(self, connection: Connection, values: Mapping[str, Any]) -> Any:
        compiled = self._for(connection)
        if not connection.in_transaction() and not connection.info.get(DRIVER_TRANSACTION):
            begin_on_driver(connection)
        parameters = compiled.parameters(values)
        # The DB-API connection: the driver's own, or SQLAlchemy's adapter over an asyncio
        # driver, which waits for each call in the request's greenlet (no thread hop).
        driver = connection.connection.dbapi_connection
        cursor = driver.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(compiled.sql, parameters)
        except connection.dialect.loaded_dbapi.Error as error:
            cursor.close()
            # The same exception SQLAlchemy would raise, so the unit of work translates it.
            raise DBAPIError.instance(
                compiled.sql, parameters, error, connection.dialect.loaded_dbapi.Error
            ) from error
        return cursor

    def rows(self, connection: Connection, values: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        cursor = self._cursor(connection, values)
        try:
            return list(cursor.fetchall())
        finally:
            cursor.close()

    def first(self, connection: Connection, values: Mapping[str, Any]) -> tuple[Any, ...] | None:
        cursor = self._cursor(connection, values)
        try:
            row = cursor.fetchone()
            return None if row is None else tuple(row)
        finally:
            cursor.close()

    def rowcount(self, connection: Connection, values: Mapping[str, Any]) -> int:
        cursor = self._cursor(connection, values)
        try:
            return int(cursor.rowcount)
        finally:
            cursor.close()
