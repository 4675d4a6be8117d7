"""Domain objects to wire types. Only the edge knows the wire format."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, TypeVar

import msgspec

from sharekeeper.api import schemas as w
from sharekeeper.api.organization_schemas import OrganizationalUnitWire, PolicyTypeWire, RootWire
from sharekeeper.api.policy_schemas import PolicySummaryWire, PolicyWire
from sharekeeper.domain.audit import AuditRecord
from sharekeeper.domain.invitations import Invitation, InvitationLine
from sharekeeper.domain.organizations import Organization, OrgUnit
from sharekeeper.domain.paging import Page
from sharekeeper.domain.permissions import Permission
from sharekeeper.domain.policies import Policy, PolicyType
from sharekeeper.domain.service_principals import ServicePrincipal
from sharekeeper.domain.shares import Association, ResourceShare, ShareLine
from sharekeeper.domain.webhooks import DeadLetter, WebhookStatus


def timestamp(millis: int) -> str:
    """ISO-8601 UTC with milliseconds and a Z, as Huawei sends: 2022-08-22T12:28:26.631Z."""
    # Two per item of a page: looking the parts up cost under half of formatting them.
    return (_SECONDS.get(millis // 1000) or _second(millis // 1000)) + _MILLIS[millis % 1000]


def timestamp_seconds(millis: int) -> str:
    """ISO-8601 UTC to the second, as Huawei's Organizations sends: 2022-08-24T06:31:46Z."""
    return _second(millis // 1000) + "Z"


_MILLIS = tuple(f".{ms:03d}Z" for ms in range(1000))
# Each second formatted once: a page shares few distinct seconds. A plain dict, read in
# ``timestamp`` itself (lru_cache's bookkeeping cost more than the read), emptied when full.
_SECONDS: dict[int, str] = {}
_SECONDS_MOST = 4096


def _second(seconds: int) -> str:
    text = _SECONDS.get(seconds)
    if text is None:
        if len(_SECONDS) >= _SECONDS_MOST:
            _SECONDS.clear()
        text = _SECONDS[seconds] = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
    return text


R = TypeVar("R", bound=msgspec.Struct)


def records(items: Sequence[Any], kind: type[R]) -> list[R]:
    """Read models to a wire type whose fields carry the same names; ``*_at`` fields are
    times, formatted on the way."""
    # The names msgspec keeps on the class: ``msgspec.structs.fields`` evaluates the
    # annotations again at every call, a sixth of a create's CPU when each of its permission
    # events was rendered through here.
    names = kind.__struct_fields__
    return [
        kind(**{n: timestamp(getattr(i, n)) if n.endswith("_at") else getattr(i, n) for n in names})
        for i in items
    ]


def page_info(page: Page[Any]) -> w.PageInfo:
    # Huawei's schema gives current_count a minimum of 1: an empty page leaves it out.
    return w.PageInfo(next_marker=page.next_marker, current_count=len(page.items) or None)


def share(item: ResourceShare) -> w.ResourceShareWire:
    return w.ResourceShareWire(
        id=item.id,
        name=item.name,
        description=item.description,
        owning_account_id=item.owner_account_id,
        allow_external_principals=item.allow_external_principals,
        status=item.status,
        tags=[w.TagWire(t.key, t.value) for t in item.tags],
        created_at=timestamp(item.created_at),
        updated_at=timestamp(item.updated_at),
    )


def share_lines(lines: Sequence[ShareLine]) -> list[w.ResourceShareWire]:
    """A listing's shares: each line's fields are the wire type's, in its order, but for the
    tags, which the wire puts before the two times (docs/architecture.md)."""
    wire, tag, stamp = w.ResourceShareWire, w.TagWire, timestamp
    return [
        wire(
            id,
            name,
            description,
            owner,
            external,
            status,
            [tag(key, value) for key, value in tags],
            stamp(created),
            stamp(updated),
        )
        for id, name, description, owner, external, status, created, updated, tags in lines
    ]


def association(item: Association) -> w.AssociationWire:
    return w.AssociationWire(
        resource_share_id=item.resource_share_id,
        resource_share_name=item.resource_share_name,
        associated_entity=item.entity,
        association_type=item.association_type,
        status=item.status,
        created_at=timestamp(item.created_at),
        updated_at=timestamp(item.updated_at),
        external=item.external,
        status_message=item.status_message,
    )


def associations(items: Sequence[Association]) -> list[w.AssociationWire]:
    return [association(a) for a in items]


def invitation(item: Invitation) -> w.InvitationWire:
    return w.InvitationWire(
        resource_share_invitation_id=item.id,
        resource_share_id=item.resource_share_id,
        resource_share_name=item.resource_share_name,
        sender_account_id=item.sender_account_id,
        receiver_account_id=item.receiver_account_id,
        status=item.status,
        created_at=timestamp(item.created_at),
        updated_at=timestamp(item.updated_at),
    )


def invitation_lines(lines: Sequence[InvitationLine]) -> list[w.InvitationWire]:
    """A listing's invitations: each line's fields are the wire type's, in its order, but for
    the two times (the rows of a search page go straight to the wire, docs/architecture.md)."""
    wire, stamp = w.InvitationWire, timestamp
    # An unanswered invitation was last updated when it was made: its one time is formatted
    # once (the times were half of building a page).
    return [
        wire(
            id,
            share,
            name,
            sender,
            receiver,
            status,
            made := stamp(created),
            made if updated == created else stamp(updated),
        )
        for id, share, name, sender, receiver, status, created, updated in lines
    ]


def _permission_fields(item: Permission) -> dict[str, Any]:
    return {
        "id": item.id,
        "name": item.name,
        "resource_type": item.resource_type,
        "is_resource_type_default": item.is_resource_type_default,
        "created_at": timestamp(item.created_at),
        "updated_at": timestamp(item.updated_at),
        "permission_urn": item.urn,
        "permission_type": item.permission_type,
        "default_version": item.is_default_version,
        "version": item.version,
        "status": item.status,
    }


def permission_summary(item: Permission) -> w.PermissionSummaryWire:
    return w.PermissionSummaryWire(**_permission_fields(item))


def permission(item: Permission) -> w.PermissionWire:
    return w.PermissionWire(**_permission_fields(item), content=item.content)


def audit_record(record: AuditRecord) -> dict[str, Any]:
    """An audit record as the admin API and `sharekeeper audit list --json` show it."""
    return {
        "at": timestamp(record.at),
        "account_id": record.account_id,
        "access_key": record.access_key,
        "operation": record.operation,
        "targets": record.targets,
        "request_id": record.request_id,
        "source_address": record.source_address,
        "outcome": record.outcome,
        "channel": record.channel,
        "count": record.count,
    }


def service_principal(service: ServicePrincipal) -> dict[str, Any]:
    """A service principal as the admin API and `sharekeeper service list --json` show it
    (never its secret)."""
    return {
        "service_id": service.id,
        "name": service.name,
        "namespaces": list(service.namespaces),
        "access_key": service.access_key,
        "created_at": timestamp(service.created_at),
        "revoked_at": None if service.revoked_at is None else timestamp(service.revoked_at),
    }


def webhook(status: WebhookStatus) -> dict[str, Any]:
    """A webhook as the admin API and `sharekeeper webhook list --json` show it (never its
    secret): ``position`` the feed cursor delivered up to, ``lag`` the cursors behind."""
    hook = status.webhook
    return {
        "webhook_id": hook.id,
        "url": hook.url,
        "types": list(hook.types),
        "state": hook.state.value,
        "created_at": timestamp(hook.created_at),
        "position": None if status.position is None else str(status.position),
        "lag": status.lag,
    }


def dead_letter(letter: DeadLetter) -> dict[str, Any]:
    """A dead letter as the admin API and `sharekeeper webhook dead-letters --json` show it
    (without the body, which the feed and a replay carry)."""
    return {
        "dead_letter_id": letter.id,
        "webhook_id": letter.webhook_id,
        "cursor": str(letter.cursor),
        "event_id": letter.event_id,
        "type": letter.event_type,
        "attempts": letter.attempts,
        "last_error": letter.last_error,
        "failed_at": timestamp(letter.failed_at),
        "replay_requested": letter.replay_requested_at is not None,
    }


def unit_wire(organization: Organization, unit: OrgUnit) -> OrganizationalUnitWire:
    return OrganizationalUnitWire(
        unit.id, organization.node_urn(unit.id), unit.name, timestamp_seconds(unit.created_at)
    )


def root_wire(organization: Organization, root: OrgUnit, enabled: set[PolicyType]) -> RootWire:
    """A root with both policy types, each enabled or disabled: Terraform polls ListRoots
    for the status of one after enabling or disabling it."""
    types = [
        PolicyTypeWire("enabled" if kind in enabled else "disabled", kind.value)
        for kind in PolicyType
    ]
    return RootWire(
        root.id,
        organization.node_urn(root.id),
        root.name,
        types,
        timestamp_seconds(root.created_at),
    )


def policy_wire(organization: Organization, policy: Policy) -> PolicyWire:
    return PolicyWire(policy.content, policy_summary(organization, policy))


def policy_summary(organization: Organization, policy: Policy) -> PolicySummaryWire:
    return PolicySummaryWire(
        policy.builtin,
        policy.description,
        policy.id,
        organization.policy_urn(policy),
        policy.name,
        policy.type.value,
    )
