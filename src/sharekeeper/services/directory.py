"""The Organizations API's use cases: an organization, its root and OUs, and the services it
trusts, managed by its management account over the same directory that the command line and
RAM's organization sharing use (services/organizations.py holds the rules they share)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from sharekeeper.domain.accounts import Caller
from sharekeeper.domain.errors import (
    OrgAccountAlreadyMember,
    OrganizationNotEmpty,
    OrganizationNotFound,
    OrgEntityNotFound,
    OrgInvalidParameter,
    OrgNotManagementAccount,
    OrgUnitNotEmpty,
    TrustedServiceDisabled,
    UnknownTrustedService,
)
from sharekeeper.domain.organizations import (
    OU_NAME_MAX,
    RAM_SERVICE,
    TRUSTED_SERVICE_PRINCIPALS,
    Organization,
    OrgUnit,
    TrustedService,
)
from sharekeeper.services import organizations
from sharekeeper.services.context import Context
from sharekeeper.services.organizations import add_unit, require_free_name
from sharekeeper.store.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class OrganizationView:
    organization: Organization
    management_account_name: str


@dataclass(frozen=True, slots=True)
class Entity:
    """A node of the directory as ListEntities names it."""

    id: str
    name: str
    type: str  # "root", "organizational_unit" or "account"


def create_organization(ctx: Context, caller: Caller) -> OrganizationView:
    """The caller founds an organization and becomes its management account. Its account row
    is locked first: of two racing creations the second then finds it a member (9101), rather
    than failing on the one-organization-per-manager key (a RAM 409)."""
    with ctx.writing() as uow:
        uow.accounts.lock(caller.account_id)
        if uow.organizations.membership(caller.account_id) is not None:
            raise OrgAccountAlreadyMember(caller.account_id)
        organization = organizations.found_organization(uow, caller.account_id, ctx.clock())
        if organization is None:  # it accepted an invitation meanwhile
            raise OrgAccountAlreadyMember(caller.account_id)
        uow.note_target(organization.id)
        names = uow.accounts.names([caller.account_id])
        uow.commit()
    return OrganizationView(organization, names.get(caller.account_id, ""))


def show_organization(ctx: Context, caller: Caller) -> OrganizationView:
    """The caller's organization, to any of its members."""
    with ctx.reading() as uow:
        organization = organization_of(uow, caller)
        names = uow.accounts.names([organization.management_account_id])
    return OrganizationView(organization, names.get(organization.management_account_id, ""))


def delete_organization(ctx: Context, caller: Caller) -> None:
    """Only once it holds no other account and no OU (as Huawei requires); its trusted
    services go with it, and every share naming it or its root is disassociated from it."""
    with ctx.writing() as uow:
        organization = managed_organization(uow, caller, lock=True)
        members = uow.organizations.members(organization.id)
        units = uow.organizations.units(organization.id)
        if len(members) > 1 or len(units) > 1:
            raise OrganizationNotEmpty(organization.id)
        names = organization.names_of(None) + organization.names_of(organization.root_id)
        ended = uow.associations.principals_named(names)
        organizations.end_associations(uow, ended, ctx.clock(), organizations.ORGANIZATION_DELETED)
        uow.organizations.delete(organization.id)
        uow.commit()


def list_roots(ctx: Context, caller: Caller) -> tuple[Organization, list[OrgUnit]]:
    with ctx.reading() as uow:
        organization = managed_organization(uow, caller)
        root = uow.organizations.get_unit(organization.root_id)
    assert root is not None
    return organization, [root]


def create_unit(
    ctx: Context, caller: Caller, parent_id: str, name: str
) -> tuple[Organization, OrgUnit]:
    _check_name(name)
    with ctx.writing() as uow:
        organization = managed_organization(uow, caller, lock=True)
        parent = unit_of(uow, organization, parent_id)
        unit = add_unit(uow, organization, parent, name, ctx.clock(), ctx.quotas)
        uow.note_target(unit.id)
        uow.commit()
    return organization, unit


def list_units(
    ctx: Context, caller: Caller, parent_id: str | None
) -> tuple[Organization, list[OrgUnit]]:
    """The OUs directly under ``parent_id`` (a root or an OU), or every OU without one."""
    with ctx.reading() as uow:
        organization = managed_organization(uow, caller)
        if parent_id is not None:
            unit_of(uow, organization, parent_id)
        units = uow.organizations.units(organization.id)
    found = [
        unit
        for unit in units
        if unit.parent_id is not None and (parent_id is None or unit.parent_id == parent_id)
    ]
    return organization, found


def show_unit(ctx: Context, caller: Caller, unit_id: str) -> tuple[Organization, OrgUnit]:
    with ctx.reading() as uow:
        organization = managed_organization(uow, caller)
        unit = _ou_of(uow, organization, unit_id)
    return organization, unit


def rename_unit(
    ctx: Context, caller: Caller, unit_id: str, name: str
) -> tuple[Organization, OrgUnit]:
    _check_name(name)
    with ctx.writing() as uow:
        organization = managed_organization(uow, caller, lock=True)
        unit = _ou_of(uow, organization, unit_id)
        others = [u for u in uow.organizations.units(organization.id) if u.id != unit.id]
        require_free_name(others, unit.parent_id, name)
        uow.organizations.rename_unit(unit.id, name)
        uow.commit()
    return organization, replace(unit, name=name)


