"""GetResourcePolicies through boto3: one IAM policy document per shared resource of the
caller, naming the principals its shares reach and their bound permissions' actions; the
principal filter, paging, isolation; every answer checked against botocore's model (docs/aws.md
"Resource policies")."""

from __future__ import annotations

import json
from typing import Any

from sharekeeper.aws.arns import aws_node_id
from tests.aws.botocore_shapes import valid
from tests.aws.test_ram_associations import accept
from tests.aws.test_ram_flow import code_of, share_to, subnet_arn
from tests.support import Account, LiveServer

DEFAULT_ACTIONS = ["vpc:subnets:get", "vpc:subnets:list"]


def policies(account: Account, *arns: str, **members: Any) -> list[dict[str, Any]]:
    answer = account.aws("ram").get_resource_policies(resourceArns=list(arns), **members)
    return [json.loads(p) for p in valid("ram", "GetResourcePolicies", answer)["policies"]]


def actions_of(owner: Account) -> list[str]:
    """The actions of the default permission for subnets, as GetPermission shows them."""
    ram = owner.aws("ram")
    listed = ram.list_permissions(resourceType="ec2:Subnet")["permissions"]
    (default,) = [p for p in listed if p["defaultVersion"] and p.get("isResourceTypeDefault")]
    permission = ram.get_permission(permissionArn=default["arn"])["permission"]
    statements = json.loads(permission["permission"])["Statement"]
    return [a for s in statements for a in s["Action"]]


def test_a_shared_resource_has_one_policy_naming_who_accepted_and_the_actions(
    owner: Account, receiver: Account, outsider: Account
) -> None:
    arn = subnet_arn(owner, "shared-subnet")
    share = share_to(owner, receiver)
    # Invited but not yet accepted: the policy names nobody, so there is none.
    assert policies(owner, arn) == []
    accept(receiver)
    (policy,) = policies(owner, arn, subnet_arn(owner, "never-shared"))
    assert policy["Version"] == "2012-10-17"
    (statement,) = policy["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Principal"] == {"AWS": [receiver.aws_account_id]}
    assert statement["Resource"] == arn
    assert statement["Action"] == actions_of(owner)
    assert statement["Sid"].startswith(share["resourceShareArn"].rsplit("/", 1)[1].replace("-", ""))
    # The principal filter: the receiver's shares only.
    assert policies(owner, arn, principal=receiver.aws_account_id) == [policy]
    assert policies(owner, arn, principal=outsider.aws_account_id) == []
    # Once the receiver leaves, its resource has no policy.
    owner.aws("ram").disassociate_resource_share(
        resourceShareArn=share["resourceShareArn"], principals=[receiver.aws_account_id]
    )
    assert policies(owner, arn) == []


def test_a_service_principal_is_conditioned_on_its_sources(
    owner: Account, receiver: Account
) -> None:
    ram = owner.aws("ram")
    arn = subnet_arn(owner)
    created = ram.create_resource_share(
        name="service", resourceArns=[arn], principals=["pca-connector-ad.amazonaws.com"]
    )
    share_arn = created["resourceShare"]["resourceShareArn"]
    (statement,) = policies(owner, arn)[0]["Statement"]
    assert statement["Principal"] == {"Service": ["pca-connector-ad.amazonaws.com"]}
    # No source named: the owner's own account, as AWS fills aws:SourceAccount.
    assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": [owner.aws_account_id]}}
    ram.associate_resource_share(resourceShareArn=share_arn, sources=[receiver.aws_account_id])
    (statement,) = policies(owner, arn)[0]["Statement"]
    assert statement["Condition"]["StringEquals"]["aws:SourceAccount"] == [receiver.aws_account_id]
    assert policies(owner, arn, principal="pca-connector-ad.amazonaws.com") != []


