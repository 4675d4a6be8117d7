"""Permissions bound to a share: bind (or replace), unbind, list."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sharekeeper.domain import ids
from sharekeeper.domain.accounts import Caller
from sharekeeper.domain.clock import Millis
from sharekeeper.domain.errors import (
    PermissionAlreadyBound,
    PermissionNotAssociated,
    PermissionNotFound,
    UnknownPermission,
)
from sharekeeper.domain.events import Change, ChangeKind
from sharekeeper.domain.paging import Page, PageRequest
from sharekeeper.domain.permission_work import ReplacementWork, WorkStatus, check_replacement
from sharekeeper.domain.permissions import Permission
from sharekeeper.domain.quotas import QuotaType
from sharekeeper.domain.shares import AssociationStatus
from sharekeeper.domain.views import (
    AssociatedPermission,
    BindingQuery,
    BoundPermission,
    ShareBinding,
)
from sharekeeper.services.access import owned_share, visible_share
from sharekeeper.services.context import Context
from sharekeeper.store.unit_of_work import UnitOfWork


def _catalogue_permission(ctx: Context, permission_id: str) -> Permission:
    try:
        return ctx.catalogue.get(permission_id)
    except PermissionNotFound:
        raise UnknownPermission(permission_id) from None


def associate_share_permission(
    ctx: Context, caller: Caller, share_id: str, permission_id: str, replace: bool = False
) -> None:
    """Binds the permission for its resource type. A type holds one permission: replacing
    one needs ``replace``."""
    permission = _catalogue_permission(ctx, permission_id)
    resource_type = permission.resource_type
    now = ctx.clock()
    with ctx.writing() as uow:
        share = owned_share(uow, caller, share_id, now)
        share.require_active()
        bound = uow.permissions.bound(share.id)
        current = bound.get(resource_type)
        if current == permission.id:
            return
        if current is not None:
            if not replace:
                raise PermissionAlreadyBound(resource_type, current)
            replace_permission(uow, share.id, permission, now)
        else:
            ctx.quotas.check_share(QuotaType.PERMISSION_ASSOCIATION, share.id, len(bound), 1)
            bind_permissions(uow, share.id, [permission], now)
        uow.commit()


def disassociate_share_permission(
    ctx: Context, caller: Caller, share_id: str, permission_id: str
) -> None:
    """Unbinds the permission. While the share holds resources of its type, the type falls back
    to its default permission (Terraform destroys a share permission this way, on a share that
    keeps its resources); unbinding the default itself leaves the type with none."""
    now = ctx.clock()
    with ctx.writing() as uow:
        share = owned_share(uow, caller, share_id, now)
        share.require_active()
        bound = uow.permissions.bound(share.id)
        types = [t for t, p in bound.items() if p == permission_id]
        if not types:
            raise PermissionNotAssociated(permission_id, share.id)
        default = ctx.catalogue.default_for(types[0])
        in_use = types[0] in uow.associations.live_resource_types(share.id)
        if in_use and default is not None and default.id != permission_id:
            replace_permission(uow, share.id, default, now)
        else:
            uow.permissions.unbind(share.id, types[0])
            unbound = ctx.catalogue.get(permission_id)
            _record(uow, ChangeKind.PERMISSION_DISASSOCIATED, share.id, unbound, now)
        uow.commit()


def bind_permissions(
    uow: UnitOfWork, share_id: str, permissions: Iterable[Permission], now: Millis
) -> None:
    """Binds each permission for its resource type (none bound there yet), with its change."""
    permissions = list(permissions)
    uow.permissions.bind(share_id, permissions, now)
    for permission in permissions:
        _record(uow, ChangeKind.PERMISSION_ASSOCIATED, share_id, permission, now)


def replace_permission(uow: UnitOfWork, share_id: str, permission: Permission, now: Millis) -> None:
    uow.permissions.replace(share_id, permission, now)
    _record(uow, ChangeKind.PERMISSION_REPLACED, share_id, permission, now)


def _record(
    uow: UnitOfWork, kind: ChangeKind, share_id: str, permission: Permission, now: Millis
) -> None:
    """The change's object is the permission as the share's permission list shows it, with
    the status the change left."""
    ended = kind is ChangeKind.PERMISSION_DISASSOCIATED
    status = AssociationStatus.DISASSOCIATED if ended else AssociationStatus.ASSOCIATED
    item = AssociatedPermission(
        permission.id, permission.name, permission.resource_type, status.value, now, now
    )
    uow.record(Change.of_share(kind, share_id, item, now))


def list_share_permissions(
    ctx: Context, caller: Caller, share_id: str, permission_name: str | None, page: PageRequest
) -> Page[AssociatedPermission]:
    """The share's permissions, for its owner and for the principals it reaches."""
    now = ctx.clock()
    ids = None
    if permission_name is not None:
        ids = [p.id for p in ctx.catalogue.permissions() if p.name == permission_name]
    with ctx.reading() as uow:
        share = visible_share(uow, caller, share_id, now)
        found = uow.permissions.page(share.id, ids, page)
    return Page(associated_permissions(ctx, found.items), found.next_marker)


def search_share_bindings(
    ctx: Context, caller: Caller, query: BindingQuery, page: PageRequest
) -> Page[ShareBinding]:
    """The permissions bound to the caller's own shares (AWS's ListPermissionAssociations)."""
    with ctx.reading() as uow:
        return uow.permissions.owner_page(caller.account_id, query, page)


def replace_permission_associations(
    ctx: Context, caller: Caller, from_id: str, from_version: int | None, to_id: str
) -> ReplacementWork:
    """Binds ``to_id``'s default version instead of ``from_id`` (that version, if given) on
    every active share of the caller's that binds it, in one transaction, with each share's
    change; the work record says how many it changed."""
    source = _catalogue_permission(ctx, from_id)
    target = _catalogue_permission(ctx, to_id)
    check_replacement(source, target)
    if from_version is not None:
        _catalogue_version(ctx, from_id, from_version)
    now = ctx.clock()
    with ctx.writing() as uow:
        share_ids = uow.permissions.owner_shares_binding(caller.account_id, from_id, from_version)
        for share_id in share_ids:
            replace_permission(uow, share_id, target, now)
        work = ReplacementWork(
            id=ids.new_resource_id(),
            owner_account_id=caller.account_id,
            from_permission_id=from_id,
            from_version=from_version,
            to_permission_id=target.id,
            to_version=target.version,
            status=WorkStatus.COMPLETED,
            replaced=len(share_ids),
            created_at=now,
            updated_at=now,
        )
        uow.permission_work.add(work)
        uow.note_target(work.id)
        uow.commit()
    return work


def _catalogue_version(ctx: Context, permission_id: str, version: int) -> Permission:
    try:
        return ctx.catalogue.get(permission_id, version)
    except PermissionNotFound:
        raise UnknownPermission(f"{permission_id} version {version}") from None


def search_replacement_work(
    ctx: Context,
    caller: Caller,
    work_ids: Sequence[str],
    status: WorkStatus | None,
    page: PageRequest,
) -> Page[ReplacementWork]:
    """The caller's own work records."""
    with ctx.reading() as uow:
        return uow.permission_work.page(caller.account_id, work_ids, status, page)


def associated_permissions(
    ctx: Context, bound: Sequence[BoundPermission]
) -> list[AssociatedPermission]:
    """A share's bound permissions with their names from the catalogue."""
    return [
        AssociatedPermission(
            b.permission_id,
            ctx.catalogue.get(b.permission_id).name,
            b.resource_type,
            b.status,
            b.created_at,
            b.updated_at,
        )
        for b in bound
    ]
