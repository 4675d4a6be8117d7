"""Associate and disassociate principals and resources; search the associations."""

from __future__ import annotations

from collections.abc import Sequence

from sharekeeper.domain import ids
from sharekeeper.domain.accounts import Caller
from sharekeeper.domain.clock import Millis
from sharekeeper.domain.errors import (
    CannotLeaveShare,
    ExternalPrincipalNotAllowed,
    InvalidParameter,
    NotAssociated,
    ResourceShareNotFound,
)
from sharekeeper.domain.events import Change, ChangeKind
from sharekeeper.domain.ids import ResourceUrn
from sharekeeper.domain.invitations import Invitation, InvitationStatus
from sharekeeper.domain.paging import Page, PageRequest
from sharekeeper.domain.quotas import QuotaType
from sharekeeper.domain.share_sources import check_sources
from sharekeeper.domain.shares import (
    Association,
    AssociationQuery,
    AssociationStatus,
    AssociationType,
    ResourceShare,
)
from sharekeeper.domain.sharing import (
    Principals,
    check_organization_principals,
    check_principals,
    check_resources,
    choose_permissions,
)
from sharekeeper.services.access import owned_share, reaches
from sharekeeper.services.changes import record_closed, record_ended
from sharekeeper.services.context import Context
from sharekeeper.services.organizations import owner_directory
from sharekeeper.services.permissions import bind_permissions
from sharekeeper.services.share_sources import bind_sources, unbind_sources
from sharekeeper.store.unit_of_work import UnitOfWork

PRINCIPAL = AssociationType.PRINCIPAL
RESOURCE = AssociationType.RESOURCE


def bind(
    ctx: Context,
    uow: UnitOfWork,
    share: ResourceShare,
    principals: Principals,
    urns: Sequence[ResourceUrn],
    now: Millis,
    created: dict[str, str] | None = None,
) -> list[Association]:
    """Binds principals and resources to an active, locked share, within its quotas.

    An entity already bound is returned as it is. An account inside the owner's organization
    is bound at once while the organization shares; any other account gets a pending
    invitation. Organization, root and OU principals are bound at once.

    ``created``: the share was made in this unit of work with these permissions bound
    (resource type -> permission id) and nothing else, so what is bound is known without a
    read, and each association is a plain insert (a create is then three round trips on
    PostgreSQL, not twenty).
    """
    directory = owner_directory(uow, share.owner_account_id, principals.accounts)
    check_organization_principals(
        principals.organizations, directory.organization, directory.parents
    )
    entities = [*principals.accounts, *(p.value for p in principals.organizations)]
    entities += principals.services
    fresh = created is not None
    current = {} if fresh else uow.associations.find(share.id, PRINCIPAL, entities)
    new = [e for e in entities if e not in current or not current[e].seen_at(now).is_live]
    ctx.quotas.check_share(
        QuotaType.PRINCIPAL_ASSOCIATION,
        share.id,
        0 if fresh else uow.associations.count_live(share.id, PRINCIPAL, now),
        len(new),
    )
    results = [current[e].seen_at(now) for e in entities if e not in new]
    invitations = []
    shares_inside = directory.organization is not None and directory.organization.sharing_enabled
    for entity in new:
        existing = current.get(entity)
        is_account = entity in principals.accounts
        external = is_account and not directory.is_internal(entity)
        if external and not share.allow_external_principals:
            raise ExternalPrincipalNotAllowed(entity)
        invited = is_account and not (shares_inside and not external)
        association = Association(
            share.id,
            share.name,
            PRINCIPAL,
            entity,
            AssociationStatus.ASSOCIATING if invited else AssociationStatus.ASSOCIATED,
            created_at=now if existing is None else existing.created_at,
            updated_at=now,
            external=external,
            expires_at=now + ctx.invitation_ttl if invited else None,
        )
        account = entity if is_account else None
        if fresh:
            uow.associations.add(association, principal_account_id=account)
        else:
            uow.associations.save(association, principal_account_id=account)
        uow.record(Change.of_share(ChangeKind.ASSOCIATED, share.id, association, now))
        if invited and not fresh:  # a new share has no invitation yet
            record_closed(uow, uow.invitations.expire_stale(share.id, share.name, entity, now), now)
        if invited:
            if existing is not None:  # a principal new to the share has no invitation yet
                uow.invitations.forget_withdrawn(share.id, entity)
            invitations.append(
                Invitation(
                    ids.new_resource_id(),
                    share.id,
                    share.name,
                    share.owner_account_id,
                    entity,
                    InvitationStatus.PENDING,
                    now,
                    now,
                    now + ctx.invitation_ttl,
                )
            )
        results.append(association)
    uow.invitations.add_many(invitations)
    for invitation in invitations:
        uow.record(Change.of_share(ChangeKind.INVITATION_CREATED, share.id, invitation, now))
    return results + _bind_resources(ctx, uow, share, urns, now, created)


