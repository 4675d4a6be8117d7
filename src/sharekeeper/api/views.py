"""Handlers of the shared-resource and shared-principal views, from either side.
Each parses the wire input, calls one service and shapes the wire output."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

from sharekeeper.api import convert
from sharekeeper.api import schemas as w
from sharekeeper.api.endpoint import Call
from sharekeeper.domain.accounts import Caller
from sharekeeper.domain.paging import Page, PageRequest
from sharekeeper.domain.views import SharedPrincipalQuery, SharedResourceQuery, Side
from sharekeeper.services import views
from sharekeeper.services.context import Context


def _resource_query(body: w.DistinctResourcesBody) -> SharedResourceQuery:
    shared = body if isinstance(body, w.SharedResourcesBody) else None
    return SharedResourceQuery(
        principal=body.principal,
        resource_ids=tuple(body.resource_ids or ()),
        resource_urns=tuple(body.resource_urns or ()),
        share_ids=tuple(shared.resource_share_ids or ()) if shared else (),
        region=body.resource_region,
        resource_type=shared.resource_type if shared else None,
    )


def _principal_query(body: w.DistinctPrincipalsBody) -> SharedPrincipalQuery:
    shared = body if isinstance(body, w.SharedPrincipalsBody) else None
    return SharedPrincipalQuery(
        principals=tuple(body.principals or ()),
        resource_urn=body.resource_urn,
        share_ids=tuple(shared.resource_share_ids or ()) if shared else (),
    )


class _ViewBody(Protocol):
    @property
    def resource_owner(self) -> str: ...
    @property
    def limit(self) -> int: ...
    @property
    def marker(self) -> str | None: ...


B = TypeVar("B", bound=_ViewBody)
Q = TypeVar("Q")
R = TypeVar("R")


def _search(
    ctx: Context,
    call: Call[B, None],
    query_of: Callable[[B], Q],
    search: Callable[[Context, Caller, Side, Q, PageRequest], Page[R]],
) -> Page[R]:
    """A view's page: the side, the query and the page the body asks for, from its service."""
    body = call.body
    side = side_of(body.resource_owner)
    return search(ctx, call.caller, side, query_of(body), PageRequest(body.limit, body.marker))


def search_shared_resources(
    ctx: Context, call: Call[w.SharedResourcesBody, None]
) -> w.SharedResourcesReply:
    page = _search(ctx, call, _resource_query, views.search_shared_resources)
    items = convert.records(page.items, w.SharedResourceWire)
    return w.SharedResourcesReply(items, convert.page_info(page))


def search_distinct_resources(
    ctx: Context, call: Call[w.DistinctResourcesBody, None]
) -> w.DistinctResourcesReply:
    page = _search(ctx, call, _resource_query, views.search_distinct_resources)
    items = convert.records(page.items, w.DistinctResourceWire)
    return w.DistinctResourcesReply(items, convert.page_info(page))


def search_shared_principals(
    ctx: Context, call: Call[w.SharedPrincipalsBody, None]
) -> w.SharedPrincipalsReply:
    page = _search(ctx, call, _principal_query, views.search_shared_principals)
    items = convert.records(page.items, w.SharedPrincipalWire)
    return w.SharedPrincipalsReply(items, convert.page_info(page))


def search_distinct_principals(
    ctx: Context, call: Call[w.DistinctPrincipalsBody, None]
) -> w.DistinctPrincipalsReply:
    page = _search(ctx, call, _principal_query, views.search_distinct_principals)
    items = convert.records(page.items, w.DistinctPrincipalWire)
    return w.DistinctPrincipalsReply(items, convert.page_info(page))


def side_of(resource_owner: str) -> Side:
    """The wire's ``resource_owner``: ``self`` is the owner's side, ``other-accounts`` the
    receiver's."""
    return Side.OWNER if resource_owner == "self" else Side.RECEIVER
