"""Every AWS write's audit record names what it acted on, as its Huawei twin's does: the core's
ids (a share's, an invitation's, an OU's, an account's, a handshake's, a permission's, what it
created), never an ARN, refusals included. The writes are driven through boto3 as their users
drive them, and the route table says which must be: a write added to it and not here fails."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from sharekeeper.aws.accounts import AccountIds
from sharekeeper.aws.routes import ORGANIZATIONS_BY_TARGET, RAM_SERVED, STS_BY_ACTION
from sharekeeper.domain.accounts import Caller
from sharekeeper.domain.audit import AuditFilter, AuditRecord
from sharekeeper.domain.organizations import RAM_SERVICE
from sharekeeper.domain.paging import PageRequest
from sharekeeper.services import customer_permissions
from sharekeeper.services.audit import list_audit_records
from tests.aws.test_customer_permissions import READ, WRITE
from tests.aws.test_ram_flow import subnet_arn
from tests.aws.test_sts import role_of
from tests.support import Account, LiveServer

DEFAULT = "arn:aws:ram::aws:permission/AWSRAMDefaultPermissionSubnet"
READONLY = "arn:aws:ram::aws:permission/AWSRAMPermissionSubnetReadonly"


def _writes() -> set[str]:
    """Every write the route table serves, as ``service:Name``."""
    return (
        {f"ram:{op.name}" for op in RAM_SERVED if op.writes}
        | {f"organizations:{op.name}" for op in ORGANIZATIONS_BY_TARGET.values() if op.writes}
        | {f"sts:{op.name}" for op in STS_BY_ACTION.values() if op.writes}
    )


def _id(arn: str) -> str:
    return arn.rsplit("/", 1)[1]


def _unit_id(aws_id: str) -> str:
    """The directory's id of an OU AWS's way (``ou-abcd-...``: no hyphen after its 4th)."""
    return "ou-" + aws_id[3:].replace("-", "")


class Trail:
    """The writes made, each with the account whose record it is and the targets expected."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.expected: dict[str, tuple[str, str, list[str]]] = {}  # request id -> ...
        self.served: set[str] = set()

    def call(
        self,
        account: Account,
        service: str,
        operation: str,
        expect: list[str] | Callable[[dict[str, Any]], list[str]],
        /,
        refused: bool = False,
        **members: Any,
    ) -> dict[str, Any]:
        """``operation`` through boto3 as ``account``, its record expected to name ``expect``
        (or what ``expect`` reads from the answer)."""
        method = getattr(account.aws(service), _snake(operation))
        try:
            answer: dict[str, Any] = method(**members)
        except ClientError as error:
            assert refused, error
            answer = dict(error.response)
        else:
            assert not refused, answer
        wanted = expect(answer) if callable(expect) else expect
        request_id = answer["ResponseMetadata"]["RequestId"]
        self.expected[request_id] = (account.account_id, f"aws:{operation}", wanted)
        self.served.add(f"{service}:{operation}")
        return answer

    def records(self) -> dict[str, AuditRecord]:
        found: dict[str, AuditRecord] = {}
        for account_id in {a for a, _, _ in self.expected.values()}:
            page = list_audit_records(
                self.server.runtime.context, AuditFilter(account_id=account_id), PageRequest(500)
            )
            found |= {r.request_id: r for r in page.items if r.request_id in self.expected}
        return found


def _snake(name: str) -> str:
    """boto3's method name: AWS's, split before each capital (``AWS`` is one word)."""
    name = name.replace("AWS", "Aws")
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")


