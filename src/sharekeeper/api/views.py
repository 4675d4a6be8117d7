"""Handlers of the shared-resource and shared-principal views, from either side.
Each parses the wire input, calls one service and shapes the wire output."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

import msgspec

from sharekeeper.api import convert
from sharekeeper.api import schemas as w
from sharekeeper.api.http.endpoint import Call
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


def _view(
    kind: type[B],
    query_of: Callable[[B], Q],
    search: Callable[[Context, Caller, Side, Q, PageRequest], Page[R]],
    wire: type[msgspec.Struct],
    reply: Callable[[list[Any], w.PageInfo], msgspec.Struct],
) -> Callable[[Context, Call[B, None]], msgspec.Struct]:
    """A view's handler: the side, query and page its body (a ``kind``) asks for, answered by
    its service, its records as ``wire`` in a ``reply``."""

    def handler(ctx: Context, call: Call[B, None]) -> msgspec.Struct:
        body = call.body
        page_request = PageRequest(body.limit, body.marker)
        page = search(ctx, call.caller, side_of(body.resource_owner), query_of(body), page_request)
        return reply(convert.records(page.items, wire), convert.page_info(page))

    # The wire types, where Operation reads every handler's: in its signature.
    handler.__annotations__ = {"ctx": Context, "call": Call[kind, None], "return": reply}  # type: ignore[valid-type]
    return handler


search_shared_resources = _view(
    w.SharedResourcesBody,
    _resource_query,
    views.search_shared_resources,
    w.SharedResourceWire,
    w.SharedResourcesReply,
)
search_distinct_resources = _view(
    w.DistinctResourcesBody,
    _resource_query,
    views.search_distinct_resources,
    w.DistinctResourceWire,
    w.DistinctResourcesReply,
)
search_shared_principals = _view(
    w.SharedPrincipalsBody,
    _principal_query,
    views.search_shared_principals,
    w.SharedPrincipalWire,
    w.SharedPrincipalsReply,
)
search_distinct_principals = _view(
    w.DistinctPrincipalsBody,
    _principal_query,
    views.search_distinct_principals,
    w.DistinctPrincipalWire,
    w.DistinctPrincipalsReply,
)


def side_of(resource_owner: str) -> Side:
    """The wire's ``resource_owner``: ``self`` is the owner's side, ``other-accounts`` the
    receiver's."""
    return Side.OWNER if resource_owner == "self" else Side.RECEIVER
