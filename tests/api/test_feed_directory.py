"""The change feed's directory events as Huawei's Organizations API makes them, through the
official SDK: an organization founded, an OU made and deleted, an account invited (it joins
on accepting), created, moved, leaving, closed, organization sharing switched as a trusted
service, and the organization deleted. Tags on a share update it. Policies (ShareKeeper's
additions to the issue's types): created, updated, attached, detached, deleted, and the root's
policy types switched, dry-run policies left out; a service principal reads them too."""

from __future__ import annotations

from huaweicloudsdkorganizations.v1 import (
    CloseAccountRequest,
    CreateAccountReqBody,
    CreateAccountRequest,
    CreateDryRunPolicyReqBody,
    CreateDryRunPolicyRequest,
    CreateOrganizationRequest,
    DeleteOrganizationalUnitRequest,
    DeleteOrganizationRequest,
    DeletePolicyRequest,
    LeaveOrganizationRequest,
    ListRootsRequest,
    UpdatePolicyReqBody,
    UpdatePolicyRequest,
)

from sharekeeper.domain.policies import scp_within
from sharekeeper.testing import Account
from tests.api.decision_support import make_service, sharing_organization
from tests.api.feed_support import kinds, page, read_all, service_read, tail
from tests.sdk.helpers import create_share
from tests.sdk.test_organization_members import accept, invite, move
from tests.sdk.test_organization_policies import (
    SCP,
    TAG,
    attach,
    create,
    detach,
    scp,
    set_type,
    tag_policy,
)
from tests.sdk.test_organizations_api import create_ou, trust
from tests.sdk.test_permissions_and_tags import tag, untag
from tests.support import LiveServer, SignedHttp

RAM = "service.RAM"


def test_the_organizations_api_writes_the_directory_events(decider: LiveServer) -> None:
    manager, joiner = decider.account("manager"), decider.account("joiner")
    before = tail(decider)
    api = manager.organizations
    organization = api.create_organization(CreateOrganizationRequest()).organization
    (root,) = api.list_roots(ListRootsRequest()).roots
    unit = create_ou(manager, root.id, "apps")
    accept(joiner, invite(manager, joiner).id)
    made = api.create_account(CreateAccountRequest(body=CreateAccountReqBody(name="farm")))
    created_id = made.create_account_status.account_id
    move(manager, joiner, root.id, unit.id)
    trust(manager, RAM)
    trust(manager, RAM, enabled=False)
    joiner.organizations.leave_organization(LeaveOrganizationRequest())
    api.close_account(CloseAccountRequest(account_id=created_id))
    api.delete_organizational_unit(DeleteOrganizationalUnitRequest(organizational_unit_id=unit.id))
    api.delete_organization(DeleteOrganizationRequest())
    events, _ = read_all(decider, before)
    o = organization.id
    assert kinds(events) == [
        ("organizations.unit.created", o),
        ("organizations.account.joined", o),
        ("organizations.unit.created", o),
        ("organizations.account.joined", o),
        ("organizations.account.joined", o),
        ("organizations.account.moved", o),
        ("ram.organization_sharing.enabled", o),
        ("ram.organization_sharing.disabled", o),
        ("organizations.account.left", o),
        ("organizations.account.left", o),
        ("organizations.unit.deleted", o),
        ("organizations.account.left", o),
        ("organizations.unit.deleted", o),
    ]
    assert [e["data"].get("id") for e in events] == [
        root.id,
        manager.account_id,
        unit.id,
        joiner.account_id,
        created_id,
        joiner.account_id,
        None,  # organization sharing: {"organization_id", "enabled"}
        None,
        joiner.account_id,
        created_id,
        unit.id,
        manager.account_id,
        root.id,
    ]
    assert events[2]["data"]["urn"] == unit.urn
    assert events[3]["data"]["join_method"] == "invited"
    assert events[4]["data"]["join_method"] == "created"
    assert events[5]["data"]["parent_id"] == unit.id
    assert events[6]["data"] == {"organization_id": o, "enabled": True}


