"""Handlers of resource shares (create, search, update, delete) and their quotas.
Each parses the wire input, calls one service and shapes the wire output."""

from __future__ import annotations

from sharekeeper.api import convert
from sharekeeper.api import schemas as w
from sharekeeper.api.http.endpoint import Call
from sharekeeper.domain.paging import PageRequest
from sharekeeper.domain.shares import ShareQuery
from sharekeeper.domain.tags import Tag, TagFilter
from sharekeeper.services import shares, views
from sharekeeper.services.context import Context


def create_resource_share(
    ctx: Context, call: Call[w.CreateResourceShareBody, None]
) -> w.ResourceShareReply:
    body = call.body
    created = shares.create_resource_share(
        ctx,
        call.caller,
        name=body.name,
        description=body.description or "",
        allow_external_principals=(
            True if body.allow_external_principals is None else body.allow_external_principals
        ),
        permission_ids=body.permission_ids or (),
        principals=body.principals or (),
        resource_urns=body.resource_urns or (),
        tags=[Tag(t.key, t.value) for t in body.tags or ()],
    )
    return w.ResourceShareReply(convert.share(created))


def search_resource_shares(
    ctx: Context, call: Call[w.SearchResourceSharesBody, None]
) -> w.ResourceSharesReply:
    body = call.body
    query = ShareQuery(
        name=body.name,
        status=body.resource_share_status,
        ids=tuple(body.resource_share_ids or ()),
        permission_id=body.permission_id,
        tag_filters=tuple(TagFilter(f.key, tuple(f.values or ())) for f in body.tag_filters or ()),
    )
    page = shares.search_resource_shares(
        ctx,
        call.caller,
        owned=body.resource_owner == "self",
        query=query,
        page=PageRequest(body.limit, body.marker),
    )
    return w.ResourceSharesReply(convert.share_lines(page.items), convert.page_info(page))


def update_resource_share(
    ctx: Context, call: Call[w.UpdateResourceShareBody, None]
) -> w.ResourceShareReply:
    body = call.body
    updated = shares.update_resource_share(
        ctx,
        call.caller,
        call.path_id("resource_share_id"),
        name=body.name,
        description=body.description,
        allow_external_principals=body.allow_external_principals,
    )
    return w.ResourceShareReply(convert.share(updated))


def delete_resource_share(ctx: Context, call: Call[None, None]) -> None:
    shares.delete_resource_share(ctx, call.caller, call.path_id("resource_share_id"))
    return None


def list_quotas(ctx: Context, call: Call[None, None]) -> w.QuotasReply:
    usage = convert.records(views.list_quotas(ctx, call.caller), w.QuotaWire)
    return w.QuotasReply(w.QuotaResources(usage))
