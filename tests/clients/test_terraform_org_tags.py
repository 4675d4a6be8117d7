"""terraform-provider-huaweicloud's Organizations resources with tags and contact details, and
its small data sources, as the provider calls them (tests/clients/terraform.py: OrgProvider):
the organization with root_tags (R1), an OU with tags and a change of them (R2), an account
with tags and contact details (R3), the organization data source (D1), services (D8),
tag-policy services (D9), quotas (D10), resource tags (D11), resource instances (D12) and
close-account statuses (D16). Each CRUD replay ends in the read that would plan no change."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.clients.golang import GoError
from tests.clients.terraform import (
    AccountConfig,
    OrgProvider,
    Provider,
    ShareConfig,
    changed,
    org_gone,
)
from tests.support import Account, LiveServer

REGION = "cn-north-4"


def provider(account: Account) -> OrgProvider:
    return OrgProvider(account.endpoint, account.access_key, account.secret_key, REGION)


@pytest.fixture
def manager(owner: Account) -> Iterator[OrgProvider]:
    made = provider(owner)
    yield made
    made.close()


def test_organization_with_root_tags_plans_clean(manager: OrgProvider) -> None:
    # R1 create with root_tags: the organization, ListRoots, then CreateTagResource on the root.
    manager.create_organization({"env": "prod"})
    state = manager.read_organization()
    assert state is not None
    assert state["root_tags"] == {"env": "prod"}
    assert not changed({"env": "prod"}, state["root_tags"])

    # Update: every old tag deleted, every new one created; the read matches the new config.
    manager.update_organization({"env": "prod"}, {"env": "dev", "team": "net"})
    state = manager.read_organization()
    assert state is not None and state["root_tags"] == {"env": "dev", "team": "net"}
    assert not changed({"env": "dev", "team": "net"}, state["root_tags"])

    # root_tags removed from the configuration: deleted, and read back as an empty map.
    manager.update_organization({"env": "dev", "team": "net"}, {})
    state = manager.read_organization()
    assert state is not None and state["root_tags"] == {}
    assert not changed({}, state["root_tags"])

    # Destroy, then every read finds it gone (401 1015).
    manager.go.call("DELETE", "/v1/organizations", json_type=True)
    assert manager.read_organization() is None


def test_organization_without_tags_plans_clean(manager: OrgProvider) -> None:
    # The run's endless diff: an untagged root must read back as an empty map, not unset.
    manager.create_organization({})
    state = manager.read_organization()
    assert state is not None and state["root_tags"] == {}
    assert not changed(None, state["root_tags"])
    assert state["enabled_policy_types"] == []


def test_ou_with_tags_and_a_change_of_them_plans_clean(manager: OrgProvider) -> None:
    manager.create_organization({})
    root_id = manager.root()["id"]
    # R2: tags in the create body.
    ou_id = manager.create_ou("platform", root_id, {"team": "net", "env": "prod"})
    state = manager.read_ou(ou_id)
    assert state is not None and state["tags"] == {"team": "net", "env": "prod"}
    assert not changed({"team": "net", "env": "prod"}, state["tags"])

    # A rename and a change of one tag: PATCH, then tags/delete (all old), tags/create (all new).
    old = ("platform", {"team": "net", "env": "prod"})
    new = ("platform-2", {"team": "platform", "env": "prod"})
    manager.update_ou(ou_id, old, new)
    state = manager.read_ou(ou_id)
    assert state is not None
    assert (state["name"], state["tags"]) == new
    assert not changed(new[1], state["tags"])

    # An OU without tags ("tags": null in its body) reads back as an empty map.
    bare = manager.create_ou("bare", root_id, {})
    bare_state = manager.read_ou(bare)
    assert bare_state is not None and bare_state["tags"] == {}

    # D11: the keys of the type with their values.
    assert manager.resource_tags("organizations:ous") == [
        {"key": "env", "values": ["prod"]},
        {"key": "team", "values": ["platform"]},
    ]

    # Destroy: the OU is gone, its tags with it (a later read of them is 404).
    for unit in (ou_id, bare):
        manager.go.call("DELETE", f"/v1/organizations/organizational-units/{unit}")
        assert manager.read_ou(unit) is None
    with pytest.raises(GoError) as missing:
        manager.go.call("GET", f"/v1/organizations/organizations:ous/{ou_id}/tags")
    assert org_gone(missing.value)
    assert manager.resource_tags("organizations:ous") == []


def test_account_with_tags_and_contact_details_plans_clean(manager: OrgProvider) -> None:
    manager.create_organization({})
    root_id = manager.root()["id"]
    ou_id = manager.create_ou("accounts", root_id, {})
    # R3 with email and phone: v1, polled, moved under the OU.
    config = AccountConfig(
        name="tf-tagged",
        description="made by tf",
        parent_id=ou_id,
        email="ops@example.com",
        phone="13800000000",
        tags={"owner": "ops"},
    )
    account_id = manager.create_account(config)
    state = manager.read_account(account_id)
    assert state is not None
    # email and phone are Optional+Computed+ForceNew: anything else plans a replacement.
    assert (state["email"], state["phone"]) == (config.email, config.phone)
    assert (state["name"], state["description"], state["parent_id"]) == (
        config.name,
        config.description,
        ou_id,
    )
    assert not changed(config.tags, state["tags"])

    # A change of tags and description.
    new = AccountConfig(**{**config.__dict__, "description": "", "tags": {"owner": "net"}})
    manager.update_account(account_id, config, new)
    state = manager.read_account(account_id)
    assert state is not None
    assert (state["description"], state["tags"]) == ("", {"owner": "net"})

    # Without with_register_contact_info the contact details are not sent.
    plain = manager.go.call("GET", f"/v1/organizations/accounts/{account_id}")["account"]
    assert "email" not in plain and "mobile_phone" not in plain
    listed = manager.go.call(
        "GET", "/v1/organizations/accounts", query="limit=200&with_register_contact_info=true"
    )["accounts"]
    (mine,) = [a for a in listed if a["id"] == account_id]
    assert (mine["email"], mine["mobile_phone"]) == (config.email, config.phone)

    # An account without either: v2, no contact details, an empty tag map.
    bare_id = manager.create_account(AccountConfig(name="tf-bare"))
    bare = manager.read_account(bare_id)
    assert bare is not None
    assert (bare["email"], bare["phone"], bare["tags"]) == ("", "", {})

    # D12: accounts by tag, then untagged ones, then by name.
    found = manager.resource_instances(
        "organizations:accounts", {"tags": [{"key": "owner", "values": ["net", "x"]}]}
    )
    assert [(r["resource_id"], r["tags"]) for r in found] == [(account_id, {"owner": "net"})]
    untagged = manager.resource_instances("organizations:accounts", {"without_any_tag": True})
    assert account_id not in {r["resource_id"] for r in untagged}
    assert bare_id in {r["resource_id"] for r in untagged}
    named = manager.resource_instances(
        "organizations:accounts", {"matches": [{"key": "resource_name", "value": "tf-b"}]}
    )
    assert [r["resource_id"] for r in named] == [bare_id]

    # Destroy: close; the read finds it gone, closing again too; D16 lists it suspended.
    manager.delete_account(account_id)
    assert manager.read_account(account_id) is None
    manager.delete_account(account_id)
    statuses = manager.close_account_statuses(["suspended"])
    assert [(s["account_id"], s["state"]) for s in statuses] == [(account_id, "suspended")]
    assert statuses[0]["created_at"].endswith("Z")
    assert manager.close_account_statuses(["pending_closure"]) == []
    # Its tags left with it.
    assert manager.resource_tags("organizations:accounts") == []


def test_organization_data_source_and_services(
    server: LiveServer, manager: OrgProvider, receiver: Account
) -> None:
    manager.create_organization({"cost-center": "42"})
    # D1: ShowOrganization, ListRoots, the root's tags.
    state = manager.read_organization()
    assert state is not None and state["root_tags"] == {"cost-center": "42"}
    # A plain member: ShowOrganization answers, ListRoots is Huawei's 1002.
    handshake = manager.go.call(
        "POST",
        "/v1/organizations/accounts/invite",
        {"target": {"type": "account", "entity": receiver.account_id}, "notes": ""},
    )["handshake"]["id"]
    member = provider(receiver)
    try:
        member.go.call("POST", f"/v1/received-handshakes/{handshake}/accept")
        member.go.call("GET", "/v1/organizations", json_type=True)
        with pytest.raises(GoError) as refused:
            member.read_organization()
        assert (refused.value.status, refused.value.code) == (401, "Organizations.1002")
    finally:
        member.close()

    # D8: the trusted-service principals; D9: the catalogue's services.
    services = manager.services()
    assert "service.RAM" in services and services == sorted(services)
    tag_services = manager.tag_policy_services()
    vpc = [s for s in tag_services if s["service_name"] == "vpc"]
    assert vpc == [{"service_name": "vpc", "resource_types": ["subnet"], "support_all": True}]

    # D10: the quotas, each a number; the member counts with the management account.
    quotas = {q["type"]: q for q in manager.quotas()}
    assert set(quotas) >= {"account", "organizational_unit", "policy"}
    assert quotas["account"]["used"] == 2 and quotas["organizational_unit"]["used"] == 0
    assert all(isinstance(q[k], int) for q in quotas.values() for k in ("quota", "min", "max"))

    # D12 on roots: the root by its tag; policies: none yet.
    roots = manager.resource_instances(
        "organizations:roots", {"tags": [{"key": "cost-center", "values": ["42"]}]}
    )
    assert [(r["resource_id"], r["resource_name"]) for r in roots] == [(state["root_id"], "Root")]
    assert manager.resource_instances("organizations:policies", {}) == []


GUIDE = (Path(__file__).resolve().parents[2] / "docs" / "guide.md").read_text("utf-8")


def guide_example() -> str:
    hcl: str
    (hcl,) = re.findall(r"<!-- terraform-example -->\n```hcl\n(.*?)```", GUIDE, re.DOTALL)
    return hcl


def test_the_guides_example_sets_both_endpoints_and_counts_pending_invitations() -> None:
    hcl = guide_example()
    endpoints = re.findall(r"endpoints = \{(.*?)\}", hcl, re.DOTALL)
    assert len(endpoints) == 2  # Alice's and Bob's provider blocks
    for block in endpoints:
        assert re.search(r"\bram\s*=\s*local\.sharekeeper", block), block
        assert re.search(r"\borganizations\s*=\s*local\.sharekeeper", block), block
    assert re.search(r'status\s*=\s*"pending"', hcl)
    assert re.search(
        r"count\s*=\s*length\(data\.huaweicloud_ram_resource_share_invitations\.pending\."
        r"resource_share_invitations\)",
        hcl,
    )
    assert "resource_share_invitations[count.index].id" in hcl
    assert "[0]" not in hcl  # the index that fails once the invitation is accepted


def test_the_guides_flow_plans_clean_once_accepted(owner: Account, receiver: Account) -> None:
    """The example's applies: the share (-target), then one accepter per pending invitation;
    the next plan reads no pending invitation, so the accepter's count is 0 (no index into an
    empty list) and the share reads back as configured."""
    alice = Provider(owner.endpoint, owner.access_key, owner.secret_key, REGION)
    bob = Provider(receiver.endpoint, receiver.access_key, receiver.secret_key, REGION)
    try:
        config = ShareConfig(
            "shared-subnet", [receiver.account_id], [owner.urn("subnet-1")], tags={"env": "test"}
        )
        share_id = alice.create_share(config)

        def pending() -> list[dict[str, Any]]:
            body = {"resource_share_ids": [share_id], "status": "pending", "limit": 200}
            reply = bob.ram.call("POST", "/v1/resource-share-invitations/search", body)
            found: list[dict[str, Any]] = reply["resource_share_invitations"]
            return found

        invitations = pending()
        assert len(invitations) == 1  # count = 1
        for invitation in invitations:
            bob.answer_invitation(invitation["resource_share_invitation_id"], "accept")
        assert pending() == []  # count = 0 on every later plan
        state = alice.read_share(share_id)
        assert state is not None
        assert (state["principals"], state["tags"]) == ([receiver.account_id], {"env": "test"})
    finally:
        alice.close()
        bob.close()
