"""Permissions bound to a share: bind (or replace), unbind, list."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sharekeeper.domain import ids
from sharekeeper.domain.accounts import Caller
from sharekeeper.domain.clock import Millis
from sharekeeper.domain.errors import (
    InvalidParameter,
    PermissionAlreadyBound,
    PermissionNotAssociated,
    PermissionNotFound,
    UnknownPermission,
)
from sharekeeper.domain.events import Change, ChangeKind
from sharekeeper.domain.paging import Page, PageRequest
from sharekeeper.domain.permission_work import ReplacementWork, WorkStatus, check_replacement
from sharekeeper.domain.permissions import CUSTOMER_MANAGED, Permission
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
from sharekeeper.services.organizations import access_entities
from sharekeeper.store.unit_of_work import UnitOfWork


def _catalogue_permission(ctx: Context, permission_id: str) -> Permission:
    try:
        return ctx.catalogue.get(permission_id)
    except PermissionNotFound:
        raise UnknownPermission(permission_id) from None


def bindable(
    ctx: Context, uow: UnitOfWork, owner: str, permission_id: str, version: int | None = None
) -> Permission:
    """The permission a share of ``owner`` may bind: the catalogue's default version, or the
    owner's own customer-managed one (that version, else its default) unless deprecated.
    Another account's permission does not exist for it."""
    if ctx.catalogue.holds(permission_id):
        permission = _catalogue_permission(ctx, permission_id)
        if version not in (None, permission.version):
            raise InvalidParameter(
                f"Version {version}: a share binds the permission's default version, "
                f"{permission.version}."
            )
        return permission
    # Under the owner's lock, which deleting or deprecating the permission takes too: a
    # binding never commits beside the deletion of what it binds.
    uow.accounts.lock(owner)
    own = uow.customer_permissions.get(permission_id)
    if own is None or own.owner_account_id != owner:
        raise UnknownPermission(permission_id)
    return own.bindable(version)


def bound_permission(
    ctx: Context, uow: UnitOfWork, bound: BoundPermission, default: bool = False
) -> Permission:
    """The version a binding names (``default``: its permission's default version), read
    from the catalogue or from its owner's permissions."""
    version = None if default else bound.permission_version
    if bound.permission_type != CUSTOMER_MANAGED:
        return ctx.catalogue.get(bound.permission_id, version)
    own = uow.customer_permissions.get(bound.permission_id)
    if own is None:  # deleting a bound permission is refused: a defect, not bad input
        raise LookupError(f"bound permission {bound.permission_id} is gone")
    return own.as_bound(version)


def associate_share_permission(
    ctx: Context,
    caller: Caller,
    share_id: str,
    permission_id: str,
    replace: bool = False,
    version: int | None = None,
) -> None:
    """Binds the permission (the version given, else its default) for its resource type. A
    type holds one permission: replacing one needs ``replace``."""
    now = ctx.clock()
    with ctx.writing() as uow:
        share = owned_share(uow, caller, share_id, now)
        share.require_active()
        permission = bindable(ctx, uow, caller.account_id, permission_id, version)
        resource_type = permission.resource_type
        bound = uow.permissions.bound_versions(share.id)
        current = bound.get(resource_type)
        if current == (permission.id, permission.version):
            return
        if current is not None:
            if not replace:
                raise PermissionAlreadyBound(resource_type, current[0])
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
        bound = [b for b in uow.permissions.of_share(share.id) if b.permission_id == permission_id]
        if not bound:
            raise PermissionNotAssociated(permission_id, share.id)
        resource_type = bound[0].resource_type
        default = ctx.catalogue.default_for(resource_type)
        in_use = resource_type in uow.associations.live_resource_types(share.id)
        if in_use and default is not None and default.id != permission_id:
            replace_permission(uow, share.id, default, now)
        else:
            unbound = bound_permission(ctx, uow, bound[0])
            uow.permissions.unbind(share.id, resource_type)
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
        return Page(associated_permissions(ctx, uow, found.items), found.next_marker)


