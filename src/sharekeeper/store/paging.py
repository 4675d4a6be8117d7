"""Keyset pagination: a marker is the last ``seq`` of a page; the next page is ``seq > marker``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy import Column, Select

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


def page_of(items: list[T], rows: Sequence[Sequence[Any]], limit: int, seq: int) -> Page[T]:
    """``items`` made of the first ``limit`` of ``rows`` (fetched with ``limit + 1``), whose
    column ``seq`` holds the keyset position."""
    return Page(items, str(rows[limit - 1][seq]) if len(rows) > limit else None)
