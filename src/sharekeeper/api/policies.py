"""Handlers of the Organizations policy operations (policies and dry-run policies, their
attachments, the root's policy types, effective policies, the dry-run configuration). Each
parses the wire input, calls one service and shapes the wire output."""

from __future__ import annotations

from sharekeeper.api import organization_schemas as o
from sharekeeper.api import policy_schemas as p
from sharekeeper.api.convert import (
    page_info,
    policy_summary,
    policy_wire,
    root_wire,
    timestamp_seconds,
)
from sharekeeper.api.http.endpoint import Call
from sharekeeper.api.organizations import page
from sharekeeper.domain.policies import DryRunConfig, PolicyType
from sharekeeper.services import dry_run_config, policies
from sharekeeper.services.context import Context
from sharekeeper.services.policies import PolicyChange

POLICY = "policy_id"


def create_policy(ctx: Context, call: Call[p.CreatePolicyBody, None]) -> p.PolicyReply:
    return _create(ctx, call, dry_run=False)


def create_dry_run_policy(ctx: Context, call: Call[p.CreatePolicyBody, None]) -> p.PolicyReply:
    return _create(ctx, call, dry_run=True)


def show_policy(ctx: Context, call: Call[None, None]) -> p.PolicyReply:
    return _show(ctx, call, dry_run=False)


def show_dry_run_policy(ctx: Context, call: Call[None, None]) -> p.PolicyReply:
    return _show(ctx, call, dry_run=True)


def update_policy(ctx: Context, call: Call[p.UpdatePolicyBody, None]) -> p.PolicyReply:
    return _update(ctx, call, dry_run=False)


def update_dry_run_policy(ctx: Context, call: Call[p.UpdatePolicyBody, None]) -> p.PolicyReply:
    return _update(ctx, call, dry_run=True)


def delete_policy(ctx: Context, call: Call[None, None]) -> None:
    policies.delete_policy(ctx, call.caller, call.path_id(POLICY))


def delete_dry_run_policy(ctx: Context, call: Call[None, None]) -> None:
    policies.delete_policy(ctx, call.caller, call.path_id(POLICY), dry_run=True)


def list_policies(ctx: Context, call: Call[None, p.ListPoliciesQuery]) -> p.PoliciesReply:
    return _list(ctx, call, dry_run=False)


def list_dry_run_policies(ctx: Context, call: Call[None, p.ListPoliciesQuery]) -> p.PoliciesReply:
    return _list(ctx, call, dry_run=True)


def attach_policy(ctx: Context, call: Call[p.PolicyTachBody, None]) -> None:
    policies.attach_policy(ctx, call.caller, call.path_id(POLICY), call.body.entity_id)


def attach_dry_run_policy(ctx: Context, call: Call[p.PolicyTachBody, None]) -> None:
    policies.attach_policy(ctx, call.caller, call.path_id(POLICY), call.body.entity_id, True)


def detach_policy(ctx: Context, call: Call[p.PolicyTachBody, None]) -> None:
    policies.detach_policy(ctx, call.caller, call.path_id(POLICY), call.body.entity_id)


def detach_dry_run_policy(ctx: Context, call: Call[p.PolicyTachBody, None]) -> None:
    policies.detach_policy(ctx, call.caller, call.path_id(POLICY), call.body.entity_id, True)


def list_entities_for_policy(
    ctx: Context, call: Call[None, o.OrgPageQuery]
) -> p.AttachedEntitiesReply:
    return _entities(ctx, call, dry_run=False)


def list_entities_for_dry_run_policy(
    ctx: Context, call: Call[None, o.OrgPageQuery]
) -> p.AttachedEntitiesReply:
    return _entities(ctx, call, dry_run=True)


def enable_policy_type(ctx: Context, call: Call[p.PolicyTypeBody, None]) -> p.RootReply:
    return _policy_type(ctx, call, enabled=True)


def disable_policy_type(ctx: Context, call: Call[p.PolicyTypeBody, None]) -> p.RootReply:
    return _policy_type(ctx, call, enabled=False)


