"""Handlers of share permissions, tags, the shared-resource and shared-principal views,
organization sharing and quotas."""

from __future__ import annotations

from sharekeeper.api import convert
from sharekeeper.api import schemas as w
from sharekeeper.api.endpoint import Call, Reply
from sharekeeper.domain.paging import PageRequest, decode_position
from sharekeeper.domain.tags import Tag, TagFilter, TagQuery, read_matches, tag_filters
from sharekeeper.domain.views import SharedPrincipalQuery, SharedResourceQuery
from sharekeeper.services import organizations, permissions, tags, views
from sharekeeper.services.context import Context

SHARE_ID = "resource_share_id"


# Permissions bound to a share


def associate_share_permission(ctx: Context, call: Call) -> Reply:
    body = call.json(w.AssociatePermissionBody)
    permissions.associate_share_permission(
        ctx, call.caller, call.path_id(SHARE_ID), body.permission_id, bool(body.replace)
    )
    return Reply(200)


def disassociate_share_permission(ctx: Context, call: Call) -> Reply:
    body = call.json(w.DisassociatePermissionBody)
    permissions.disassociate_share_permission(
        ctx, call.caller, call.path_id(SHARE_ID), body.permission_id
    )
    return Reply(200)


def list_share_permissions(ctx: Context, call: Call) -> Reply:
    q = call.params(w.ListSharePermissionsQuery)
    page = permissions.list_share_permissions(
        ctx, call.caller, call.path_id(SHARE_ID), q.permission_name, PageRequest(q.limit, q.marker)
    )
    items = convert.records(page.items, w.AssociatedPermissionWire)
    return Reply(200, w.AssociatedPermissionsReply(items, convert.page_info(page)))


# Tags


def tag_resource_share(ctx: Context, call: Call) -> Reply:
    body = call.json(w.TagsBody)
    tags.tag_resource_share(
        ctx, call.caller, call.path_id(SHARE_ID), [Tag(t.key, t.value) for t in body.tags]
    )
    return Reply(200)


def untag_resource_share(ctx: Context, call: Call) -> Reply:
    body = call.json(w.UntagBody)
    tags.untag_resource_share(
        ctx, call.caller, call.path_id(SHARE_ID), [(t.key, t.value) for t in body.tags]
    )
    return Reply(200)


def list_tags(ctx: Context, call: Call) -> Reply:
    q = call.params(w.ListTagsQuery)
    keys, next_marker = tags.list_tags(ctx, call.caller, q.limit, q.marker)
    page_info = w.PageInfo(next_marker=next_marker, current_count=len(keys) or None)
    return Reply(200, w.TagsReply([w.TagKeyWire(k, v) for k, v in keys], page_info))


def _tag_query(call: Call) -> TagQuery:
    body = call.json(w.TagQueryBody)
    name, matches_nothing = read_matches([(m.key, m.value) for m in body.matches or ()])
    return TagQuery(
        tags=tag_filters([TagFilter(f.key, tuple(f.values or ())) for f in body.tags or ()]),
        without_any_tag=bool(body.without_any_tag),
        name_match=name,
        matches_nothing=matches_nothing,
    )


def find_shares_by_tags(ctx: Context, call: Call) -> Reply:
    q = call.params(w.FilterPageQuery)
    found, total = tags.find_shares_by_tags(
        ctx, call.caller, _tag_query(call), q.limit, decode_position(q.offset)
    )
    details = [convert.share(s) for s in found]
    resources = [w.TaggedShareWire(d.id, d.name, d, d.tags) for d in details]
    return Reply(200, w.TaggedSharesReply(resources, total))


def count_shares_by_tags(ctx: Context, call: Call) -> Reply:
    return Reply(200, w.CountReply(tags.count_shares_by_tags(ctx, call.caller, _tag_query(call))))


# Shared resources and principals


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
        body.resource_owner == "self",
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
        body.resource_owner == "self",
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
        body.resource_owner == "self",
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
        body.resource_owner == "self",
        _principal_query(body),
        PageRequest(body.limit, body.marker),
    )
    items = convert.records(page.items, w.DistinctPrincipalWire)
    return Reply(200, w.DistinctPrincipalsReply(items, convert.page_info(page)))


# Organization sharing and quotas


def show_organization_share(ctx: Context, call: Call) -> Reply:
    enabled = organizations.show_organization_sharing(ctx, call.caller)
    return Reply(200, w.OrganizationShareReply(enabled))


def enable_organization_share(ctx: Context, call: Call) -> Reply:
    organizations.set_organization_sharing(ctx, call.caller, True)
    return Reply(200)


def disable_organization_share(ctx: Context, call: Call) -> Reply:
    organizations.set_organization_sharing(ctx, call.caller, False)
    return Reply(200)


def list_quotas(ctx: Context, call: Call) -> Reply:
    usage = convert.records(views.list_quotas(ctx, call.caller), w.QuotaWire)
    return Reply(200, w.QuotasReply(w.QuotaResources(usage)))
