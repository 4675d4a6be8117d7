"""Changes, as the change feed records them: what changed (a kind), about what (the subject:
a resource share's id or an organization's) and the changed object itself. A service records
one ``Change`` per change in the unit of work that makes it; the edge renders the object in the
API's own wire shape (docs/enforcement.md, "The change feed")."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sharekeeper.domain.clock import Millis
from sharekeeper.domain.ids import ResourceUrn
from sharekeeper.domain.organizations import Membership, Organization, OrgUnit
from sharekeeper.domain.policies import Policy, PolicyType
from sharekeeper.domain.shares import Association, AssociationType
from sharekeeper.domain.views import AssociatedPermission


class ChangeKind(StrEnum):
    """Every kind of change the feed carries. The values are the CloudEvents types without
    their ``sharekeeper.`` prefix, fixed by issue 25 (resource services match on them)."""

    SHARE_CREATED = "ram.resource_share.created"
    SHARE_UPDATED = "ram.resource_share.updated"
    SHARE_DELETED = "ram.resource_share.deleted"
    ASSOCIATED = "ram.association.associated"
    DISASSOCIATED = "ram.association.disassociated"
    INVITATION_CREATED = "ram.invitation.created"
    INVITATION_ACCEPTED = "ram.invitation.accepted"
    INVITATION_REJECTED = "ram.invitation.rejected"
    INVITATION_EXPIRED = "ram.invitation.expired"
    INVITATION_WITHDRAWN = "ram.invitation.withdrawn"
    PERMISSION_ASSOCIATED = "ram.permission.associated"
    PERMISSION_REPLACED = "ram.permission.replaced"
    PERMISSION_DISASSOCIATED = "ram.permission.disassociated"
    SHARING_ENABLED = "ram.organization_sharing.enabled"
    SHARING_DISABLED = "ram.organization_sharing.disabled"
    ACCOUNT_JOINED = "organizations.account.joined"
    ACCOUNT_LEFT = "organizations.account.left"
    ACCOUNT_MOVED = "organizations.account.moved"
    UNIT_CREATED = "organizations.unit.created"
    UNIT_DELETED = "organizations.unit.deleted"
    # Beyond the list: an SCP's changes change decisions, so a checker must learn them.
    POLICY_CREATED = "organizations.policy.created"
    POLICY_UPDATED = "organizations.policy.updated"
    POLICY_DELETED = "organizations.policy.deleted"
    POLICY_ATTACHED = "organizations.policy.attached"
    POLICY_DETACHED = "organizations.policy.detached"
    POLICY_TYPE_ENABLED = "organizations.policy_type.enabled"
    POLICY_TYPE_DISABLED = "organizations.policy_type.disabled"


@dataclass(frozen=True, slots=True)
class Change:
    """One change, recorded with it. ``item`` is the domain object as the change left it (a
    share, an association, an invitation, a bound permission, an organization, a member or
    a unit); ``share_id`` is set for a share's changes, so a service reads only those of
    shares that hold resources in its namespaces."""

    kind: ChangeKind
    subject: str
    item: object
    at: Millis
    share_id: str | None = None

    @classmethod
    def of_share(cls, kind: ChangeKind, share_id: str, item: object, at: Millis) -> Change:
        return cls(kind, share_id, item, at, share_id)

    @property
    def item_type(self) -> str | None:
        """The resource type of a share's item the change is about (a resource's association,
        a permission bound for a type), so that a service reads of a share holding other
        namespaces' resources too only its own namespaces' items; None for the share's own
        changes, its principals' and invitations, and the directory's."""
        item = self.item
        if isinstance(item, AssociatedPermission):
            return item.resource_type
        if isinstance(item, Association) and item.association_type is AssociationType.RESOURCE:
            return item.resource_type or ResourceUrn.parse(item.entity).resource_type
        return None


@dataclass(frozen=True, slots=True)
class FeedEvent:
    """A change as the outbox keeps it: ``cursor`` orders the feed in commit order; ``data``
    is the object already rendered (JSON text), as it was when the change committed."""

    cursor: int
    id: str
    kind: str
    subject: str
    at: Millis
    data: str


@dataclass(frozen=True, slots=True)
class PolicyOn:
    """A policy attached to an entity (a root, an OU or an account), or detached from it."""

    policy: Policy
    entity_id: str


@dataclass(frozen=True, slots=True)
class PolicyTypes:
    """The root's policy types once ``switched`` was enabled or disabled."""

    root: OrgUnit
    switched: PolicyType
    enabled: frozenset[PolicyType]


# What a directory change is about.
DirectoryEntry = Membership | OrgUnit | Policy | PolicyOn | PolicyTypes


@dataclass(frozen=True, slots=True)
class InDirectory:
    """A directory change's object with its organization (whose URNs name them): a member's
    placement, a unit, a policy, a policy's attachment or the root's policy types."""

    organization: Organization
    entry: DirectoryEntry
