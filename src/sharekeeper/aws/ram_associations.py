"""AWS RAM's associations and what they share: associate, disassociate, list associations,
resources and principals; the entities translated at the edge both ways."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sharekeeper.aws import arns
from sharekeeper.aws import wire as w
from sharekeeper.aws.accounts import UNKNOWN
from sharekeeper.aws.call import REGIONAL, AwsCall, page_of, seconds
from sharekeeper.aws.ram import principal_name, principals_of, resource_urns, sources_of
from sharekeeper.domain.errors import InvalidParameter
from sharekeeper.domain.ids import is_account_id
from sharekeeper.domain.share_sources import SourceQuery
from sharekeeper.domain.shares import Association, AssociationQuery, AssociationType
from sharekeeper.domain.views import (
    SharedPrincipal,
    SharedPrincipalQuery,
    SharedResource,
    SharedResourceQuery,
    Side,
)
from sharekeeper.services import associations, invitations, share_sources, views
from sharekeeper.services.context import Context

_SIDES = {"SELF": Side.OWNER, "OTHER-ACCOUNTS": Side.RECEIVER}
# A shared resource's state as AWS names it: bound, waiting for an invitation, or ended.
_RESOURCE_STATUS = {"associated": "AVAILABLE", "associating": "PENDING"}


def _urn_owner(urn: str) -> str:
    parts = urn.split(":", 4)
    return parts[2] if len(parts) == 5 else ""


def _entity(ctx: Context, call: AwsCall[object], item: Association, owner_aws: str) -> str:
    """A principal as AWS names it, or a resource's ARN; a resource of a type with no AWS
    counterpart reads as the core names it."""
    if item.association_type is AssociationType.PRINCIPAL:
        return principal_name(ctx, call, item.entity)
    if item.association_type is AssociationType.SOURCE:
        return call.ids.aws_id(ctx, item.entity)
    return arns.resource_arn(item.entity, item.resource_type, owner_aws) or item.entity


def association_wire(
    ctx: Context, call: AwsCall[object], item: Association, owner_aws: str
) -> w.ResourceShareAssociation:
    return w.ResourceShareAssociation(
        resource_share_arn=arns.ram_arn(arns.SHARE, call.region, owner_aws, item.resource_share_id),
        resource_share_name=item.resource_share_name,
        associated_entity=_entity(ctx, call, item, owner_aws),
        association_type=item.association_type.value.upper(),
        status=item.status.value.upper(),
        creation_time=seconds(item.created_at),
        last_updated_time=seconds(item.updated_at),
        external=item.external,
        status_message=item.status_message,
    )


def _associations(
    ctx: Context, call: AwsCall[object], items: Sequence[Association], owner_aws: str
) -> list[w.ResourceShareAssociation]:
    return [association_wire(ctx, call, a, owner_aws) for a in items]


Change = Callable[..., list[Association]]


def _changed(
    ctx: Context, call: AwsCall[w.ChangeAssociations], change: Change
) -> w.AssociationsReply:
    """Associate or disassociate. The share ARNs of the answer name the caller's account: the
    owner's, but a receiver's own when it leaves (the answer does not carry the owner)."""
    body = call.body
    changed = change(
        ctx,
        call.caller,
        arns.ram_id(body.resource_share_arn, arns.SHARE),
        principals=principals_of(ctx, call, body.principals),
        resource_urns=resource_urns(ctx, call, body.resource_arns),
        sources=sources_of(ctx, call, body.sources),
    )
    owner = call.ids.aws_id(ctx, call.caller.account_id)
    return w.AssociationsReply(_associations(ctx, call, changed, owner), body.client_token)


def associate_resource_share(
    ctx: Context, call: AwsCall[w.ChangeAssociations]
) -> w.AssociationsReply:
    return _changed(ctx, call, associations.associate_resource_share)


def disassociate_resource_share(
    ctx: Context, call: AwsCall[w.ChangeAssociations]
) -> w.AssociationsReply:
    """The owner removes principals or resources; a receiver may leave (its own id)."""
    return _changed(ctx, call, associations.disassociate_resource_share)


def get_resource_share_associations(
    ctx: Context, call: AwsCall[w.GetResourceShareAssociations]
) -> w.AssociationsReply:
    """The associations of the caller's own shares."""
    body = call.body
    if body.association_type == "SOURCE":
        return _source_associations(ctx, call)
    if body.resource_arn is not None and body.principal is not None:
        raise InvalidParameter("Give resourceArn or principal, not both.")
    principal = None if body.principal is None else principals_of(ctx, call, [body.principal])[0]
    resource = (
        None if body.resource_arn is None else resource_urns(ctx, call, [body.resource_arn])[0]
    )
    query = AssociationQuery(
        association_type=AssociationType(body.association_type.lower()),
        status=None if body.association_status is None else body.association_status.lower(),
        principal=principal,
        resource_urn=resource,
        share_ids=tuple(arns.ram_id(a, arns.SHARE) for a in body.resource_share_arns),
    )
    page = associations.search_resource_share_associations(
        ctx, call.caller, query, page_of(body.max_results, body.next_token)
    )
    owner = call.ids.aws_id(ctx, call.caller.account_id)
    items = _associations(ctx, call, page.items, owner)
    return w.AssociationsReply(items, next_token=page.next_marker)


