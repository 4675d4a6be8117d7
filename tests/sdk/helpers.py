"""Short forms of the SDK calls the acceptance tests repeat."""

from __future__ import annotations

from typing import Any

from huaweicloudsdkram.v1 import (
    AcceptResourceShareInvitationRequest,
    AssociateResourceShareRequest,
    CreateResourceShareReqBody,
    CreateResourceShareRequest,
    DisassociateResourceShareRequest,
    RejectResourceShareInvitationRequest,
    ResourceShareAssociationReqBody,
    SearchResourceShareAssociationsReqBody,
    SearchResourceShareAssociationsRequest,
    SearchResourceShareInvitationReqBody,
    SearchResourceShareInvitationRequest,
    SearchResourceSharesReqBody,
    SearchResourceSharesRequest,
)

from tests.support import Account


def create_share(owner: Account, name: str = "share", **fields: Any) -> Any:
    body = CreateResourceShareReqBody(name=name, **fields)
    return owner.ram.create_resource_share(CreateResourceShareRequest(body=body)).resource_share


def invitations(account: Account, **filters: Any) -> list[Any]:
    body = SearchResourceShareInvitationReqBody(**filters)
    reply = account.ram.search_resource_share_invitation(
        SearchResourceShareInvitationRequest(body=body)
    )
    return list(reply.resource_share_invitations or [])


def invitation_for(receiver: Account, share_id: str) -> Any:
    (found,) = invitations(receiver, resource_share_ids=[share_id])
    return found


def accept(account: Account, invitation_id: str) -> Any:
    request = AcceptResourceShareInvitationRequest(resource_share_invitation_id=invitation_id)
    return account.ram.accept_resource_share_invitation(request).resource_share_invitation


def reject(account: Account, invitation_id: str) -> Any:
    request = RejectResourceShareInvitationRequest(resource_share_invitation_id=invitation_id)
    return account.ram.reject_resource_share_invitation(request).resource_share_invitation


def shares(account: Account, owner: str = "self", **filters: Any) -> list[Any]:
    body = SearchResourceSharesReqBody(resource_owner=owner, **filters)
    reply = account.ram.search_resource_shares(SearchResourceSharesRequest(body=body))
    return list(reply.resource_shares or [])


def share_ids(account: Account, owner: str = "self", **filters: Any) -> set[str]:
    return {s.id for s in shares(account, owner, **filters)}


def associate(owner: Account, share_id: str, **entities: Any) -> list[Any]:
    body = ResourceShareAssociationReqBody(**entities)
    request = AssociateResourceShareRequest(resource_share_id=share_id, body=body)
    return list(owner.ram.associate_resource_share(request).resource_share_associations)


def disassociate(account: Account, share_id: str, **entities: Any) -> list[Any]:
    body = ResourceShareAssociationReqBody(**entities)
    request = DisassociateResourceShareRequest(resource_share_id=share_id, body=body)
    return list(account.ram.disassociate_resource_share(request).resource_share_associations)


def associations(owner: Account, association_type: str, **filters: Any) -> list[Any]:
    body = SearchResourceShareAssociationsReqBody(association_type=association_type, **filters)
    reply = owner.ram.search_resource_share_associations(
        SearchResourceShareAssociationsRequest(body=body)
    )
    return list(reply.resource_share_associations or [])


def status_of(owner: Account, share_id: str, association_type: str, entity: str) -> str:
    (found,) = [
        a
        for a in associations(owner, association_type, resource_share_ids=[share_id])
        if a.associated_entity == entity
    ]
    return str(found.status)
