"""Sharing with an organization through AWS's API: the management account enables it and
shares with its organization's ARN; a member sees the share with no invitation, and loses it
when it leaves; an OU's ARN reaches the OU's members only."""

from __future__ import annotations

from tests.aws.botocore_shapes import valid
from tests.aws.test_ram_flow import code_of, subnet_arn
from tests.support import Account, LiveServer


def theirs(account: Account) -> list[str]:
    answer = account.aws("ram").get_resource_shares(resourceOwner="OTHER-ACCOUNTS")
    return [s["name"] for s in valid("ram", "GetResourceShares", answer)["resourceShares"]]


def test_a_member_sees_a_share_with_its_organization_until_it_leaves(
    server: LiveServer, owner: Account, receiver: Account, outsider: Account
) -> None:
    organization = server.organization(owner)
    organization.add(receiver)
    ram = owner.aws("ram")
    org_arn = f"arn:aws:organizations::{owner.aws_account_id}:organization/{organization.id}"
    # Before sharing with the organization is enabled, naming it is refused.
    assert code_of(ram.create_resource_share, name="x", principals=[org_arn]) == (
        "OperationNotPermittedException"
    )
    ram.enable_sharing_with_aws_organization()
    made = ram.create_resource_share(
        name="org-share", principals=[org_arn], resourceArns=[subnet_arn(owner)]
    )
    arn = valid("ram", "CreateResourceShare", made)["resourceShare"]["resourceShareArn"]
    answer = ram.get_resource_share_associations(
        associationType="PRINCIPAL", resourceShareArns=[arn]
    )
    (principal,) = valid("ram", "GetResourceShareAssociations", answer)["resourceShareAssociations"]
    assert principal["associatedEntity"] == org_arn and principal["status"] == "ASSOCIATED"
    listed = valid("ram", "ListPrincipals", ram.list_principals(resourceOwner="SELF"))
    assert [p["id"] for p in listed["principals"]] == [org_arn]
    assert theirs(receiver) == ["org-share"]
    invitations = receiver.aws("ram").get_resource_share_invitations()
    assert invitations["resourceShareInvitations"] == []  # a member needs none
    assert theirs(outsider) == []
    resources = receiver.aws("ram").list_resources(resourceOwner="OTHER-ACCOUNTS")
    assert [r["arn"] for r in resources["resources"]] == [subnet_arn(owner)]
    organization.remove(receiver)
    assert theirs(receiver) == []


def test_an_ou_reaches_its_members_only(
    server: LiveServer, owner: Account, receiver: Account, outsider: Account
) -> None:
    organization = server.organization(owner)
    ou_id, _ = organization.ou("team")
    organization.add(receiver, ou_id)
    organization.add(outsider)  # at the root, outside the OU
    ram = owner.aws("ram")
    ram.enable_sharing_with_aws_organization()
    ou_arn = f"arn:aws:organizations::{owner.aws_account_id}:ou/{organization.id}/{ou_id}"
    ram.create_resource_share(name="team-share", principals=[ou_arn])
    assert theirs(receiver) == ["team-share"]
    assert theirs(outsider) == []
    assert code_of(
        ram.create_resource_share, name="x", principals=["arn:aws:organizations::1:x"]
    ) == ("MalformedArnException")
