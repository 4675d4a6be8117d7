"""One handler per operation: parse the wire input, call one service, shape the wire output."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from sharekeeper.api import convert
from sharekeeper.api import schemas as w
from sharekeeper.api.endpoint import Call, Reply
from sharekeeper.domain.accounts import Caller
from sharekeeper.domain.invitations import InvitationQuery
from sharekeeper.domain.paging import PageRequest
from sharekeeper.domain.shares import Association, AssociationQuery, AssociationType, ShareQuery
from sharekeeper.domain.tags import Tag, TagFilter
from sharekeeper.services import associations, catalogue, invitations, shares
from sharekeeper.services.context import Context


class AssociationChange(Protocol):
    def __call__(
        self,
        ctx: Context,
        caller: Caller,
        share_id: str,
        *,
        principals: Sequence[str] = (),
        resource_urns: Sequence[str] = (),
    ) -> list[Association]: ...


# Permission catalogue and resource types


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


# Resource shares


def create_resource_share(ctx: Context, call: Call) -> Reply:
    body = call.json(w.CreateResourceShareBody)
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
    return Reply(201, w.ResourceShareReply(convert.share(created)))


def search_resource_shares(ctx: Context, call: Call) -> Reply:
    body = call.json(w.SearchResourceSharesBody)
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
    return Reply(
        200, w.ResourceSharesReply([convert.share(s) for s in page.items], convert.page_info(page))
    )


def update_resource_share(ctx: Context, call: Call) -> Reply:
    body = call.json(w.UpdateResourceShareBody)
    updated = shares.update_resource_share(
        ctx,
        call.caller,
        call.path_id("resource_share_id"),
        name=body.name,
        description=body.description,
        allow_external_principals=body.allow_external_principals,
    )
    return Reply(200, w.ResourceShareReply(convert.share(updated)))


def delete_resource_share(ctx: Context, call: Call) -> Reply:
    shares.delete_resource_share(ctx, call.caller, call.path_id("resource_share_id"))
    return Reply(204)


# Associations


def _change_associations(ctx: Context, call: Call, change: AssociationChange) -> Reply:
    body = call.json(w.AssociationBody)
    changed = change(
        ctx,
        call.caller,
        call.path_id("resource_share_id"),
        principals=body.principals or (),
        resource_urns=body.resource_urns or (),
    )
    return Reply(200, w.AssociationsReply(convert.associations(changed)))


def associate_resource_share(ctx: Context, call: Call) -> Reply:
    return _change_associations(ctx, call, associations.associate_resource_share)


def disassociate_resource_share(ctx: Context, call: Call) -> Reply:
    return _change_associations(ctx, call, associations.disassociate_resource_share)


def search_resource_share_associations(ctx: Context, call: Call) -> Reply:
    body = call.json(w.SearchAssociationsBody)
    query = AssociationQuery(
        association_type=AssociationType(body.association_type),
        status=body.association_status,
        principal=body.principal,
        resource_urn=body.resource_urn,
        share_ids=tuple(body.resource_share_ids or ()),
        resource_ids=tuple(body.resource_ids or ()),
    )
    page = associations.search_resource_share_associations(
        ctx, call.caller, query, PageRequest(body.limit, body.marker)
    )
    return Reply(
        200, w.AssociationsPageReply(convert.associations(page.items), convert.page_info(page))
    )


# Invitations


def accept_invitation(ctx: Context, call: Call) -> Reply:
    accepted = invitations.accept_invitation(
        ctx, call.caller, call.path_id("resource_share_invitation_id")
    )
    return Reply(200, w.InvitationReply(convert.invitation(accepted)))


def reject_invitation(ctx: Context, call: Call) -> Reply:
    rejected = invitations.reject_invitation(
        ctx, call.caller, call.path_id("resource_share_invitation_id")
    )
    return Reply(200, w.InvitationReply(convert.invitation(rejected)))


def search_invitations(ctx: Context, call: Call) -> Reply:
    body = call.json(w.SearchInvitationsBody)
    query = InvitationQuery(
        share_ids=tuple(body.resource_share_ids or ()),
        invitation_ids=tuple(body.resource_share_invitation_ids or ()),
        status=body.status,
    )
    page = invitations.search_invitations(
        ctx, call.caller, query, PageRequest(body.limit, body.marker)
    )
    return Reply(
        200,
        w.InvitationsReply([convert.invitation(i) for i in page.items], convert.page_info(page)),
    )
