"""Changes to CloudEvents 1.0, in the API's own wire shape.

A change's ``data`` is rendered when its unit of work commits, by the same converters the API
answers with (api/convert.py, the Organizations handlers), and kept as JSON text: the feed
shows each object as that change left it, whatever happened to it since, and reading the
feed renders nothing but the envelope. The domain records (kind, subject, object); only this
module knows the wire names (docs/enforcement.md, "The change feed")."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import msgspec

from sharekeeper.api import convert
from sharekeeper.api.schemas import AssociatedPermissionWire
from sharekeeper.domain.events import (
    Change,
    ChangeKind,
    FeedEvent,
    InDirectory,
    PolicyOn,
    PolicyTypes,
)
from sharekeeper.domain.ids import new_uuid
from sharekeeper.domain.invitations import Invitation
from sharekeeper.domain.organizations import Membership, Organization
from sharekeeper.domain.policies import Policy, PolicyType, scp_within
from sharekeeper.domain.shares import Association, ResourceShare
from sharekeeper.domain.views import AssociatedPermission

SOURCE = "/sharekeeper"
TYPE_PREFIX = "sharekeeper."
_encode = msgspec.json.Encoder().encode


def render_change(change: Change) -> FeedEvent:
    """The event of a change (its cursor is given when it is written)."""
    data = _encode(_data(change.item)).decode()
    return FeedEvent(0, new_uuid(), change.kind.value, change.subject, change.at, data)


def _data(item: object) -> Any:
    if isinstance(item, ResourceShare):
        return convert.share(item)
    if isinstance(item, Association):
        return convert.association(item)
    if isinstance(item, Invitation):
        return convert.invitation(item)
    if isinstance(item, AssociatedPermission):
        return convert.records([item], AssociatedPermissionWire)[0]
    if isinstance(item, Organization):
        return {"organization_id": item.id, "enabled": item.sharing_enabled}
    if isinstance(item, InDirectory):
        return _directory(item)
    raise TypeError(f"no wire shape for a change's {type(item).__name__}")


def _directory(item: InDirectory) -> Any:
    """Directory objects as the Organizations API answers them, with what names their place:
    the organization, and a member's or unit's parent."""
    organization, entry = item.organization, item.entry
    if isinstance(entry, Membership):
        return {
            "id": entry.account_id,
            "urn": organization.account_urn(entry.account_id),
            "join_method": entry.join_method.value,
            "joined_at": convert.timestamp_seconds(entry.joined_at),
            "organization_id": organization.id,
            "parent_id": entry.parent_id,
        }
    if isinstance(entry, Policy):  # as ShowPolicy's "policy"
        found = msgspec.to_builtins(convert.policy_wire(organization, entry))
    elif isinstance(entry, PolicyOn):  # the policy's summary and the attach body's entity_id
        summary = convert.policy_summary(organization, entry.policy)
        found = {"policy_summary": msgspec.to_builtins(summary), "entity_id": entry.entity_id}
    elif isinstance(entry, PolicyTypes):  # the policy type, and the root as Enable answers it
        root = convert.root_wire(organization, entry.root, set(entry.enabled))
        found = {"policy_type": entry.switched.value, "root": msgspec.to_builtins(root)}
    else:
        wire = msgspec.to_builtins(convert.unit_wire(organization, entry))
        return {**wire, "parent_id": entry.parent_id}
    return {**found, "organization_id": organization.id}


def cloud_event(event: FeedEvent) -> dict[str, Any]:
    """The structured CloudEvent of a kept event."""
    return {
        "specversion": "1.0",
        "id": event.id,
        "source": SOURCE,
        "type": TYPE_PREFIX + event.kind,
        "time": convert.timestamp(event.at),
        "subject": event.subject,
        "datacontenttype": "application/json",
        # Kept as JSON text: passed through, not decoded and encoded again.
        "data": msgspec.Raw(event.data.encode()),
    }


_WITH_CONTENT = (
    ChangeKind.POLICY_CREATED.value,
    ChangeKind.POLICY_UPDATED.value,
    ChangeKind.POLICY_DELETED.value,
)


def for_service(event: FeedEvent, namespaces: tuple[str, ...]) -> FeedEvent:
    """The event as a service principal reads it: a policy's content reduced as its snapshot
    shows it, an SCP to its statements about the namespaces' actions (null when none is), a
    tag policy's to null: no service reads what other services' policies say
    (docs/enforcement.md, "What a service principal reads")."""
    if event.kind not in _WITH_CONTENT:
        return event
    data = msgspec.json.decode(event.data)
    content = data.get("content")
    summary = data.get("policy_summary") or {}
    if summary.get("type") == PolicyType.SERVICE_CONTROL.value and isinstance(content, str):
        data["content"] = scp_within(content, namespaces)
    else:
        data["content"] = None
    return replace(event, data=_encode(data).decode())


def event_body(event: FeedEvent) -> bytes:
    """The structured CloudEvent as bytes, as GET /sharekeeper/v1/events serves each event: the
    body NATS messages and webhook deliveries carry."""
    return _encode(cloud_event(event))