def delete_unit(ctx: Context, caller: Caller, unit_id: str) -> None:
    """An empty OU, disassociated from every share that names it (as the CLI deletes one)."""
    with ctx.writing() as uow:
        organization = managed_organization(uow, caller, lock=True)
        unit = _ou_of(uow, organization, unit_id)
        if not uow.organizations.unit_is_empty(unit.id):
            raise OrgUnitNotEmpty(unit.id)
        organizations.remove_unit(uow, organization, unit, ctx.clock())
        uow.commit()


def list_entities(
    ctx: Context, caller: Caller, parent_id: str | None, child_id: str | None
) -> list[Entity]:
    """The children of ``parent_id``, or the parent of ``child_id``; every node without either."""
    with ctx.reading() as uow:
        organization = managed_organization(uow, caller)
        units = uow.organizations.units(organization.id)
        members = uow.organizations.members(organization.id)
        names = uow.accounts.names([m.account_id for m in members])
    by_id = {unit.id: unit for unit in units}
    nodes: list[tuple[Entity, str | None]] = [(_entity(u), u.parent_id) for u in units] + [
        (Entity(m.account_id, names.get(m.account_id, ""), "account"), m.parent_id) for m in members
    ]
    if parent_id is not None:
        if parent_id not in by_id:
            raise OrgEntityNotFound(parent_id)
        return [entity for entity, parent in nodes if parent == parent_id]
    if child_id is not None:
        parents = [parent for entity, parent in nodes if entity.id == child_id]
        if not parents:
            raise OrgEntityNotFound(child_id)
        parent = by_id.get(parents[0] or "")
        return [] if parent is None else [_entity(parent)]
    return [entity for entity, _ in nodes]


def list_trusted_services(ctx: Context, caller: Caller) -> list[TrustedService]:
    with ctx.reading() as uow:
        organization = managed_organization(uow, caller)
        others = uow.organizations.other_trusted_services(organization.id)
    return organization.trusted_services(others)


def set_trusted_service(
    ctx: Context, caller: Caller, service_principal: str, enabled: bool
) -> None:
    """Trusts a service, or stops; RAM's trust is organization sharing itself, so enabling
    ``service.RAM`` here shows in RAM's ShowOrganizationShare, and the reverse."""
    if service_principal not in TRUSTED_SERVICE_PRINCIPALS:
        raise UnknownTrustedService(service_principal)
    now = ctx.clock()
    with ctx.writing() as uow:
        organization = managed_organization(uow, caller, lock=True)
        uow.note_target(service_principal)
        others = uow.organizations.other_trusted_services(organization.id)
        trusted = {s.service_principal for s in organization.trusted_services(others)}
        if not enabled and service_principal not in trusted:
            raise TrustedServiceDisabled(service_principal)
        if service_principal == RAM_SERVICE:
            uow.organizations.set_sharing(organization.id, enabled, now)
        elif not enabled:
            uow.organizations.distrust(organization.id, service_principal)
        elif service_principal not in trusted:  # enabling one that is already enabled: no-op
            uow.organizations.trust(organization.id, TrustedService(service_principal, now))
        uow.commit()


def _entity(unit: OrgUnit) -> Entity:
    return Entity(unit.id, unit.name, "root" if unit.parent_id is None else "organizational_unit")


def _check_name(name: str) -> None:
    if not 1 <= len(name) <= OU_NAME_MAX or name != name.strip():
        raise OrgInvalidParameter(
            f"name must have 1 to {OU_NAME_MAX} characters, without leading or trailing spaces."
        )


def organization_of(uow: UnitOfWork, caller: Caller, lock: bool = False) -> Organization:
    """``lock``: the organization's row, so that checks over its whole tree (a name free under
    a parent, the OU count and depth) hold until the change commits."""
    membership = uow.organizations.membership(caller.account_id)
    organization = (
        None if membership is None else uow.organizations.get(membership.organization_id, lock=lock)
    )
    if organization is None:
        raise OrganizationNotFound(caller.account_id)
    return organization


def managed_organization(uow: UnitOfWork, caller: Caller, lock: bool = False) -> Organization:
    organization = organization_of(uow, caller, lock)
    if organization.management_account_id != caller.account_id:
        raise OrgNotManagementAccount(caller.account_id)
    return organization


def unit_of(uow: UnitOfWork, organization: Organization, unit_id: str) -> OrgUnit:
    """A root or OU of ``organization``; one of another organization is as absent."""
    unit = uow.organizations.get_unit(unit_id)
    if unit is None or unit.organization_id != organization.id:
        raise OrgEntityNotFound(unit_id)
    return unit


def _ou_of(uow: UnitOfWork, organization: Organization, unit_id: str) -> OrgUnit:
    unit = unit_of(uow, organization, unit_id)
    if unit.parent_id is None:
        raise OrgEntityNotFound(unit_id)
    return unit
