"""Create, update, delete and search resource shares."""

from __future__ import annotations

from collections.abc import Sequence

from sharekeeper.domain import ids
from sharekeeper.domain.accounts import Caller
from sharekeeper.domain.errors import ExternalPrincipalNotAllowed
from sharekeeper.domain.events import Change, ChangeKind
from sharekeeper.domain.paging import Page, PageRequest
from sharekeeper.domain.quotas import QuotaType
from sharekeeper.domain.share_sources import check_sources
from sharekeeper.domain.shares import ResourceShare, ShareLine, ShareQuery, ShareStatus
from sharekeeper.domain.sharing import check_principals, check_resources, choose_permissions
from sharekeeper.domain.tags import Tag, unique_tags
from sharekeeper.services.access import owned_share
from sharekeeper.services.associations import bind
from sharekeeper.services.changes import record_closed, record_ended
from sharekeeper.services.context import Context
from sharekeeper.services.organizations import access_entities
from sharekeeper.services.permissions import bind_permissions, bindable
from sharekeeper.services.share_sources import bind_sources

SHARE_DELETED = "The resource share was deleted."


def create_resource_share(
    ctx: Context,
    caller: Caller,
    *,
    name: str,
    description: str = "",
    allow_external_principals: bool = True,
    permission_ids: Sequence[str] = (),
    principals: Sequence[str] = (),
    resource_urns: Sequence[str] = (),
    tags: Sequence[Tag] = (),
    sources: Sequence[str] = (),
) -> ResourceShare:
    """``sources``: the accounts its service principals may act for (domain/share_sources.py)."""
    owner = caller.account_id
    chosen = check_principals(principals, owner)
    sources = check_sources(sources)
    urns = check_resources(resource_urns, owner, ctx.catalogue)
    now = ctx.clock()
    share = ResourceShare(
        id=ids.new_resource_id(),
        name=name,
        description=description,
        owner_account_id=owner,
        allow_external_principals=allow_external_principals,
        status=ShareStatus.ACTIVE,
        created_at=now,
        updated_at=now,
        tags=unique_tags(tags),
    )
    ctx.quotas.check_share(QuotaType.TAG_ASSOCIATION, share.id, 0, len(share.tags))
    with ctx.writing() as uow:
        asked = [bindable(ctx, uow, owner, p) for p in permission_ids]
        types = dict.fromkeys(u.resource_type for u in urns)
        permissions = choose_permissions(ctx.catalogue, asked, types)
        ctx.quotas.check_share(QuotaType.PERMISSION_ASSOCIATION, share.id, 0, len(permissions))
        uow.shares.add(share)
        uow.record(Change.of_share(ChangeKind.SHARE_CREATED, share.id, share, now))
        uow.note_target(share.id)
        bind_permissions(uow, share.id, permissions, now)
        bind(ctx, uow, share, chosen, urns, now, {p.resource_type: p.id for p in permissions})
        bind_sources(uow, share, sources, now)
        # The owner's share quota is counted last, by the statement that takes the owner's
        # lock and raises its count of shares, this one among them: creations of one owner
        # queue for one statement and the commit, not for the whole creation, and one that
        # counts after another committed counts its share. A refusal rolls the count back.
        ctx.quotas.check_total(uow.accounts.count_share(owner) - 1, 1)
        uow.commit()
    return share


def update_resource_share(
    ctx: Context,
    caller: Caller,
    share_id: str,
    *,
    name: str | None,
    description: str | None = None,
    allow_external_principals: bool | None = None,
) -> ResourceShare:
    now = ctx.clock()
    with ctx.writing() as uow:
        share = owned_share(uow, caller, share_id, now)
        changed = share.updated(now, name, description, allow_external_principals)
        if not changed.allow_external_principals:
            external = uow.associations.first_live_external_principal(share.id, now)
            if external is not None:
                raise ExternalPrincipalNotAllowed(external)
        uow.shares.save(changed)
        uow.record(Change.of_share(ChangeKind.SHARE_UPDATED, share.id, changed, now))
        uow.commit()
    return changed


def delete_resource_share(ctx: Context, caller: Caller, share_id: str) -> None:
    """Marks the share deleted: every association ends and open invitations are withdrawn.
    Each receiver keeps one withdrawn invitation from the owner's deleted shares, this one:
    creating and deleting shares that name an account cannot pile invitations on it."""
    now = ctx.clock()
    with ctx.writing() as uow:
        share = owned_share(uow, caller, share_id, now)
        share.require_active()
        deleted = share.deleted(now)
        uow.shares.save(deleted)
        uow.record(Change.of_share(ChangeKind.SHARE_DELETED, share.id, deleted, now))
        record_ended(uow, uow.associations.end_all(share.id, now, SHARE_DELETED), now)
        uow.share_sources.end_all(share.id, now, SHARE_DELETED)
        record_closed(uow, uow.invitations.close_pending(share.id, now), now)
        uow.invitations.forget_withdrawn_of_deleted(caller.account_id, share.id)
        # Last: it takes the owner's lock, which the owner's creates queue for.
        uow.accounts.uncount_share(share.owner_account_id)
        uow.commit()


def search_resource_shares(
    ctx: Context, caller: Caller, *, owned: bool, query: ShareQuery, page: PageRequest
) -> Page[ShareLine]:
    """Shares the caller owns, or (``owned=False``) shares it accepted or was given, as a
    listing shows them."""
    now = ctx.clock()
    with ctx.reading() as uow:
        if owned:
            return uow.shares.lines(query, page, now, owner=caller.account_id)
        return uow.shares.lines(
            query,
            page,
            now,
            receiver=caller.account_id,
            through=access_entities(uow, caller.account_id),
        )
