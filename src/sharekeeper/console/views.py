"""A receiver's and an owner's views: an invitation with what it shares, a received share
(read-only), what is shared with and by the account, and the catalogue (permissions with
their versions, resource types). Each reads through one service; none changes anything
(Accept and Reject post to the invitations' own routes)."""

from __future__ import annotations

import json

from starlette.responses import Response

from sharekeeper.aws.arns import aws_type_of, customer_permission_arn
from sharekeeper.console.aws_names import REGION, share_arn
from sharekeeper.console.pages import PAGE_SIZE
from sharekeeper.console.web import Console, Handler, Visit
from sharekeeper.domain.errors import ResourceShareNotFound
from sharekeeper.domain.paging import MAX_LIMIT, PageRequest
from sharekeeper.domain.views import Side
from sharekeeper.services import catalogue, customer_permissions, receiver


async def invitation(console: Console, visit: Visit) -> Response:
    invitation_id = visit.path_id("invitation_id")
    view = await console.run(receiver.invitation_view, visit.caller, invitation_id)
    return console.render(visit.request, "invitation.html", visit.session, v=view)


def or_received(owner_page: Handler) -> Handler:
    """A share's page at one URL for both sides: its owner's page, else, for an account the
    share reaches or invites, the receiver's read-only view; to anyone else the same
    not-found as before (no sign that the share exists)."""

    async def handler(console: Console, visit: Visit) -> Response:
        try:
            return await owner_page(console, visit)
        except ResourceShareNotFound:
            return await received_share(console, visit)

    return handler


async def received_share(console: Console, visit: Visit) -> Response:
    share_id = visit.path_id("share_id")
    contents = await console.run(receiver.received_share, visit.caller, share_id)
    owner_aws_id = await console.aws_id(contents.share.owner_account_id)
    return console.render(
        visit.request,
        "received_share.html",
        visit.session,
        c=contents,
        owner_aws_id=owner_aws_id,
        share_arn=share_arn(share_id, owner_aws_id),
    )


async def _shared(console: Console, visit: Visit, side: Side, kind: str) -> Response:
    """One of the shared views (``kind`` resources or principals) from ``side``."""
    read = receiver.shared_resources if kind == "resources" else receiver.shared_principals
    page = PageRequest(PAGE_SIZE, visit.query("marker"))
    view = await console.run(read, visit.caller, side, page)
    return console.render(visit.request, "shared_view.html", visit.session, v=view, kind=kind)


async def shared_with_me_resources(console: Console, visit: Visit) -> Response:
    return await _shared(console, visit, Side.RECEIVER, "resources")


async def shared_with_me_principals(console: Console, visit: Visit) -> Response:
    return await _shared(console, visit, Side.RECEIVER, "principals")


async def shared_by_me_resources(console: Console, visit: Visit) -> Response:
    return await _shared(console, visit, Side.OWNER, "resources")


async def shared_by_me_principals(console: Console, visit: Visit) -> Response:
    return await _shared(console, visit, Side.OWNER, "principals")


async def permissions(console: Console, visit: Visit) -> Response:
    """The catalogue's permissions, and the account's own customer-managed ones (made through
    AWS's API; an account holds at most 1000, so one page holds them all)."""
    listed = catalogue.list_permissions(console.edge.ctx, PageRequest(MAX_LIMIT), None)
    owned = await console.run(
        customer_permissions.list_permissions, visit.caller, None, PageRequest(MAX_LIMIT)
    )
    aws_id = visit.request.state.aws_account_id
    arns = {p.id: customer_permission_arn(REGION, aws_id, p.name) for p in owned.items}
    return console.render(
        visit.request,
        "permissions.html",
        visit.session,
        permissions=listed.items,
        owned=owned.items,
        arns=arns,
        aws_types={p.id: aws_type_of(p.resource_type) for p in owned.items},
    )


async def permission(console: Console, visit: Visit) -> Response:
    permission_id = visit.path_id("permission_id")
    versions = catalogue.list_permission_versions(
        console.edge.ctx, permission_id, PageRequest(MAX_LIMIT)
    ).items
    documents = {p.version: _readable(p.content) for p in versions}
    return console.render(
        visit.request,
        "permission.html",
        visit.session,
        versions=versions,
        documents=documents,
    )


def _readable(content: str) -> str:
    """A permission document indented for reading; one that is not JSON as it is."""
    try:
        return json.dumps(json.loads(content), indent=2)
    except ValueError:
        return content


async def resource_types(console: Console, visit: Visit) -> Response:
    types = catalogue.shareable_types(console.edge.ctx)
    return console.render(visit.request, "resource_types.html", visit.session, types=types)


GET = ["GET"]
# The pages this module adds to an account's (path, methods, handler); the share page's
# receiver view is ``or_received`` around the owner's.
PAGES: tuple[tuple[str, list[str], Handler], ...] = (
    ("/console/invitations/{invitation_id:str}", GET, invitation),
    ("/console/shared-with-me/resources", GET, shared_with_me_resources),
    ("/console/shared-with-me/principals", GET, shared_with_me_principals),
    ("/console/shared-by-me/resources", GET, shared_by_me_resources),
    ("/console/shared-by-me/principals", GET, shared_by_me_principals),
    ("/console/permissions", GET, permissions),
    ("/console/permissions/{permission_id:str}", GET, permission),
    ("/console/resource-types", GET, resource_types),
)
