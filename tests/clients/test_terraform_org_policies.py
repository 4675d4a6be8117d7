"""The call sequences of terraform-provider-huaweicloud's Organizations policy resources and
data sources (tests/clients/terraform.py, PolicyResources): R1's enabled_policy_types, R10 to
R14, D4, D5, D6, D18 and D19. Each resource's apply ends in the read a later plan makes, which
must show no change; destroy ends in a read that finds the resource gone."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.clients.golang import GoClient
from tests.clients.terraform import DryRunConfig, PolicyConfig, PolicyResources, Provider
from tests.support import Account

REGION = "cn-north-4"
SCP = "service_control_policy"
TAG = "tag_policy"
DENY = json.dumps(
    {"Version": "5.0", "Statement": [{"Effect": "Deny", "Action": ["ecs:servers:delete"]}]}
)
# The same document as the user writes it in HCL's jsonencode: another key order and spacing.
DENY_AS_WRITTEN = (
    '{"Statement": [{"Action": ["ecs:servers:delete"], "Effect": "Deny"}], "Version": "5.0"}'
)


def organizations_client(account: Account) -> GoClient:
    provider = Provider(account.endpoint, account.access_key, account.secret_key, REGION)
    provider.close()
    return GoClient(
        account.endpoint, account.access_key, account.secret_key, project_id=provider.project_id
    )


@pytest.fixture
def tf(owner: Account) -> Iterator[PolicyResources]:
    go = organizations_client(owner)
    go.call("POST", "/v1/organizations", json_type=True)
    yield PolicyResources(go)
    go.close()


def root_id(tf: PolicyResources) -> str:
    found: str = tf.roots()[0]["id"]
    return found


def new_ou(tf: PolicyResources, name: str) -> str:
    body = {"name": name, "parent_id": root_id(tf), "tags": None}
    ou_id: str = tf.go.call("POST", "/v1/organizations/organizational-units", body)[
        "organizational_unit"
    ]["id"]
    return ou_id


def test_organization_enabled_policy_types(tf: PolicyResources) -> None:
    # R1 with enabled_policy_types = ["service_control_policy", "tag_policy"]: each enabled
    # and polled for; the first poll already sees it.
    root = root_id(tf)
    assert tf.enabled_policy_types() == []
    for kind in (SCP, TAG):
        assert tf.set_policy_type(root, kind, True) == 1
    assert sorted(tf.enabled_policy_types()) == [SCP, TAG]
    # Enabling again (a re-apply after a failed one) changes nothing.
    assert tf.set_policy_type(root, SCP, True) == 1
    # Update to ["tag_policy"]: the SCP type disabled; the next plan reads the same set.
    tf.update_policy_types(root, {SCP, TAG}, {TAG})
    assert tf.enabled_policy_types() == [TAG]
    # Both types are always listed, each with a status (a missing one would poll forever).
    types = {t["type"]: t["status"] for t in tf.roots()[0]["policy_types"]}
    assert types == {SCP: "disabled", TAG: "enabled"}


def test_policy_resource_and_data_sources(tf: PolicyResources) -> None:
    # R10 create, then the read of the next plan: no change, the content JSON-equivalent.
    config = PolicyConfig(name="deny-delete", content=DENY_AS_WRITTEN, type=SCP)
    policy_id = tf.create_policy(config)
    state = tf.read_policy(policy_id)
    assert tf.plan_changes(config, state) == []
    assert state is not None and state["urn"] and state["is_builtin"] is False

    # Update: a description set, then cleared with an explicit "".
    described = PolicyConfig(config.name, DENY, SCP, description="no deletes")
    tf.update_policy(policy_id, config, described)
    assert tf.plan_changes(described, tf.read_policy(policy_id)) == []
    cleared = PolicyConfig("deny-delete-2", DENY, SCP, description="")
    tf.update_policy(policy_id, described, cleared)
    assert tf.plan_changes(cleared, tf.read_policy(policy_id)) == []

    # Tags: in the create body, then changed through the policy's tag operations.
    tagged_config = PolicyConfig("tagged", DENY, SCP, tags={"team": "net"})
    tagged = tf.create_policy(tagged_config)
    assert tf.plan_changes(tagged_config, tf.read_policy(tagged)) == []
    retagged = PolicyConfig("tagged", DENY, SCP, tags={"team": "sec", "env": "prod"})
    tf.update_policy(tagged, tagged_config, retagged)
    assert tf.plan_changes(retagged, tf.read_policy(tagged)) == []
    assert tf.delete_policy(tagged)

    # D4: every policy, filtered by the provider itself.
    assert [p["id"] for p in tf.list_policies(build_type="custom")] == [policy_id]
    system = tf.list_policies(build_type="system")
    assert [(p["name"], p["type"]) for p in system] == [("FullAccess", SCP)]
    assert tf.list_policies(name="deny-delete-2", type_=SCP)[0]["description"] == ""

    # R10 destroy; the next refresh finds it gone and a second destroy is no error.
    assert tf.delete_policy(policy_id)
    assert tf.read_policy(policy_id) is None
    assert not tf.delete_policy(policy_id)
    assert tf.plan_changes(cleared, None) == ["(create)"]


def test_policy_attach_resource_and_attached_entities(tf: PolicyResources) -> None:
    root = root_id(tf)
    ou = new_ou(tf, "workloads")
    policy_id = tf.create_policy(PolicyConfig("deny", DENY, SCP))
    tf.set_policy_type(root, SCP, True)

    # R11 create and read: entity_name and entity_type computed from the attached list.
    resource_id = tf.attach(policy_id, ou)
    state = tf.read_attachment(resource_id)
    assert state == {
        "entity_id": ou,
        "entity_name": "workloads",
        "entity_type": "organizational_unit",
    }
    tf.attach(policy_id, root)
    # D5 (MarkerPager) and the resource's own ?marker= loop see the same entities.
    assert [e["id"] for e in tf.attached_entities_p2(policy_id)] == [ou, root]
    assert tf.attached_entities(policy_id) == tf.attached_entities_p2(policy_id)

    # R11 destroy; the refresh after finds it gone; destroying again is no error.
    assert tf.detach(resource_id)
    assert tf.read_attachment(resource_id) is None
    assert not tf.detach(resource_id)
    # The policy resource's destroy after its attachments' (Terraform orders them so).
    assert tf.detach(f"{policy_id}/{root}")
    assert tf.delete_policy(policy_id)
    assert tf.read_attachment(resource_id) is None


def test_effective_policies_data_source(tf: PolicyResources, owner: Account) -> None:
    root = root_id(tf)
    tf.set_policy_type(root, TAG, True)
    content = json.dumps(
        {
            "tags": {
                "costcenter": {
                    "tag_key": {"@@assign": "CostCenter"},
                    "tag_value": {"@@assign": ["100", "200"]},
                    "enforced_for": {"@@assign": ["ecs:instance"]},
                }
            }
        }
    )
    policy_id = tf.create_policy(PolicyConfig("cost", content, TAG))
    state = tf.read_policy(policy_id)
    assert tf.plan_changes(PolicyConfig("cost", content, TAG), state) == []
    tf.attach(policy_id, root)
    # D6 on the management account, which inherits the root's tag policy.
    effective = tf.effective_policy(owner.account_id, TAG)
    assert json.loads(effective["policy_content"]) == {
        "tags": {
            "costcenter": {
                "tag_key": "CostCenter",
                "tag_value": ["100", "200"],
                "enforced_for": ["ecs:instance"],
            }
        }
    }
    assert effective["last_updated_at"].endswith("Z")
    # Read twice (two plans), the data source gives the same values.
    assert tf.effective_policy(owner.account_id, TAG) == effective


def test_dry_run_policy_resources_and_data_sources(tf: PolicyResources) -> None:
    root = root_id(tf)
    ou = new_ou(tf, "trial")
    # R12 create (description always sent, "" here) and the read of the next plan.
    config = PolicyConfig("dry-deny", DENY_AS_WRITTEN, SCP)
    policy_id = tf.create_policy(config, dry_run=True)
    state = tf.read_policy(policy_id, dry_run=True)
    assert tf.plan_changes(config, state) == []
    assert state is not None and state["is_builtin"] is False
    changed = PolicyConfig("dry-deny", DENY, SCP, description="trying it")
    tf.update_policy(policy_id, config, changed, dry_run=True)
    assert tf.plan_changes(changed, tf.read_policy(policy_id, dry_run=True)) == []

    # R13 and D19: attached, read back, listed.
    resource_id = tf.attach(policy_id, ou, dry_run=True)
    assert tf.read_attachment(resource_id, dry_run=True) == {
        "entity_id": ou,
        "entity_name": "trial",
        "entity_type": "organizational_unit",
    }
    assert [e["id"] for e in tf.attached_entities(policy_id, dry_run=True)] == [ou]

    # D18 with and without filters; never a next_marker without one.
    assert [p["id"] for p in tf.list_dry_run_policies()] == [policy_id]
    assert [p["id"] for p in tf.list_dry_run_policies(policy_type=SCP)] == [policy_id]
    assert tf.list_dry_run_policies(policy_type=TAG) == []
    assert [p["id"] for p in tf.list_dry_run_policies(attached_entity_id=ou)] == [policy_id]
    assert tf.list_dry_run_policies(attached_entity_id=root) == []

    # R14: a root never configured reads as disabled; create, update, delete (disabled).
    assert tf.read_dry_run_config(root, SCP) == {
        **dict.fromkeys(("bucket_name", "region_id", "bucket_prefix", "agency_name"), ""),
        "root_id": root,
        "policy_type": SCP,
        "status": "disabled",
        "created_at": tf.read_dry_run_config(root, SCP)["created_at"],  # type: ignore[index]
        "updated_at": tf.read_dry_run_config(root, SCP)["updated_at"],  # type: ignore[index]
    }
    dry = DryRunConfig(root, status="enabled", bucket_name="audit-logs", region_id="cn-north-4")
    assert tf.apply_dry_run_config(dry) == f"{root}/{SCP}"
    assert tf.dry_run_plan_changes(dry, tf.read_dry_run_config(root, SCP)) == []
    moved = DryRunConfig(root, status="enabled", bucket_name="audit-logs", bucket_prefix="org/")
    tf.apply_dry_run_config(moved)
    state = tf.read_dry_run_config(root, SCP)
    assert tf.dry_run_plan_changes(moved, state) == []
    assert state is not None and state["region_id"] == "cn-north-4"  # Computed: kept
    tf.apply_dry_run_config(moved, status="disabled")
    assert tf.read_dry_run_config(root, SCP)["status"] == "disabled"  # type: ignore[index]

    # Destroy: detach, then the policy; both read as gone after.
    assert tf.detach(resource_id, dry_run=True)
    assert tf.read_attachment(resource_id, dry_run=True) is None
    assert tf.delete_policy(policy_id, dry_run=True)
    assert tf.read_policy(policy_id, dry_run=True) is None


def test_dry_run_policy_with_tags_plans_clean(tf: PolicyResources) -> None:
    # R12 with tags: in the create body, read back through organizations:policies' tags.
    config = PolicyConfig("dry-tagged", DENY, SCP, tags={"stage": "trial", "owner": "sec"})
    policy_id = tf.create_policy(config, dry_run=True)
    state = tf.read_policy(policy_id, dry_run=True)
    assert state is not None and state["tags"] == config.tags
    assert tf.plan_changes(config, state) == []

    # A change of one tag: every old tag deleted, every new one created; the refresh agrees.
    retagged = PolicyConfig("dry-tagged", DENY, SCP, tags={"stage": "live", "owner": "sec"})
    tf.update_policy(policy_id, config, retagged, dry_run=True)
    assert tf.plan_changes(retagged, tf.read_policy(policy_id, dry_run=True)) == []

    # Tags removed from the configuration: read back as an empty map, so no change planned.
    bare = PolicyConfig("dry-tagged", DENY, SCP)
    tf.update_policy(policy_id, retagged, bare, dry_run=True)
    state = tf.read_policy(policy_id, dry_run=True)
    assert state is not None and state["tags"] == {}
    assert tf.plan_changes(bare, state) == []
    assert tf.delete_policy(policy_id, dry_run=True)
    assert tf.read_policy(policy_id, dry_run=True) is None
