"""Handlers of the shared-resource and shared-principal views, from either side.
Each parses the wire input, calls one service and shapes the wire output."""

from __future__ import annotations

from sharekeeper.api import convert
from sharekeeper.api import schemas as w
from sharekeeper.api.endpoint import Call, Reply
from sharekeeper.domain.paging import PageRequest
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


def search_shared_resources(ctx: Context, call: Call) -> Reply:
    body = call.json(w.SharedResourcesBody)
    page = views.search_shared_resources(
        ctx,
        call.caller,
        side_of(body.resource_owner),
        _resource_query(body),
        PageRequest(body.limit, body.marker),
    )
    items = convert.records(page.items, w.SharedResourceWire)
    return Reply(200, w.SharedResourcesReply(items, convert.page_info(page)))


def search_distinct_resources(ctx: Context, call: Call) -> Reply:
    body = call.json(w.DistinctResourcesBody)
    page = views.search_distinct_resources(
        ctx,
        call.caller,
        side_of(body.resource_owner),
        _resource_query(body),
        PageRequest(body.limit, body.marker),
    )
    items = convert.records(page.items, w.DistinctResourceWire)
    return Reply(200, w.DistinctResourcesReply(items, convert.page_info(page)))


def _principal_query(body: w.DistinctPrincipalsBody) -> SharedPrincipalQuery:
    shared = body if isinstance(body, w.SharedPrincipalsBody) else None
    return SharedPrincipalQuery(
        principals=tuple(body.principals or ()),
        resource_urn=body.resource_urn,
        share_ids=tuple(shared.resource_share_ids or ()) if shared else (),
    )


def search_shared_principals(ctx: Context, call: Call) -> Reply:
    body = call.json(w.SharedPrincipalsBody)
    page = views.search_shared_principals(
        ctx,
        call.caller,
        side_of(body.resource_owner),
        _principal_query(body),
        PageRequest(body.limit, body.marker),
    )
    items = convert.records(page.items, w.SharedPrincipalWire)
    return Reply(200, w.SharedPrincipalsReply(items, convert.page_info(page)))


def search_distinct_principals(ctx: Context, call: Call) -> Reply:
    body = call.json(w.DistinctPrincipalsBody)
    page = views.search_distinct_principals(
        ctx,
        call.caller,
        side_of(body.resource_owner),
        _principal_query(body),
        PageRequest(body.limit, body.marker),
    )
    items = convert.records(page.items, w.DistinctPrincipalWire)
    return Reply(200, w.DistinctPrincipalsReply(items, convert.page_info(page)))


def side_of(resource_owner: str) -> Side:
    """The wire's ``resource_owner``: ``self`` is the owner's side, ``other-accounts`` the
    receiver's."""
    return Side.OWNER if resource_owner == "self" else Side.RECEIVER
