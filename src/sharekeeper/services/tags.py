"""Tags on one's resource shares: set, remove, list keys, and query shares by tags."""

from __future__ import annotations

from collections.abc import Sequence

from sharekeeper.domain.accounts import Caller
from sharekeeper.domain.errors import InvalidParameter
from sharekeeper.domain.quotas import QuotaType
from sharekeeper.domain.shares import ResourceShare
from sharekeeper.domain.tags import (
    MAX_FILTER_LIMIT,
    Tag,
    TagQuery,
    unique_tags,
    validate_key,
    validate_value,
)
from sharekeeper.services.access import owned_share
from sharekeeper.services.changes import record_retagged
from sharekeeper.services.context import Context


def tag_resource_share(ctx: Context, caller: Caller, share_id: str, tags: Sequence[Tag]) -> None:
    """Sets tags; a key the share has already gets the new value. At most the tag quota."""
    tags = unique_tags(tags)
    now = ctx.clock()
    with ctx.writing() as uow:
        share = owned_share(uow, caller, share_id, now)
        share.require_active()
        have = {t.key for t in share.tags}
        adding = len({t.key for t in tags} - have)
        ctx.quotas.check_share(QuotaType.TAG_ASSOCIATION, share.id, len(have), adding)
        uow.tags.put(share.id, tags)
        record_retagged(uow, share.id, now)
        uow.commit()


def untag_resource_share(
    ctx: Context, caller: Caller, share_id: str, tags: Sequence[tuple[str, str | None]]
) -> None:
    """Removes keys; a key given with a value goes only while it holds that value. Removing a
    key the share does not have is no error (the end state is what was asked)."""
    for key, value in tags:
        validate_key(key)
        if value is not None:
            validate_value(value)
    now = ctx.clock()
    with ctx.writing() as uow:
        share = owned_share(uow, caller, share_id, now)
        share.require_active()
        for key, value in tags:
            uow.tags.remove(share.id, key, value)
        record_retagged(uow, share.id, now)
        uow.commit()


def list_tags(
    ctx: Context, caller: Caller, limit: int, marker: str | None
) -> tuple[list[tuple[str, list[str]]], str | None]:
    """Keys on the caller's active shares with their values, paged by key."""
    if marker is not None:
        validate_key(marker)
    with ctx.reading() as uow:
        keys = uow.tags.keys(caller.account_id, limit, marker)
    more = len(keys) > limit
    keys = keys[:limit]
    return keys, keys[-1][0] if more else None


def find_shares_by_tags(
    ctx: Context, caller: Caller, query: TagQuery, limit: int, offset: int
) -> tuple[list[ResourceShare], int]:
    """The caller's active shares matching the query, ``offset`` in, and how many match."""
    if not 1 <= limit <= MAX_FILTER_LIMIT:
        raise InvalidParameter(f"limit must be between 1 and {MAX_FILTER_LIMIT}.")
    if query.matches_nothing:
        return [], 0
    with ctx.reading() as uow:
        total = uow.shares.count_by_tags(caller.account_id, query)
        found = uow.shares.find_by_tags(caller.account_id, query, limit, offset) if total else []
    return found, total


def count_shares_by_tags(ctx: Context, caller: Caller, query: TagQuery) -> int:
    if query.matches_nothing:
        return 0
    with ctx.reading() as uow:
        return uow.shares.count_by_tags(caller.account_id, query)
