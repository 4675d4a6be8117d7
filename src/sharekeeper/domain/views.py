"""Read models: what is shared and with whom, as the shared-resource and shared-principal views
and the associated-permission list show it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from sharekeeper.domain.clock import Millis


@dataclass(frozen=True, slots=True)
class SharedResource:
    resource_urn: str
    resource_type: str
    resource_share_id: str
    status: str
    created_at: Millis
    updated_at: Millis


@dataclass(frozen=True, slots=True)
class DistinctResource:
    resource_urn: str
    resource_type: str
    updated_at: Millis


@dataclass(frozen=True, slots=True)
class SharedPrincipal:
    """A principal of one share: for the owner, whom it shares with; for a receiver, the owner
    account that shares with it."""

    id: str
    resource_share_id: str
    created_at: Millis
    updated_at: Millis


@dataclass(frozen=True, slots=True)
class DistinctPrincipal:
    id: str
    updated_at: Millis


class Side(Enum):
    """Which side of the shares a view looks from."""

    OWNER = "owner"  # what the account shares
    RECEIVER = "receiver"  # what is shared with it


@dataclass(frozen=True, slots=True)
class SharedResourceQuery:
    principal: str | None = None
    resource_ids: tuple[str, ...] = ()
    resource_urns: tuple[str, ...] = ()
    share_ids: tuple[str, ...] = ()
    region: str | None = None
    resource_type: str | None = None


@dataclass(frozen=True, slots=True)
class SharedPrincipalQuery:
    principals: tuple[str, ...] = ()
    resource_urn: str | None = None
    share_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class BoundPermission:
    """A permission bound to a share for one resource type."""

    permission_id: str
    permission_version: int
    resource_type: str
    status: str
    created_at: Millis
    updated_at: Millis
    # RAM_MANAGED (the catalogue's) or CUSTOMER_MANAGED (the share owner's own).
    permission_type: str = "RAM_MANAGED"


@dataclass(frozen=True, slots=True)
class ShareBinding:
    """A permission bound to a share (AWS's ListPermissionAssociations), with the share's
    owner."""

    resource_share_id: str
    bound: BoundPermission
    owner_account_id: str


@dataclass(frozen=True, slots=True)
class BindingQuery:
    """Filters of a search of the permissions bound to shares; all must hold.
    ``default_version``: only bindings of their permission's current default version."""

    permission_id: str | None = None
    permission_version: int | None = None
    status: str | None = None
    resource_type: str | None = None
    share_id: str | None = None
    default_version: bool = False


@dataclass(frozen=True, slots=True)
class AssociatedPermission:
    permission_id: str
    permission_name: str
    resource_type: str
    status: str
    created_at: Millis
    updated_at: Millis


@dataclass(frozen=True, slots=True)
class QuotaUsage:
    type: str
    quota: int
    min: int
    max: int
    used: int
