"""A service principal's decisions follow its share's sources: a share made through AWS's
API with a service principal (docs/aws.md "Service principals and sources") lets the service
act on the resource for the accounts its sources name, or with none named for the owner alone;
asked through the decision API as a resource service asks (docs/enforcement.md)."""

from __future__ import annotations

from typing import Any

from sharekeeper.testing import Account
from tests.api.decision_support import AUTHORIZE, call
from tests.support import LiveServer, SignedHttp

SERVICE = "pca-connector-ad"


def ask(wire: SignedHttp, vpc: Account, urn: str, **members: Any) -> Any:
    body = {"principal": "service:" + SERVICE, "action": "vpc:subnets:get", "resource": urn}
    return call(wire, vpc, AUTHORIZE, body | members)


def verdict(wire: SignedHttp, vpc: Account, urn: str, source: Account) -> str:
    response = ask(wire, vpc, urn, source_account=source.account_id)
    assert response.status_code == 200, response.text
    return str(response.json()["decision"])


def test_a_service_acts_only_for_its_shares_sources(
    decider: LiveServer, wire: SignedHttp, vpc: Account
) -> None:
    owner, other = decider.account("owner"), decider.account("other")
    ram = owner.aws("ram")
    arn = f"arn:aws:ec2:us-east-1:{owner.aws_account_id}:subnet/subnet-svc"
    urn = f"vpc:us-east-1:{owner.account_id}:subnet:subnet-svc"
    assert verdict(wire, vpc, urn, owner) == "deny"  # not shared yet
    created = ram.create_resource_share(
        name="svc", resourceArns=[arn], principals=[SERVICE + ".amazonaws.com"]
    )
    share_arn = created["resourceShare"]["resourceShareArn"]
    # No source named: the service acts for the owner alone.
    assert verdict(wire, vpc, urn, owner) == "allow"
    assert verdict(wire, vpc, urn, other) == "deny"
    ram.associate_resource_share(resourceShareArn=share_arn, sources=[other.aws_account_id])
    assert verdict(wire, vpc, urn, other) == "allow"
    assert verdict(wire, vpc, urn, owner) == "deny"  # the sources now name only the other
    batch = {
        "requests": [
            {
                "principal": "service:" + SERVICE,
                "action": "vpc:subnets:get",
                "resource": urn,
                "source_account": account.account_id,
            }
            for account in (owner, other)
        ]
    }
    answered = call(wire, vpc, AUTHORIZE, batch).json()["results"]
    assert [r["decision"] for r in answered] == ["deny", "allow"]
    ram.disassociate_resource_share(
        resourceShareArn=share_arn, principals=[SERVICE + ".amazonaws.com"]
    )
    assert verdict(wire, vpc, urn, other) == "deny"


def test_a_service_question_names_its_source_and_an_accounts_names_none(
    decider: LiveServer, wire: SignedHttp, vpc: Account
) -> None:
    owner = decider.account("owner")
    urn = f"vpc:us-east-1:{owner.account_id}:subnet:subnet-any"
    missing = ask(wire, vpc, urn)
    assert (missing.status_code, missing.json()["error_code"]) == (400, "RAM.9100")
    assert "source_account" in missing.json()["error_msg"]
    bad = ask(wire, vpc, urn, source_account="not-an-account")
    assert bad.status_code == 400
    body = {"principal": owner.account_id, "action": "vpc:subnets:get", "resource": urn}
    extra = call(wire, vpc, AUTHORIZE, body | {"source_account": owner.account_id})
    assert (extra.status_code, extra.json()["error_code"]) == (400, "RAM.9100")
