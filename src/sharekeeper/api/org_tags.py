"""Handlers of the Organizations tag API (tags on roots, OUs, accounts and policies, and
queries of them by tags) and of its small reads (services, tag-policy services, closed
accounts). The resource type is a literal segment of each route, one route per type
(``routes``), so that no type can shadow another route of /v1/organizations. Each handler
parses the wire input, calls one service and shapes the wire output."""

from __future__ import annotations

from sharekeeper.api import organization_schemas as o
from sharekeeper.api import schemas as w
from sharekeeper.api.convert import timestamp_seconds
from sharekeeper.api.http.endpoint import Call, Handler, Operation
from sharekeeper.domain.errors import InvalidParameter, OrgInvalidParameter
from sharekeeper.domain.org_tags import CloseState, TagResourceType
from sharekeeper.domain.paging import decode_position
from sharekeeper.domain.tags import TagFilter, TagQuery, read_matches, tag_filters
from sharekeeper.services import org_services, org_tags
from sharekeeper.services.context import Context

RESOURCE_ID = "resource_id"


def _tag_query(body: w.TagQueryBody) -> TagQuery:
    try:
        name, matches_nothing = read_matches([(m.key, m.value) for m in body.matches or ()])
        filters = tag_filters([TagFilter(f.key, tuple(f.values or ())) for f in body.tags or ()])
    except InvalidParameter as error:
        raise OrgInvalidParameter(error.message) from None
    return TagQuery(
        tags=filters,
        without_any_tag=bool(body.without_any_tag),
        name_match=name,
        matches_nothing=matches_nothing,
    )


def _handlers(kind: TagResourceType) -> dict[str, Handler]:
    """The handlers of one resource type, by Huawei's operation name."""

    def list_tag_resources(
        ctx: Context, call: Call[None, o.ListTagResourcesQuery]
    ) -> o.ResourceTagsPageReply:
        q = call.query
        tags, following = org_tags.list_resource_tags(
            ctx, call.caller, kind, call.path_id(RESOURCE_ID), q.limit, q.marker
        )
        page_info = w.PageInfo(next_marker=following, current_count=len(tags) or None)
        return o.ResourceTagsPageReply([w.TagWire(t.key, t.value) for t in tags], page_info)

    def create_tag_resource(ctx: Context, call: Call[o.TagResourceBody, None]) -> None:
        pairs = [(t.key, t.value) for t in call.body.tags]
        org_tags.tag_resource(ctx, call.caller, kind, call.path_id(RESOURCE_ID), pairs)

    def delete_tag_resource(ctx: Context, call: Call[w.UntagBody, None]) -> None:
        pairs = [(t.key, t.value) for t in call.body.tags]
        org_tags.untag_resource(ctx, call.caller, kind, call.path_id(RESOURCE_ID), pairs)

    def list_resource_tags(ctx: Context, call: Call[None, None]) -> o.ResourceTagKeysReply:
        keys = org_tags.list_tag_keys(ctx, call.caller, kind)
        return o.ResourceTagKeysReply([w.TagKeyWire(k, v) for k, v in keys])

    def list_resource_instances(
        ctx: Context, call: Call[w.TagQueryBody, w.FilterPageQuery]
    ) -> o.TaggedResourcesReply:
        q = call.query
        found, total = org_tags.find_resources(
            ctx, call.caller, kind, _tag_query(call.body), q.limit, decode_position(q.offset)
        )
        resources = [
            o.TaggedResourceWire(r.id, r.name, [w.TagWire(t.key, t.value) for t in r.tags])
            for r in found
        ]
        return o.TaggedResourcesReply(resources, total)

    def show_resource_instances_count(
        ctx: Context, call: Call[w.TagQueryBody, None]
    ) -> w.CountReply:
        return w.CountReply(org_tags.count_resources(ctx, call.caller, kind, _tag_query(call.body)))

    return {
        "ListTagResources": list_tag_resources,
        "CreateTagResource": create_tag_resource,
        "DeleteTagResource": delete_tag_resource,
        "ListResourceTags": list_resource_tags,
        "ListResourceInstances": list_resource_instances,
        "ShowResourceInstancesCount": show_resource_instances_count,
    }


def routes() -> tuple[Operation, ...]:
    """Every tag operation, once per resource type, named ``<Huawei's name>:<type>``."""
    return tuple(op for kind in TagResourceType for op in _routes_of(kind))


# (Huawei's name, method, path below /v1/organizations/<type>, whether it writes)
_ROUTES = (
    ("ListTagResources", "GET", "/{resource_id}/tags", False),
    ("CreateTagResource", "POST", "/{resource_id}/tags/create", True),
    ("DeleteTagResource", "POST", "/{resource_id}/tags/delete", True),
    ("ListResourceTags", "GET", "/tags", False),
    ("ListResourceInstances", "POST", "/resource-instances/filter", False),
    ("ShowResourceInstancesCount", "POST", "/resource-instances/count", False),
)


def _routes_of(kind: TagResourceType) -> list[Operation]:
    handlers = _handlers(kind)
    base = f"/v1/organizations/{kind.value}"
    suffix = kind.value.removeprefix("organizations:")
    return [
        Operation(f"{name}:{suffix}", method, base + path, handlers[name], writes=writes)
        for name, method, path, writes in _ROUTES
    ]


def list_services(ctx: Context, call: Call[None, None]) -> o.ServicesReply:
    return o.ServicesReply(org_services.list_services(ctx, call.caller))


def list_tag_policy_services(ctx: Context, call: Call[None, None]) -> o.TagPolicyServicesReply:
    services = org_services.list_tag_policy_services(ctx, call.caller)
    return o.TagPolicyServicesReply(
        [o.TagPolicyServiceWire(name, kinds, True) for name, kinds in services]
    )


def list_close_account_statuses(
    ctx: Context, call: Call[None, o.ListCloseAccountStatusesQuery]
) -> o.CloseAccountStatusesReply:
    states = [CloseState(s) for s in call.query.states]
    found = org_services.close_account_statuses(ctx, call.caller, states)
    return o.CloseAccountStatusesReply(
        [
            o.CloseAccountStatusWire(
                s.account_id,
                timestamp_seconds(s.created_at),
                timestamp_seconds(s.updated_at),
                s.organization_id,
                s.state.value,
            )
            for s in found
        ]
    )
