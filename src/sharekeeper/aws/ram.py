"""AWS RAM's operations over the same services as Huawei's: each handler translates AWS's
identifiers at the edge (arns.py, accounts.py), calls one service and shapes AWS's reply."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from sharekeeper.aws import arns
from sharekeeper.aws import wire as w
from sharekeeper.aws.accounts import UNKNOWN
from sharekeeper.aws.call import STANDARD, AwsCall, page_of, seconds
from sharekeeper.aws.ram_catalogue import named_permission_id, permission_id
from sharekeeper.domain.accounts import Caller
from sharekeeper.domain.errors import InvalidParameter
from sharekeeper.domain.ids import is_account_id
from sharekeeper.domain.invitations import (
    Invitation,
    InvitationLine,
    InvitationQuery,
    InvitationStatus,
)
from sharekeeper.domain.share_sources import service_entity, service_name
from sharekeeper.domain.shares import ResourceShare, ShareLine, ShareQuery
from sharekeeper.domain.tags import Tag, TagFilter
from sharekeeper.services import invitations, organizations, shares, tags
from sharekeeper.services.context import Context

# AWS's invitation states have no WITHDRAWN: an invitation the owner withdrew (the share
# deleted, the principal removed) can no longer be accepted, which AWS says as EXPIRED.
# Keyed by the states' values, which a page's lines carry (an Invitation's StrEnum state is
# its value, so it finds its entry too).
_INVITATION_STATUS = {s.value: s.value.upper() for s in InvitationStatus} | {
    InvitationStatus.WITHDRAWN.value: "EXPIRED"
}


def share_wire(
    ctx: Context, call: AwsCall[object], share: ResourceShare | ShareLine
) -> w.ResourceShare:
    return shares_wire(ctx, call, [share])[0]


def shares_wire(
    ctx: Context, call: AwsCall[object], items: Sequence[ResourceShare | ShareLine]
) -> list[w.ResourceShare]:
    """A page of shares, their owners' AWS ids translated once for the whole page."""
    found = call.ids.aws_ids(ctx, [s.owner_account_id for s in items])
    return [_share(call, s, found.get(s.owner_account_id, UNKNOWN)) for s in items]


def _share(call: AwsCall[object], share: ResourceShare | ShareLine, owner: str) -> w.ResourceShare:
    """A share or a listing's line (the same fields; a line's status is the StrEnum's
    value)."""
    return w.ResourceShare(
        resource_share_arn=arns.ram_arn(arns.SHARE, call.region, owner, share.id),
        name=share.name,
        owning_account_id=owner,
        allow_external_principals=share.allow_external_principals,
        status=share.status.upper(),
        creation_time=seconds(share.created_at),
        last_updated_time=seconds(share.updated_at),
        feature_set=STANDARD,
        tags=[w.Tag(t.key, t.value) for t in share.tags],
    )


def invitation_wire(
    ctx: Context, call: AwsCall[object], item: Invitation | InvitationLine
) -> w.ResourceShareInvitation:
    return invitations_wire(ctx, call, [item])[0]


def invitations_wire(
    ctx: Context, call: AwsCall[object], items: Sequence[Invitation | InvitationLine]
) -> list[w.ResourceShareInvitation]:
    """A page of invitations, their accounts' AWS ids translated once for the whole page."""
    found = call.ids.aws_ids(
        ctx, [a for i in items for a in (i.sender_account_id, i.receiver_account_id)]
    )
    return [_invitation(call, i, found) for i in items]


def _invitation(
    call: AwsCall[object], item: Invitation | InvitationLine, found: Mapping[str, str]
) -> w.ResourceShareInvitation:
    sender = found.get(item.sender_account_id, UNKNOWN)
    receiver = found.get(item.receiver_account_id, UNKNOWN)
    return w.ResourceShareInvitation(
        resource_share_invitation_arn=arns.ram_arn(arns.INVITATION, call.region, sender, item.id),
        resource_share_name=item.resource_share_name,
        resource_share_arn=arns.ram_arn(arns.SHARE, call.region, sender, item.resource_share_id),
        sender_account_id=sender,
        receiver_account_id=receiver,
        invitation_timestamp=seconds(item.created_at),
        status=_INVITATION_STATUS[item.status],
    )


