"""Handlers of the principals and resources associated with a share.
Each parses the wire input, calls one service and shapes the wire output."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from sharekeeper.api import convert
from sharekeeper.api import schemas as w
from sharekeeper.api.http.endpoint import Call
from sharekeeper.domain.accounts import Caller
from sharekeeper.domain.paging import PageRequest
from sharekeeper.domain.shares import Association, AssociationQuery, AssociationType
from sharekeeper.services import associations
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


def _change_associations(
    ctx: Context, call: Call[w.AssociationBody, None], change: AssociationChange
) -> w.AssociationsReply:
    body = call.body
    changed = change(
        ctx,
        call.caller,
        call.path_id("resource_share_id"),
        principals=body.principals or (),
        resource_urns=body.resource_urns or (),
    )
    return w.AssociationsReply(convert.associations(changed))


def associate_resource_share(
    ctx: Context, call: Call[w.AssociationBody, None]
) -> w.AssociationsReply:
    return _change_associations(ctx, call, associations.associate_resource_share)


def disassociate_resource_share(
    ctx: Context, call: Call[w.AssociationBody, None]
) -> w.AssociationsReply:
    return _change_associations(ctx, call, associations.disassociate_resource_share)


def search_resource_share_associations(
    ctx: Context, call: Call[w.SearchAssociationsBody, None]
) -> w.AssociationsPageReply:
    body = call.body
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
    return w.AssociationsPageReply(convert.associations(page.items), convert.page_info(page))
