"""Handlers of sharing with one's organization: show, enable, disable.
Each parses the wire input, calls one service and shapes the wire output."""

from __future__ import annotations

from sharekeeper.api import schemas as w
from sharekeeper.api.http.endpoint import Call
from sharekeeper.services import organizations
from sharekeeper.services.context import Context


def show_organization_share(ctx: Context, call: Call[None, None]) -> w.OrganizationShareReply:
    enabled = organizations.show_organization_sharing(ctx, call.caller)
    return w.OrganizationShareReply(enabled)


def enable_organization_share(ctx: Context, call: Call[None, None]) -> None:
    organizations.set_organization_sharing(ctx, call.caller, True)
    return None


def disable_organization_share(ctx: Context, call: Call[None, None]) -> None:
    organizations.set_organization_sharing(ctx, call.caller, False)
    return None
