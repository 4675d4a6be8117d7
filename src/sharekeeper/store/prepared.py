"""Hot statements, compiled once, for ``Transaction`` to run on the driver's own cursor.

SQLAlchemy builds and compiles each statement once per dialect; executing it through
SQLAlchemy then still costs more than the statement itself on SQLite (about 0.1-0.2 ms of
execution context and result objects per call, docs/performance.md). A ``Prepared`` statement
keeps the compiled SQL, with its parameters in the driver's shape, for the unit of work's
transaction (``store/transaction.py``) to hand straight to its connection's cursor. Rows come
back as plain tuples, in the order of the statement's columns.

Only for statements whose parameters are plain values: no expanding ``IN`` lists, and no
types that need converting on the way in or out (booleans come back as 0/1 from SQLite)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import Enum
from typing import Any, cast

from sqlalchemy import Dialect, Table, bindparam, insert
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler


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

    def compiled_for(
        self, dialect: Dialect, values: Mapping[str, Any]
    ) -> tuple[str, Sequence[Any] | Mapping[str, Any]]:
        """The SQL for ``dialect`` and ``values`` in the shape its driver takes."""
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            compiled = self._compiled[dialect.name] = _Compiled(self.statement, dialect)
        return compiled.sql, compiled.parameters(values)
