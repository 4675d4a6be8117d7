"""A share bound to a customer-managed permission (AWS RAM's, made and bound through boto3)
decides by that permission's actions, for the version bound: through POST
/sharekeeper/v1/authorize, /accessible-resources, and the in-process checker, whose snapshot
carries the template and whose feed makes it reload on a customer-managed binding's event."""

from __future__ import annotations

import json
import uuid

from sharekeeper.testing import Account
from tests.api.checker_support import agree, checker_for, local
from tests.api.decision_support import ACCESSIBLE, ask, call, decision
from tests.api.feed_support import read_all, tail
from tests.aws.botocore_shapes import valid
from tests.support import LiveServer, SignedHttp

GET_ONLY = json.dumps({"Effect": "Allow", "Action": ["vpc:subnets:get"]})
AWS_ONLY = json.dumps({"Effect": "Allow", "Action": ["ec2:DescribeSubnets"]})
CONDITIONED = json.dumps(
    {
        "Effect": "Allow",
        "Action": ["vpc:subnets:get"],
        "Condition": {"StringEquals": {"aws:RequestedRegion": "us-east-1"}},
    }
)
AWS_DEFAULT = "arn:aws:ram::aws:permission/AWSRAMDefaultPermissionSubnet"


def _permission(owner: Account, template: str) -> str:
    answer = owner.aws("ram").create_permission(
        name="p-" + uuid.uuid4().hex[:8], resourceType="ec2:Subnet", policyTemplate=template
    )
    return str(valid("ram", "CreatePermission", answer)["permission"]["arn"])


def _shared(owner: Account, receiver: Account, permission_arn: str) -> tuple[str, str]:
    """(share ARN, resource URN) of a subnet shared through AWS's API with ``receiver``,
    bound to the permission, its invitation accepted."""
    name = "subnet-" + uuid.uuid4().hex[:8]
    made = owner.aws("ram").create_resource_share(
        name=name,
        principals=[receiver.aws_account_id],
        resourceArns=[f"arn:aws:ec2:us-east-1:{owner.aws_account_id}:subnet/{name}"],
        permissionArns=[permission_arn],
    )
    share_arn = str(valid("ram", "CreateResourceShare", made)["resourceShare"]["resourceShareArn"])
    ram = receiver.aws("ram")
    (invitation,) = [
        i
        for i in ram.get_resource_share_invitations()["resourceShareInvitations"]
        if i["resourceShareArn"] == share_arn
    ]
    ram.accept_resource_share_invitation(
        resourceShareInvitationArn=invitation["resourceShareInvitationArn"]
    )
    return share_arn, f"vpc:us-east-1:{owner.account_id}:subnet:{name}"


def test_the_bound_permissions_actions_decide(
    decider: LiveServer, wire: SignedHttp, vpc: Account
) -> None:
    owner, receiver = decider.account("owner"), decider.account("receiver")
    get_only = _permission(owner, GET_ONLY)
    _, urn = _shared(owner, receiver, get_only)
    allowed = ask(wire, vpc, receiver, "vpc:subnets:get", urn)
    assert allowed["decision"] == "allow"
    (reason,) = allowed["reasons"]
    assert reason["code"] == "allowed_by_share" and reason["permission_version"] == 1
    # The catalogue's default would allow these; the bound permission does not.
    assert decision(wire, vpc, receiver, "vpc:subnets:list", urn) == "deny"
    assert decision(wire, vpc, receiver, "vpc:ports:create", urn) == "deny"
    # AWS's actions name nothing a vpc decision asks about; a Condition cannot be evaluated.
    for template in (AWS_ONLY, CONDITIONED):
        _, other = _shared(owner, receiver, _permission(owner, template))
        assert ask(wire, vpc, receiver, "vpc:subnets:get", other) == {
            "decision": "deny",
            "reasons": [],
        }
    # A new default version changes no share (AWS's rule): the bound version decides.
    ram = owner.aws("ram")
    ram.create_permission_version(permissionArn=get_only, policyTemplate=AWS_ONLY)
    assert decision(wire, vpc, receiver, "vpc:subnets:get", urn) == "allow"
    ram.replace_permission_associations(fromPermissionArn=get_only, toPermissionArn=get_only)
    assert decision(wire, vpc, receiver, "vpc:subnets:get", urn) == "deny"


def test_accessible_resources_follow_the_bound_permission(
    decider: LiveServer, wire: SignedHttp, vpc: Account
) -> None:
    owner, receiver = decider.account("owner"), decider.account("receiver")
    _, urn = _shared(owner, receiver, _permission(owner, GET_ONLY))

    def listed(action: str) -> list[str]:
        asked = {"principal": receiver.account_id, "resource_type": "vpc:subnet", "action": action}
        response = call(wire, vpc, ACCESSIBLE, asked)
        assert response.status_code == 200, response.text
        return [r["resource_urn"] for r in response.json()["resources"]]

    assert urn in listed("vpc:subnets:get")
    assert urn not in listed("vpc:ports:create")  # the catalogue's default allows it


def _events(decider: LiveServer, after: str, share_id: str) -> list[tuple[str, str]]:
    found, _ = read_all(decider, after)
    return [
        (e["type"], e["data"]["permission_name"])
        for e in found
        if e["type"].startswith("sharekeeper.ram.permission.") and e["subject"] == share_id
    ]


def test_the_checker_follows_customer_managed_bindings(
    decider: LiveServer, wire: SignedHttp, vpc: Account
) -> None:
    owner, receiver = decider.account("owner"), decider.account("receiver")
    get_only = _permission(owner, GET_ONLY)
    aws_only = _permission(owner, AWS_ONLY)
    share_arn, urn = _shared(owner, receiver, get_only)
    share_id = share_arn.rsplit("/", 1)[1]
    ram = owner.aws("ram")
    start = tail(decider)
    with checker_for(decider, vpc) as checker:  # the snapshot carries the template
        assert agree(checker, wire, vpc, receiver, urn) == "allow"
        assert local(checker, receiver, "vpc:ports:create", urn)["decision"] == "deny"
        ram.associate_resource_share_permission(
            resourceShareArn=share_arn, permissionArn=aws_only, replace=True
        )
        assert agree(checker, wire, vpc, receiver, urn) == "deny"  # through the feed: reload
        ram.associate_resource_share_permission(
            resourceShareArn=share_arn, permissionArn=AWS_DEFAULT, replace=True
        )
        assert agree(checker, wire, vpc, receiver, urn) == "allow"
        assert local(checker, receiver, "vpc:ports:create", urn)["decision"] == "allow"
        ram.associate_resource_share_permission(
            resourceShareArn=share_arn, permissionArn=get_only, replace=True
        )
        assert agree(checker, wire, vpc, receiver, urn) == "allow"
        assert local(checker, receiver, "vpc:ports:create", urn)["decision"] == "deny"
    get_name, aws_name = (arn.rsplit("/", 1)[1] for arn in (get_only, aws_only))
    replaced = "sharekeeper.ram.permission.replaced"
    assert _events(decider, start, share_id) == [
        (replaced, aws_name),
        (replaced, "default-vpc-subnet"),
        (replaced, get_name),
    ]