def _ram_writes(trail: Trail, owner: Account, receiver: Account) -> None:
    share = trail.call(
        owner,
        "ram",
        "CreateResourceShare",
        lambda a: [_id(a["resourceShare"]["resourceShareArn"])],
        name="audited",
        resourceArns=[subnet_arn(owner, "sn-audit")],
        principals=[receiver.aws_account_id],
    )["resourceShare"]["resourceShareArn"]
    named = [_id(share)]
    tags = [{"key": "team", "value": "net"}]
    trail.call(owner, "ram", "TagResource", named, resourceShareArn=share, tags=tags)
    trail.call(owner, "ram", "UntagResource", named, resourceShareArn=share, tagKeys=["team"])
    trail.call(owner, "ram", "UpdateResourceShare", named, resourceShareArn=share, name="renamed")
    second = [subnet_arn(owner, "sn-2")]
    trail.call(
        owner, "ram", "AssociateResourceShare", named, resourceShareArn=share, resourceArns=second
    )
    trail.call(
        owner,
        "ram",
        "DisassociateResourceShare",
        named,
        resourceShareArn=share,
        resourceArns=second,
    )
    trail.call(
        owner,
        "ram",
        "AssociateResourceSharePermission",
        named,
        resourceShareArn=share,
        permissionArn=READONLY,
        replace=True,
    )
    # A share keeps one permission per resource type: unbinding the bound one is refused, and
    # the refusal names the share as Huawei's would.
    trail.call(
        owner,
        "ram",
        "DisassociateResourceSharePermission",
        named,
        refused=True,
        resourceShareArn=share,
        permissionArn=DEFAULT,
    )
    trail.call(
        owner,
        "ram",
        "PromoteResourceShareCreatedFromPolicy",
        named,
        refused=True,
        resourceShareArn=share,
    )
    theirs = receiver.aws("ram")
    (invitation,) = theirs.get_resource_share_invitations(resourceShareArns=[share])[
        "resourceShareInvitations"
    ]
    arn = invitation["resourceShareInvitationArn"]
    trail.call(
        receiver, "ram", "AcceptResourceShareInvitation", [_id(arn)], resourceShareInvitationArn=arn
    )
    other = owner.aws("ram").create_resource_share(
        name="declined", principals=[receiver.aws_account_id]
    )["resourceShare"]["resourceShareArn"]
    (invitation,) = theirs.get_resource_share_invitations(resourceShareArns=[other])[
        "resourceShareInvitations"
    ]
    arn = invitation["resourceShareInvitationArn"]
    trail.call(
        receiver, "ram", "RejectResourceShareInvitation", [_id(arn)], resourceShareInvitationArn=arn
    )
    trail.call(
        owner,
        "ram",
        "ReplacePermissionAssociations",
        lambda a: [a["replacePermissionAssociationsWork"]["id"]],
        fromPermissionArn=READONLY,
        toPermissionArn=DEFAULT,
    )
    trail.call(owner, "ram", "DeleteResourceShare", named, resourceShareArn=share)
    # A refusal names what the request named; an ARN that is none is recorded as such.
    trail.call(
        owner,
        "ram",
        "DeleteResourceShare",
        ["invalid"],
        refused=True,
        resourceShareArn="arn:aws:ram:us-east-1:1:resource-share/\x1b[31m",
    )
    _permission_writes(trail, owner)


def _permission_writes(trail: Trail, owner: Account) -> None:
    """A customer-managed permission's writes name its id (which its ARN, by name, does not
    hold: the service notes it)."""
    created = trail.call(
        owner,
        "ram",
        "CreatePermission",
        [],  # filled in below, once the id can be read
        name="audited-readers",
        resourceType="ec2:Subnet",
        policyTemplate=READ,
    )
    arn = created["permission"]["arn"]
    caller = Caller(owner.account_id, owner.access_key)
    permission_id = customer_permissions.get_permission(
        trail.server.runtime.context, caller, "audited-readers"
    ).id
    trail.expected[created["ResponseMetadata"]["RequestId"]] = (
        owner.account_id,
        "aws:CreatePermission",
        [permission_id],
    )
    named = [permission_id]
    trail.call(
        owner, "ram", "CreatePermissionVersion", named, permissionArn=arn, policyTemplate=WRITE
    )
    trail.call(
        owner, "ram", "SetDefaultPermissionVersion", named, permissionArn=arn, permissionVersion=2
    )
    trail.call(
        owner, "ram", "DeletePermissionVersion", named, permissionArn=arn, permissionVersion=1
    )
    trail.call(owner, "ram", "UpdatePermission", named, permissionArn=arn, status="DEPRECATED")
    # Nothing created from a policy exists to promote: refused, and no permission is named by
    # id (its ARN holds a name).
    trail.call(
        owner,
        "ram",
        "PromotePermissionCreatedFromPolicy",
        [],
        refused=True,
        permissionArn=arn,
        name="promoted",
    )
    trail.call(owner, "ram", "DeletePermission", named, permissionArn=arn)


