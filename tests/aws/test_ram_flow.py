"""AWS RAM through boto3 against a live server, two accounts and an outsider: every answer
checked against botocore's own model."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.aws.botocore_shapes import valid
from tests.sdk.helpers import shares
from tests.support import Account


def subnet_arn(account: Account, name: str = "subnet-1", region: str = "us-east-1") -> str:
    return f"arn:aws:ec2:{region}:{account.aws_account_id}:subnet/{name}"


def code_of(call: Any, *args: Any, **kwargs: Any) -> str:
    with pytest.raises(ClientError) as caught:
        call(*args, **kwargs)
    return str(caught.value.response["Error"]["Code"])


def share_to(owner: Account, receiver: Account, name: str = "shared-subnet") -> dict[str, Any]:
    answer = owner.aws("ram").create_resource_share(
        name=name,
        resourceArns=[subnet_arn(owner, name)],
        principals=[receiver.aws_account_id],
        tags=[{"key": "team", "value": "net"}],
        clientToken=f"token-{name}",
    )
    return dict(valid("ram", "CreateResourceShare", answer)["resourceShare"])


def pending_invitation(receiver: Account) -> dict[str, Any]:
    answer = valid(
        "ram", "GetResourceShareInvitations", receiver.aws("ram").get_resource_share_invitations()
    )
    (invitation,) = answer["resourceShareInvitations"]
    return dict(invitation)


def test_two_accounts_share_invite_and_accept(owner: Account, receiver: Account) -> None:
    share = share_to(owner, receiver)
    assert share["status"] == "ACTIVE" and share["owningAccountId"] == owner.aws_account_id
    assert share["resourceShareArn"].startswith(
        f"arn:aws:ram:us-east-1:{owner.aws_account_id}:resource-share/"
    )
    assert share["tags"] == [{"key": "team", "value": "net"}]
    invitation = pending_invitation(receiver)
    assert invitation["status"] == "PENDING"
    assert invitation["senderAccountId"] == owner.aws_account_id
    assert invitation["receiverAccountId"] == receiver.aws_account_id
    assert invitation["resourceShareArn"] == share["resourceShareArn"]
    ram = receiver.aws("ram")
    arn = invitation["resourceShareInvitationArn"]
    accepted = valid(
        "ram",
        "AcceptResourceShareInvitation",
        ram.accept_resource_share_invitation(resourceShareInvitationArn=arn),
    )
    assert accepted["resourceShareInvitation"]["status"] == "ACCEPTED"
    again = code_of(ram.accept_resource_share_invitation, resourceShareInvitationArn=arn)
    assert again == "ResourceShareInvitationAlreadyAcceptedException"
    theirs = valid(
        "ram", "GetResourceShares", ram.get_resource_shares(resourceOwner="OTHER-ACCOUNTS")
    )
    assert [s["resourceShareArn"] for s in theirs["resourceShares"]] == [share["resourceShareArn"]]
    mine = owner.aws("ram").get_resource_shares(resourceOwner="SELF")
    assert [s["name"] for s in valid("ram", "GetResourceShares", mine)["resourceShares"]] == [
        "shared-subnet"
    ]


def test_the_receiver_rejects(owner: Account, receiver: Account) -> None:
    share_to(owner, receiver)
    arn = pending_invitation(receiver)["resourceShareInvitationArn"]
    ram = receiver.aws("ram")
    rejected = ram.reject_resource_share_invitation(resourceShareInvitationArn=arn)
    assert (
        valid("ram", "RejectResourceShareInvitation", rejected)["resourceShareInvitation"]["status"]
        == "REJECTED"
    )
    assert code_of(ram.accept_resource_share_invitation, resourceShareInvitationArn=arn) == (
        "ResourceShareInvitationAlreadyRejectedException"
    )
    theirs = ram.get_resource_shares(resourceOwner="OTHER-ACCOUNTS")
    assert valid("ram", "GetResourceShares", theirs)["resourceShares"] == []


def test_an_outsider_sees_nothing(owner: Account, receiver: Account, outsider: Account) -> None:
    share_to(owner, receiver)
    arn = pending_invitation(receiver)["resourceShareInvitationArn"]
    ram = outsider.aws("ram")
    for owner_side in ("SELF", "OTHER-ACCOUNTS"):
        answer = ram.get_resource_shares(resourceOwner=owner_side)
        assert valid("ram", "GetResourceShares", answer)["resourceShares"] == []
    answer = ram.get_resource_share_invitations()
    assert valid("ram", "GetResourceShareInvitations", answer)["resourceShareInvitations"] == []
    assert code_of(ram.accept_resource_share_invitation, resourceShareInvitationArn=arn) == (
        "ResourceShareInvitationArnNotFoundException"
    )
    # The owner cannot answer its own invitation either.
    owner_ram = owner.aws("ram")
    assert code_of(owner_ram.reject_resource_share_invitation, resourceShareInvitationArn=arn) == (
        "ResourceShareInvitationArnNotFoundException"
    )


def test_a_share_made_through_aws_reads_through_huawei(owner: Account, receiver: Account) -> None:
    share = share_to(owner, receiver)
    (item,) = shares(owner)
    assert share["resourceShareArn"].endswith("/" + item.id)
    assert item.owning_account_id == owner.account_id


def test_bad_input_gets_aws_errors(owner: Account, receiver: Account) -> None:
    ram = owner.aws("ram")
    assert code_of(ram.accept_resource_share_invitation, resourceShareInvitationArn="nope") == (
        "MalformedArnException"
    )
    bad_type = "arn:aws:s3:us-east-1:123456789012:bucket/b"
    assert code_of(ram.create_resource_share, name="x", resourceArns=[bad_type]) == (
        "MalformedArnException"
    )
    # A resource of another account is not the caller's to share.
    theirs = subnet_arn(receiver)
    assert code_of(ram.create_resource_share, name="x", resourceArns=[theirs]) == (
        "InvalidParameterException"
    )
    assert code_of(ram.create_resource_share, name="x", principals=["999999999999x"]) == (
        "InvalidParameterException"
    )
    assert code_of(ram.get_resource_shares, resourceOwner="SELF", nextToken="zz") == (
        "InvalidParameterException"
    )
    assert ram.get_resource_shares(resourceOwner="SELF")["resourceShares"] == []


def test_paging_walks_with_next_token(owner: Account, receiver: Account) -> None:
    for n in range(3):
        share_to(owner, receiver, f"share-{n}")
    ram = owner.aws("ram")
    names: list[str] = []
    token: dict[str, str] = {}
    while True:
        page = valid(
            "ram",
            "GetResourceShares",
            ram.get_resource_shares(resourceOwner="SELF", maxResults=2, **token),
        )
        names += [s["name"] for s in page["resourceShares"]]
        if "nextToken" not in page:
            break
        token = {"nextToken": page["nextToken"]}
    assert sorted(names) == ["share-0", "share-1", "share-2"]


def test_sts_tells_the_caller_its_account(owner: Account) -> None:
    identity = valid("sts", "GetCallerIdentity", owner.aws("sts").get_caller_identity())
    assert identity["Account"] == owner.aws_account_id
    assert identity["Arn"] == f"arn:aws:iam::{owner.aws_account_id}:root"


def test_an_account_id_no_account_has_is_shared_with_as_aws_does(
    owner: Account, outsider: Account
) -> None:
    """Any 12 digits name a principal (AWS's rule, and Huawei's for 32-hex ids): refusing one
    would tell a caller which ids exist. Nobody can accept its invitation."""
    nobody = "000000000042" if owner.aws_account_id != "000000000042" else "000000000043"
    ram = owner.aws("ram")
    made = ram.create_resource_share(name="to-nobody", principals=[nobody])
    arn = valid("ram", "CreateResourceShare", made)["resourceShare"]["resourceShareArn"]
    answer = ram.get_resource_share_associations(
        associationType="PRINCIPAL", resourceShareArns=[arn]
    )
    (principal,) = valid("ram", "GetResourceShareAssociations", answer)["resourceShareAssociations"]
    assert principal["associatedEntity"] == nobody and principal["status"] == "ASSOCIATING"
    theirs = outsider.aws("ram").get_resource_share_invitations()
    assert theirs["resourceShareInvitations"] == []
