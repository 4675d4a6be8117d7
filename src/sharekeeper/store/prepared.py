"""Hot statements, compiled once, for ``Transaction`` to run on the driver's own cursor.

SQLAlchemy builds and compiles each statement once per dialect; executing it through
SQLAlchemy then still costs more than the statement itself on SQLite (about 0.1-0.2 ms of
execution context and result objects per call, docs/performance.md). A ``Prepared`` statement
keeps the compiled SQL, with its parameters in the driver's shape, for the unit of work's
transaction (``store/transaction.py``) to hand straight to its connection's cursor. Rows come
back as plain tuples, in the order of the statement's columns.

Only for statements whose parameters are plain values: no expanding ``IN`` lists, and no
types that need converting on the way in or out (booleans come back as 0/1 from SQLite). A
list goes in as one parameter instead (``any_of``): an expanding ``IN`` makes SQLAlchemy
write the statement's text again at every execution, for as many values as it holds."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import Enum
from typing import Any, cast

import msgspec
from sqlalchemy import Boolean, ColumnElement, Dialect, String, Table, bindparam, insert
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import TypeDecorator


class TextList(TypeDecorator[Sequence[str]]):
    """A list of strings bound as one value: a JSON array on SQLite (read by ``json_each``),
    an array on PostgreSQL."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: Sequence[str] | None, dialect: Dialect) -> Any:
        return _as_json(value) if dialect.name == "sqlite" and value is not None else value


def _as_json(values: Sequence[str]) -> str:
    return _ENCODE(values).decode()


_ENCODE = msgspec.json.Encoder().encode


class _AnyOf(ColumnElement[bool]):
    """``column`` equal to one of the strings of a list bound as one parameter: one text per
    statement whatever the list's length, so a ``Prepared`` statement can hold it."""

    type = Boolean()
    # A comparison already: not written "... = 1" where the dialect has no boolean type.
    _is_implicitly_boolean = True
    inherit_cache = True
    _traverse_internals = [  # noqa: RUF012 (SQLAlchemy declares it a list)
        ("column", InternalTraversal.dp_clauseelement),
        ("values", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, column: ColumnElement[str], name: str) -> None:
        self.column = column
        self.values = bindparam(name, type_=TextList())

    @property
    def _from_objects(self) -> list[Any]:
        return self.column._from_objects


def any_of(column: ColumnElement[str], name: str) -> ColumnElement[bool]:
    """``column IN (...)`` for the list of strings given as the parameter ``name``."""
    return _AnyOf(column, name)


@compiles(_AnyOf, "sqlite")
def _any_of_sqlite(element: _AnyOf, compiler: SQLCompiler, **kw: Any) -> str:
    column, values = compiler.process(element.column, **kw), compiler.process(element.values, **kw)
    return f"{column} IN (SELECT value FROM json_each({values}))"


@compiles(_AnyOf, "postgresql")
def _any_of_postgresql(element: _AnyOf, compiler: SQLCompiler, **kw: Any) -> str:
    column, values = compiler.process(element.column, **kw), compiler.process(element.values, **kw)
    return f"{column} = ANY(CAST({values} AS TEXT[]))"


class _ByDialect(ColumnElement[Any]):
    """One of two expressions, by the dialect the statement is compiled for."""

    inherit_cache = True
    _traverse_internals = [  # noqa: RUF012 (SQLAlchemy declares it a list)
        ("sqlite", InternalTraversal.dp_clauseelement),
        ("postgresql", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, sqlite: ColumnElement[Any], postgresql: ColumnElement[Any]) -> None:
        self.sqlite, self.postgresql = sqlite, postgresql
        self.type = sqlite.type


def by_dialect(sqlite: ColumnElement[Any], postgresql: ColumnElement[Any]) -> ColumnElement[Any]:
    """``sqlite`` on SQLite, ``postgresql`` on PostgreSQL: for what the two write differently
    (their JSON functions, say)."""
    return _ByDialect(sqlite, postgresql)


@compiles(_ByDialect, "sqlite")
def _by_dialect_sqlite(element: _ByDialect, compiler: SQLCompiler, **kw: Any) -> str:
    return str(compiler.process(element.sqlite, **kw))


@compiles(_ByDialect, "postgresql")
def _by_dialect_postgresql(element: _ByDialect, compiler: SQLCompiler, **kw: Any) -> str:
    return str(compiler.process(element.postgresql, **kw))


class _Compiled:
    __slots__ = ("defaults", "lists", "positions", "sql")

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
        # Lists (``any_of``) go to SQLite as JSON text; psycopg sends a list as an array.
        self.lists = tuple(
            name
            for name, b in compiled.binds.items()
            if isinstance(b.type, TextList) and dialect.name == "sqlite"
        )
        # qmark/numeric drivers (sqlite3) take a sequence in this order; pyformat ones a dict.
        self.positions: tuple[str, ...] | None = (
            tuple(compiled.positiontup) if compiled.positional and compiled.positiontup else None
        )

    def parameters(self, values: Mapping[str, Any]) -> Sequence[Any] | Mapping[str, Any]:
        merged = {**self.defaults, **values} if self.defaults else values
        if self.lists:
            merged = {**merged, **{name: _as_json(merged[name]) for name in self.lists}}
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
