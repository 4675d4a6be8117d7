"""Resource shares and their associations: the entities, their statuses and rules."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import NamedTuple

from sharekeeper.domain.clock import Millis
from sharekeeper.domain.errors import ResourceShareNotActive
from sharekeeper.domain.tags import Tag, TagFilter, TagLine


class ShareStatus(StrEnum):
    ACTIVE = "active"
    DELETED = "deleted"


class AssociationType(StrEnum):
    PRINCIPAL = "principal"
    RESOURCE = "resource"
    # An account a service principal of the share may act for (domain/share_sources.py); kept
    # apart from principals and resources, and never an event of the change feed.
    SOURCE = "source"


class AssociationStatus(StrEnum):
    ASSOCIATING = "associating"
    ASSOCIATED = "associated"
    DISASSOCIATED = "disassociated"


# Ended shares and associations stay visible this long, then are purged (Huawei: 48 h, fixed).
RETENTION_MILLIS: Millis = 48 * 3600 * 1000


class ShareLine(NamedTuple):
    """A share as a listing shows it, with its tags read in the same statement. A share's
    status does not change with time, so a page of them is its rows as read: no entity is
    built per row (docs/architecture.md, "Rows straight to the wire"). Its fields are
    ``ResourceShare``'s, in the same order; ``status`` is the status's value."""

    id: str
    name: str
    description: str
    owner_account_id: str
    allow_external_principals: bool
    status: str
    created_at: Millis
    updated_at: Millis
    tags: tuple[TagLine, ...]


# Not frozen: a frozen dataclass sets each field through object.__setattr__, which made
# building the rows of a page cost more than reading them (docs/performance.md). Treated as a
# value all the same: changes go through dataclasses.replace.
@dataclass(slots=True)
class ResourceShare:
    id: str
    name: str
    description: str
    owner_account_id: str
    allow_external_principals: bool
    status: ShareStatus
    created_at: Millis
    updated_at: Millis
    tags: tuple[Tag, ...] = ()

    def require_active(self) -> None:
        if self.status is not ShareStatus.ACTIVE:
            raise ResourceShareNotActive(self.id)

    def deleted(self, now: Millis) -> ResourceShare:
        return replace(self, status=ShareStatus.DELETED, updated_at=now)

    def updated(
        self,
        now: Millis,
        name: str | None,
        description: str | None,
        allow_external_principals: bool | None,
    ) -> ResourceShare:
        """An omitted field (None) keeps its value: Huawei's PUT always gives ``name``, AWS's
        UpdateResourceShare may leave it out."""
        self.require_active()
        return replace(
            self,
            name=self.name if name is None else name,
            description=self.description if description is None else description,
            allow_external_principals=(
                self.allow_external_principals
                if allow_external_principals is None
                else allow_external_principals
            ),
            updated_at=now,
        )


INVITATION_EXPIRED = "The invitation expired before it was accepted."


# Not frozen, as ResourceShare above.
@dataclass(slots=True)
class Association:
    """A principal or a resource bound to a share.

    A principal that must accept an invitation stays ``associating`` until it does;
    ``expires_at`` is the invitation's expiry, after which the association reads as ended.
    """

    resource_share_id: str
    resource_share_name: str
    association_type: AssociationType
    entity: str
    status: AssociationStatus
    created_at: Millis
    updated_at: Millis
    external: bool | None = None
    status_message: str | None = None
    expires_at: Millis | None = None
    resource_type: str | None = None

    def seen_at(self, now: Millis) -> Association:
        """The association as it reads at ``now``: an unanswered invitation ends it."""
        if (
            self.status is AssociationStatus.ASSOCIATING
            and self.expires_at is not None
            and self.expires_at <= now
        ):
            return replace(
                self,
                status=AssociationStatus.DISASSOCIATED,
                status_message=INVITATION_EXPIRED,
                updated_at=self.expires_at,
                expires_at=None,
            )
        return self

    @property
    def is_live(self) -> bool:
        return self.status is not AssociationStatus.DISASSOCIATED


@dataclass(frozen=True, slots=True)
class ShareQuery:
    """Filters of a resource-share search; all of them must hold."""

    name: str | None = None
    status: str | None = None
    ids: tuple[str, ...] = ()
    permission_id: str | None = None
    permission_version: int | None = None  # with permission_id: shares binding that version
    tag_filters: tuple[TagFilter, ...] = ()
    # Shares that name this principal (associated or associating): the console's filter; the
    # API has no such filter (its shared-principal view answers the question per principal).
    principal: str | None = None
    # The console lists the newest first, as it lists invitations (InvitationQuery); the API
    # pages oldest first, as Huawei's markers walk forwards.
    newest_first: bool = False


@dataclass(frozen=True, slots=True)
class AssociationQuery:
    association_type: AssociationType
    status: str | None = None
    principal: str | None = None
    resource_urn: str | None = None
    share_ids: tuple[str, ...] = ()
    resource_ids: tuple[str, ...] = ()
