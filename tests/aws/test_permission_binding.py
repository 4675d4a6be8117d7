"""Customer-managed permissions bound to shares, through boto3 as a user binds them: on
CreateResourceShare, AssociateResourceSharePermission (a version, replace), unbinding,
ReplacePermissionAssociations from and to one, ListPermissionAssociations, the share's
principals reading it, deletion refused while bound, and UpdatePermission; every answer
checked against botocore's model."""

from __future__ import annotations

import json
from typing import Any

from tests.aws.botocore_shapes import valid
from tests.aws.test_ram_flow import code_of, pending_invitation, subnet_arn
from tests.support import Account

READ = json.dumps({"Effect": "Allow", "Action": ["ec2:DescribeSubnets"]})
WRITE = json.dumps({"Effect": "Allow", "Action": ["ec2:DescribeSubnets", "ec2:CreateTags"]})
AWS_DEFAULT = "arn:aws:ram::aws:permission/AWSRAMDefaultPermissionSubnet"


def _permission(account: Account, name: str = "subnet-readers") -> str:
    answer = account.aws("ram").create_permission(
        name=name, resourceType="ec2:Subnet", policyTemplate=READ
    )
    return str(valid("ram", "CreatePermission", answer)["permission"]["arn"])


def _share(owner: Account, name: str, permission_arns: list[str], *principals: str) -> str:
    answer = owner.aws("ram").create_resource_share(
        name=name,
        resourceArns=[subnet_arn(owner, name)],
        principals=list(principals),
        permissionArns=permission_arns,
    )
    return str(valid("ram", "CreateResourceShare", answer)["resourceShare"]["resourceShareArn"])


def _bound(account: Account, share_arn: str) -> list[tuple[str, str, str, bool]]:
    """(ARN, version, permission type, default version) of the share's permissions."""
    answer = account.aws("ram").list_resource_share_permissions(resourceShareArn=share_arn)
    return [
        (p["arn"], p["version"], p["permissionType"], p["defaultVersion"])
        for p in valid("ram", "ListResourceSharePermissions", answer)["permissions"]
    ]


def _associations(account: Account, **filters: Any) -> list[tuple[str, str, bool]]:
    answer = account.aws("ram").list_permission_associations(**filters)
    return [
        (p["resourceShareArn"], p["permissionVersion"], p["defaultVersion"])
        for p in valid("ram", "ListPermissionAssociations", answer)["permissions"]
    ]


