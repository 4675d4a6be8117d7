"""Handlers of the permission catalogue and the shareable resource types.
Each parses the wire input, calls one service and shapes the wire output."""

from __future__ import annotations

from sharekeeper.api import convert
from sharekeeper.api import schemas as w
from sharekeeper.api.endpoint import Call, Reply
from sharekeeper.domain.paging import PageRequest
from sharekeeper.services import catalogue
from sharekeeper.services.context import Context


def list_permissions(ctx: Context, call: Call) -> Reply:
    q = call.params(w.ListPermissionsQuery)
    page = catalogue.list_permissions(
        ctx, PageRequest(q.limit, q.marker), q.resource_type, q.permission_type
    )
    return Reply(
        200,
        w.PermissionsReply(
            [convert.permission_summary(p) for p in page.items], convert.page_info(page)
        ),
    )


def show_permission(ctx: Context, call: Call) -> Reply:
    q = call.params(w.ShowPermissionQuery)
    found = catalogue.show_permission(ctx, call.path_id("permission_id"), q.permission_version)
    return Reply(200, w.PermissionReply(convert.permission(found)))


def list_permission_versions(ctx: Context, call: Call) -> Reply:
    q = call.params(w.PageQuery)
    page = catalogue.list_permission_versions(
        ctx, call.path_id("permission_id"), PageRequest(q.limit, q.marker)
    )
    return Reply(
        200,
        w.PermissionsReply(
            [convert.permission_summary(p) for p in page.items], convert.page_info(page)
        ),
    )


def list_resource_types(ctx: Context, call: Call) -> Reply:
    q = call.params(w.PageQuery)
    page = catalogue.list_resource_types(ctx, PageRequest(q.limit, q.marker))
    items = [w.ResourceTypeWire(resource_type=t, region_id=r) for r, t in page.items]
    return Reply(200, w.ResourceTypesReply(items, convert.page_info(page)))
