"""Handlers of the permissions bound to a share.
Each parses the wire input, calls one service and shapes the wire output."""

from __future__ import annotations

from sharekeeper.api import convert
from sharekeeper.api import schemas as w
from sharekeeper.api.http.endpoint import Call
from sharekeeper.domain.paging import PageRequest
from sharekeeper.services import permissions
from sharekeeper.services.context import Context

SHARE_ID = "resource_share_id"


def associate_share_permission(ctx: Context, call: Call[w.AssociatePermissionBody, None]) -> None:
    body = call.body
    permissions.associate_share_permission(
        ctx, call.caller, call.path_id(SHARE_ID), body.permission_id, bool(body.replace)
    )
    return None


def disassociate_share_permission(
    ctx: Context, call: Call[w.DisassociatePermissionBody, None]
) -> None:
    body = call.body
    permissions.disassociate_share_permission(
        ctx, call.caller, call.path_id(SHARE_ID), body.permission_id
    )
    return None


def list_share_permissions(
    ctx: Context, call: Call[None, w.ListSharePermissionsQuery]
) -> w.AssociatedPermissionsReply:
    q = call.query
    page = permissions.list_share_permissions(
        ctx, call.caller, call.path_id(SHARE_ID), q.permission_name, PageRequest(q.limit, q.marker)
    )
    items = convert.records(page.items, w.AssociatedPermissionWire)
    return w.AssociatedPermissionsReply(items, convert.page_info(page))
