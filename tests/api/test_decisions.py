"""Decisions for resource services through signed HTTP (docs/enforcement.md): the decision
matrix (direct, via organization, via OU, invitations, disassociation, deletion, replaced
permissions, SCP denials, alias spellings), the batch form, bad input, the resources a
principal can use, paged, and the docs' integration example (keys: test_service_keys.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from huaweicloudsdkram.v1 import (
    DeleteResourceShareRequest,
)

from sharekeeper.testing import Account
from tests.api.decision_support import (
    ACCESSIBLE,
    AUTHORIZE,
    DEFAULT_SUBNET,
    READONLY_SUBNET,
    ask,
    call,
    decision,
    share_accepted,
    sharing_organization,
)
from tests.sdk.helpers import accept, create_share, disassociate, invitation_for, reject
from tests.sdk.test_organization_policies import SCP, attach, create, scp, set_type
from tests.sdk.test_permissions_and_tags import bind
from tests.support import LiveServer, SignedHttp


def test_a_direct_share_allows_once_accepted_within_its_permission(
    decider: LiveServer, wire: SignedHttp, vpc: Account
) -> None:
    owner, receiver = decider.account("owner"), decider.account("receiver")
    urn = owner.urn("subnet-direct")
    share = create_share(owner, "direct", principals=[receiver.account_id], resource_urns=[urn])
    # Pending: the invitation is not accepted yet.
    assert ask(wire, vpc, receiver, "vpc:subnets:get", urn) == {"decision": "deny", "reasons": []}
    accept(receiver, invitation_for(receiver, share.id).resource_share_invitation_id)
    allowed = ask(wire, vpc, receiver, "vpc:subnets:get", urn)
    assert allowed == {
        "decision": "allow",
        "reasons": [
            {
                "code": "allowed_by_share",
                "resource_share_id": share.id,
                "permission_id": DEFAULT_SUBNET,
                "permission_version": 2,
                "policy_id": None,
            }
        ],
    }
    # The permission bounds it: default v2 names vpc:ports:create, nothing names delete.
    assert decision(wire, vpc, receiver, "vpc:ports:create", urn) == "allow"
    assert decision(wire, vpc, receiver, "vpc:subnets:delete", urn) == "deny"
    # Another resource of the owner, another account: not shared.
    assert decision(wire, vpc, receiver, "vpc:subnets:get", owner.urn("subnet-other")) == "deny"
    assert decision(wire, vpc, decider.account("x"), "vpc:subnets:get", urn) == "deny"
    # The owner's own use is not RAM's to decide.
    assert ask(wire, vpc, owner, "vpc:subnets:get", urn) == {
        "decision": "deny",
        "reasons": [
            {
                "code": "principal_is_owner",
                "resource_share_id": None,
                "permission_id": None,
                "permission_version": None,
                "policy_id": None,
            }
        ],
    }


def test_rejected_disassociated_and_deleted_shares_deny(
    decider: LiveServer, wire: SignedHttp, vpc: Account
) -> None:
    owner, receiver = decider.account("owner"), decider.account("receiver")
    rejected_urn = owner.urn("subnet-rejected")
    share = create_share(
        owner, "rejected", principals=[receiver.account_id], resource_urns=[rejected_urn]
    )
    reject(receiver, invitation_for(receiver, share.id).resource_share_invitation_id)
    assert decision(wire, vpc, receiver, "vpc:subnets:get", rejected_urn) == "deny"

    urn = owner.urn("subnet-left")
    share = share_accepted(owner, receiver, urn)
    assert decision(wire, vpc, receiver, "vpc:subnets:get", urn) == "allow"
    disassociate(owner, share.id, resource_urns=[urn])
    assert decision(wire, vpc, receiver, "vpc:subnets:get", urn) == "deny"

    urn = owner.urn("subnet-principal-left")
    share = share_accepted(owner, receiver, urn)
    disassociate(owner, share.id, principals=[receiver.account_id])
    assert decision(wire, vpc, receiver, "vpc:subnets:get", urn) == "deny"

    urn = owner.urn("subnet-deleted")
    share = share_accepted(owner, receiver, urn)
    owner.ram.delete_resource_share(DeleteResourceShareRequest(resource_share_id=share.id))
    assert decision(wire, vpc, receiver, "vpc:subnets:get", urn) == "deny"


def test_a_replaced_permission_decides_from_then_on(
    decider: LiveServer, wire: SignedHttp, vpc: Account
) -> None:
    owner, receiver = decider.account("owner"), decider.account("receiver")
    urn = owner.urn("subnet-replaced")
    share = share_accepted(owner, receiver, urn)
    assert decision(wire, vpc, receiver, "vpc:ports:create", urn) == "allow"
    bind(owner, share.id, READONLY_SUBNET, replace=True)
    assert decision(wire, vpc, receiver, "vpc:ports:create", urn) == "deny"
    (reason,) = ask(wire, vpc, receiver, "vpc:subnets:get", urn)["reasons"]
    assert (reason["permission_id"], reason["permission_version"]) == (READONLY_SUBNET, 1)


def test_both_spellings_of_a_type_decide_alike(
    decider: LiveServer, wire: SignedHttp, vpc: Account
) -> None:
    owner, receiver = decider.account("owner"), decider.account("receiver")
    plural = owner.urn("subnet-alias", "vpc:subnets")
    share_accepted(owner, receiver, plural)
    singular = owner.urn("subnet-alias")
    assert decision(wire, vpc, receiver, "vpc:subnets:get", singular) == "allow"
    assert decision(wire, vpc, receiver, "vpc:subnets:get", plural) == "allow"


def test_organization_and_ou_principals_follow_the_directory(
    decider: LiveServer, wire: SignedHttp, vpc: Account
) -> None:
    management, org = sharing_organization(decider)
    member, stranger = decider.account("member"), decider.account("stranger")
    org.add(member)
    whole = management.urn("subnet-org")
    create_share(management, "to-org", principals=[org.urn], resource_urns=[whole])
    assert decision(wire, vpc, member, "vpc:subnets:get", whole) == "allow"
    assert decision(wire, vpc, stranger, "vpc:subnets:get", whole) == "deny"

    ou_id, ou_urn = org.ou("team")
    inner_id, _ = org.ou("inner", ou_id)
    in_ou = management.urn("subnet-ou")
    create_share(management, "to-ou", principals=[ou_urn], resource_urns=[in_ou])
    assert decision(wire, vpc, member, "vpc:subnets:get", in_ou) == "deny"  # at the root
    org.remove(member)
    org.add(member, inner_id)  # an OU below the shared one reaches it too
    assert decision(wire, vpc, member, "vpc:subnets:get", in_ou) == "allow"
    assert decision(wire, vpc, member, "vpc:subnets:get", whole) == "allow"
    org.add(member)  # moved out of the OU, back to the root: only the organization's share
    assert decision(wire, vpc, member, "vpc:subnets:get", in_ou) == "deny"
    assert decision(wire, vpc, member, "vpc:subnets:get", whole) == "allow"
    org.remove(member)  # left the organization: neither reaches it
    assert decision(wire, vpc, member, "vpc:subnets:get", in_ou) == "deny"
    assert decision(wire, vpc, member, "vpc:subnets:get", whole) == "deny"


def test_a_deny_in_a_service_control_policy_denies_with_that_policy(
    decider: LiveServer, wire: SignedHttp, vpc: Account
) -> None:
    management, org = sharing_organization(decider)
    member = decider.account("member")
    org.add(member)
    urn = management.urn("subnet-scp")
    create_share(management, "scp", principals=[org.urn], resource_urns=[urn])
    assert decision(wire, vpc, member, "vpc:ports:create", urn) == "allow"
    set_type(management, org.root_id, SCP, enabled=True)
    policy = create(management, "no-ports", scp(["vpc:ports:*"], "Deny"))
    assert decision(wire, vpc, member, "vpc:ports:create", urn) == "allow"  # not attached yet
    attach(management, policy.id, member.account_id)
    denied = ask(wire, vpc, member, "vpc:ports:create", urn)
    assert denied["decision"] == "deny"
    assert [(r["code"], r["policy_id"]) for r in denied["reasons"]] == [
        ("denied_by_service_control_policy", policy.id)
    ]
    assert decision(wire, vpc, member, "vpc:subnets:get", urn) == "allow"


def test_a_batch_answers_in_order_up_to_a_thousand(
    decider: LiveServer, wire: SignedHttp, vpc: Account
) -> None:
    owner, receiver = decider.account("owner"), decider.account("receiver")
    urn = owner.urn("subnet-batch")
    share_accepted(owner, receiver, urn)
    asked = [
        ("vpc:subnets:get", urn),
        ("vpc:subnets:delete", urn),
        ("vpc:subnets:get", owner.urn("subnet-none")),
        ("vpc:subnets:list", urn),
    ]
    requests = [
        {"principal": receiver.account_id, "action": a, "resource": r} for a, r in asked
    ] * 250
    response = call(wire, vpc, AUTHORIZE, {"requests": requests})
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["decision"] for r in results] == ["allow", "deny", "deny", "allow"] * 250
    too_many = call(wire, vpc, AUTHORIZE, {"requests": requests + requests[:1]})
    assert too_many.status_code == 400
    assert too_many.json()["error_code"] == "RAM.9100"
    bad = [*requests[:3], {**requests[0], "action": "vpc:*:get"}]
    refused = call(wire, vpc, AUTHORIZE, {"requests": bad})
    assert refused.status_code == 400
    assert refused.json()["error_msg"].startswith("requests[3]: ")


GOOD = {"principal": "0" * 32, "action": "vpc:subnets:get", "resource": "vpc:r:a:t:p"}
LISTED = {"principal": "0" * 32, "resource_type": "vpc:subnet"}


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (AUTHORIZE, {}),
        (AUTHORIZE, {**GOOD, "principal": "not-an-account"}),
        (AUTHORIZE, {**GOOD, "principal": "0" * 65}),
        (AUTHORIZE, {**GOOD, "principal": 5}),
        (AUTHORIZE, {**GOOD, "action": "vpc:subnets"}),
        (AUTHORIZE, {**GOOD, "action": "vpc:subnets:" + "g" * 300}),
        (AUTHORIZE, {**GOOD, "action": "vpc:sub\u0000nets:get"}),
        (AUTHORIZE, {**GOOD, "resource": "no-urn"}),
        (AUTHORIZE, {**GOOD, "resource": "vpc:r:a:t:" + "p" * 1500}),
        (AUTHORIZE, {"principal": "0" * 32, "action": "vpc:subnets:get"}),
        (AUTHORIZE, {"requests": []}),
        (AUTHORIZE, {"requests": [], "principal": "0" * 32}),
        (AUTHORIZE, {"requests": [GOOD, "not an object"]}),
        (AUTHORIZE, {"requests": {"principal": "0" * 32}}),
        (AUTHORIZE, {"requests": [{**GOOD, "principal": "0" * 31}]}),
        (AUTHORIZE, []),
        (AUTHORIZE, "not json"),
        (ACCESSIBLE, {}),
        (ACCESSIBLE, {**LISTED, "resource_type": "vpc"}),
        (ACCESSIBLE, {**LISTED, "resource_type": "vpc:nothing"}),
        (ACCESSIBLE, {**LISTED, "principal": "ABC"}),
        (ACCESSIBLE, {**LISTED, "action": "vpc:*:get"}),
        (ACCESSIBLE, {**LISTED, "limit": 0}),
        (ACCESSIBLE, {**LISTED, "limit": 2001}),
        (ACCESSIBLE, {**LISTED, "marker": "abc"}),
        (ACCESSIBLE, {**LISTED, "marker": "9" * 19}),
    ],
)
def test_bad_requests_are_400_in_the_api_shape(
    wire: SignedHttp, vpc: Account, path: str, body: Any
) -> None:
    raw = body if isinstance(body, str) else json.dumps(body).replace("\\\\u0000", "\\u0000")
    response = call(wire, vpc, path, raw)
    assert response.status_code == 400, response.text
    assert set(response.json()) == {"error_code", "error_msg", "request_id"}


def test_accessible_resources_are_keyset_paged_and_filtered_by_action(
    decider: LiveServer, wire: SignedHttp, vpc: Account
) -> None:
    owner, receiver = decider.account("owner"), decider.account("receiver")
    urns = [owner.urn(f"subnet-listed-{i}") for i in range(5)]
    full = share_accepted(owner, receiver, *urns[:3])
    readonly = share_accepted(owner, receiver, *urns[3:])
    bind(owner, readonly.id, READONLY_SUBNET, replace=True)
    create_share(owner, "pending", principals=[receiver.account_id], resource_urns=[owner.urn("p")])

    def listed(**extra: Any) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        marker = None
        for _ in range(10):
            asked = {"principal": receiver.account_id, "resource_type": "vpc:subnets", "limit": 2}
            response = call(wire, vpc, ACCESSIBLE, {**asked, **extra, "marker": marker})
            assert response.status_code == 200, response.text
            page = response.json()
            assert len(page["resources"]) <= 2
            found += page["resources"]
            marker = page["page_info"]["next_marker"]
            if marker is None:
                return found
        raise AssertionError("more pages than resources")

    everything = listed()
    assert [r["resource_urn"] for r in everything] == urns
    assert {r["resource_share_id"] for r in everything} == {full.id, readonly.id}
    assert {r["owner_account_id"] for r in everything} == {owner.account_id}
    ports = listed(action="vpc:ports:create")
    assert [r["resource_urn"] for r in ports] == urns[:3]
    bad = call(
        wire, vpc, ACCESSIBLE, {"principal": receiver.account_id, "resource_type": "vpc:nothing"}
    )
    assert bad.status_code == 400


ENFORCEMENT = (Path(__file__).resolve().parents[2] / "docs" / "enforcement.md").read_text("utf-8")


def test_the_integration_example_of_the_docs_runs_as_written(
    decider: LiveServer, vpc: Account
) -> None:
    (block,) = re.findall(
        r"<!-- enforcement-example -->\n```python\n(.*?)```", ENFORCEMENT, re.DOTALL
    )
    code = block.replace("http://127.0.0.1:9460", decider.endpoint)
    code = code.replace(
        '"SERVICE_ACCESS_KEY", "SERVICE_SECRET_KEY"', f"{vpc.access_key!r}, {vpc.secret_key!r}"
    )
    namespace: dict[str, Any] = {}
    exec(compile(code, "docs/enforcement.md", "exec"), namespace)
    owner, receiver = decider.account("owner"), decider.account("receiver")
    urns = [owner.urn(f"subnet-doc-{i}") for i in range(3)]
    assert namespace["visible_subnets"](receiver.account_id) == []
    share_accepted(owner, receiver, *urns)
    assert namespace["may"](receiver.account_id, "vpc:subnets:get", urns[1]) is True
    assert namespace["may"](receiver.account_id, "vpc:subnets:delete", urns[1]) is False
    assert namespace["visible_subnets"](receiver.account_id) == urns
