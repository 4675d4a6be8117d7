"""Customer-managed permissions through boto3: create, versions, default version, delete,
their policy templates checked as AWS checks them, each account's own; every answer checked
against botocore's model."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sharekeeper.domain.customer_permissions import MAX_VERSIONS, check_template
from sharekeeper.domain.errors import MalformedPolicyTemplate
from tests.aws.botocore_shapes import valid
from tests.aws.test_ram_flow import code_of, share_to, subnet_arn
from tests.support import Account

READ = json.dumps({"Effect": "Allow", "Action": ["ec2:DescribeSubnets"]})
WRITE = json.dumps({"Effect": "Allow", "Action": ["ec2:DescribeSubnets", "ec2:CreateTags"]})


def _create(account: Account, name: str = "subnet-readers", template: str = READ) -> Any:
    answer = account.aws("ram").create_permission(
        name=name, resourceType="ec2:Subnet", policyTemplate=template, clientToken=f"c-{name}"
    )
    return valid("ram", "CreatePermission", answer)["permission"]


def test_create_get_and_list(owner: Account) -> None:
    created = _create(owner)
    assert created["arn"] == (
        f"arn:aws:ram:us-east-1:{owner.aws_account_id}:permission/subnet-readers"
    )
    assert created["version"] == "1" and created["defaultVersion"] is True
    assert created["permissionType"] == "CUSTOMER_MANAGED"
    assert created["resourceType"] == "ec2:Subnet" and created["status"] == "ATTACHABLE"
    ram = owner.aws("ram")
    shown = valid("ram", "GetPermission", ram.get_permission(permissionArn=created["arn"]))
    assert json.loads(shown["permission"]["permission"]) == json.loads(READ)
    mine = valid("ram", "ListPermissions", ram.list_permissions(permissionType="CUSTOMER_MANAGED"))
    assert [p["arn"] for p in mine["permissions"]] == [created["arn"]]
    every = valid("ram", "ListPermissions", ram.list_permissions(resourceType="ec2:Subnet"))
    kinds = {p["permissionType"] for p in every["permissions"]}
    assert kinds == {"AWS_MANAGED", "CUSTOMER_MANAGED"}
    managed = ram.list_permissions(permissionType="AWS_MANAGED")
    assert created["arn"] not in [p["arn"] for p in managed["permissions"]]
    # A name is the account's own: the same name again is refused.
    assert code_of(
        ram.create_permission,
        name="subnet-readers",
        resourceType="ec2:Subnet",
        policyTemplate=READ,
    ) == ("PermissionAlreadyExistsException")


def test_versions_default_and_delete(owner: Account) -> None:
    arn = _create(owner)["arn"]
    ram = owner.aws("ram")
    second = ram.create_permission_version(permissionArn=arn, policyTemplate=WRITE)
    detail = valid("ram", "CreatePermissionVersion", second)["permission"]
    assert detail["version"] == "2" and detail["defaultVersion"] is True
    versions = valid(
        "ram", "ListPermissionVersions", ram.list_permission_versions(permissionArn=arn)
    )
    assert [(v["version"], v["defaultVersion"]) for v in versions["permissions"]] == [
        ("1", False),
        ("2", True),
    ]
    # The default version cannot be deleted; another can, once it is not the default.
    refused = code_of(ram.delete_permission_version, permissionArn=arn, permissionVersion=2)
    assert refused == "OperationNotPermittedException"
    set_default = ram.set_default_permission_version(permissionArn=arn, permissionVersion=1)
    assert valid("ram", "SetDefaultPermissionVersion", set_default)["returnValue"] is True
    first = ram.get_permission(permissionArn=arn)["permission"]
    assert first["version"] == "1" and json.loads(first["permission"]) == json.loads(READ)
    gone = ram.delete_permission_version(permissionArn=arn, permissionVersion=2)
    assert valid("ram", "DeletePermissionVersion", gone)["permissionStatus"] == "ATTACHABLE"
    assert code_of(ram.get_permission, permissionArn=arn, permissionVersion=2) == (
        "UnknownResourceException"
    )
    deleted = valid("ram", "DeletePermission", ram.delete_permission(permissionArn=arn))
    assert deleted["returnValue"] is True and deleted["permissionStatus"] == "DELETED"
    assert code_of(ram.get_permission, permissionArn=arn) == "UnknownResourceException"


def test_a_permission_holds_at_most_five_versions(owner: Account) -> None:
    arn = _create(owner)["arn"]
    ram = owner.aws("ram")
    for _ in range(MAX_VERSIONS - 1):
        ram.create_permission_version(permissionArn=arn, policyTemplate=WRITE)
    assert code_of(ram.create_permission_version, permissionArn=arn, policyTemplate=READ) == (
        "PermissionVersionsLimitExceededException"
    )


def test_another_account_sees_nothing_of_it(owner: Account, outsider: Account) -> None:
    arn = _create(owner)["arn"]
    ram = outsider.aws("ram")
    assert code_of(ram.get_permission, permissionArn=arn) == "UnknownResourceException"
    assert code_of(ram.delete_permission, permissionArn=arn) == "UnknownResourceException"
    assert code_of(ram.create_permission_version, permissionArn=arn, policyTemplate=WRITE) == (
        "UnknownResourceException"
    )
    theirs = ram.list_permissions(permissionType="CUSTOMER_MANAGED")
    assert valid("ram", "ListPermissions", theirs)["permissions"] == []
    # The outsider may use the same name for its own.
    assert _create(outsider)["arn"].split(":")[4] == outsider.aws_account_id


def test_bad_templates_and_names_are_refused(owner: Account) -> None:
    ram = owner.aws("ram")
    for template in (
        "not json",
        json.dumps(["Allow"]),
        json.dumps({"Effect": "Deny", "Action": ["ec2:DescribeSubnets"]}),
        json.dumps({"Effect": "Allow", "Action": []}),
        json.dumps({"Effect": "Allow", "Action": ["s3:GetObject"]}),
        json.dumps({"Effect": "Allow", "Action": ["ec2:X"], "Resource": "*"}),
        json.dumps({"Effect": "Allow", "Action": ["ec2:X"], "Principal": "*"}),
    ):
        code = code_of(
            ram.create_permission, name="p", resourceType="ec2:Subnet", policyTemplate=template
        )
        assert code == "MalformedPolicyTemplateException", template
    assert code_of(
        ram.create_permission, name="no spaces", resourceType="ec2:Subnet", policyTemplate=READ
    ) == ("InvalidParameterException")
    assert code_of(
        ram.create_permission, name="p", resourceType="s3:Bucket", policyTemplate=READ
    ) == ("InvalidParameterException")
    assert (
        valid("ram", "ListPermissions", ram.list_permissions(permissionType="CUSTOMER_MANAGED"))[
            "permissions"
        ]
        == []
    )


def test_a_template_names_the_catalogue_or_aws_service() -> None:
    check_template(json.dumps({"Effect": "Allow", "Action": "vpc:subnets:get"}), {"ec2", "vpc"})
    with pytest.raises(MalformedPolicyTemplate):
        check_template(json.dumps({"Effect": "Allow", "Action": "ec2:*"}), {"vpc"})
    with pytest.raises(MalformedPolicyTemplate):
        check_template(json.dumps({"Effect": "Allow", "Action": "ec2:X", "Condition": 1}), {"ec2"})


def test_replays_of_permission_writes(owner: Account) -> None:
    ram = owner.aws("ram")
    first = _create(owner)
    again = _create(owner)
    assert again == first
    assert code_of(
        ram.create_permission,
        name="subnet-readers",
        resourceType="ec2:Subnet",
        policyTemplate=WRITE,
        clientToken="c-subnet-readers",
    ) == ("IdempotentParameterMismatchException")
    arn = first["arn"]
    made = [
        ram.create_permission_version(permissionArn=arn, policyTemplate=WRITE, clientToken="v")
        for _ in range(2)
    ]
    assert made[0]["permission"] == made[1]["permission"]
    listed = ram.list_permission_versions(permissionArn=arn)["permissions"]
    assert [v["version"] for v in listed] == ["1", "2"]
    for _ in range(2):
        ram.delete_permission(permissionArn=arn, clientToken="d")


def test_promote_refuses_what_no_policy_created(owner: Account, receiver: Account) -> None:
    """ShareKeeper creates nothing from resource-based policies: a share or permission that
    exists is already standard (OperationNotPermittedException); one that does not is
    unknown; the caller's own only."""
    ram = owner.aws("ram")
    share_arn = share_to(owner, receiver)["resourceShareArn"]
    promote_share = ram.promote_resource_share_created_from_policy
    assert code_of(promote_share, resourceShareArn=share_arn) == "OperationNotPermittedException"
    other = share_arn.rsplit("/", 1)[0] + "/00000000-0000-4000-8000-000000000000"
    assert code_of(promote_share, resourceShareArn=other) == "UnknownResourceException"
    assert code_of(
        receiver.aws("ram").promote_resource_share_created_from_policy, resourceShareArn=share_arn
    ) == ("UnknownResourceException")
    promote = ram.promote_permission_created_from_policy
    mine = _create(owner)["arn"]
    assert code_of(promote, permissionArn=mine, name="x") == "OperationNotPermittedException"
    managed = "arn:aws:ram::aws:permission/AWSRAMDefaultPermissionSubnet"
    assert code_of(promote, permissionArn=managed, name="x") == "OperationNotPermittedException"
    assert code_of(promote, permissionArn=mine + "-none", name="x") == "UnknownResourceException"


