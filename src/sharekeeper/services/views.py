"""Shared resources and shared principals, from the owner's side or the receiver's."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TypeVar

from sharekeeper.domain.accounts import Caller
from sharekeeper.domain.clock import Millis
from sharekeeper.domain.paging import Page, PageRequest
from sharekeeper.domain.quotas import QUOTA_MAX, QuotaType
from sharekeeper.domain.shares import AssociationType
from sharekeeper.domain.views import (
    DistinctPrincipal,
    DistinctResource,
    QuotaUsage,
    SharedPrincipal,
    SharedPrincipalQuery,
    SharedResource,
    SharedResourceQuery,
    Side,
)
from sharekeeper.services.context import Context
from sharekeeper.services.organizations import access_entities
from sharekeeper.store.views import ViewRepository

Q = TypeVar("Q")
T = TypeVar("T")


def _from_side(
    ctx: Context,
    caller: Caller,
    side: Side,
    read: Callable[[ViewRepository, Side, str, list[str], Q, PageRequest], Page[T]],
    query: Q,
    page: PageRequest,
) -> Page[T]:
    """Runs a view query from the owner's side, or from the receiver's with the principals
    through which shares reach the caller."""
    with ctx.reading() as uow:
        through = [] if side is Side.OWNER else access_entities(uow, caller.account_id)
        return read(uow.views, side, caller.account_id, through, query, page)


def search_shared_resources(
    ctx: Context, caller: Caller, side: Side, query: SharedResourceQuery, page: PageRequest
) -> Page[SharedResource]:
    if query.resource_type is not None:
        query = replace(query, resource_type=ctx.catalogue.canonical(query.resource_type))
    return _from_side(ctx, caller, side, ViewRepository.shared_resources, query, page)


def search_distinct_resources(
    ctx: Context, caller: Caller, side: Side, query: SharedResourceQuery, page: PageRequest
) -> Page[DistinctResource]:
    return _from_side(ctx, caller, side, ViewRepository.distinct_resources, query, page)


def search_shared_principals(
    ctx: Context, caller: Caller, side: Side, query: SharedPrincipalQuery, page: PageRequest
) -> Page[SharedPrincipal]:
    return _from_side(ctx, caller, side, ViewRepository.shared_principals, query, page)


def search_distinct_principals(
    ctx: Context, caller: Caller, side: Side, query: SharedPrincipalQuery, page: PageRequest
) -> Page[DistinctPrincipal]:
    return _from_side(ctx, caller, side, ViewRepository.distinct_principals, query, page)


def list_quotas(ctx: Context, caller: Caller) -> list[QuotaUsage]:
    """Every quota with what the caller uses of it: its active shares, and for the per-share
    quotas the most that any one of its active shares holds."""
    owner = caller.account_id
    now: Millis = ctx.clock()
    with ctx.reading() as uow:
        used = {
            QuotaType.RESOURCE_SHARE: uow.accounts.active_shares(owner),
            QuotaType.RESOURCE_ASSOCIATION: uow.views.most_associations_per_share(
                owner, AssociationType.RESOURCE, now
            ),
            QuotaType.PRINCIPAL_ASSOCIATION: uow.views.most_associations_per_share(
                owner, AssociationType.PRINCIPAL, now
            ),
            QuotaType.PERMISSION_ASSOCIATION: uow.permissions.most_per_share(owner),
            QuotaType.TAG_ASSOCIATION: uow.views.most_tags_per_share(owner),
        }
    return [QuotaUsage(k.value, ctx.quotas.limit(k), 0, QUOTA_MAX, used[k]) for k in QuotaType]