def principals_of(ctx: Context, call: AwsCall[object], values: Sequence[str]) -> list[str]:
    """AWS's principals as the core's: a 12-digit account id becomes the account's id, an
    organization, root or OU ARN the directory's URN, ``NAME.amazonaws.com`` the service's
    entity. Roles and users are not served yet (docs/aws.md)."""
    nodes = {
        v: arns.parse_organization_arn(v) for v in values if v.startswith(arns.ORGANIZATIONS_PREFIX)
    }
    services = {v: service_entity(n) for v in values if (n := arns.service_of(v)) is not None}
    accounts = [v for v in values if v not in nodes and v not in services]
    for value in accounts:
        if not arns.AWS_ACCOUNT_ID.fullmatch(value):
            raise InvalidParameter(
                f"Principal {value[:256]!r} is neither a 12-digit AWS account id, an "
                "organization, root or OU ARN, nor a service principal (NAME.amazonaws.com); "
                "ShareKeeper's AWS API does not take role or user principals yet."
            )
    found = call.ids.account_ids(ctx, [*accounts, *(n.management for n in nodes.values())])
    return [
        arns.organization_urn(nodes[v], found[nodes[v].management])
        if v in nodes
        else services.get(v) or found[v]
        for v in values
    ]


def sources_of(ctx: Context, call: AwsCall[object], values: Sequence[str]) -> list[str]:
    """AWS's sources as the core's: 12-digit account ids. Organization ids and paths, which
    AWS also takes, are not served yet (docs/aws.md)."""
    for value in values:
        if not arns.AWS_ACCOUNT_ID.fullmatch(value):
            raise InvalidParameter(
                f"Source {value[:256]!r} is not a 12-digit AWS account id; ShareKeeper's AWS API "
                "does not take organization ids, organization paths or ARNs as sources yet."
            )
    found = call.ids.account_ids(ctx, values)
    return [found[v] for v in values]


def principal_name(ctx: Context, call: AwsCall[object], entity: str) -> str:
    """A principal as AWS names it: an account's AWS id, an organization node's ARN; anything
    else (a principal Huawei's API named with no AWS spelling) as the core names it."""
    if is_account_id(entity):
        return call.ids.aws_id(ctx, entity)
    service = service_name(entity)
    if service is not None:
        return arns.service_principal(service)
    node = arns.parse_organization_urn(entity)
    if node is None:
        return entity
    return arns.organization_arn(node, call.ids.aws_id(ctx, node.management))


def resource_urns(ctx: Context, call: AwsCall[object], values: Sequence[str]) -> list[str]:
    parsed = [arns.parse_resource(v) for v in values]
    owners = call.ids.account_ids(ctx, [p.aws_account_id for p in parsed])
    return [arns.urn_of(p, owners[p.aws_account_id]) for p in parsed]


def create_resource_share(
    ctx: Context, call: AwsCall[w.CreateResourceShare]
) -> w.CreateResourceShareReply:
    body = call.body
    created = shares.create_resource_share(
        ctx,
        call.caller,
        name=body.name,
        allow_external_principals=body.allow_external_principals,
        permission_ids=[permission_id(ctx, call, arn) for arn in body.permission_arns],
        principals=principals_of(ctx, call, body.principals),
        resource_urns=resource_urns(ctx, call, body.resource_arns),
        tags=[Tag(t.key, t.value) for t in body.tags],
        sources=sources_of(ctx, call, body.sources),
    )
    return w.CreateResourceShareReply(share_wire(ctx, call, created), body.client_token)


def get_resource_shares(ctx: Context, call: AwsCall[w.GetResourceShares]) -> w.ResourceSharesReply:
    body = call.body
    query = ShareQuery(
        permission_id=None
        if body.permission_arn is None
        else named_permission_id(
            ctx, call, body.permission_arn, body.resource_owner == "OTHER-ACCOUNTS"
        ),
        permission_version=None if body.permission_arn is None else body.permission_version,
        name=body.name,
        status=None if body.resource_share_status is None else body.resource_share_status.lower(),
        ids=tuple(arns.ram_id(a, arns.SHARE) for a in body.resource_share_arns),
        tag_filters=tuple(
            TagFilter(f.tag_key or "", tuple(f.tag_values)) for f in body.tag_filters
        ),
    )
    page = shares.search_resource_shares(
        ctx,
        call.caller,
        owned=body.resource_owner == "SELF",
        query=query,
        page=page_of(body.max_results, body.next_token),
    )
    return w.ResourceSharesReply(shares_wire(ctx, call, page.items), page.next_marker)