def test_a_share_binds_its_owners_permission_and_its_principals_read_it(
    owner: Account, receiver: Account, outsider: Account
) -> None:
    arn = _permission(owner)
    share_arn = _share(owner, "bound", [arn], receiver.aws_account_id)
    assert _bound(owner, share_arn) == [(arn, "1", "CUSTOMER_MANAGED", True)]
    ram = owner.aws("ram")
    found = ram.get_resource_shares(resourceOwner="SELF", permissionArn=arn)
    shares = valid("ram", "GetResourceShares", found)["resourceShares"]
    assert [s["resourceShareArn"] for s in shares] == [share_arn]
    other_version = ram.get_resource_shares(
        resourceOwner="SELF", permissionArn=arn, permissionVersion=2
    )
    assert valid("ram", "GetResourceShares", other_version)["resourceShares"] == []
    assert _associations(owner, permissionArn=arn) == [(share_arn, "1", True)]
    # The receiver reads the share's permission once it accepted, not before.
    them = receiver.aws("ram")
    assert code_of(them.get_permission, permissionArn=arn) == "UnknownResourceException"
    invitation = pending_invitation(receiver)
    them.accept_resource_share_invitation(
        resourceShareInvitationArn=invitation["resourceShareInvitationArn"]
    )
    assert _bound(receiver, share_arn) == [(arn, "1", "CUSTOMER_MANAGED", True)]
    # OTHER-ACCOUNTS: the bindings of the shares that reach the caller, by their owner's ARN.
    assert _associations(receiver, resourceOwner="OTHER-ACCOUNTS") == [(share_arn, "1", True)]
    assert _associations(receiver, resourceOwner="OTHER-ACCOUNTS", permissionArn=arn) == [
        (share_arn, "1", True)
    ]
    assert _associations(receiver) == []  # SELF: the receiver owns none
    received = them.get_resource_shares(resourceOwner="OTHER-ACCOUNTS", permissionArn=arn)
    assert [s["resourceShareArn"] for s in received["resourceShares"]] == [share_arn]
    assert _associations(outsider, resourceOwner="OTHER-ACCOUNTS") == []
    assert code_of(
        outsider.aws("ram").list_permission_associations,
        resourceOwner="OTHER-ACCOUNTS",
        permissionArn=arn,
    ) == ("UnknownResourceException")
    read = valid("ram", "GetPermission", them.get_permission(permissionArn=arn))["permission"]
    assert (read["permission"], read["permissionType"]) == (READ, "CUSTOMER_MANAGED")
    assert code_of(outsider.aws("ram").get_permission, permissionArn=arn) == (
        "UnknownResourceException"
    )
    # Another account's permission binds nothing of the caller's.
    assert code_of(
        them.create_resource_share,
        name="theirs",
        resourceArns=[subnet_arn(receiver)],
        permissionArns=[arn],
    ) == ("UnknownResourceException")
    # A new default version moves no share (AWS's rule): the association says it is behind.
    ram.create_permission_version(permissionArn=arn, policyTemplate=WRITE)
    assert _associations(owner, permissionArn=arn) == [(share_arn, "1", False)]
    assert _associations(owner, permissionArn=arn, defaultVersion=True) == []
    assert _associations(receiver, resourceOwner="OTHER-ACCOUNTS", defaultVersion=True) == []
    assert _bound(owner, share_arn) == [(arn, "1", "CUSTOMER_MANAGED", False)]


def test_associate_a_version_replace_and_unbind(owner: Account) -> None:
    arn = _permission(owner)
    ram = owner.aws("ram")
    ram.create_permission_version(permissionArn=arn, policyTemplate=WRITE)
    share_arn = _share(owner, "swapped", [])
    assert _bound(owner, share_arn) == [(AWS_DEFAULT, "2", "AWS_MANAGED", True)]
    bind = ram.associate_resource_share_permission
    assert code_of(bind, resourceShareArn=share_arn, permissionArn=arn) == (
        "InvalidParameterException"
    )
    answer = bind(resourceShareArn=share_arn, permissionArn=arn, replace=True, permissionVersion=1)
    assert valid("ram", "AssociateResourceSharePermission", answer)["returnValue"] is True
    assert _bound(owner, share_arn) == [(arn, "1", "CUSTOMER_MANAGED", False)]
    bind(resourceShareArn=share_arn, permissionArn=arn, replace=True)  # its default: 2
    assert _bound(owner, share_arn) == [(arn, "2", "CUSTOMER_MANAGED", True)]
    assert code_of(
        bind, resourceShareArn=share_arn, permissionArn=arn, replace=True, permissionVersion=9
    ) == ("UnknownResourceException")
    # An AWS-managed permission binds its default version only.
    assert code_of(
        bind,
        resourceShareArn=share_arn,
        permissionArn=AWS_DEFAULT,
        replace=True,
        permissionVersion=1,
    ) == ("InvalidParameterException")
    # Unbound while the share holds a subnet: the type falls back to AWS's default.
    unbound = ram.disassociate_resource_share_permission(
        resourceShareArn=share_arn, permissionArn=arn
    )
    assert valid("ram", "DisassociateResourceSharePermission", unbound)["returnValue"] is True
    assert _bound(owner, share_arn) == [(AWS_DEFAULT, "2", "AWS_MANAGED", True)]


