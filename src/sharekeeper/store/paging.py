"""Keyset pagination: a marker is the last ``seq`` of a page; the next page is ``seq > marker``.
Tables without a ``seq`` (the organization directory) page on a (time, id) index instead."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy import BindParameter, Column, ColumnElement, Select, and_, bindparam, or_

from sharekeeper.domain.errors import InvalidParameter
from sharekeeper.domain.paging import Page, PageRequest, decode_position
from sharekeeper.store.transaction import Transaction

T = TypeVar("T")


def fetch_page(
    tx: Transaction,
    statement: Select[Any],
    seq: Column[int],
    page: PageRequest,
    to_item: Callable[[Any], T],
) -> Page[T]:
    after = decode_position(page.marker)
    if page.marker is not None:
        statement = statement.where(seq > after)
    rows = tx.execute(statement.order_by(seq).limit(page.limit + 1)).all()
    return page_from_rows(rows, page.limit, to_item)


def page_from_rows(rows: Sequence[Any], limit: int, to_item: Callable[[Any], T]) -> Page[T]:
    """``rows`` were fetched with ``limit + 1``: one more row than fits says a next page exists."""
    more = len(rows) > limit
    rows = rows[:limit]
    return Page([to_item(row) for row in rows], str(rows[-1].seq) if more else None)


# Where a newest-first walk starts: above every position (a BIGINT column's largest value).
_TOP = 2**63 - 1


def start_position(marker: str | None, newest_first: bool) -> int:
    """The keyset position a page starts after (oldest first) or below (newest first: the
    marker is then the position the next page stays below)."""
    if newest_first and marker is None:
        return _TOP
    return decode_position(marker)


def page_of(items: list[T], rows: Sequence[Sequence[Any]], limit: int, seq: int) -> Page[T]:
    """``items`` made of the first ``limit`` of ``rows`` (fetched with ``limit + 1``), whose
    column ``seq`` holds the keyset position."""
    return Page(items, str(rows[limit - 1][seq]) if len(rows) > limit else None)


# Keyset pages over a (time, id) index: the Organizations API's directory reads. The marker is
# the last row's key, "<time>-<id>": opaque to clients, and only this module reads it back.
_KEY_MARKER = re.compile(r"(\d{1,18})-([0-9a-z-]{1,40})")


def encode_key(at: int, key: str) -> str:
    return f"{at}-{key}"


def decode_key(marker: str) -> tuple[int, str]:
    found = _KEY_MARKER.fullmatch(marker)
    if found is None:
        raise InvalidParameter(f"marker {marker[:64]!r} is not a marker this service issued.")
    return int(found.group(1)), found.group(2)


def after_key(
    at: ColumnElement[int], key: ColumnElement[str], marker: str, descending: bool = False
) -> ColumnElement[bool]:
    """Rows after the marker's row in (``at``, ``key``) order (or before it, ``descending``),
    written so that both databases read it as a range of the index that starts with those
    columns (a row-value comparison is not portable)."""
    last_at, last_key = decode_key(marker)
    if descending:
        return and_(at <= last_at, or_(at < last_at, key < last_key))
    return and_(at >= last_at, or_(at > last_at, key > last_key))


def after_bound(at: ColumnElement[int], key: ColumnElement[str]) -> ColumnElement[bool]:
    """``after_key`` for a statement built once: the marker's values are bound at each run
    (``bound_key``)."""
    last_at: BindParameter[int] = bindparam("after_at")
    last_key: BindParameter[str] = bindparam("after_key")
    return and_(at >= last_at, or_(at > last_at, key > last_key))


def bound_key(marker: str) -> dict[str, Any]:
    last_at, last_key = decode_key(marker)
    return {"after_at": last_at, "after_key": last_key}


def fetch_key_page(
    tx: Transaction,
    statement: Select[Any],
    at: ColumnElement[int],
    key: ColumnElement[str],
    page: PageRequest,
    to_item: Callable[[Any], T],
    descending: bool = False,
) -> Page[T]:
    """A page of ``statement`` in (``at``, ``key``) order (newest first if ``descending``)
    after ``page.marker``: ``limit + 1`` rows read, the next marker made from the last row
    of the page."""
    if page.marker is not None:
        statement = statement.where(after_key(at, key, page.marker, descending))
    order = (at.desc(), key.desc()) if descending else (at, key)
    rows = tx.execute(statement.order_by(*order).limit(page.limit + 1)).all()
    return key_page_of(rows, page.limit, at, key, to_item)


def key_page_of(
    rows: Sequence[Any],
    limit: int,
    at: ColumnElement[int],
    key: ColumnElement[str],
    to_item: Callable[[Any], T],
) -> Page[T]:
    """``rows`` in key order, fetched with ``limit + 1``: one more than fits says there is a
    next page, which starts after the last row kept."""
    if len(rows) <= limit:
        return Page([to_item(row) for row in rows])
    kept = rows[:limit]
    last = kept[-1]._mapping  # by name: the row may come from a subquery of the table
    return Page([to_item(row) for row in kept], encode_key(last[at.key], last[key.key]))