def test_tagging_a_share_updates_it(decider: LiveServer) -> None:
    owner = decider.account("owner")
    share = create_share(owner, "tagged")
    before = tail(decider)
    tag(owner, share.id, team="blue")
    untag(owner, share.id, ("team", None))
    events, _ = read_all(decider, before)
    assert kinds(events) == [("ram.resource_share.updated", share.id)] * 2
    assert events[0]["data"]["tags"] == [{"key": "team", "value": "blue"}]
    assert events[1]["data"]["tags"] == []


def test_policy_changes_are_directory_events(
    decider: LiveServer, wire: SignedHttp, vpc: Account
) -> None:
    management, org = sharing_organization(decider)
    member = decider.account("member")
    org.add(member)
    start = tail(decider)
    set_type(management, org.root_id, SCP, enabled=True)
    policy = create(management, "no-ports", scp(["vpc:ports:*"], "Deny"))
    attach(management, policy.id, member.account_id)
    body = UpdatePolicyReqBody(content=scp(["vpc:*"], "Deny"))
    management.organizations.update_policy(UpdatePolicyRequest(policy_id=policy.id, body=body))
    detach(management, policy.id, member.account_id)
    management.organizations.delete_policy(DeletePolicyRequest(policy_id=policy.id))
    set_type(management, org.root_id, SCP, enabled=False)
    set_type(management, org.root_id, SCP, enabled=False)  # as it is: nothing changed
    create(management, "tags", tag_policy("team"), TAG)
    trial = CreateDryRunPolicyReqBody(content=scp(["*"], "Deny"), name="trial", type=SCP)
    management.organizations.create_dry_run_policy(CreateDryRunPolicyRequest(body=trial))
    events, _ = read_all(decider, start)
    o = org.id
    assert kinds(events) == [
        ("organizations.policy_type.enabled", o),
        ("organizations.policy.created", o),
        ("organizations.policy.attached", o),
        ("organizations.policy.updated", o),
        ("organizations.policy.detached", o),
        ("organizations.policy.deleted", o),
        ("organizations.policy_type.disabled", o),
        ("organizations.policy.created", o),
    ]
    enabled, created, attached, updated, detached, deleted, disabled, tags = (
        e["data"] for e in events
    )
    assert enabled["policy_type"] == SCP and enabled["organization_id"] == o
    assert enabled["root"]["id"] == org.root_id
    assert {"status": "enabled", "type": SCP} in enabled["root"]["policy_types"]
    assert {"status": "disabled", "type": SCP} in disabled["root"]["policy_types"]
    # As ShowPolicy answers its "policy": the content and the summary.
    assert created["content"] == scp(["vpc:ports:*"], "Deny")
    assert created["policy_summary"]["id"] == policy.id
    assert created["policy_summary"]["type"] == SCP
    assert updated["content"] == scp(["vpc:*"], "Deny")
    assert deleted["policy_summary"]["id"] == policy.id
    for placed in (attached, detached):
        assert placed["entity_id"] == member.account_id
        assert placed["policy_summary"]["id"] == policy.id
    assert tags["policy_summary"]["type"] == TAG
    # A service principal reads them as directory events, and of a policy's content only
    # what its snapshot would show: an SCP's statements about its namespaces, no tag policy.
    seen, _ = page(service_read(wire, vpc, f"after={start}&limit=1000"))
    assert [e["id"] for e in seen] == [e["id"] for e in events]
    shown = {e["id"]: e["data"] for e in seen}
    assert shown[events[1]["id"]]["content"] == scp_within(created["content"], ("vpc",))
    assert shown[events[3]["id"]]["content"] == scp_within(updated["content"], ("vpc",))
    assert shown[events[5]["id"]]["content"] == shown[events[3]["id"]]["content"]
    assert shown[events[7]["id"]]["content"] is None
    assert shown[events[1]["id"]]["policy_summary"] == created["policy_summary"]
    dns = make_service(decider, "dns")
    elsewhere, _ = page(service_read(wire, dns, f"after={start}&limit=1000"))
    assert [e["data"]["content"] for e in elsewhere if "content" in e["data"]] == [None] * 4
