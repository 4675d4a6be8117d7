"""Organizations policies: service control and tag policies and their dry-run twins, their
attachments to the root, OUs and accounts, the policy types of the root, effective tag
policies and the dry-run configuration. Each write holds the organization's row lock, so
the counts it checks (policies of a type, policies on an entity) hold until it commits.
Writes are the management account's; the reads (ListPolicies, ShowPolicy,
ListEntitiesForPolicy, ShowEffectivePolicies and their dry-run twins) are also a delegated
administrator's, as Huawei opens them (readable_organization; docs/api.md)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace

from sharekeeper.domain.accounts import Caller
from sharekeeper.domain.clock import Millis
from sharekeeper.domain.errors import (
    EffectivePolicyUnsupported,
    OrgEntityNotFound,
    OrgInvalidParameter,
    PolicyAlreadyAttached,
    PolicyAttachmentLimit,
    PolicyAttachmentNotFound,
    PolicyNameTaken,
    PolicyNotFound,
    PolicyStillAttached,
    PolicyTypeNotEnabled,
    SystemPolicyReadOnly,
)
from sharekeeper.domain.events import ChangeKind, PolicyOn, PolicyTypes
from sharekeeper.domain.org_tags import TagResourceType, org_tags
from sharekeeper.domain.organizations import Organization, OrgUnit, new_id
from sharekeeper.domain.policies import (
    ATTACHED_MOST,
    FULL_ACCESS_ID,
    Attachment,
    Policy,
    PolicyType,
    TagPolicyContent,
    check_policy,
    effective_tag_policy,
    full_access,
    parse_content,
)
from sharekeeper.domain.quotas import OrganizationQuotaType
from sharekeeper.services.context import Context
from sharekeeper.services.directory import (
    Entity,
    managed_organization,
    readable_organization,
    unit_of,
)
from sharekeeper.services.organizations import record_directory
from sharekeeper.store.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class PolicyChange:
    """An update's fields; None leaves one as it is (Huawei: "If no parameter is provided,
    the policy remains unchanged")."""

    name: str | None = None
    description: str | None = None
    content: str | None = None


@dataclass(frozen=True, slots=True)
class EffectivePolicy:
    entity_id: str
    policy_type: PolicyType
    content: str
    last_updated_at: int


def create_policy(
    ctx: Context,
    caller: Caller,
    type_: PolicyType,
    name: str,
    description: str,
    content: str,
    dry_run: bool = False,
    tag_pairs: Sequence[tuple[str, str]] = (),
) -> tuple[Organization, Policy]:
    """A policy (or dry-run policy) with the tags its create body carries."""
    if dry_run and type_ is not PolicyType.SERVICE_CONTROL:
        raise OrgInvalidParameter("A dry-run policy is a service_control_policy.")
    check_policy(type_, name, description, content)
    tags = org_tags(tag_pairs)
    now = ctx.clock()
    with ctx.writing() as uow:
        organization = managed_organization(uow, caller, lock=True)
        if uow.policies.named(organization.id, dry_run, type_, name):
            raise PolicyNameTaken(name)
        used = uow.policies.count(organization.id, dry_run, type_)
        ctx.quotas.check_organization(OrganizationQuotaType.POLICY, organization.id, used)
        policy = Policy(
            new_id("p-"), organization.id, type_, name, description, content, dry_run, now, now
        )
        uow.policies.add(policy)
        uow.org_tags.put(organization.id, TagResourceType.POLICIES, policy.id, tags)
        uow.note_target(policy.id)
        _record(uow, ChangeKind.POLICY_CREATED, organization, policy, now)
        uow.commit()
    return organization, policy


def show_policy(
    ctx: Context, caller: Caller, policy_id: str, dry_run: bool = False
) -> tuple[Organization, Policy]:
    with ctx.reading() as uow:
        organization = readable_organization(uow, caller)
        return organization, _policy(uow, organization, policy_id, dry_run)


def update_policy(
    ctx: Context, caller: Caller, policy_id: str, change: PolicyChange, dry_run: bool = False
) -> tuple[Organization, Policy]:
    now = ctx.clock()
    with ctx.writing() as uow:
        organization = managed_organization(uow, caller, lock=True)
        policy = _customer_policy(uow, organization, policy_id, dry_run)
        changed = replace(
            policy,
            name=policy.name if change.name is None else change.name,
            description=policy.description if change.description is None else change.description,
            content=policy.content if change.content is None else change.content,
            updated_at=now,
        )
        check_policy(changed.type, changed.name, changed.description, changed.content)
        if changed.name != policy.name and uow.policies.named(
            organization.id, dry_run, policy.type, changed.name
        ):
            raise PolicyNameTaken(changed.name)
        uow.policies.change(changed)
        _record(uow, ChangeKind.POLICY_UPDATED, organization, changed, now)
        uow.commit()
    return organization, changed


