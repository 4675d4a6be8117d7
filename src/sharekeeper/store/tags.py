"""Tags of resource shares: writes, the key listing and the tag query over one's shares."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import (
    ColumnElement,
    Text,
    and_,
    bindparam,
    cast,
    delete,
    exists,
    func,
    insert,
    not_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by

from sharekeeper.domain.shares import ShareStatus
from sharekeeper.domain.tags import Tag, TagQuery
from sharekeeper.store.prepared import Prepared, by_dialect
from sharekeeper.store.tables import resource_shares, share_tags
from sharekeeper.store.transaction import Transaction

S = resource_shares.c
T = share_tags.c

# The share's tags in key order as one JSON text, [[key, value], ...]: what resource_shares.tags
# holds, written again from share_tags by every write of a share's tags. SQLite (3.40 has no
# ORDER BY in an aggregate) keeps the order of a subquery an aggregate reads; PostgreSQL's
# json_agg is NULL without tags, hence its "[]".
_SHARE = bindparam("share_id", type_=resource_shares.c.id.type)
_KEYED = select(T.key, T.value).where(T.resource_share_id == _SHARE).order_by(T.key).subquery()
_PAIR = func.json_build_array(T.key, T.value)
_TAGS_JSON = by_dialect(
    sqlite=select(
        func.json_group_array(func.json_array(_KEYED.c.key, _KEYED.c.value))
    ).scalar_subquery(),
    postgresql=select(
        func.coalesce(cast(func.json_agg(aggregate_order_by(_PAIR, T.key)), Text), "[]")
    )
    .where(T.resource_share_id == _SHARE)
    .scalar_subquery(),
)
# Its writers hold the share's lock (services/access.py: owned_share), so on PostgreSQL no
# two of them write the column each from a snapshot without the other's tags.
RETAG = Prepared(update(resource_shares).where(S.id == _SHARE).values(tags=_TAGS_JSON))


def starts_with(column: ColumnElement[str], prefix: str) -> ColumnElement[bool]:
    """``column`` begins with ``prefix``, character for character, on both databases: LIKE
    ignores ASCII case on SQLite and not on PostgreSQL, and gives ``%`` and ``_`` a meaning;
    comparing the column's first characters has neither problem (docs/api.md)."""
    return func.substr(column, 1, len(prefix)) == prefix


def tag_query(owner: str, query: TagQuery) -> list[ColumnElement[bool]]:
    """Conditions on resource_shares selecting the owner's active shares that match."""
    conditions: list[ColumnElement[bool]] = [
        S.owner_account_id == owner,
        S.status == ShareStatus.ACTIVE,
    ]
    if query.without_any_tag:
        conditions.append(not_(exists().where(T.resource_share_id == S.id)))
    else:
        for tag_filter in query.tags:
            condition = and_(T.resource_share_id == S.id, T.key == tag_filter.key)
            if tag_filter.values:
                condition = and_(condition, T.value.in_(tag_filter.values))
            conditions.append(exists().where(condition))
    if query.name_match == "":
        conditions.append(S.name == "")
    elif query.name_match is not None:
        conditions.append(starts_with(S.name, query.name_match))
    return conditions


class TagRepository:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def put(self, share_id: str, tags: Iterable[Tag]) -> None:
        """Sets each tag, overwriting the value of a key the share has already."""
        items = list(tags)
        if not items:
            return
        self._tx.execute(
            delete(share_tags).where(
                T.resource_share_id == share_id, T.key.in_([t.key for t in items])
            )
        )
        self._tx.execute(
            insert(share_tags),
            [{"resource_share_id": share_id, "key": t.key, "value": t.value} for t in items],
        )
        self._tx.send(RETAG, {"share_id": share_id})

    def remove(self, share_id: str, key: str, value: str | None) -> None:
        """Removes the key; with a value, only while the key holds that value."""
        condition = and_(T.resource_share_id == share_id, T.key == key)
        if value is not None:
            condition = and_(condition, T.value == value)
        self._tx.execute(delete(share_tags).where(condition))
        self._tx.send(RETAG, {"share_id": share_id})

    def keys(self, owner: str, limit: int, after: str | None) -> list[tuple[str, list[str]]]:
        """The keys on the owner's active shares, in key order after ``after``, each with all
        its values; ``limit + 1`` keys at most, so the caller sees whether more follow."""
        on_owned = and_(
            T.resource_share_id == S.id,
            S.owner_account_id == owner,
            S.status == ShareStatus.ACTIVE,
        )
        keys = select(T.key).join(resource_shares, on_owned).distinct()
        if after is not None:
            keys = keys.where(T.key > after)
        page = [row.key for row in self._tx.execute(keys.order_by(T.key).limit(limit + 1))]
        if not page:
            return []
        rows = self._tx.execute(
            select(T.key, T.value)
            .join(resource_shares, on_owned)
            .where(T.key.in_(page))
            .distinct()
            .order_by(T.key, T.value)
        )
        values: dict[str, list[str]] = {key: [] for key in page}
        for row in rows:
            values[row.key].append(row.value)
        return list(values.items())
