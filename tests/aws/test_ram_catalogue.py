"""AWS RAM's resource types, AWS-managed permissions and tags through boto3, checked against
botocore's model."""

from __future__ import annotations

from tests.aws.botocore_shapes import valid
from tests.aws.test_ram_associations import accept
from tests.aws.test_ram_flow import code_of, share_to, subnet_arn
from tests.support import Account

DEFAULT_SUBNET = "arn:aws:ram::aws:permission/AWSRAMDefaultPermissionSubnet"


def test_resource_types_are_aws_names(owner: Account) -> None:
    answer = valid("ram", "ListResourceTypes", owner.aws("ram").list_resource_types())
    types = {t["resourceType"]: t["serviceName"] for t in answer["resourceTypes"]}
    assert types == {
        "ec2:Subnet": "ec2",
        "route53resolver:ResolverRule": "route53resolver",
        "acm-pca:CertificateAuthority": "acm-pca",
    }
    page = owner.aws("ram").list_resource_types(maxResults=2)
    assert len(valid("ram", "ListResourceTypes", page)["resourceTypes"]) == 2
    assert "nextToken" in page


def test_permissions_list_and_get(owner: Account) -> None:
    ram = owner.aws("ram")
    subnet = valid("ram", "ListPermissions", ram.list_permissions(resourceType="ec2:Subnet"))
    arns = {p["arn"]: p for p in subnet["permissions"]}
    assert set(arns) == {
        DEFAULT_SUBNET,
        "arn:aws:ram::aws:permission/AWSRAMPermissionSubnetReadonly",
    }
    assert arns[DEFAULT_SUBNET]["isResourceTypeDefault"] is True
    assert arns[DEFAULT_SUBNET]["permissionType"] == "AWS_MANAGED"
    customer = ram.list_permissions(permissionType="CUSTOMER_MANAGED")
    assert valid("ram", "ListPermissions", customer)["permissions"] == []
    detail = valid("ram", "GetPermission", ram.get_permission(permissionArn=DEFAULT_SUBNET))
    assert detail["permission"]["version"] == "2" and detail["permission"]["defaultVersion"]
    assert "vpc:subnets:get" in detail["permission"]["permission"]
    first = ram.get_permission(permissionArn=DEFAULT_SUBNET, permissionVersion=1)
    assert valid("ram", "GetPermission", first)["permission"]["defaultVersion"] is False
    versions = ram.list_permission_versions(permissionArn=DEFAULT_SUBNET)
    listed = valid("ram", "ListPermissionVersions", versions)["permissions"]
    assert [(p["version"], p["defaultVersion"]) for p in listed] == [("1", False), ("2", True)]
    unknown = "arn:aws:ram::aws:permission/AWSRAMDefaultPermissionNothing"
    assert code_of(ram.get_permission, permissionArn=unknown) == "InvalidParameterException"
    assert code_of(ram.get_permission, permissionArn="arn:nope") == "MalformedArnException"


def test_a_share_takes_a_named_permission_and_is_found_by_it(
    owner: Account, receiver: Account
) -> None:
    readonly = "arn:aws:ram::aws:permission/AWSRAMPermissionSubnetReadonly"
    ram = owner.aws("ram")
    made = ram.create_resource_share(
        name="readonly", resourceArns=[subnet_arn(owner, "ro")], permissionArns=[readonly]
    )
    arn = valid("ram", "CreateResourceShare", made)["resourceShare"]["resourceShareArn"]
    share_to(owner, receiver, "default")
    found = ram.get_resource_shares(resourceOwner="SELF", permissionArn=readonly)
    assert [
        s["resourceShareArn"] for s in valid("ram", "GetResourceShares", found)["resourceShares"]
    ] == [arn]


def test_tag_and_untag_a_share(owner: Account, receiver: Account, outsider: Account) -> None:
    arn = share_to(owner, receiver)["resourceShareArn"]
    ram = owner.aws("ram")
    tagged = ram.tag_resource(resourceShareArn=arn, tags=[{"key": "env", "value": "prod"}])
    valid("ram", "TagResource", tagged)
    shares = ram.get_resource_shares(resourceOwner="SELF")["resourceShares"]
    assert sorted(t["key"] for t in shares[0]["tags"]) == ["env", "team"]
    filtered = ram.get_resource_shares(
        resourceOwner="SELF", tagFilters=[{"tagKey": "env", "tagValues": ["prod"]}]
    )
    assert len(valid("ram", "GetResourceShares", filtered)["resourceShares"]) == 1
    valid("ram", "UntagResource", ram.untag_resource(resourceShareArn=arn, tagKeys=["env"]))
    shares = ram.get_resource_shares(resourceOwner="SELF")["resourceShares"]
    assert [t["key"] for t in shares[0]["tags"]] == ["team"]
    other = outsider.aws("ram")
    assert code_of(other.tag_resource, resourceShareArn=arn, tags=[{"key": "k", "value": "v"}]) == (
        "UnknownResourceException"
    )
    assert code_of(ram.tag_resource, resourceArn=subnet_arn(owner), tags=[{"key": "k"}]) == (
        "InvalidParameterException"
    )


def test_a_shares_permissions_replaced_and_listed(
    owner: Account, receiver: Account, outsider: Account
) -> None:
    readonly = "arn:aws:ram::aws:permission/AWSRAMPermissionSubnetReadonly"
    arn = share_to(owner, receiver)["resourceShareArn"]
    ram = owner.aws("ram")

    def bound(account: Account) -> list[str]:
        answer = account.aws("ram").list_resource_share_permissions(resourceShareArn=arn)
        return [
            p["arn"] for p in valid("ram", "ListResourceSharePermissions", answer)["permissions"]
        ]

    assert bound(owner) == [DEFAULT_SUBNET]
    # A type holds one permission: another replaces it only when asked to.
    assert (
        code_of(
            ram.associate_resource_share_permission, resourceShareArn=arn, permissionArn=readonly
        )
        == "InvalidParameterException"
    )
    replaced = ram.associate_resource_share_permission(
        resourceShareArn=arn, permissionArn=readonly, replace=True, clientToken="c"
    )
    assert valid("ram", "AssociateResourceSharePermission", replaced)["returnValue"] is True
    assert bound(owner) == [readonly]
    assert (
        code_of(receiver.aws("ram").list_resource_share_permissions, resourceShareArn=arn)
        == "UnknownResourceException"
    )  # not before it accepts
    accept(receiver)
    assert bound(receiver) == [readonly]  # the principals it reaches see them too
    assert (
        code_of(outsider.aws("ram").list_resource_share_permissions, resourceShareArn=arn)
        == "UnknownResourceException"
    )
    removed = ram.disassociate_resource_share_permission(
        resourceShareArn=arn, permissionArn=readonly
    )
    assert valid("ram", "DisassociateResourceSharePermission", removed)["returnValue"] is True
    assert bound(owner) == [DEFAULT_SUBNET]  # the type falls back to its default
    assert (
        code_of(
            ram.associate_resource_share_permission,
            resourceShareArn=arn,
            permissionArn=DEFAULT_SUBNET,
            permissionVersion=1,
        )
        == "InvalidParameterException"
    )