def delete_policy(ctx: Context, caller: Caller, policy_id: str, dry_run: bool = False) -> None:
    """Refused while the policy is attached anywhere, as Huawei refuses it."""
    now = ctx.clock()
    with ctx.writing() as uow:
        organization = managed_organization(uow, caller, lock=True)
        policy = _customer_policy(uow, organization, policy_id, dry_run)
        if uow.policies.attachments_of(policy.id):
            raise PolicyStillAttached(policy.id)
        uow.policies.remove(policy.id)
        uow.org_tags.drop(TagResourceType.POLICIES, policy.id)
        _record(uow, ChangeKind.POLICY_DELETED, organization, policy, now)
        uow.commit()


def list_policies(
    ctx: Context,
    caller: Caller,
    dry_run: bool = False,
    attached_entity_id: str | None = None,
    type_: PolicyType | None = None,
) -> tuple[Organization, list[Policy]]:
    """The system policy first (Huawei lists it beside the customer's), then the customer's,
    oldest first; with ``attached_entity_id``, those attached to that entity directly."""
    with ctx.reading() as uow:
        organization = readable_organization(uow, caller)
        system = [] if dry_run else [full_access(organization.id)]
        if attached_entity_id is None:
            found = system + uow.policies.of_organization(organization.id, dry_run)
        else:
            _path(uow, organization, attached_entity_id)
            attached = [
                p
                for _, p in uow.policies.attached_to(organization.id, [attached_entity_id], dry_run)
            ]
            enabled = PolicyType.SERVICE_CONTROL in uow.policies.enabled_types(organization.id)
            found = (system if enabled else []) + attached
    return organization, [p for p in found if type_ is None or p.type is type_]


def attach_policy(
    ctx: Context, caller: Caller, policy_id: str, entity_id: str, dry_run: bool = False
) -> None:
    now = ctx.clock()
    with ctx.writing() as uow:
        organization = managed_organization(uow, caller, lock=True)
        policy = _customer_policy(uow, organization, policy_id, dry_run)
        _path(uow, organization, entity_id, lock=True)
        if not dry_run and policy.type not in uow.policies.enabled_types(organization.id):
            raise PolicyTypeNotEnabled(policy.type)
        on_entity = [p for _, p in uow.policies.attached_to(organization.id, [entity_id], dry_run)]
        if any(p.id == policy.id for p in on_entity):
            raise PolicyAlreadyAttached(policy.id, entity_id)
        most = ATTACHED_MOST[policy.type]
        if sum(p.type is policy.type for p in on_entity) >= most:
            raise PolicyAttachmentLimit(entity_id, policy.type, most)
        uow.policies.attach(Attachment(policy.id, entity_id, now))
        uow.note_target(policy.id)
        _record(uow, ChangeKind.POLICY_ATTACHED, organization, PolicyOn(policy, entity_id), now)
        uow.commit()


def detach_policy(
    ctx: Context, caller: Caller, policy_id: str, entity_id: str, dry_run: bool = False
) -> None:
    now = ctx.clock()
    with ctx.writing() as uow:
        organization = managed_organization(uow, caller, lock=True)
        policy = _customer_policy(uow, organization, policy_id, dry_run)
        if not uow.policies.detach(policy.id, entity_id):
            raise PolicyAttachmentNotFound(policy.id, entity_id)
        uow.note_target(policy.id)
        _record(uow, ChangeKind.POLICY_DETACHED, organization, PolicyOn(policy, entity_id), now)
        uow.commit()


def attached_entities(
    ctx: Context, caller: Caller, policy_id: str, dry_run: bool = False
) -> list[Entity]:
    """The roots, OUs and accounts the policy is attached to, in the order attached; the
    system policy is on every one of them while SCPs are enabled."""
    with ctx.reading() as uow:
        organization = readable_organization(uow, caller)
        policy = _policy(uow, organization, policy_id, dry_run)
        units = {u.id: u for u in uow.organizations.units(organization.id)}
        members = [m.account_id for m in uow.organizations.members(organization.id)]
        if policy.builtin:
            enabled = PolicyType.SERVICE_CONTROL in uow.policies.enabled_types(organization.id)
            ids = [*units, *members] if enabled else []
        else:
            ids = [a.entity_id for a in uow.policies.attachments_of(policy.id)]
        names = uow.accounts.names([i for i in ids if i not in units])
    return [_entity(i, units, names) for i in ids if i in units or i in names]


def list_roots(ctx: Context, caller: Caller) -> tuple[Organization, OrgUnit, set[PolicyType]]:
    """ListRoots with the policy types enabled in the root (the rest are disabled): the
    management account's, or a delegated administrator's read."""
    with ctx.reading() as uow:
        organization = readable_organization(uow, caller)
        root = unit_of(uow, organization, organization.root_id)
        enabled = uow.policies.enabled_types(organization.id)
    return organization, root, enabled


