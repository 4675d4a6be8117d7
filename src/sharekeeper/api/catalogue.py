"""Handlers of the permission catalogue and the shareable resource types.
Each parses the wire input, calls one service and shapes the wire output."""

from __future__ import annotations

from sharekeeper.api import convert
from sharekeeper.api import schemas as w
from sharekeeper.api.http.endpoint import Call
from sharekeeper.domain.paging import PageRequest
from sharekeeper.services import catalogue
from sharekeeper.services.context import Context


def list_permissions(ctx: Context, call: Call[None, w.ListPermissionsQuery]) -> w.PermissionsReply:
    q = call.query
    page = catalogue.list_permissions(
        ctx, PageRequest(q.limit, q.marker), q.resource_type, q.permission_type
    )
    return w.PermissionsReply(
        [convert.permission_summary(p) for p in page.items], convert.page_info(page)
    )


def show_permission(ctx: Context, call: Call[None, w.ShowPermissionQuery]) -> w.PermissionReply:
    q = call.query
    found = catalogue.show_permission(ctx, call.path_id("permission_id"), q.permission_version)
    return w.PermissionReply(convert.permission(found))


def list_permission_versions(ctx: Context, call: Call[None, w.PageQuery]) -> w.PermissionsReply:
    q = call.query
    page = catalogue.list_permission_versions(
        ctx, call.path_id("permission_id"), PageRequest(q.limit, q.marker)
    )
    return w.PermissionsReply(
        [convert.permission_summary(p) for p in page.items], convert.page_info(page)
    )


def list_resource_types(ctx: Context, call: Call[None, w.PageQuery]) -> w.ResourceTypesReply:
    q = call.query
    page = catalogue.list_resource_types(ctx, PageRequest(q.limit, q.marker))
    items = [w.ResourceTypeWire(resource_type=t, region_id=r) for r, t in page.items]
    return w.ResourceTypesReply(items, convert.page_info(page))
