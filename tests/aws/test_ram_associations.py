"""AWS RAM's associations, resources and principals through boto3, owner and receiver side,
every answer checked against botocore's model; update and delete."""

from __future__ import annotations

from typing import Any

from tests.aws.botocore_shapes import valid
from tests.aws.test_ram_flow import code_of, pending_invitation, share_to, subnet_arn
from tests.support import Account


def accept(receiver: Account) -> None:
    arn = pending_invitation(receiver)["resourceShareInvitationArn"]
    receiver.aws("ram").accept_resource_share_invitation(resourceShareInvitationArn=arn)


def associations(account: Account, kind: str, **filters: Any) -> list[dict[str, Any]]:
    answer = account.aws("ram").get_resource_share_associations(associationType=kind, **filters)
    return list(valid("ram", "GetResourceShareAssociations", answer)["resourceShareAssociations"])


def test_associate_invites_and_the_receiver_sees_the_resources(
    owner: Account, receiver: Account, outsider: Account
) -> None:
    share = share_to(owner, receiver, "first")
    arn = share["resourceShareArn"]
    ram = owner.aws("ram")
    added = ram.associate_resource_share(
        resourceShareArn=arn, resourceArns=[subnet_arn(owner, "second")], clientToken="t"
    )
    (resource,) = valid("ram", "AssociateResourceShare", added)["resourceShareAssociations"]
    assert resource["associatedEntity"] == subnet_arn(owner, "second")
    assert resource["associationType"] == "RESOURCE" and resource["status"] == "ASSOCIATED"
    (principal,) = associations(owner, "PRINCIPAL")
    assert principal["associatedEntity"] == receiver.aws_account_id
    assert principal["status"] == "ASSOCIATING"
    accept(receiver)
    assert [p["status"] for p in associations(owner, "PRINCIPAL")] == ["ASSOCIATED"]
    theirs = receiver.aws("ram").list_resources(resourceOwner="OTHER-ACCOUNTS")
    resources = valid("ram", "ListResources", theirs)["resources"]
    assert sorted(r["arn"] for r in resources) == [
        subnet_arn(owner, "first"),
        subnet_arn(owner, "second"),
    ]
    assert {r["type"] for r in resources} == {"ec2:Subnet"}
    assert {r["resourceShareArn"] for r in resources} == {arn}
    mine = valid("ram", "ListResources", ram.list_resources(resourceOwner="SELF"))
    assert len(mine["resources"]) == 2
    principals = valid("ram", "ListPrincipals", ram.list_principals(resourceOwner="SELF"))
    assert [p["id"] for p in principals["principals"]] == [receiver.aws_account_id]
    sharers = receiver.aws("ram").list_principals(resourceOwner="OTHER-ACCOUNTS")
    assert [p["id"] for p in valid("ram", "ListPrincipals", sharers)["principals"]] == [
        owner.aws_account_id
    ]
    nothing = outsider.aws("ram").list_resources(resourceOwner="OTHER-ACCOUNTS")
    assert valid("ram", "ListResources", nothing)["resources"] == []


def test_disassociate_and_leave(owner: Account, receiver: Account) -> None:
    arn = share_to(owner, receiver)["resourceShareArn"]
    accept(receiver)
    ram = owner.aws("ram")
    removed = ram.disassociate_resource_share(
        resourceShareArn=arn, resourceArns=[subnet_arn(owner, "shared-subnet")]
    )
    (ended,) = valid("ram", "DisassociateResourceShare", removed)["resourceShareAssociations"]
    assert ended["status"] in ("DISASSOCIATING", "DISASSOCIATED")
    theirs = receiver.aws("ram").list_resources(resourceOwner="OTHER-ACCOUNTS")
    assert valid("ram", "ListResources", theirs)["resources"] == []
    gone = ram.disassociate_resource_share(
        resourceShareArn=arn, principals=[receiver.aws_account_id]
    )
    valid("ram", "DisassociateResourceShare", gone)
    shared = receiver.aws("ram").get_resource_shares(resourceOwner="OTHER-ACCOUNTS")
    assert valid("ram", "GetResourceShares", shared)["resourceShares"] == []


def test_update_and_delete(owner: Account, receiver: Account, outsider: Account) -> None:
    arn = share_to(owner, receiver)["resourceShareArn"]
    ram = owner.aws("ram")
    updated = ram.update_resource_share(resourceShareArn=arn, name="renamed")
    share = valid("ram", "UpdateResourceShare", updated)["resourceShare"]
    assert share["name"] == "renamed" and share["allowExternalPrincipals"] is True
    # Not the outsider's to change or delete: to it the share does not exist.
    other = outsider.aws("ram")
    assert code_of(other.update_resource_share, resourceShareArn=arn, name="x") == (
        "UnknownResourceException"
    )
    assert code_of(other.delete_resource_share, resourceShareArn=arn) == "UnknownResourceException"
    deleted = valid("ram", "DeleteResourceShare", ram.delete_resource_share(resourceShareArn=arn))
    assert deleted["returnValue"] is True
    after = ram.get_resource_shares(resourceOwner="SELF", resourceShareArns=[arn])
    assert [s["status"] for s in valid("ram", "GetResourceShares", after)["resourceShares"]] == [
        "DELETED"
    ]
    assert code_of(ram.delete_resource_share, resourceShareArn=arn) == (
        "InvalidStateTransitionException"
    )
    invitation = pending_invitation(receiver)
    assert invitation["status"] == "EXPIRED"  # withdrawn with its share


def test_a_renamed_shares_invitation_carries_its_new_name(
    owner: Account, receiver: Account
) -> None:
    """The invitation's copy of the share's name (migration 0025) follows AWS's rename."""
    arn = share_to(owner, receiver, "old-name")["resourceShareArn"]
    assert pending_invitation(receiver)["resourceShareName"] == "old-name"
    owner.aws("ram").update_resource_share(resourceShareArn=arn, name="new-name")
    invitation = pending_invitation(receiver)
    assert invitation["resourceShareName"] == "new-name"
    answer = receiver.aws("ram").accept_resource_share_invitation(
        resourceShareInvitationArn=invitation["resourceShareInvitationArn"]
    )
    accepted = valid("ram", "AcceptResourceShareInvitation", answer)
    assert accepted["resourceShareInvitation"]["resourceShareName"] == "new-name"


def test_a_pending_invitations_resources_show_to_its_receiver_only(
    owner: Account, receiver: Account, outsider: Account
) -> None:
    share_to(owner, receiver)
    arn = pending_invitation(receiver)["resourceShareInvitationArn"]
    ram = receiver.aws("ram")
    answer = ram.list_pending_invitation_resources(resourceShareInvitationArn=arn)
    resources = valid("ram", "ListPendingInvitationResources", answer)["resources"]
    assert [r["arn"] for r in resources] == [subnet_arn(owner, "shared-subnet")]
    assert [r["type"] for r in resources] == ["ec2:Subnet"]
    for stranger in (outsider, owner):
        assert (
            code_of(
                stranger.aws("ram").list_pending_invitation_resources,
                resourceShareInvitationArn=arn,
            )
            == "ResourceShareInvitationArnNotFoundException"
        )
    accept(receiver)
    assert code_of(ram.list_pending_invitation_resources, resourceShareInvitationArn=arn) == (
        "ResourceShareInvitationAlreadyAcceptedException"
    )
