"""Handlers of invitations: accept, reject, search.
Each parses the wire input, calls one service and shapes the wire output."""

from __future__ import annotations

from sharekeeper.api import convert
from sharekeeper.api import schemas as w
from sharekeeper.api.http.endpoint import Call
from sharekeeper.domain.invitations import InvitationQuery
from sharekeeper.domain.paging import PageRequest
from sharekeeper.services import invitations
from sharekeeper.services.context import Context


def accept_invitation(ctx: Context, call: Call[None, None]) -> w.InvitationReply:
    accepted = invitations.accept_invitation(
        ctx, call.caller, call.path_id("resource_share_invitation_id")
    )
    return w.InvitationReply(convert.invitation(accepted))


def reject_invitation(ctx: Context, call: Call[None, None]) -> w.InvitationReply:
    rejected = invitations.reject_invitation(
        ctx, call.caller, call.path_id("resource_share_invitation_id")
    )
    return w.InvitationReply(convert.invitation(rejected))


def search_invitations(
    ctx: Context, call: Call[w.SearchInvitationsBody, None]
) -> w.InvitationsReply:
    body = call.body
    query = InvitationQuery(
        share_ids=tuple(body.resource_share_ids or ()),
        invitation_ids=tuple(body.resource_share_invitation_ids or ()),
        status=body.status,
    )
    page = invitations.search_invitations(
        ctx, call.caller, query, PageRequest(body.limit, body.marker)
    )
    return w.InvitationsReply(convert.invitation_lines(page.items), convert.page_info(page))