def test_organization_and_ou_principals_read_as_conditions(
    server: LiveServer, owner: Account, receiver: Account
) -> None:
    organization = server.organization(owner)
    ou_id, _ = organization.ou("team")
    organization.add(receiver, ou_id)
    ram = owner.aws("ram")
    ram.enable_sharing_with_aws_organization()
    org_arn = f"arn:aws:organizations::{owner.aws_account_id}:organization/{organization.id}"
    ou_arn = f"arn:aws:organizations::{owner.aws_account_id}:ou/{organization.id}/{ou_id}"
    root = organization.root_id
    root_arn = f"arn:aws:organizations::{owner.aws_account_id}:root/{organization.id}/{root}"
    arn = subnet_arn(owner)
    ram.create_resource_share(
        name="org", resourceArns=[arn], principals=[org_arn, ou_arn, root_arn]
    )
    statements = policies(owner, arn)[0]["Statement"]
    assert [s["Principal"] for s in statements] == [{"AWS": "*"}, {"AWS": "*"}]
    assert statements[0]["Condition"] == {"StringEquals": {"aws:PrincipalOrgID": [organization.id]}}
    assert statements[1]["Condition"] == {
        "ForAnyValue:StringLike": {
            "aws:PrincipalOrgPaths": [
                f"{organization.id}/*/{aws_node_id(ou_id)}/*",
                f"{organization.id}/{root}/*",
            ]
        }
    }
    assert len({s["Sid"] for s in statements}) == 2


def test_policies_page_with_next_token_in_the_order_named(owner: Account) -> None:
    arns = [subnet_arn(owner, f"subnet-{n}") for n in range(5)]
    owner.aws("ram").create_resource_share(
        name="many", resourceArns=arns, principals=["pca-connector-ad.amazonaws.com"]
    )
    seen: list[str] = []
    token: dict[str, str] = {}
    while True:
        answer = owner.aws("ram").get_resource_policies(
            resourceArns=list(reversed(arns)), maxResults=2, **token
        )
        page = valid("ram", "GetResourcePolicies", answer)
        assert len(page["policies"]) <= 2
        seen += [json.loads(p)["Statement"][0]["Resource"] for p in page["policies"]]
        if "nextToken" not in page:
            break
        token = {"nextToken": page["nextToken"]}
    assert seen == list(reversed(arns))


def test_only_the_owner_reads_its_resources_policies(
    owner: Account, receiver: Account, outsider: Account
) -> None:
    share_to(owner, receiver)
    accept(receiver)
    arn = subnet_arn(owner, "shared-subnet")
    # Another account's resource is not the caller's to ask about.
    for caller in (receiver, outsider):
        assert code_of(caller.aws("ram").get_resource_policies, resourceArns=[arn]) == (
            "InvalidParameterException"
        )
    ram = outsider.aws("ram")
    assert code_of(ram.get_resource_policies, resourceArns=["nope"]) == "MalformedArnException"
    assert code_of(ram.get_resource_policies, resourceArns=[subnet_arn(outsider)] * 2) == (
        "InvalidParameterException"
    )
    assert policies(outsider, subnet_arn(outsider)) == []


def test_a_customer_managed_permission_gives_its_own_actions_and_condition(
    owner: Account, receiver: Account
) -> None:
    ram = owner.aws("ram")
    template = {
        "Effect": "Allow",
        "Action": ["ec2:DescribeSubnets"],
        "Condition": {"StringEquals": {"aws:RequestedRegion": "us-east-1"}},
    }
    permission = ram.create_permission(
        name="described-subnets", resourceType="ec2:Subnet", policyTemplate=json.dumps(template)
    )["permission"]["arn"]
    arn = subnet_arn(owner, "own-permission")
    ram.create_resource_share(
        name="own-permission",
        resourceArns=[arn],
        principals=[receiver.aws_account_id],
        permissionArns=[permission],
    )
    accept(receiver)
    (statement,) = policies(owner, arn)[0]["Statement"]
    assert statement["Action"] == ["ec2:DescribeSubnets"]
    assert statement["Principal"] == {"AWS": [receiver.aws_account_id]}
    assert statement["Condition"] == template["Condition"]
