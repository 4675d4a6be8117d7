"""The Organizations API's use cases: an organization, its root and OUs, and the services it
trusts, managed by its management account over the same directory that the command line and
RAM's organization sharing use (services/organizations.py holds the rules they share)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from sharekeeper.domain.accounts import Caller
from sharekeeper.domain.errors import (
    OrgAccountAlreadyMember,
    OrganizationNotEmpty,
    OrganizationNotFound,
    OrgEntityNotFound,
    OrgInvalidParameter,
    OrgNotManagementAccount,
    OrgNotManagementOrDelegated,
    OrgUnitNotEmpty,
    TrustedServiceDisabled,
    UnknownTrustedService,
)
from sharekeeper.domain.events import ChangeKind
from sharekeeper.domain.org_tags import TagResourceType, org_tags
from sharekeeper.domain.organizations import (
    OU_NAME_MAX,
    RAM_SERVICE,
    TRUSTED_SERVICE_PRINCIPALS,
    Organization,
    OrgUnit,
    TrustedService,
)
from sharekeeper.domain.paging import Page, PageRequest
from sharekeeper.services import organizations
from sharekeeper.services.context import Context
from sharekeeper.services.organizations import (
    add_unit,
    record_directory,
    require_free_name,
    set_sharing,
)
from sharekeeper.store.organizations import NamedMember
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
    """The caller founds an organization and becomes its management account (9101 if it
    belongs to one; ``found_organization`` locks its row, so a racing creation finds it so)."""
    with ctx.writing() as uow:
        organization = organizations.found_organization(uow, caller.account_id, ctx.clock())
        if organization is None:
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
        now = ctx.clock()
        organizations.end_associations(uow, ended, now, organizations.ORGANIZATION_DELETED)
        uow.organizations.delete(organization.id)
        for member in members:  # the management account, the last to leave
            record_directory(uow, ChangeKind.ACCOUNT_LEFT, organization, member, now)
        for unit in units:  # the root
            record_directory(uow, ChangeKind.UNIT_DELETED, organization, unit, now)
        uow.commit()


def create_unit(
    ctx: Context,
    caller: Caller,
    parent_id: str,
    name: str,
    tag_pairs: Sequence[tuple[str, str]] = (),
) -> tuple[Organization, OrgUnit]:
    """A new OU under a root or OU, with the tags its create body carries."""
    _check_name(name)
    tags = org_tags(tag_pairs)
    with ctx.writing() as uow:
        organization = managed_organization(uow, caller, lock=True)
        parent = unit_of(uow, organization, parent_id)
        unit = add_unit(uow, organization, parent, name, ctx.clock(), ctx.quotas)
        uow.org_tags.put(organization.id, TagResourceType.OUS, unit.id, tags)
        uow.note_target(unit.id)
        uow.commit()
    return organization, unit


def list_units(
    ctx: Context, caller: Caller, parent_id: str | None, page: PageRequest
) -> tuple[Organization, Page[OrgUnit]]:
    """A page of the OUs directly under ``parent_id`` (a root or an OU), or of every OU
    without one, oldest first."""
    with ctx.reading() as uow:
        organization = readable_organization(uow, caller)
        if parent_id is not None:
            unit_of(uow, organization, parent_id)
        found = uow.organizations.unit_page(organization.id, parent_id, page, ous_only=True)
    return organization, found


def show_unit(ctx: Context, caller: Caller, unit_id: str) -> tuple[Organization, OrgUnit]:
    with ctx.reading() as uow:
        organization = readable_organization(uow, caller)
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
    ctx: Context, caller: Caller, parent_id: str | None, child_id: str | None, page: PageRequest
) -> Page[Entity]:
    """A page of the children of ``parent_id``, or of every node without either (units
    oldest first, then accounts in joining order); or the parent of ``child_id``."""
    with ctx.reading() as uow:
        organization = readable_organization(uow, caller)
        if parent_id is None and child_id is not None:
            parent = _parent_of(uow, organization, child_id)
            return Page([] if parent is None else [_entity(parent)])
        if parent_id is not None:
            unit_of(uow, organization, parent_id)
        found = uow.organizations.entity_page(organization.id, parent_id, page)
    return Page([_node(item) for item in found.items], found.next_marker)


def _parent_of(uow: UnitOfWork, organization: Organization, child_id: str) -> OrgUnit | None:
    """The unit above a unit or member account of the organization (none above the root)."""
    unit = uow.organizations.get_unit(child_id)
    if unit is not None and unit.organization_id == organization.id:
        above = unit.parent_id
    else:
        membership = uow.organizations.membership(child_id)
        if membership is None or membership.organization_id != organization.id:
            raise OrgEntityNotFound(child_id)
        above = membership.parent_id
    return None if above is None else uow.organizations.get_unit(above)


def list_trusted_services(ctx: Context, caller: Caller) -> list[TrustedService]:
    with ctx.reading() as uow:
        organization = readable_organization(uow, caller)
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
            set_sharing(uow, organization, enabled, now)
        elif not enabled:
            uow.organizations.distrust(organization.id, service_principal)
        elif service_principal not in trusted:  # enabling one that is already enabled: no-op
            uow.organizations.trust(organization.id, TrustedService(service_principal, now))
        if not enabled:  # a service no longer trusted has no delegated administrators
            uow.delegation.remove_service(organization.id, service_principal)
        uow.commit()


def _node(item: OrgUnit | NamedMember) -> Entity:
    if isinstance(item, OrgUnit):
        return _entity(item)
    membership, name = item
    return Entity(membership.account_id, name, "account")


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


def readable_organization(uow: UnitOfWork, caller: Caller) -> Organization:
    """For the reads Huawei opens to "the management account or a member account that is a
    delegated administrator for a service" (ListRoots and the directory's lists, docs/api.md):
    a delegated administrator of any service reads the whole directory, read-only."""
    organization = organization_of(uow, caller)
    if organization.management_account_id == caller.account_id:
        return organization
    if not uow.delegation.is_administrator(caller.account_id):
        raise OrgNotManagementOrDelegated(caller.account_id)
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
