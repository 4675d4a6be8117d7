"""Declared row mapping: one declaration per entity names the column behind each of its
fields, in the entity's order. The statement's column list and the row reader both come from
it, so they cannot drift apart, and a declaration that does not follow its entity's fields
fails at import.

Rows are read by position and the entity built positionally: reading a SQLAlchemy row by name,
or building by keyword, cost more than building the entity (docs/performance.md)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from enum import Enum
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement

E = TypeVar("E")


@dataclass(frozen=True, slots=True)
class Field:
    """A column and the entity field it fills (by default, the field of the column's name);
    ``convert`` turns the stored value into the field's, ``store`` the field's into the
    stored one."""

    column: ColumnElement[Any]
    name: str | None = None
    convert: Callable[[Any], Any] | None = None
    store: Callable[[Any], Any] | None = None


def enum_of(kind: type[Enum]) -> Callable[[Any], Any]:
    """A stored value as its member of ``kind`` (a dict lookup: cheaper than ``kind(value)``)."""
    return {member.value: member for member in kind}.__getitem__


def optional_bool(value: Any) -> bool | None:
    """SQLite hands a boolean back as 0 or 1."""
    return None if value is None else bool(value)


class RowMapping(Generic[E]):
    """``columns`` to select (more may follow them: a keyset position, say) and ``read`` to
    build the entity from such a row, with any trailing fields given as ``extra``; ``values``
    are an entity's stored values by column, to insert."""

    def __init__(self, entity: type[E], *declared: Field | ColumnElement[Any]) -> None:
        mapped = [d if isinstance(d, Field) else Field(d) for d in declared]
        names = [m.name or _column_name(m.column) for m in mapped]
        entity_fields = fields(entity)  # type: ignore[arg-type]
        expected = [f.name for f in entity_fields][: len(names)]
        if names != expected:
            raise TypeError(f"{entity.__name__} fields are {expected}, declared {names}")
        self.entity = entity
        self.names = tuple(names)
        self.columns = tuple(m.column for m in mapped)
        self._conversions = tuple(
            (i, m.convert) for i, m in enumerate(mapped) if m.convert is not None
        )
        self._width = len(mapped)
        self._stored = tuple(
            (name, _column_name(m.column), m.store) for name, m in zip(names, mapped, strict=True)
        )

    def read(self, row: Sequence[Any], *extra: Any) -> E:
        values = list(row[: self._width])
        for index, convert in self._conversions:
            values[index] = convert(values[index])
        return self.entity(*values, *extra)

    def values(self, entity: E) -> dict[str, Any]:
        return {
            column: getattr(entity, name) if store is None else store(getattr(entity, name))
            for name, column, store in self._stored
        }


def _column_name(column: ColumnElement[Any]) -> str:
    name = getattr(column, "name", None)
    if not isinstance(name, str):
        raise TypeError(f"name the field of {column!r}")
    return name
