"""Organizations policies through the official SDK: service control and tag policies created,
shown, changed, listed, attached along the tree, detached and deleted; the root's policy
types; an account's effective tag policy; Huawei's limits; dry-run policies and the dry-run
configuration. Every refusal in the Organizations API's own shape."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from huaweicloudsdkorganizations.v1 import (
    AttachDryRunPolicyRequest,
    AttachPolicyRequest,
    CreateDryRunPolicyReqBody,
    CreateDryRunPolicyRequest,
    CreateOrganizationRequest,
    CreatePolicyReqBody,
    CreatePolicyRequest,
    DeleteOrganizationalUnitRequest,
    DeleteOrganizationRequest,
    DeletePolicyRequest,
    DetachPolicyRequest,
    DisablePolicyTypeRequest,
    EnablePolicyTypeRequest,
    ListDryRunPoliciesRequest,
    ListEntitiesForDryRunPolicyRequest,
    ListEntitiesForPolicyRequest,
    ListPoliciesRequest,
    ListRootsRequest,
    PolicyTachReqBody,
    PolicyTypeReqBody,
    ShowDryRunConfigRequest,
    ShowEffectivePoliciesRequest,
    ShowPolicyRequest,
    UpdateDryRunConfigReqBody,
    UpdateDryRunConfigRequest,
    UpdatePolicyReqBody,
    UpdatePolicyRequest,
)

from tests import figures
from tests.sdk.test_organization_members import accept, invite, move
from tests.sdk.test_organization_quotas import quotas, race
from tests.sdk.test_organizations_api import complete, create_ou, fails
from tests.support import Account, LiveServer, ServerProcess, server_processes

SCP = "service_control_policy"
TAG = "tag_policy"
DENY_DELETE = {
    "Version": "5.0",
    "Statement": [{"Effect": "Deny", "Action": ["ecs:servers:delete"], "Resource": ["*"]}],
}


def scp(actions: list[str], effect: str = "Allow") -> str:
    return json.dumps({"Version": "5.0", "Statement": [{"Effect": effect, "Action": actions}]})


def tag_policy(key: str, tag_key: str | None = None, **values: list[str]) -> str:
    body: dict[str, Any] = {}
    if tag_key is not None:
        body["tag_key"] = {"@@assign": tag_key}
    if values:
        body["tag_value"] = {f"@@{op}": v for op, v in values.items()}
    return json.dumps({"tags": {key: body}})


def create(account: Account, name: str, content: str, kind: str = SCP) -> Any:
    body = CreatePolicyReqBody(content=content, description=f"{name} policy", name=name, type=kind)
    reply = account.organizations.create_policy(CreatePolicyRequest(body=body))
    return complete(reply.policy.policy_summary)


def root_of(account: Account) -> Any:
    (root,) = account.organizations.list_roots(ListRootsRequest()).roots
    return root


def set_type(account: Account, root_id: str, kind: str, enabled: bool) -> Any:
    body = PolicyTypeReqBody(policy_type=kind, root_id=root_id)
    if enabled:
        return account.organizations.enable_policy_type(EnablePolicyTypeRequest(body=body)).root
    return account.organizations.disable_policy_type(DisablePolicyTypeRequest(body=body)).root


def attach(account: Account, policy_id: str, entity_id: str) -> None:
    body = PolicyTachReqBody(entity_id=entity_id)
    account.organizations.attach_policy(AttachPolicyRequest(policy_id=policy_id, body=body))


def detach(account: Account, policy_id: str, entity_id: str) -> None:
    body = PolicyTachReqBody(entity_id=entity_id)
    account.organizations.detach_policy(DetachPolicyRequest(policy_id=policy_id, body=body))


def entities(account: Account, policy_id: str) -> list[tuple[str, str]]:
    request = ListEntitiesForPolicyRequest(policy_id=policy_id)
    found = account.organizations.list_entities_for_policy(request).attached_entities or []
    return [(e.id, e.type) for e in found]


def statuses(root: Any) -> dict[str, str]:
    return {t.type: t.status for t in root.policy_types}


def test_policy_lifecycle_through_the_sdk(owner: Account, receiver: Account) -> None:
    owner.organizations.create_organization(CreateOrganizationRequest())
    created = create(owner, "no-delete", json.dumps(DENY_DELETE))
    assert (created.type, created.is_builtin, created.id.startswith("p-")) == (SCP, False, True)
    shown = owner.organizations.show_policy(ShowPolicyRequest(policy_id=created.id)).policy
    assert json.loads(shown.content) == DENY_DELETE
    assert shown.policy_summary.urn.endswith(f"/{SCP}/{created.id}")

    body = UpdatePolicyReqBody(name="renamed", description="", content=scp(["ecs:*:get*"]))
    request = UpdatePolicyRequest(policy_id=created.id, body=body)
    updated = owner.organizations.update_policy(request).policy
    assert (updated.policy_summary.name, updated.policy_summary.description) == ("renamed", "")
    assert json.loads(updated.content)["Statement"][0]["Action"] == ["ecs:*:get*"]
    # Nothing given: nothing changes.
    request = UpdatePolicyRequest(policy_id=created.id, body=UpdatePolicyReqBody())
    assert owner.organizations.update_policy(request).policy.policy_summary.name == "renamed"

    listed = owner.organizations.list_policies(ListPoliciesRequest()).policies
    assert [(p.name, p.is_builtin) for p in listed] == [("FullAccess", True), ("renamed", False)]
    fails(lambda: create(owner, "renamed", scp(["*"])), 400, "Organizations.9302")
    builtin = UpdatePolicyRequest(policy_id="p-FullAccess", body=UpdatePolicyReqBody(name="x"))
    fails(lambda: owner.organizations.update_policy(builtin), 400, "Organizations.9307")
    # Only the management account manages policies; a plain member reads none of them either
    # (1002: the reads are a delegated administrator's too).
    invited = invite(owner, receiver)
    accept(receiver, invited.id)
    fails(lambda: create(receiver, "mine", scp(["*"])), 401, "Organizations.1001")
    show = ShowPolicyRequest(policy_id=created.id)
    fails(lambda: receiver.organizations.show_policy(show), 401, "Organizations.1002")

    owner.organizations.delete_policy(DeletePolicyRequest(policy_id=created.id))
    fails(lambda: owner.organizations.show_policy(show), 404, "Organizations.9430")
    assert quotas(owner)["policy"] == (1000, 0, 1000, 0)


def test_invalid_content_is_refused_whole(owner: Account) -> None:
    owner.organizations.create_organization(CreateOrganizationRequest())
    bad = {
        "not json": "{",
        "no statement": json.dumps({"Version": "5.0"}),
        "bad effect": scp(["*"], effect="Maybe"),
        "too long": scp(["ecs:servers:" + "x" * 5200]),
        "both actions": json.dumps(
            {"Statement": [{"Effect": "Deny", "Action": "a:b:c", "NotAction": "a:b:d"}]}
        ),
    }
    for name, content in bad.items():
        error = fails(lambda c=content: create(owner, "bad", c), 400, "Organizations.9301")
        assert error.error_msg, name
    fails(lambda: create(owner, "bad", '{"tags": {"k": 1}}', TAG), 400, "Organizations.9301")
    # A tag policy may be twice as long as an SCP.
    create(owner, "long tags", tag_policy("cost", assign=["v" * 6000]), TAG)
    assert [p.name for p in owner.organizations.list_policies(ListPoliciesRequest()).policies] == [
        "FullAccess",
        "long tags",
    ]


def test_attach_detach_and_policy_types(owner: Account) -> None:
    owner.organizations.create_organization(CreateOrganizationRequest())
    root = root_of(owner)
    assert statuses(root) == {SCP: "disabled", TAG: "disabled"}
    ou = create_ou(owner, root.id, "workloads")
    policy = create(owner, "deny", json.dumps(DENY_DELETE))
    fails(lambda: attach(owner, policy.id, ou.id), 400, "Organizations.9304")

    assert statuses(set_type(owner, root.id, SCP, True)) == {SCP: "enabled", TAG: "disabled"}
    assert statuses(root_of(owner)) == {SCP: "enabled", TAG: "disabled"}
    attach(owner, policy.id, ou.id)
    attach(owner, policy.id, root.id)
    assert entities(owner, policy.id) == [(ou.id, "organizational_unit"), (root.id, "root")]
    assert ("p-FullAccess", "root") not in entities(owner, "p-FullAccess")
    assert {e for e, _ in entities(owner, "p-FullAccess")} >= {root.id, ou.id, owner.account_id}
    fails(lambda: attach(owner, policy.id, ou.id), 400, "Organizations.9306")
    fails(lambda: attach(owner, policy.id, "ou-unknown"), 404, "Organizations.9401")
    delete = DeletePolicyRequest(policy_id=policy.id)
    fails(lambda: owner.organizations.delete_policy(delete), 400, "Organizations.9303")
    by_entity = ListPoliciesRequest(attached_entity_id=ou.id)
    assert [p.id for p in owner.organizations.list_policies(by_entity).policies] == [
        "p-FullAccess",
        policy.id,
    ]

    detach(owner, policy.id, ou.id)
    fails(lambda: detach(owner, policy.id, ou.id), 404, "Organizations.9431")
    # At most 5 SCPs on one entity.
    extra = [create(owner, f"allow-{i}", scp([f"svc{i}:*"])) for i in range(6)]
    for each in extra[:5]:
        attach(owner, each.id, ou.id)
    fails(lambda: attach(owner, extra[5].id, ou.id), 400, "Organizations.9305")
    assert quotas(owner)["policy"][3] == 7

    # Disabling the type detaches every SCP (Huawei does); the policies stay.
    assert statuses(set_type(owner, root.id, SCP, False)) == {SCP: "disabled", TAG: "disabled"}
    assert entities(owner, policy.id) == [] and entities(owner, "p-FullAccess") == []
    owner.organizations.delete_policy(delete)

    # A deleted OU takes its attachments with it; the organization, its policies and types.
    set_type(owner, root.id, SCP, True)
    doomed = create_ou(owner, root.id, "doomed")
    attach(owner, extra[0].id, doomed.id)
    owner.organizations.delete_organizational_unit(
        DeleteOrganizationalUnitRequest(organizational_unit_id=doomed.id)
    )
    assert entities(owner, extra[0].id) == []
    owner.organizations.delete_policy(DeletePolicyRequest(policy_id=extra[0].id))
    attach(owner, extra[1].id, root.id)
    owner.organizations.delete_organizational_unit(
        DeleteOrganizationalUnitRequest(organizational_unit_id=ou.id)
    )
    owner.organizations.delete_organization(DeleteOrganizationRequest())
    fails(lambda: root_of(owner), 401, "Organizations.1015")
    owner.organizations.create_organization(CreateOrganizationRequest())
    assert statuses(root_of(owner)) == {SCP: "disabled", TAG: "disabled"}
    assert [p.name for p in owner.organizations.list_policies(ListPoliciesRequest()).policies] == [
        "FullAccess"
    ]


def test_effective_tag_policy_merges_root_to_account(owner: Account, receiver: Account) -> None:
    owner.organizations.create_organization(CreateOrganizationRequest())
    root = root_of(owner)
    ou = create_ou(owner, root.id, "teams")
    invited = invite(owner, receiver)
    accept(receiver, invited.id)
    move(owner, receiver, root.id, ou.id)
    set_type(owner, root.id, TAG, True)
    at_root = create(owner, "root", tag_policy("costcenter", "CostCenter", assign=["a", "b"]), TAG)
    at_ou = create(owner, "ou", tag_policy("CostCenter", append=["c"]), TAG)
    at_account = create(owner, "account", tag_policy("costcenter", remove=["a"]), TAG)
    attach(owner, at_root.id, root.id)
    attach(owner, at_ou.id, ou.id)
    attach(owner, at_account.id, receiver.account_id)

    request = ShowEffectivePoliciesRequest(entity_id=receiver.account_id, policy_type=TAG)
    reply = owner.organizations.show_effective_policies(request)
    assert (reply.entity_id, reply.policy_type) == (receiver.account_id, TAG)
    assert json.loads(reply.policy_content) == {
        "tags": {"costcenter": {"tag_key": "CostCenter", "tag_value": ["b", "c"]}}
    }
    assert reply.last_updated_at is not None
    # An OU's (a difference from Huawei, which answers for accounts only): its path's.
    request = ShowEffectivePoliciesRequest(entity_id=ou.id, policy_type=TAG)
    above = json.loads(owner.organizations.show_effective_policies(request).policy_content)
    assert above["tags"]["costcenter"]["tag_value"] == ["a", "b", "c"]
    request = ShowEffectivePoliciesRequest(entity_id=receiver.account_id, policy_type=SCP)
    fails(lambda: owner.organizations.show_effective_policies(request), 400, "Organizations.9308")


def test_dry_run_policies_and_configuration(owner: Account) -> None:
    owner.organizations.create_organization(CreateOrganizationRequest())
    root = root_of(owner)
    body = CreateDryRunPolicyReqBody(
        content=json.dumps(DENY_DELETE), description="", name="trial", type=SCP
    )
    created = owner.organizations.create_dry_run_policy(CreateDryRunPolicyRequest(body=body))
    policy_id = created.policy.policy_summary.id
    tach = PolicyTachReqBody(entity_id=root.id)
    owner.organizations.attach_dry_run_policy(
        AttachDryRunPolicyRequest(policy_id=policy_id, body=tach)
    )
    attached = owner.organizations.list_entities_for_dry_run_policy(
        ListEntitiesForDryRunPolicyRequest(policy_id=policy_id)
    ).attached_entities
    assert [(e.id, e.type) for e in attached] == [(root.id, "root")]
    listed = owner.organizations.list_dry_run_policies(ListDryRunPoliciesRequest()).policies
    assert [p.id for p in listed] == [policy_id]
    # Dry-run policies are apart from the policies.
    assert [p.name for p in owner.organizations.list_policies(ListPoliciesRequest()).policies] == [
        "FullAccess"
    ]

    show = ShowDryRunConfigRequest(root_id=root.id, policy_type=SCP)
    config = owner.organizations.show_dry_run_config(show).root
    assert (config.status, config.bucket_name) == ("disabled", "")
    change = UpdateDryRunConfigReqBody(
        policy_type=SCP, root_id=root.id, status="enabled", bucket_name="logs", region_id="r1"
    )
    owner.organizations.update_dry_run_config(UpdateDryRunConfigRequest(body=change))
    config = owner.organizations.show_dry_run_config(show).root
    assert (config.status, config.bucket_name, config.region_id) == ("enabled", "logs", "r1")
    tag_config = ShowDryRunConfigRequest(root_id=root.id, policy_type=TAG)
    fails(lambda: owner.organizations.show_dry_run_config(tag_config), 400, "Organizations.9100")


POLICY_QUOTA = 3


@pytest.fixture(scope="module")
def policy_servers(
    server: LiveServer, database_url: str, data_dir: Path
) -> Iterator[list[ServerProcess]]:
    env = {"SHAREKEEPER_QUOTA_POLICY": str(POLICY_QUOTA)}
    yield from server_processes(server, data_dir, env)


@pytest.mark.slow
def test_racing_policy_creations_stop_at_the_quota(
    policy_servers: list[ServerProcess], owner: Account
) -> None:
    """8 creations at once through two processes, at a quota of 3: exactly 3 are made (the
    count is taken under the organization's row lock), and 8 attachments of 8 SCPs to one OU
    at once make exactly 5 (Huawei's limit per entity)."""
    owner.organizations.create_organization(CreateOrganizationRequest())
    endpoints = [p.endpoint for p in policy_servers]
    calls = [(owner, lambda me, i=i: create(me, f"racer-{i}", scp(["*"]))) for i in range(8)]
    outcomes = race(calls, endpoints)
    assert Counter(outcomes) == {"ok": 3, "400:Organizations.9309": 5}, outcomes
    assert quotas(owner)["policy"][3] == POLICY_QUOTA

    # The owner's own client goes to the first server, whose quota is the default 1,000.
    for i in range(5):
        create(owner, f"more-{i}", scp(["*"]))
    root = root_of(owner)
    ou = create_ou(owner, root.id, "contended")
    set_type(owner, root.id, SCP, True)
    listed = owner.organizations.list_policies(ListPoliciesRequest()).policies
    scps = [p.id for p in listed if not p.is_builtin]
    assert len(scps) == 8
    attaches = [(owner, lambda me, p=p: attach(me, p, ou.id)) for p in scps]
    outcomes = race(attaches, endpoints)
    assert Counter(outcomes) == {"ok": 5, "400:Organizations.9305": 3}, outcomes
    on_ou = owner.organizations.list_policies(ListPoliciesRequest(attached_entity_id=ou.id))
    assert len(on_ou.policies) == 6  # FullAccess and the 5
    figures.add("policy quota races (8 creations at once)")