def show_effective_policies(
    ctx: Context, call: Call[None, p.EffectivePoliciesQuery]
) -> p.EffectivePoliciesReply:
    q = call.query
    found = policies.effective_policy(ctx, call.caller, q.entity_id, PolicyType(q.policy_type))
    return p.EffectivePoliciesReply(
        timestamp_seconds(found.last_updated_at), found.content, found.policy_type, found.entity_id
    )


def show_dry_run_config(ctx: Context, call: Call[None, p.DryRunConfigQuery]) -> p.DryRunConfigReply:
    q = call.query
    config = dry_run_config.show_dry_run_config(
        ctx, call.caller, q.root_id, PolicyType(q.policy_type)
    )
    return p.DryRunConfigReply(_dry_run(q.root_id, config))


def update_dry_run_config(
    ctx: Context, call: Call[p.UpdateDryRunConfigBody, None]
) -> p.DryRunConfigReply:
    b = call.body
    fields = {
        "bucket_name": b.bucket_name,
        "region_id": b.region_id,
        "bucket_prefix": b.bucket_prefix,
        "agency_name": b.agency_name,
    }
    enabled = None if b.status is None else b.status == "enabled"
    config = dry_run_config.update_dry_run_config(
        ctx, call.caller, b.root_id, PolicyType(b.policy_type), enabled, fields
    )
    return p.DryRunConfigReply(_dry_run(b.root_id, config))


def _create(ctx: Context, call: Call[p.CreatePolicyBody, None], dry_run: bool) -> p.PolicyReply:
    b = call.body
    tags = [(t.key, t.value) for t in b.tags or ()]
    organization, policy = policies.create_policy(
        ctx, call.caller, PolicyType(b.type), b.name, b.description, b.content, dry_run, tags
    )
    return p.PolicyReply(policy_wire(organization, policy))


def _show(ctx: Context, call: Call[None, None], dry_run: bool) -> p.PolicyReply:
    organization, policy = policies.show_policy(ctx, call.caller, call.path_id(POLICY), dry_run)
    return p.PolicyReply(policy_wire(organization, policy))


def _update(ctx: Context, call: Call[p.UpdatePolicyBody, None], dry_run: bool) -> p.PolicyReply:
    b = call.body
    change = PolicyChange(b.name, b.description, b.content)
    organization, policy = policies.update_policy(
        ctx, call.caller, call.path_id(POLICY), change, dry_run
    )
    return p.PolicyReply(policy_wire(organization, policy))


def _list(ctx: Context, call: Call[None, p.ListPoliciesQuery], dry_run: bool) -> p.PoliciesReply:
    q = call.query
    kind = None if q.policy_type is None else PolicyType(q.policy_type)
    organization, listed = policies.list_policies(
        ctx, call.caller, dry_run, q.attached_entity_id, kind
    )
    found = page(listed, q)
    wire = [policy_summary(organization, policy) for policy in found.items]
    return p.PoliciesReply(wire, page_info(found))


def _entities(
    ctx: Context, call: Call[None, o.OrgPageQuery], dry_run: bool
) -> p.AttachedEntitiesReply:
    entities = policies.attached_entities(ctx, call.caller, call.path_id(POLICY), dry_run)
    found = page(entities, call.query)
    wire = [o.EntityWire(e.name, e.id, e.type) for e in found.items]
    return p.AttachedEntitiesReply(wire, page_info(found))


def _policy_type(ctx: Context, call: Call[p.PolicyTypeBody, None], enabled: bool) -> p.RootReply:
    b = call.body
    changed = policies.set_policy_type(
        ctx, call.caller, b.root_id, PolicyType(b.policy_type), enabled
    )
    return p.RootReply(root_wire(*changed))


def _dry_run(root_id: str, config: DryRunConfig) -> p.DryRunConfigWire:
    return p.DryRunConfigWire(
        root_id,
        "enabled" if config.enabled else "disabled",
        config.bucket_name,
        config.region_id,
        config.bucket_prefix,
        config.agency_name,
        config.policy_type.value,
        timestamp_seconds(config.created_at),
        timestamp_seconds(config.updated_at),
    )