def get_resource_share_invitations(
    ctx: Context, call: AwsCall[w.GetResourceShareInvitations]
) -> w.InvitationsReply:
    """The invitations the caller received (AWS's answer; Huawei's search adds those sent)."""
    body = call.body
    query = InvitationQuery(
        share_ids=tuple(arns.ram_id(a, arns.SHARE) for a in body.resource_share_arns),
        invitation_ids=tuple(
            arns.ram_id(a, arns.INVITATION) for a in body.resource_share_invitation_arns
        ),
    )
    page = invitations.search_invitations(
        ctx, call.caller, query, page_of(body.max_results, body.next_token)
    )
    received = [i for i in page.items if i.receiver_account_id == call.caller.account_id]
    return w.InvitationsReply(invitations_wire(ctx, call, received), page.next_marker)


Answer = Callable[[Context, Caller, str], Invitation]


def _answered(ctx: Context, call: AwsCall[w.AnswerInvitation], answer: Answer) -> w.InvitationReply:
    invitation_id = arns.ram_id(call.body.resource_share_invitation_arn, arns.INVITATION)
    answered = answer(ctx, call.caller, invitation_id)
    return w.InvitationReply(invitation_wire(ctx, call, answered), call.body.client_token)


def accept_resource_share_invitation(
    ctx: Context, call: AwsCall[w.AnswerInvitation]
) -> w.InvitationReply:
    return _answered(ctx, call, invitations.accept_invitation)


def reject_resource_share_invitation(
    ctx: Context, call: AwsCall[w.AnswerInvitation]
) -> w.InvitationReply:
    return _answered(ctx, call, invitations.reject_invitation)


def update_resource_share(
    ctx: Context, call: AwsCall[w.UpdateResourceShare]
) -> w.ResourceShareReply:
    body = call.body
    updated = shares.update_resource_share(
        ctx,
        call.caller,
        arns.ram_id(body.resource_share_arn, arns.SHARE),
        name=body.name,
        allow_external_principals=body.allow_external_principals,
    )
    return w.ResourceShareReply(share_wire(ctx, call, updated), body.client_token)


def delete_resource_share(ctx: Context, call: AwsCall[w.DeleteResourceShare]) -> w.DeleteReply:
    body = call.body
    shares.delete_resource_share(ctx, call.caller, arns.ram_id(body.resource_share_arn, arns.SHARE))
    return w.DeleteReply(True, body.client_token)


def _tagged_share(body: w.TagResource | w.UntagResource) -> str:
    if body.resource_arn is not None or body.resource_share_arn is None:
        raise InvalidParameter(
            "Give resourceShareArn: ShareKeeper tags resource shares (tags on customer-managed "
            "permissions, resourceArn, are not served yet)."
        )
    return arns.ram_id(body.resource_share_arn, arns.SHARE)


def tag_resource(ctx: Context, call: AwsCall[w.TagResource]) -> w.Empty:
    body = call.body
    share_id = _tagged_share(body)
    tags.tag_resource_share(ctx, call.caller, share_id, [Tag(t.key, t.value) for t in body.tags])
    return w.Empty()


def untag_resource(ctx: Context, call: AwsCall[w.UntagResource]) -> w.Empty:
    body = call.body
    share_id = _tagged_share(body)
    tags.untag_resource_share(ctx, call.caller, share_id, [(k, None) for k in body.tag_keys])
    return w.Empty()


def enable_sharing_with_aws_organization(ctx: Context, call: AwsCall[w.NoMembers]) -> w.ReturnValue:
    """The management account turns on sharing with its organization (Huawei's
    enable-organization-share), which ShareKeeper's own directory keeps."""
    organizations.set_organization_sharing(ctx, call.caller, True)
    return w.ReturnValue(True)
