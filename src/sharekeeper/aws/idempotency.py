"""clientToken idempotency for AWS RAM's writes (docs/aws.md, "Idempotency").

A write given a clientToken claims it with its audit record, which commits with the change
(unique per account, operation and token). A later request with the token finds that record:
with the same members it is a replay, answered from what the first request changed as it
stands now; with other members it is IdempotentParameterMismatchException. Two racing first
requests cannot both commit: the loser's whole unit of work rolls back on the unique index,
and the loser, like any request with a token that fails, looks once more for a request that
claimed its token before its failure is answered.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import msgspec

from sharekeeper.aws import arns
from sharekeeper.aws import permissions as customer
from sharekeeper.aws import permissions_wire as pw
from sharekeeper.aws import wire as w
from sharekeeper.aws.call import AwsCall
from sharekeeper.aws.ram import (
    invitation_wire,
    principals_of,
    resource_urns,
    share_wire,
    sources_of,
)
from sharekeeper.aws.ram_associations import association_wire
from sharekeeper.aws.ram_catalogue import replacement_wire
from sharekeeper.domain.audit import AuditRecord, Claim
from sharekeeper.domain.customer_permissions import ATTACHABLE
from sharekeeper.domain.errors import InvitationNotFound, PermissionNotFound, ResourceShareNotFound
from sharekeeper.domain.invitations import InvitationQuery
from sharekeeper.domain.paging import PageRequest
from sharekeeper.domain.share_sources import SourceQuery
from sharekeeper.domain.shares import AssociationQuery, AssociationType, ShareQuery
from sharekeeper.services import (
    associations,
    customer_permissions,
    invitations,
    permissions,
    share_sources,
    shares,
)
from sharekeeper.services.audit import claimed_by
from sharekeeper.services.context import Context

_encode = msgspec.json.Encoder(order="deterministic").encode
_ONE = PageRequest(1, None)

# The answer to a replay, from the first request's record and the replay's own members.
Replay = Callable[[Context, AwsCall[Any], AuditRecord], msgspec.Struct]


def claim_of(body: msgspec.Struct) -> Claim | None:
    """The claim a request's clientToken makes, if it has one: the token and a digest of every
    member it was decoded with (the token among them, which the key already fixes)."""
    token = getattr(body, "client_token", None)
    if token is None:
        return None
    return Claim(token, hashlib.sha256(_encode(body)).hexdigest())


def earlier_answer(
    ctx: Context, call: AwsCall[Any], operation: str, claim: Claim
) -> msgspec.Struct | None:
    """The answer to a request whose token an earlier request claimed; None when none did."""
    record = claimed_by(ctx, call.caller.account_id, f"aws:{operation}", claim.token)
    if record is None or record.claim is None:
        return None
    record.claim.check_replay(claim.digest, operation)
    return REPLAYS[operation](ctx, call, record)


def _share(ctx: Context, call: AwsCall[Any], share_id: str) -> w.ResourceShare:
    page = shares.search_resource_shares(
        ctx, call.caller, owned=True, query=ShareQuery(ids=(share_id,)), page=_ONE
    )
    if not page.items:
        raise ResourceShareNotFound(share_id)
    return share_wire(ctx, call, page.items[0])


def _created_share(
    ctx: Context, call: AwsCall[w.CreateResourceShare], record: AuditRecord
) -> w.CreateResourceShareReply:
    return w.CreateResourceShareReply(_share(ctx, call, record.targets[0]), call.body.client_token)


def _updated_share(
    ctx: Context, call: AwsCall[w.UpdateResourceShare], record: AuditRecord
) -> w.ResourceShareReply:
    share_id = arns.ram_id(call.body.resource_share_arn, arns.SHARE)
    return w.ResourceShareReply(_share(ctx, call, share_id), call.body.client_token)


def _answered_invitation(
    ctx: Context, call: AwsCall[w.AnswerInvitation], record: AuditRecord
) -> w.InvitationReply:
    invitation_id = arns.ram_id(call.body.resource_share_invitation_arn, arns.INVITATION)
    query = InvitationQuery(invitation_ids=(invitation_id,))
    page = invitations.search_invitations(ctx, call.caller, query, _ONE)
    if not page.items:
        raise InvitationNotFound(invitation_id)
    return w.InvitationReply(invitation_wire(ctx, call, page.items[0]), call.body.client_token)


def _changed_associations(
    ctx: Context, call: AwsCall[w.ChangeAssociations], record: AuditRecord
) -> w.AssociationsReply:
    """The named entities' associations with the share as they stand now: the owner's view,
    so a receiver's replayed leave answers none (its association is no longer its to read)."""
    body = call.body
    share_id = arns.ram_id(body.resource_share_arn, arns.SHARE)
    queries = [
        AssociationQuery(AssociationType.PRINCIPAL, share_ids=(share_id,), principal=p)
        for p in principals_of(ctx, call, body.principals)
    ] + [
        AssociationQuery(AssociationType.RESOURCE, share_ids=(share_id,), resource_urn=u)
        for u in resource_urns(ctx, call, body.resource_arns)
    ]
    owner = call.ids.aws_id(ctx, call.caller.account_id)
    found: list[w.ResourceShareAssociation] = []
    for query in queries:
        page = associations.search_resource_share_associations(ctx, call.caller, query, _ONE)
        found.extend(association_wire(ctx, call, a, owner) for a in page.items)
    for source in sources_of(ctx, call, body.sources):
        named = SourceQuery(share_ids=(share_id,), source=source)
        page = share_sources.search_share_sources(ctx, call.caller, named, _ONE)
        found.extend(association_wire(ctx, call, a, owner) for a in page.items)
    return w.AssociationsReply(found, body.client_token)