def _bind_resources(
    ctx: Context,
    uow: UnitOfWork,
    share: ResourceShare,
    urns: Sequence[ResourceUrn],
    now: Millis,
    created: dict[str, str] | None,
) -> list[Association]:
    fresh = created is not None
    current = {} if fresh else uow.associations.find(share.id, RESOURCE, [u.value for u in urns])
    new = [u for u in urns if u.value not in current or not current[u.value].is_live]
    ctx.quotas.check_share(
        QuotaType.RESOURCE_ASSOCIATION,
        share.id,
        0 if fresh else uow.associations.count_live(share.id, RESOURCE, now),
        len(new),
    )
    bound = dict(created) if created is not None else uow.permissions.bound(share.id)
    permissions = choose_permissions(
        ctx.catalogue, (), dict.fromkeys(u.resource_type for u in new), bound
    )
    ctx.quotas.check_share(QuotaType.PERMISSION_ASSOCIATION, share.id, len(bound), len(permissions))
    bind_permissions(uow, share.id, permissions, now)
    results = [current[u.value] for u in urns if u not in new]
    for urn in new:
        existing = current.get(urn.value)
        association = Association(
            share.id,
            share.name,
            RESOURCE,
            urn.value,
            AssociationStatus.ASSOCIATED,
            created_at=now if existing is None else existing.created_at,
            updated_at=now,
            resource_type=urn.resource_type,
        )
        place = {"resource_region": urn.region, "resource_id": urn.resource_id}
        if fresh:
            uow.associations.add(association, **place)
        else:
            uow.associations.save(association, **place)
        uow.record(Change.of_share(ChangeKind.ASSOCIATED, share.id, association, now))
        results.append(association)
    return results


def _require_entities(
    principals: Sequence[str], resource_urns: Sequence[str], sources: Sequence[str]
) -> None:
    if not principals and not resource_urns and not sources:
        raise InvalidParameter("Give at least one of principals and resource_urns.")


def associate_resource_share(
    ctx: Context,
    caller: Caller,
    share_id: str,
    *,
    principals: Sequence[str] = (),
    resource_urns: Sequence[str] = (),
    sources: Sequence[str] = (),
) -> list[Association]:
    """``sources``: accounts its service principals may act for (domain/share_sources.py)."""
    _require_entities(principals, resource_urns, sources)
    accounts = check_principals(principals, caller.account_id)
    urns = check_resources(resource_urns, caller.account_id, ctx.catalogue)
    sources = check_sources(sources)
    now = ctx.clock()
    with ctx.writing() as uow:
        share = owned_share(uow, caller, share_id, now)
        share.require_active()
        results = bind(ctx, uow, share, accounts, urns, now)
        results += bind_sources(uow, share, sources, now)
        uow.commit()
    return results


def disassociate_resource_share(
    ctx: Context,
    caller: Caller,
    share_id: str,
    *,
    principals: Sequence[str] = (),
    resource_urns: Sequence[str] = (),
    sources: Sequence[str] = (),
) -> list[Association]:
    """The owner removes principals, resources or sources; a principal may also leave a
    share."""
    _require_entities(principals, resource_urns, sources)
    now = ctx.clock()
    with ctx.writing() as uow:
        share = uow.shares.get(share_id, now, lock=True)
        if share is None:
            raise ResourceShareNotFound(share_id)
        if share.owner_account_id != caller.account_id:
            others = [*resource_urns, *sources]  # a leaving principal names only itself
            results = [_leave(ctx, uow, caller, share, principals, others, now)]
        else:
            share.require_active()
            results = _unbind(uow, share, PRINCIPAL, principals, now, "Disassociated by the owner.")
            results += _unbind(
                uow, share, RESOURCE, resource_urns, now, "Disassociated by the owner."
            )
            for account in principals:
                closed = uow.invitations.close_pending(share.id, now, receiver=account)
                record_closed(uow, closed, now)
            results += unbind_sources(uow, share, sources, now, "Disassociated by the owner.")
        uow.commit()
    return results


def _unbind(
    uow: UnitOfWork,
    share: ResourceShare,
    association_type: AssociationType,
    entities: Sequence[str],
    now: Millis,
    message: str,
) -> list[Association]:
    if len(set(entities)) != len(entities):
        raise InvalidParameter(f"Each {association_type} may be named once.")
    current = uow.associations.find(share.id, association_type, entities)
    ended = []
    for entity in entities:
        existing = current.get(entity)
        if existing is None or not existing.seen_at(now).is_live:
            raise NotAssociated(entity, share.id)
        association = Association(
            share.id,
            share.name,
            association_type,
            entity,
            AssociationStatus.DISASSOCIATED,
            created_at=existing.created_at,
            updated_at=now,
            external=existing.external,
            status_message=message,
            resource_type=existing.resource_type,
        )
        uow.associations.save(association)
        ended.append(association)
    record_ended(uow, ended, now)
    return ended


def _leave(
    ctx: Context,
    uow: UnitOfWork,
    caller: Caller,
    share: ResourceShare,
    principals: Sequence[str],
    resource_urns: Sequence[str],
    now: Millis,
) -> Association:
    me = caller.account_id
    mine = uow.associations.find(share.id, PRINCIPAL, [me]).get(me)
    if mine is None or mine.status is not AssociationStatus.ASSOCIATED:
        if reaches(uow, share.id, me):
            raise CannotLeaveShare(
                "The resource share reaches you through your organization; only its owner "
                "can disassociate the organization or OU."
            )
        raise ResourceShareNotFound(share.id)
    if list(principals) != [me] or resource_urns:
        raise CannotLeaveShare(
            "Only the owner may disassociate resources or other principals; "
            "a principal leaves a resource share by naming only its own account."
        )
    for resource_type in sorted(uow.associations.live_resource_types(share.id)):
        if not ctx.catalogue.require_shareable(resource_type).allows_leaving:
            raise CannotLeaveShare(
                f"The resource share holds {resource_type} resources, "
                "which principals cannot leave; ask the owner to disassociate you."
            )
    return _unbind(uow, share, PRINCIPAL, [me], now, "The principal left the resource share.")[0]


def search_resource_share_associations(
    ctx: Context, caller: Caller, query: AssociationQuery, page: PageRequest
) -> Page[Association]:
    """The associations of the caller's own shares."""
    with ctx.reading() as uow:
        return uow.associations.search(caller.account_id, query, page, ctx.clock())