def test_list_permission_associations_of_the_callers_shares(
    owner: Account, receiver: Account, outsider: Account
) -> None:
    readonly = "arn:aws:ram::aws:permission/AWSRAMPermissionSubnetReadonly"
    default = "arn:aws:ram::aws:permission/AWSRAMDefaultPermissionSubnet"
    ram = owner.aws("ram")
    made = ram.create_resource_share(
        name="readonly", resourceArns=[subnet_arn(owner, "ro")], permissionArns=[readonly]
    )
    readonly_share = made["resourceShare"]["resourceShareArn"]
    default_share = share_to(owner, receiver, "default")["resourceShareArn"]

    def listed(client: Any = ram, **filters: Any) -> list[tuple[str, str]]:
        answer = valid(
            "ram", "ListPermissionAssociations", client.list_permission_associations(**filters)
        )
        return [(p["arn"], p["resourceShareArn"]) for p in answer["permissions"]]

    assert listed() == [(readonly, readonly_share), (default, default_share)]
    every = ram.list_permission_associations(permissionArn=default)["permissions"]
    (item,) = valid("ram", "ListPermissionAssociations", {"permissions": every})["permissions"]
    assert item["resourceType"] == "ec2:Subnet" and item["status"] == "ASSOCIATED"
    assert item["defaultVersion"] is True and item["featureSet"] == "STANDARD"
    assert listed(resourceShareArn=readonly_share) == [(readonly, readonly_share)]
    assert listed(defaultVersion=True, associationStatus="ASSOCIATED") == listed()
    assert listed(permissionArn=default, permissionVersion=1) == []
    assert listed(featureSet="CREATED_FROM_POLICY") == []
    assert listed(permissionArn=_create(owner)["arn"]) == []  # bound to no share yet
    assert listed(resourceType="route53resolver:ResolverRule") == []
    assert listed(outsider.aws("ram")) == []
    # OTHER-ACCOUNTS: the shares of others that reach the caller (none reach the owner).
    assert listed(resourceOwner="OTHER-ACCOUNTS") == []
    first = ram.list_permission_associations(maxResults=1)
    assert len(first["permissions"]) == 1
    rest = ram.list_permission_associations(maxResults=1, nextToken=first["nextToken"])
    assert [p["resourceShareArn"] for p in rest["permissions"]] == [default_share]