def share_permission_versions(
    ctx: Context, caller: Caller, share_id: str, page: PageRequest
) -> tuple[str, Page[Permission]]:
    """The share's owner and the versions the share binds, for its owner and for the
    principals it reaches (who read the owner's customer-managed permission so)."""
    now = ctx.clock()
    with ctx.reading() as uow:
        share = visible_share(uow, caller, share_id, now)
        found = uow.permissions.page(share.id, None, page)
        items = [bound_permission(ctx, uow, b) for b in found.items]
    return share.owner_account_id, Page(items, found.next_marker)


def search_share_bindings(
    ctx: Context, caller: Caller, query: BindingQuery, page: PageRequest, received: bool = False
) -> Page[tuple[ShareBinding, Permission]]:
    """The permissions bound to the caller's own shares, or (``received``) to the shares of
    others that reach it, each with its permission's default version (AWS's
    ListPermissionAssociations)."""
    defaults = [(p.id, p.version) for p in ctx.catalogue.permissions()]
    with ctx.reading() as uow:
        through = access_entities(uow, caller.account_id) if received else None
        found = uow.permissions.bindings_page(caller.account_id, through, query, defaults, page)
        items = [(b, bound_permission(ctx, uow, b.bound, default=True)) for b in found.items]
    return Page(items, found.next_marker)


def replace_permission_associations(
    ctx: Context, caller: Caller, from_id: str, from_version: int | None, to_id: str
) -> ReplacementWork:
    """Binds ``to_id``'s default version instead of ``from_id`` (that version, if given) on
    every active share of the caller's that binds it, in one transaction, with each share's
    change; the work record says how many it changed. ``from_id`` may be ``to_id``: the
    shares then move to its default version (AWS's way to apply a new version)."""
    now = ctx.clock()
    with ctx.writing() as uow:
        source = _source(ctx, uow, caller, from_id, from_version)
        target = bindable(ctx, uow, caller.account_id, to_id)
        check_replacement(source, target)
        bindings = uow.permissions.owner_shares_binding(caller.account_id, from_id, from_version)
        moved = [s for s, version in bindings if (from_id, version) != (to_id, target.version)]
        for share_id in moved:
            replace_permission(uow, share_id, target, now)
        work = ReplacementWork(
            id=ids.new_resource_id(),
            owner_account_id=caller.account_id,
            from_permission_id=from_id,
            from_version=from_version,
            to_permission_id=target.id,
            to_version=target.version,
            status=WorkStatus.COMPLETED,
            replaced=len(moved),
            created_at=now,
            updated_at=now,
        )
        uow.permission_work.add(work)
        uow.note_target(work.id)
        uow.commit()
    return work


def _source(
    ctx: Context, uow: UnitOfWork, caller: Caller, permission_id: str, version: int | None
) -> Permission:
    """The permission replaced (a deprecated one too: replacing it is how shares leave it)."""
    try:
        if ctx.catalogue.holds(permission_id):
            return ctx.catalogue.get(permission_id, version)
        own = uow.customer_permissions.get(permission_id)
        if own is None or own.owner_account_id != caller.account_id:
            raise UnknownPermission(permission_id)
        return own.as_bound(version)
    except PermissionNotFound:
        raise UnknownPermission(f"{permission_id} version {version}") from None


def permission_named(ctx: Context, caller: Caller, permission_id: str) -> Permission | None:
    """The default version of a catalogue permission or of one of the caller's own; None for
    one of the caller's since deleted (a work record may name one)."""
    if ctx.catalogue.holds(permission_id):
        return ctx.catalogue.get(permission_id)
    with ctx.reading() as uow:
        own = uow.customer_permissions.get(permission_id)
    if own is None or own.owner_account_id != caller.account_id:
        return None
    return own.as_bound()


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
    ctx: Context, uow: UnitOfWork, bound: Sequence[BoundPermission]
) -> list[AssociatedPermission]:
    """A share's bound permissions with their names."""
    return [
        AssociatedPermission(
            b.permission_id,
            bound_permission(ctx, uow, b).name,
            b.resource_type,
            b.status,
            b.created_at,
            b.updated_at,
        )
        for b in bound
    ]