def set_policy_type(
    ctx: Context, caller: Caller, root_id: str, type_: PolicyType, enabled: bool
) -> tuple[Organization, OrgUnit, set[PolicyType]]:
    """Enables or disables a policy type in the root, at once (Huawei passes through
    pending_enable / pending_disable; a client that polls sees the end state first time).
    Switching to what it is changes nothing. Disabling detaches every policy of the type,
    as Huawei does; the policies stay."""
    now = ctx.clock()
    with ctx.writing() as uow:
        organization = managed_organization(uow, caller, lock=True)
        root = unit_of(uow, organization, root_id)
        if root.parent_id is not None:
            raise OrgEntityNotFound(root_id)
        types = uow.policies.enabled_types(organization.id)
        switched = enabled != (type_ in types)
        if enabled and switched:
            uow.policies.enable_type(organization.id, type_, now)
            types.add(type_)
        elif switched:
            uow.policies.detach_type(organization.id, type_)
            uow.policies.disable_type(organization.id, type_)
            types.discard(type_)
        if switched:
            kind = ChangeKind.POLICY_TYPE_ENABLED if enabled else ChangeKind.POLICY_TYPE_DISABLED
            # One event for the type; the attachments a disabling ends are implied by it.
            record_directory(
                uow, kind, organization, PolicyTypes(root, type_, frozenset(types)), now
            )
        uow.note_target(root_id)
        uow.commit()
    return organization, root, types


def effective_policy(
    ctx: Context, caller: Caller, entity_id: str, type_: PolicyType
) -> EffectivePolicy:
    """The effective tag policy of an account, OU or root: the tag policies attached to the
    root, each OU down and the entity itself, merged (domain/policies.py,
    effective_tag_policy). Huawei answers for accounts only; the path is the same for the
    others, so ShareKeeper answers them too. SCPs have no effective policy (as on Huawei)."""
    if type_ is not PolicyType.TAG:
        raise EffectivePolicyUnsupported("Only the effective tag_policy can be queried.")
    with ctx.reading() as uow:
        organization = readable_organization(uow, caller)
        path = _path(uow, organization, entity_id)
        if PolicyType.TAG not in uow.policies.enabled_types(organization.id):
            raise PolicyTypeNotEnabled(PolicyType.TAG)
        attached = uow.policies.attached_to(organization.id, path, dry_run=False)
    tag_policies = [(a, p) for a, p in attached if p.type is PolicyType.TAG]
    levels = [[_tag_content(p) for a, p in tag_policies if a.entity_id == level] for level in path]
    content = json.dumps(effective_tag_policy(levels), separators=(",", ":"))
    # Its last change: a merged policy changed, or attached.
    changes = [max(a.attached_at, p.updated_at) for a, p in tag_policies]
    updated = max(changes, default=organization.created_at)
    return EffectivePolicy(entity_id, type_, content, updated)


def _policy(uow: UnitOfWork, organization: Organization, policy_id: str, dry_run: bool) -> Policy:
    if policy_id == FULL_ACCESS_ID and not dry_run:
        return full_access(organization.id)
    policy = uow.policies.get(organization.id, policy_id, dry_run)
    if policy is None:
        raise PolicyNotFound(policy_id)
    return policy


def _customer_policy(
    uow: UnitOfWork, organization: Organization, policy_id: str, dry_run: bool
) -> Policy:
    policy = _policy(uow, organization, policy_id, dry_run)
    if policy.builtin:
        raise SystemPolicyReadOnly(policy_id)
    return policy


def _path(
    uow: UnitOfWork, organization: Organization, entity_id: str, lock: bool = False
) -> list[str]:
    """The ids from the root down to the entity (a root, OU or member account). ``lock``: a
    member's row shared, so that a removal (which locks it exclusively, then drops the
    account's attachments) cannot pass an attachment being made to it."""
    parents = uow.organizations.parents(organization.id)
    if entity_id in parents:
        above: str | None = entity_id
        path: list[str] = []
    else:
        membership = uow.organizations.membership(entity_id, shared_lock=lock)
        if membership is None or membership.organization_id != organization.id:
            raise OrgEntityNotFound(entity_id)
        above, path = membership.parent_id, [entity_id]
    while above is not None and len(path) < len(parents) + 1:  # bounded by the tree's size
        path.insert(0, above)
        above = parents.get(above)
    return path


def _record(
    uow: UnitOfWork,
    kind: ChangeKind,
    organization: Organization,
    entry: Policy | PolicyOn,
    now: Millis,
) -> None:
    """A policy's change for the feed; a dry-run policy's changes none, as they decide
    nothing."""
    policy = entry.policy if isinstance(entry, PolicyOn) else entry
    if not policy.dry_run:
        record_directory(uow, kind, organization, entry, now)


def _tag_content(policy: Policy) -> TagPolicyContent:
    content = parse_content(PolicyType.TAG, policy.content)
    assert isinstance(content, TagPolicyContent)
    return content


def _entity(entity_id: str, units: dict[str, OrgUnit], names: dict[str, str]) -> Entity:
    unit = units.get(entity_id)
    if unit is None:
        return Entity(entity_id, names[entity_id], "account")
    return Entity(unit.id, unit.name, "root" if unit.parent_id is None else "organizational_unit")
