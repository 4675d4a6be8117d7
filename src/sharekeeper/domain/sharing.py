"""The rules for what may be shared, with whom, under which permissions."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sharekeeper.domain.errors import (
    DuplicatePrincipal,
    DuplicateResourceUrn,
    OrganizationSharingDisabled,
    PermissionConflict,
    PermissionNotFound,
    PrincipalIsOwner,
    ResourceNotOwned,
    ResourceTypeWithoutPermission,
    UnknownPermission,
)
from sharekeeper.domain.ids import ResourceUrn, parse_organization_principal, require_account_id
from sharekeeper.domain.permissions import Catalogue, Permission


def check_principals(values: Sequence[str], owner: str) -> list[str]:
    """Account principals, each once, never the owner.

    Organization, root and OU principals need organization sharing, which is off until an
    organization enables it, so they are refused with Huawei's RAM.1013.
    """
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise DuplicatePrincipal(value)
        seen.add(value)
        organization = parse_organization_principal(value)
        if organization is not None:
            raise OrganizationSharingDisabled(organization.management_account_id)
        require_account_id(value)
        if value == owner:
            raise PrincipalIsOwner(value)
    return list(values)


def check_resources(values: Sequence[str], owner: str, catalogue: Catalogue) -> list[ResourceUrn]:
    """Resource URNs, each once, owned by ``owner``, of a shareable type."""
    seen: set[str] = set()
    urns = []
    for value in values:
        if value in seen:
            raise DuplicateResourceUrn(value)
        seen.add(value)
        urn = ResourceUrn.parse(value)
        if urn.account_id != owner:
            raise ResourceNotOwned(owner, value)
        catalogue.require_shareable(urn.resource_type)
        urns.append(urn)
    return urns


def choose_permissions(
    catalogue: Catalogue,
    permission_ids: Iterable[str],
    resource_types: Iterable[str],
    already_bound: Iterable[str] = (),
) -> list[Permission]:
    """The permissions to bind: those asked for (one per resource type), and the default
    permission of every other resource type in ``resource_types`` not ``already_bound``."""
    chosen: dict[str, Permission] = {}
    for permission_id in permission_ids:
        try:
            permission = catalogue.get(permission_id)
        except PermissionNotFound:
            raise UnknownPermission(permission_id) from None
        if permission.resource_type in chosen:
            raise PermissionConflict(permission.resource_type)
        chosen[permission.resource_type] = permission
    bound = set(already_bound)
    for resource_type in resource_types:
        if resource_type in chosen or resource_type in bound:
            continue
        default = catalogue.default_for(resource_type)
        if default is None:
            raise ResourceTypeWithoutPermission(resource_type)
        chosen[resource_type] = default
    return list(chosen.values())