def _source_associations(
    ctx: Context, call: AwsCall[w.GetResourceShareAssociations]
) -> w.AssociationsReply:
    """The sources of the caller's shares, as associations: ``principal`` names the source
    account (a resource has no source)."""
    body = call.body
    if body.resource_arn is not None:
        raise InvalidParameter("A SOURCE association names no resource: leave resourceArn out.")
    query = SourceQuery(
        share_ids=tuple(arns.ram_id(a, arns.SHARE) for a in body.resource_share_arns),
        source=None if body.principal is None else sources_of(ctx, call, [body.principal])[0],
        status=None if body.association_status is None else body.association_status.lower(),
    )
    page = share_sources.search_share_sources(
        ctx, call.caller, query, page_of(body.max_results, body.next_token)
    )
    owner = call.ids.aws_id(ctx, call.caller.account_id)
    return w.AssociationsReply(
        _associations(ctx, call, page.items, owner), next_token=page.next_marker
    )


def _resource_wire(
    ctx: Context, call: AwsCall[object], item: SharedResource, owners: dict[str, str]
) -> w.Resource:
    owner = owners.get(_urn_owner(item.resource_urn), UNKNOWN)
    return w.Resource(
        arn=arns.resource_arn(item.resource_urn, item.resource_type, owner) or item.resource_urn,
        type=arns.aws_type_of(item.resource_type) or item.resource_type,
        resource_share_arn=arns.ram_arn(arns.SHARE, call.region, owner, item.resource_share_id),
        status=_RESOURCE_STATUS.get(item.status, "UNAVAILABLE"),
        creation_time=seconds(item.created_at),
        last_updated_time=seconds(item.updated_at),
        resource_region_scope=REGIONAL,
    )


def list_resources(ctx: Context, call: AwsCall[w.ListResources]) -> w.ResourcesReply:
    body = call.body
    if body.resource_region_scope == "GLOBAL":
        return w.ResourcesReply([])  # every type ShareKeeper shares through AWS is regional
    principal = None if body.principal is None else principals_of(ctx, call, [body.principal])[0]
    query = SharedResourceQuery(
        principal=principal,
        resource_urns=tuple(resource_urns(ctx, call, body.resource_arns)),
        share_ids=tuple(arns.ram_id(a, arns.SHARE) for a in body.resource_share_arns),
        resource_type=arns.catalogue_type(body.resource_type),
    )
    page = views.search_shared_resources(
        ctx,
        call.caller,
        _SIDES[body.resource_owner],
        query,
        page_of(body.max_results, body.next_token),
    )
    owners = call.ids.aws_ids(ctx, [_urn_owner(r.resource_urn) for r in page.items])
    items = [_resource_wire(ctx, call, r, owners) for r in page.items]
    return w.ResourcesReply(items, page.next_marker)


def _principal_wire(
    ctx: Context, call: AwsCall[object], item: SharedPrincipal, owner: str
) -> w.SharedPrincipal:
    return w.SharedPrincipal(
        id=principal_name(ctx, call, item.id),
        resource_share_arn=arns.ram_arn(arns.SHARE, call.region, owner, item.resource_share_id),
        creation_time=seconds(item.created_at),
        last_updated_time=seconds(item.updated_at),
    )


def list_principals(ctx: Context, call: AwsCall[w.ListPrincipals]) -> w.PrincipalsReply:
    """SELF: whom the caller shares with; OTHER-ACCOUNTS: the owners that share with it."""
    body = call.body
    if body.resource_type is not None:
        raise InvalidParameter("resourceType is not served as a filter of ListPrincipals yet.")
    resource = (
        None if body.resource_arn is None else resource_urns(ctx, call, [body.resource_arn])[0]
    )
    query = SharedPrincipalQuery(
        principals=tuple(principals_of(ctx, call, body.principals)),
        resource_urn=resource,
        share_ids=tuple(arns.ram_id(a, arns.SHARE) for a in body.resource_share_arns),
    )
    side = _SIDES[body.resource_owner]
    page = views.search_shared_principals(
        ctx, call.caller, side, query, page_of(body.max_results, body.next_token)
    )
    ids = call.ids.aws_ids(ctx, [p.id for p in page.items if is_account_id(p.id)])
    mine = call.ids.aws_id(ctx, call.caller.account_id)
    items = [
        _principal_wire(ctx, call, p, mine if side is Side.OWNER else ids.get(p.id, UNKNOWN))
        for p in page.items
    ]
    return w.PrincipalsReply(items, page.next_marker)


def list_pending_invitation_resources(
    ctx: Context, call: AwsCall[w.ListPendingInvitationResources]
) -> w.ResourcesReply:
    """What accepting would give: the resources of a pending invitation's share."""
    body = call.body
    invitation_id = arns.ram_id(body.resource_share_invitation_arn, arns.INVITATION)
    page = invitations.pending_invitation_resources(
        ctx, call.caller, invitation_id, page_of(body.max_results, body.next_token)
    )
    if body.resource_region_scope == "GLOBAL":
        return w.ResourcesReply([])  # every type ShareKeeper shares through AWS is regional
    owners = call.ids.aws_ids(ctx, [_urn_owner(r.resource_urn) for r in page.items])
    items = [_resource_wire(ctx, call, r, owners) for r in page.items]
    return w.ResourcesReply(items, page.next_marker)
