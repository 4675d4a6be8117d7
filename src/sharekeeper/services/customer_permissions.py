"""Customer-managed permissions: one service function per use case (AWS RAM's CreatePermission,
CreatePermissionVersion, SetDefaultPermissionVersion, DeletePermissionVersion,
DeletePermission, GetPermission, ListPermissions, ListPermissionVersions). A permission is
named by its owner and its name; only its owner reads or changes it."""

from __future__ import annotations

from collections.abc import Collection

from sharekeeper.domain import ids
from sharekeeper.domain.accounts import Caller
from sharekeeper.domain.customer_permissions import (
    CustomerPermission,
    PermissionVersion,
    check_name,
    check_template,
)
from sharekeeper.domain.errors import (
    PermissionInUse,
    PermissionLimit,
    PermissionNameTaken,
    PermissionNotFound,
)
from sharekeeper.domain.paging import Page, PageRequest, page_of_sequence
from sharekeeper.services.access import reaches
from sharekeeper.services.context import Context
from sharekeeper.store.unit_of_work import UnitOfWork

# Permissions an account may hold: AWS's quota, and what bounds a listing read whole.
MAX_PERMISSIONS = 1000


def _owned(uow: UnitOfWork, caller: Caller, name: str) -> CustomerPermission:
    found = uow.customer_permissions.named(caller.account_id, name)
    if found is None:
        raise PermissionNotFound(name)
    return found


def create_permission(
    ctx: Context,
    caller: Caller,
    name: str,
    resource_type: str,
    template: str,
    services: Collection[str],
) -> CustomerPermission:
    """``services``: the service prefixes the template's actions may name (the type's)."""
    resource_type = ctx.catalogue.require_shareable(resource_type).name
    now = ctx.clock()
    permission = CustomerPermission(
        id=ids.new_resource_id(),
        owner_account_id=caller.account_id,
        name=check_name(name),
        resource_type=resource_type,
        default_version=1,
        created_at=now,
        updated_at=now,
        versions=(PermissionVersion(1, check_template(template, services), now),),
    )
    with ctx.writing() as uow:
        if uow.customer_permissions.named(caller.account_id, name) is not None:
            raise PermissionNameTaken(name)
        # Two creations of one name racing past the check: the unique (owner, name) refuses
        # the second's commit (ConcurrentChange).
        if uow.customer_permissions.count(caller.account_id) >= MAX_PERMISSIONS:
            raise PermissionLimit(MAX_PERMISSIONS)
        uow.customer_permissions.add(permission)
        uow.note_target(permission.id)
        uow.commit()
    return permission


def create_permission_version(
    ctx: Context, caller: Caller, name: str, template: str, services: Collection[str]
) -> CustomerPermission:
    """A new version, made the default."""
    check_template(template, services)
    now = ctx.clock()
    with ctx.writing() as uow:
        permission = _owned(uow, caller, name).with_version(template, now)
        uow.customer_permissions.add_version(permission.id, permission.version())
        uow.customer_permissions.changed(permission)
        uow.note_target(permission.id)
        uow.commit()
    return permission


def set_default_version(ctx: Context, caller: Caller, name: str, version: int) -> None:
    now = ctx.clock()
    with ctx.writing() as uow:
        permission = _owned(uow, caller, name).with_default(version, now)
        uow.customer_permissions.changed(permission)
        uow.note_target(permission.id)
        uow.commit()


def delete_version(ctx: Context, caller: Caller, name: str, version: int) -> None:
    """A version no share binds (AWS refuses deleting one in use)."""
    now = ctx.clock()
    with ctx.writing() as uow:
        uow.accounts.lock(caller.account_id)  # as binding takes it (services/permissions.py)
        permission = _owned(uow, caller, name).without_version(version, now)
        if uow.permissions.binding_shares(permission.id, version):
            raise PermissionInUse(name, version)
        uow.customer_permissions.remove_version(permission.id, version)
        uow.customer_permissions.changed(permission)
        uow.note_target(permission.id)
        uow.commit()


def delete_permission(ctx: Context, caller: Caller, name: str) -> None:
    """A permission no active share binds (AWS refuses deleting one in use); the bindings of
    ended shares, which decide nothing, go with it."""
    with ctx.writing() as uow:
        uow.accounts.lock(caller.account_id)  # as binding takes it (services/permissions.py)
        permission = _owned(uow, caller, name)
        if uow.permissions.binding_shares(permission.id):
            raise PermissionInUse(name)
        uow.permissions.forget(permission.id)
        uow.customer_permissions.remove(permission.id)
        uow.note_target(permission.id)
        uow.commit()


def update_status(ctx: Context, caller: Caller, name: str, status: str) -> CustomerPermission:
    """DEPRECATED: binds to no new share (the shares binding it keep it); ATTACHABLE again."""
    now = ctx.clock()
    with ctx.writing() as uow:
        uow.accounts.lock(caller.account_id)  # as binding takes it (services/permissions.py)
        permission = _owned(uow, caller, name).with_status(status, now)
        uow.customer_permissions.changed(permission)
        uow.note_target(permission.id)
        uow.commit()
    return permission


def get_permission(ctx: Context, caller: Caller, name: str) -> CustomerPermission:
    with ctx.reading() as uow:
        return _owned(uow, caller, name)


def get_shared_permission(
    ctx: Context, caller: Caller, owner: str, name: str
) -> CustomerPermission:
    """Another account's permission, for a principal that one of its active shares binding
    the permission reaches (AWS lets a share's principals read its permissions); to anyone
    else it does not exist."""
    with ctx.reading() as uow:
        found = uow.customer_permissions.named(owner, name)
        if found is None or not any(
            reaches(uow, share_id, caller.account_id)
            for share_id in uow.permissions.binding_shares(found.id)
        ):
            raise PermissionNotFound(name)
        return found


def list_permissions(
    ctx: Context, caller: Caller, resource_type: str | None, page: PageRequest
) -> Page[CustomerPermission]:
    with ctx.reading() as uow:
        owned = uow.customer_permissions.owned(caller.account_id, resource_type)
    return page_of_sequence(owned, page)
