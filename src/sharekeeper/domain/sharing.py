"""The rules for what may be shared, with whom, under which permissions."""

from __future__ import annotations

from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass, field, replace

from sharekeeper.domain.errors import (
    CrossOrganizationPrincipal,
    DuplicatePrincipal,
    DuplicateResourceUrn,
    InvalidResourceUrn,
    OrganizationSharingDisabled,
    PermissionConflict,
    PrincipalIsOwner,
    ResourceNotOwned,
    ResourceTypeWithoutPermission,
    UnknownOrganizationPrincipal,
)
from sharekeeper.domain.ids import ResourceUrn, require_account_id
from sharekeeper.domain.organizations import (
    Organization,
    OrganizationPrincipal,
    parse_organization_principal,
)
from sharekeeper.domain.permissions import Catalogue, Permission
from sharekeeper.domain.share_sources import SERVICE_PREFIX, service_entity


@dataclass(frozen=True, slots=True)
class Principals:
    accounts: list[str]
    organizations: list[OrganizationPrincipal]
    # Services' principal entities (``service:NAME``, domain/share_sources.py).
    services: list[str] = field(default_factory=list)


def check_principals(values: Sequence[str], owner: str) -> Principals:
    """Account ids, organization principals and services, each once, never the owner."""
    seen: set[str] = set()
    result = Principals([], [])
    for value in values:
        if value in seen:
            raise DuplicatePrincipal(value)
        seen.add(value)
        organization = parse_organization_principal(value)
        if organization is not None:
            result.organizations.append(organization)
            continue
        if value.startswith(SERVICE_PREFIX):
            result.services.append(service_entity(value[len(SERVICE_PREFIX) :]))
            continue
        require_account_id(value)
        if value == owner:
            raise PrincipalIsOwner(value)
        result.accounts.append(value)
    return result


def check_organization_principals(
    principals: Sequence[OrganizationPrincipal],
    organization: Organization | None,
    units: Container[str],
) -> None:
    """Organization, root and OU principals must name the owner's own organization (``None``
    when the owner belongs to none), whose sharing must be enabled."""
    for principal in principals:
        if organization is None or principal.organization_id not in (None, organization.id):
            raise CrossOrganizationPrincipal(principal.value)
        if not organization.sharing_enabled:
            raise OrganizationSharingDisabled(organization.management_account_id)
        known = principal.node_id is None or principal.node_id in units
        if principal.management_account_id not in (None, organization.management_account_id):
            known = False
        if not known:
            raise UnknownOrganizationPrincipal(principal.value)


def check_resources(values: Sequence[str], owner: str, catalogue: Catalogue) -> list[ResourceUrn]:
    """Resource URNs, each once, owned by ``owner``, of a shareable type, each with the
    catalogue's name for its type (``vpc:subnets`` is ``vpc:subnet``)."""
    seen: set[str] = set()
    urns = []
    for value in values:
        if value in seen:
            raise DuplicateResourceUrn(value)
        seen.add(value)
        urn = ResourceUrn.parse(value)
        if urn.account_id != owner:
            raise ResourceNotOwned(owner, value)
        kind = catalogue.require_shareable(urn.resource_type)
        if urn.region not in kind.regions and urn.region not in catalogue.aws_regions:
            raise InvalidResourceUrn(value, _region_problem(urn.region, kind.name))
        urns.append(replace(urn, resource_type=kind.name))
    return urns


def _region_problem(region: str, resource_type: str) -> str:
    where = "GET /v1/resource-types lists the regions of each type"
    if region in ("", "*"):
        return f"{resource_type} resources are regional: name the region ({where})"
    return f"{region} is not a region where {resource_type} is shared ({where})"


def choose_permissions(
    catalogue: Catalogue,
    asked: Iterable[Permission],
    resource_types: Iterable[str],
    already_bound: Iterable[str] = (),
) -> list[Permission]:
    """The permissions to bind: those asked for (one per resource type), and the default
    permission of every other resource type in ``resource_types`` not ``already_bound``."""
    chosen: dict[str, Permission] = {}
    for permission in asked:
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