def _deleted_share(
    ctx: Context, call: AwsCall[w.DeleteResourceShare], record: AuditRecord
) -> w.DeleteReply:
    return w.DeleteReply(True, call.body.client_token)


def _returned_value(
    ctx: Context,
    call: AwsCall[w.AssociateResourceSharePermission | w.DisassociateResourceSharePermission],
    record: AuditRecord,
) -> w.ReturnValueToken:
    return w.ReturnValueToken(True, call.body.client_token)


def _created_permission(
    ctx: Context, call: AwsCall[pw.CreatePermission], record: AuditRecord
) -> pw.CreatePermissionReply:
    """The permission as it stands now: its default version's summary."""
    found = customer_permissions.get_permission(ctx, call.caller, call.body.name)
    return pw.CreatePermissionReply(customer.summary(ctx, call, found), call.body.client_token)


def _created_version(
    ctx: Context, call: AwsCall[pw.CreatePermissionVersion], record: AuditRecord
) -> pw.CreatePermissionVersionReply:
    """The permission's newest version, which the first request made (versions are numbered
    upwards and the newest cannot be deleted while it is the default)."""
    name = customer.customer_name(ctx, call, call.body.permission_arn) or ""
    found = customer_permissions.get_permission(ctx, call.caller, name)
    newest = max(v.version for v in found.versions)
    return pw.CreatePermissionVersionReply(
        customer.detail(ctx, call, found, newest), call.body.client_token
    )


def _deleted_permission(
    ctx: Context, call: AwsCall[pw.DeletePermission], record: AuditRecord
) -> pw.DeletePermissionReply:
    return pw.DeletePermissionReply(True, call.body.client_token, customer.DELETED)


def _deleted_version(
    ctx: Context, call: AwsCall[pw.PermissionVersionOf], record: AuditRecord
) -> pw.DeletePermissionReply:
    return pw.DeletePermissionReply(True, call.body.client_token, ATTACHABLE)


def _updated_permission(
    ctx: Context, call: AwsCall[pw.UpdatePermission], record: AuditRecord
) -> pw.UpdatePermissionReply:
    """The permission's status as it stands now."""
    name = customer.customer_name(ctx, call, call.body.permission_arn) or ""
    found = customer_permissions.get_permission(ctx, call.caller, name)
    return pw.UpdatePermissionReply(call.body.client_token, found.status)


def _default_set(
    ctx: Context, call: AwsCall[pw.PermissionVersionOf], record: AuditRecord
) -> w.ReturnValueToken:
    return w.ReturnValueToken(True, call.body.client_token)


def _replaced(
    ctx: Context, call: AwsCall[pw.ReplacePermissionAssociations], record: AuditRecord
) -> pw.ReplacePermissionAssociationsReply:
    """The first request's work record."""
    page = permissions.search_replacement_work(ctx, call.caller, record.targets[:1], None, _ONE)
    if not page.items:
        raise PermissionNotFound(record.targets[0] if record.targets else "")
    return pw.ReplacePermissionAssociationsReply(
        replacement_wire(ctx, call, page.items[0]), call.body.client_token
    )


# Every served write that takes a clientToken (botocore's model); tests/aws checks the list.
REPLAYS: dict[str, Replay] = {
    "CreateResourceShare": _created_share,
    "UpdateResourceShare": _updated_share,
    "DeleteResourceShare": _deleted_share,
    "AcceptResourceShareInvitation": _answered_invitation,
    "RejectResourceShareInvitation": _answered_invitation,
    "AssociateResourceShare": _changed_associations,
    "DisassociateResourceShare": _changed_associations,
    "AssociateResourceSharePermission": _returned_value,
    "DisassociateResourceSharePermission": _returned_value,
    "CreatePermission": _created_permission,
    "CreatePermissionVersion": _created_version,
    "SetDefaultPermissionVersion": _default_set,
    "DeletePermissionVersion": _deleted_version,
    "DeletePermission": _deleted_permission,
    "UpdatePermission": _updated_permission,
    "ReplacePermissionAssociations": _replaced,
}