def test_replace_permission_associations_and_its_work(owner: Account, receiver: Account) -> None:
    readonly = "arn:aws:ram::aws:permission/AWSRAMPermissionSubnetReadonly"
    default = "arn:aws:ram::aws:permission/AWSRAMDefaultPermissionSubnet"
    ram = owner.aws("ram")
    shares_made = [share_to(owner, receiver, n)["resourceShareArn"] for n in ("a", "b")]
    other = receiver.aws("ram").create_resource_share(
        name="theirs", resourceArns=[subnet_arn(receiver, "x")]
    )["resourceShare"]["resourceShareArn"]
    answer = ram.replace_permission_associations(
        fromPermissionArn=default, toPermissionArn=readonly, clientToken="swap"
    )
    work = valid("ram", "ReplacePermissionAssociations", answer)[
        "replacePermissionAssociationsWork"
    ]
    assert work["status"] == "COMPLETED" and work["toPermissionArn"] == readonly
    assert work["fromPermissionArn"] == default and "fromPermissionVersion" not in work
    bound = ram.list_permission_associations()["permissions"]
    assert sorted((p["arn"], p["resourceShareArn"]) for p in bound) == sorted(
        (readonly, s) for s in shares_made
    )
    # Only the caller's shares change.
    theirs = receiver.aws("ram").list_permission_associations()["permissions"]
    assert [(p["arn"], p["resourceShareArn"]) for p in theirs] == [(default, other)]
    again = ram.replace_permission_associations(
        fromPermissionArn=default, toPermissionArn=readonly, clientToken="swap"
    )
    assert again["replacePermissionAssociationsWork"] == work
    listed = ram.list_replace_permission_associations_work()
    works = valid("ram", "ListReplacePermissionAssociationsWork", listed)
    assert [w["id"] for w in works["replacePermissionAssociationsWorks"]] == [work["id"]]
    by_id = ram.list_replace_permission_associations_work(workIds=[work["id"]], status="COMPLETED")
    assert len(by_id["replacePermissionAssociationsWorks"]) == 1
    assert (
        ram.list_replace_permission_associations_work(status="FAILED")[
            "replacePermissionAssociationsWorks"
        ]
        == []
    )
    assert (
        receiver.aws("ram").list_replace_permission_associations_work()[
            "replacePermissionAssociationsWorks"
        ]
        == []
    )
    resolver = "arn:aws:ram::aws:permission/AWSRAMDefaultPermissionResolverRule"
    assert code_of(
        ram.replace_permission_associations, fromPermissionArn=readonly, toPermissionArn=resolver
    ) == ("InvalidParameterException")
    # The same permission on both sides (AWS's way to apply its default version): the shares
    # already bind it, so none changes.
    same = ram.replace_permission_associations(
        fromPermissionArn=readonly, toPermissionArn=readonly
    )["replacePermissionAssociationsWork"]
    assert same["statusMessage"] == "0 resource shares changed."