def test_deleting_what_a_share_binds_is_refused(owner: Account) -> None:
    arn = _permission(owner)
    ram = owner.aws("ram")
    share_arn = _share(owner, "kept", [arn])
    assert code_of(ram.delete_permission, permissionArn=arn) == "OperationNotPermittedException"
    ram.create_permission_version(permissionArn=arn, policyTemplate=WRITE)
    assert code_of(ram.delete_permission_version, permissionArn=arn, permissionVersion=1) == (
        "OperationNotPermittedException"
    )
    # ReplacePermissionAssociations from and to it moves its shares to the default version.
    answer = ram.replace_permission_associations(fromPermissionArn=arn, toPermissionArn=arn)
    work = valid("ram", "ReplacePermissionAssociations", answer)[
        "replacePermissionAssociationsWork"
    ]
    assert (work["fromPermissionArn"], work["toPermissionArn"]) == (arn, arn)
    assert (work["toPermissionVersion"], work["statusMessage"]) == (
        "2",
        "1 resource shares changed.",
    )
    assert _bound(owner, share_arn) == [(arn, "2", "CUSTOMER_MANAGED", True)]
    deleted = ram.delete_permission_version(permissionArn=arn, permissionVersion=1)
    assert valid("ram", "DeletePermissionVersion", deleted)["returnValue"] is True
    # Replaced by AWS's own, then the share deleted: nothing binds it any more.
    ram.replace_permission_associations(fromPermissionArn=arn, toPermissionArn=AWS_DEFAULT)
    assert _associations(owner, permissionArn=arn) == []
    ram.replace_permission_associations(fromPermissionArn=AWS_DEFAULT, toPermissionArn=arn)
    assert _associations(owner, permissionArn=arn) == [(share_arn, "2", True)]
    ram.delete_resource_share(resourceShareArn=share_arn)
    gone = ram.delete_permission(permissionArn=arn)
    assert valid("ram", "DeletePermission", gone)["permissionStatus"] == "DELETED"


def test_update_permission_deprecates_and_restores(owner: Account, outsider: Account) -> None:
    arn = _permission(owner)
    ram = owner.aws("ram")
    kept = _share(owner, "before", [arn])
    answer = ram.update_permission(permissionArn=arn, status="DEPRECATED", clientToken="dep")
    assert valid("ram", "UpdatePermission", answer)["permissionStatus"] == "DEPRECATED"
    assert answer["clientToken"] == "dep"
    shown = ram.get_permission(permissionArn=arn)["permission"]
    assert shown["status"] == "DEPRECATED"
    listed = ram.list_permissions(permissionType="CUSTOMER_MANAGED")["permissions"]
    assert [p["status"] for p in listed] == ["DEPRECATED"]
    # No new binding; the share that binds it keeps it.
    assert code_of(
        ram.create_resource_share,
        name="after",
        resourceArns=[subnet_arn(owner, "after")],
        permissionArns=[arn],
    ) == ("OperationNotPermittedException")
    other = _share(owner, "other", [])
    assert code_of(
        ram.associate_resource_share_permission,
        resourceShareArn=other,
        permissionArn=arn,
        replace=True,
    ) == ("OperationNotPermittedException")
    assert _bound(owner, kept) == [(arn, "1", "CUSTOMER_MANAGED", True)]
    # Idempotent on its clientToken: a replay answers the same, other members are a mismatch.
    again = ram.update_permission(permissionArn=arn, status="DEPRECATED", clientToken="dep")
    assert again["permissionStatus"] == "DEPRECATED"
    assert code_of(
        ram.update_permission, permissionArn=arn, status="ATTACHABLE", clientToken="dep"
    ) == ("IdempotentParameterMismatchException")
    restored = ram.update_permission(permissionArn=arn, status="ATTACHABLE")
    assert valid("ram", "UpdatePermission", restored)["permissionStatus"] == "ATTACHABLE"
    ram.associate_resource_share_permission(resourceShareArn=other, permissionArn=arn, replace=True)
    assert _bound(owner, other) == [(arn, "1", "CUSTOMER_MANAGED", True)]
    # Refused: AWS's own, another account's, a status AWS does not have.
    assert code_of(ram.update_permission, permissionArn=AWS_DEFAULT, status="DEPRECATED") == (
        "OperationNotPermittedException"
    )
    assert code_of(
        outsider.aws("ram").update_permission, permissionArn=arn, status="DEPRECATED"
    ) == ("UnknownResourceException")
    assert code_of(ram.update_permission, permissionArn=arn, status="DELETED") == (
        "InvalidParameterException"
    )
