"""Handlers of sharing with one's organization: show, enable, disable.
Each parses the wire input, calls one service and shapes the wire output."""

from __future__ import annotations

from sharekeeper.api import schemas as w
from sharekeeper.api.endpoint import Call, Reply
from sharekeeper.services import organizations
from sharekeeper.services.context import Context


def show_organization_share(ctx: Context, call: Call) -> Reply:
    enabled = organizations.show_organization_sharing(ctx, call.caller)
    return Reply(200, w.OrganizationShareReply(enabled))


def enable_organization_share(ctx: Context, call: Call) -> Reply:
    organizations.set_organization_sharing(ctx, call.caller, True)
    return Reply(200)


def disable_organization_share(ctx: Context, call: Call) -> Reply:
    organizations.set_organization_sharing(ctx, call.caller, False)
    return Reply(200)