def _organization_writes(
    trail: Trail, owner: Account, member: Account, decliner: Account, cancelled: Account
) -> None:
    ctx = trail.server.runtime.context
    trail.call(owner, "organizations", "CreateOrganization", lambda a: [a["Organization"]["Id"]])
    root = owner.aws("organizations").list_roots()["Roots"][0]["Id"]
    made = trail.call(
        owner,
        "organizations",
        "CreateOrganizationalUnit",
        lambda a: [_unit_id(a["OrganizationalUnit"]["Id"])],
        ParentId=root,
        Name="audited",
    )
    aws_unit = made["OrganizationalUnit"]["Id"]
    unit = [_unit_id(aws_unit)]
    trail.call(
        owner,
        "organizations",
        "UpdateOrganizationalUnit",
        unit,
        OrganizationalUnitId=aws_unit,
        Name="renamed",
    )

    def invite(account: Account) -> str:
        answer = trail.call(
            owner,
            "organizations",
            "InviteAccountToOrganization",
            lambda a: [a["Handshake"]["Id"], account.account_id],
            Target={"Id": account.aws_account_id, "Type": "ACCOUNT"},
        )
        return str(answer["Handshake"]["Id"])

    handshake = invite(member)
    trail.call(member, "organizations", "AcceptHandshake", [handshake], HandshakeId=handshake)
    handshake = invite(decliner)
    trail.call(decliner, "organizations", "DeclineHandshake", [handshake], HandshakeId=handshake)
    handshake = invite(cancelled)
    trail.call(owner, "organizations", "CancelHandshake", [handshake], HandshakeId=handshake)
    trail.call(
        owner,
        "organizations",
        "MoveAccount",
        [member.account_id, unit[0]],
        AccountId=member.aws_account_id,
        SourceParentId=root,
        DestinationParentId=aws_unit,
    )
    tags = [{"Key": "team", "Value": "net"}]
    trail.call(
        owner,
        "organizations",
        "TagResource",
        [member.account_id],
        ResourceId=member.aws_account_id,
        Tags=tags,
    )
    trail.call(owner, "organizations", "UntagResource", unit, ResourceId=aws_unit, TagKeys=["team"])
    for name in ("EnableAWSServiceAccess", "DisableAWSServiceAccess"):
        trail.call(
            owner, "organizations", name, [RAM_SERVICE], ServicePrincipal="ram.amazonaws.com"
        )
    trail.call(owner, "ram", "EnableSharingWithAwsOrganization", [])
    created = trail.call(
        owner,
        "organizations",
        "CreateAccount",
        lambda a: [_account_of(trail, a["CreateAccountStatus"]["AccountId"])],
        Email="made@example.com",
        AccountName="made",
    )
    made_id = created["CreateAccountStatus"]["AccountId"]
    trail.call(
        owner,
        "organizations",
        "RemoveAccountFromOrganization",
        [_account_of(trail, made_id)],
        AccountId=made_id,
    )
    closed = trail.call(
        owner,
        "organizations",
        "CreateAccount",
        lambda a: [_account_of(trail, a["CreateAccountStatus"]["AccountId"])],
        Email="closed@example.com",
        AccountName="closed",
    )
    closed_id = closed["CreateAccountStatus"]["AccountId"]
    trail.call(
        owner, "organizations", "CloseAccount", [_account_of(trail, closed_id)], AccountId=closed_id
    )
    # An id that is no account's names the placeholder the use case was asked about.
    trail.call(
        owner,
        "organizations",
        "RemoveAccountFromOrganization",
        [AccountIds().account_ids(ctx, ["000000000001"])["000000000001"]],
        refused=True,
        AccountId="000000000001",
    )
    trail.call(member, "organizations", "LeaveOrganization", [])
    trail.call(
        owner, "organizations", "DeleteOrganizationalUnit", unit, OrganizationalUnitId=aws_unit
    )
    trail.call(owner, "organizations", "DeleteOrganization", [])


def _account_of(trail: Trail, aws_id: str) -> str:
    return AccountIds().account_ids(trail.server.runtime.context, [aws_id])[aws_id]


def test_every_aws_write_is_audited_with_the_ids_it_names(server: LiveServer) -> None:
    owner, receiver = server.account("audit-owner"), server.account("audit-receiver")
    trail = Trail(server)
    _ram_writes(trail, owner, receiver)
    _organization_writes(
        trail, owner, receiver, server.account("audit-decliner"), server.account("audit-x")
    )
    trail.call(owner, "sts", "AssumeRole", [], RoleArn=role_of(owner), RoleSessionName="audited")
    assert trail.served == _writes()
    records = trail.records()
    for request_id, (account_id, operation, targets) in trail.expected.items():
        record = records[request_id]
        assert (record.account_id, record.operation) == (account_id, operation)
        assert record.targets == targets, (operation, record.outcome)
        assert not any(t.startswith("arn:") for t in record.targets)


@pytest.mark.parametrize("refused", [False, True])
def test_an_accept_names_the_invitation_as_huaweis_does(server: LiveServer, refused: bool) -> None:
    """The twin's record, from Huawei's path, and AWS's, from its ARN: the same targets."""
    from huaweicloudsdkram.v1 import AcceptResourceShareInvitationRequest

    owner, receiver = server.account("twin-owner"), server.account("twin-receiver")
    ram = owner.aws("ram")
    arns = []
    for name in ("via-huawei", "via-aws"):
        share = ram.create_resource_share(name=name, principals=[receiver.aws_account_id])
        (invitation,) = receiver.aws("ram").get_resource_share_invitations(
            resourceShareArns=[share["resourceShare"]["resourceShareArn"]]
        )["resourceShareInvitations"]
        arns.append(invitation["resourceShareInvitationArn"])
    if refused:  # both answer an invitation that is not theirs to answer
        receiver = server.account("twin-outsider")
    huawei_id = _id(arns[0])
    try:
        receiver.ram.accept_resource_share_invitation(
            AcceptResourceShareInvitationRequest(resource_share_invitation_id=huawei_id)
        )
    except Exception:
        assert refused
    try:
        receiver.aws("ram").accept_resource_share_invitation(resourceShareInvitationArn=arns[1])
    except ClientError:
        assert refused
    page = list_audit_records(
        server.runtime.context, AuditFilter(account_id=receiver.account_id), PageRequest(10)
    )
    by_operation = {r.operation: r for r in page.items}
    huawei = by_operation["AcceptResourceShareInvitation"]
    aws = by_operation["aws:AcceptResourceShareInvitation"]
    assert huawei.targets == [huawei_id] and aws.targets == [_id(arns[1])]
    assert (
        huawei.outcome.split(" ")[0] == aws.outcome.split(" ")[0] == ("404" if refused else "200")
    )
