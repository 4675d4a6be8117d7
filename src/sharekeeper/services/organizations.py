"""The organization directory, organization sharing, and who reaches a share through it."""

from __future__ import annotations

from dataclasses import dataclass, replace

from sharekeeper.domain.accounts import Caller
from sharekeeper.domain.clock import Millis
from sharekeeper.domain.errors import (
    AccountNotFound,
    ConcurrentChange,
    DirectoryEntryNotFound,
    DirectoryRuleBroken,
    NoOrganization,
    NotManagementAccount,
    OrgUnitLimit,
    OrgUnitNameTaken,
)
from sharekeeper.domain.events import Change, ChangeKind, DirectoryEntry, InDirectory
from sharekeeper.domain.org_tags import TagResourceType
from sharekeeper.domain.organizations import (
    OU_DEPTH_MOST,
    RAM_SERVICE,
    JoinMethod,
    Membership,
    Organization,
    OrgUnit,
    new_organization_id,
    new_ou_id,
    new_root_id,
)
from sharekeeper.domain.quotas import OrganizationQuotaType, Quotas
from sharekeeper.services.changes import record_closed, record_ended
from sharekeeper.services.context import Context
from sharekeeper.store.unit_of_work import UnitOfWork

LEFT = "The account left the organization."
OU_DELETED = "The organizational unit was deleted."
ORGANIZATION_DELETED = "The organization was deleted."
# The operator's tools are held to Huawei's fixed tree limits, not to the API's settings.
_HUAWEI_QUOTAS = Quotas()


@dataclass(frozen=True, slots=True)
class OwnerDirectory:
    """What sharing rules need to know of a share owner's organization."""

    organization: Organization | None
    parents: dict[str, str | None]  # unit id -> parent unit id
    organization_of: dict[str, str]  # account id -> organization id, for the accounts asked

    def is_internal(self, account_id: str) -> bool:
        org = self.organization
        return org is not None and self.organization_of.get(account_id) == org.id


def owner_directory(uow: UnitOfWork, owner: str, accounts: list[str]) -> OwnerDirectory:
    """For a write that binds ``accounts`` to ``owner``'s share: their memberships, held until
    it commits (a member leaving meanwhile waits, then ends what this write bound). An owner
    in no organization binds every account as an outsider, whatever their memberships."""
    membership = uow.organizations.membership(owner, shared_lock=True)
    if membership is None:
        return OwnerDirectory(None, {}, {})
    members = uow.organizations.lock_members(accounts, exclusive=False)
    organization = uow.organizations.get(membership.organization_id)
    return OwnerDirectory(
        organization,
        uow.organizations.parents(membership.organization_id),
        {account: m.organization_id for account, m in members.items()},
    )


def access_entities(uow: UnitOfWork, account_id: str) -> list[str]:
    """Every principal through which ``account_id`` may reach a share: itself and, while its
    organization shares, each unit above it and the organization. Computed from the directory
    on every read, so membership changes take effect at once."""
    membership = uow.organizations.membership(account_id)
    if membership is None:
        return [account_id]
    organization = uow.organizations.get(membership.organization_id)
    if organization is None or not organization.sharing_enabled:
        return [account_id]
    return reaching_entities(
        organization,
        units_above(uow.organizations.parents(organization.id), membership.parent_id),
        account_id,
    )


def units_above(parents: dict[str, str | None], unit_id: str) -> list[str]:
    """``unit_id`` and each unit above it, up to the root (bounded by the tree's size)."""
    units: list[str] = []
    unit: str | None = unit_id
    while unit is not None and len(units) <= len(parents):
        units.append(unit)
        unit = parents.get(unit)
    return units


def reaching_entities(organization: Organization, units: list[str], account_id: str) -> list[str]:
    """The principals through which a member in ``units`` (its unit, up to the root) reaches a
    share while its organization shares: itself, each unit, the organization; by URN and id."""
    entities = [account_id]
    for unit in units:
        entities += organization.names_of(unit)
    entities += organization.names_of(None)
    return entities


def operator_create_organization(ctx: Context, management_account_id: str) -> Organization:
    """The operator's path (CLI, admin API behind the admin token), for any account: there is
    no caller to authorize. Callers acting as an account use ``directory.create_organization``;
    both found it by the same rules (``found_organization``)."""
    with ctx.writing() as uow:
        if uow.accounts.get(management_account_id) is None:
            raise AccountNotFound(management_account_id)
        organization = found_organization(uow, management_account_id, ctx.clock())
        if organization is None:
            _require_no_organization(uow, management_account_id)
            raise DirectoryRuleBroken(
                f"The account {management_account_id} joined an organization meanwhile."
            )
        uow.commit()
    return organization


def found_organization(
    uow: UnitOfWork, management_account_id: str, now: Millis
) -> Organization | None:
    """A new organization with its root, the account its management account and first member;
    None if the account belongs to one, and the caller's unit of work must not commit. The
    account's row is locked first, for the operator's path and the API's alike: of two racing
    creations the second then finds it a member, rather than failing on the
    one-organization-per-manager key (a RAM 409 on the Organizations API)."""
    uow.accounts.lock(management_account_id)
    if uow.organizations.membership(management_account_id) is not None:
        return None
    organization = Organization(
        new_organization_id(), management_account_id, new_root_id(), False, now
    )
    root = OrgUnit(organization.root_id, organization.id, None, "Root", now)
    uow.organizations.add(organization, root)
    founder = Membership(
        management_account_id, organization.id, root.id, JoinMethod.CREATED, joined_at=now
    )
    if not uow.organizations.join(founder):
        return None
    record_directory(uow, ChangeKind.UNIT_CREATED, organization, root, now)
    record_directory(uow, ChangeKind.ACCOUNT_JOINED, organization, founder, now)
    return organization


def record_directory(
    uow: UnitOfWork,
    kind: ChangeKind,
    organization: Organization,
    entry: DirectoryEntry,
    now: Millis,
) -> None:
    """A directory change, its subject the organization."""
    uow.record(Change(kind, organization.id, InDirectory(organization, entry), now))


def operator_create_unit(ctx: Context, parent_id: str, name: str) -> tuple[Organization, OrgUnit]:
    """The operator's path, in any organization (``directory.create_unit`` is the management
    account's); the same tree rules (``add_unit``), held to Huawei's fixed limits."""
    if not 1 <= len(name) <= 128:
        raise DirectoryRuleBroken("An OU name must have 1 to 128 characters.")
    with ctx.writing() as uow:
        parent = _unit(uow, parent_id)
        organization = uow.organizations.get(parent.organization_id, lock=True)
        assert organization is not None
        unit = add_unit(uow, organization, parent, name, ctx.clock())
        uow.commit()
    return organization, unit


def add_unit(
    uow: UnitOfWork,
    organization: Organization,
    parent: OrgUnit,
    name: str,
    now: Millis,
    quotas: Quotas = _HUAWEI_QUOTAS,
) -> OrgUnit:
    """A new OU under ``parent``, within the tree's rules, whoever makes it (the
    Organizations API or the operator): a name free under its parent, at most the OU quota
    (the API's setting; Huawei's 1,000 for the operator), nested at most OU_DEPTH_MOST levels.
    The caller holds the organization's row lock, so two creations cannot both pass the
    checks."""
    units = uow.organizations.units(organization.id)
    require_free_name(units, parent.id, name)
    ous = len(units) - 1  # the root is no OU
    quotas.check_organization(OrganizationQuotaType.ORGANIZATIONAL_UNIT, organization.id, ous)
    parents = {u.id: u.parent_id for u in units}
    depth, above = 1, parent.parent_id
    while above is not None:
        depth, above = depth + 1, parents.get(above)
    if depth > OU_DEPTH_MOST:
        raise OrgUnitLimit(f"OUs nest at most {OU_DEPTH_MOST} levels below the root.")
    unit = OrgUnit(new_ou_id(), organization.id, parent.id, name, now)
    uow.organizations.add_unit(unit)
    record_directory(uow, ChangeKind.UNIT_CREATED, organization, unit, now)
    return unit


def require_free_name(units: list[OrgUnit], parent_id: str | None, name: str) -> None:
    if any(u.parent_id == parent_id and u.name == name for u in units):
        raise OrgUnitNameTaken(name)


def add_account(ctx: Context, account_id: str, parent_id: str) -> None:
    """Adds the account under a root or OU, or moves it there within its organization."""
    with ctx.writing() as uow:
        if uow.accounts.get(account_id) is None:
            raise AccountNotFound(account_id)
        parent = _unit(uow, parent_id)
        current = uow.organizations.membership(account_id)
        if current is not None and current.organization_id != parent.organization_id:
            raise DirectoryRuleBroken(
                f"The account {account_id} already belongs to the organization "
                f"{current.organization_id}; remove it from there first."
            )
        now = ctx.clock()
        organization = uow.organizations.get(parent.organization_id)
        assert organization is not None
        if current is None:
            joined = Membership(account_id, parent.organization_id, parent.id, joined_at=now)
            if not uow.organizations.join(joined):
                raise ConcurrentChange()  # it joined another organization meanwhile
            record_directory(uow, ChangeKind.ACCOUNT_JOINED, organization, joined, now)
        elif not move_member(uow, organization, current, parent.id, now):
            raise ConcurrentChange()
        uow.commit()


def remove_account(ctx: Context, account_id: str) -> None:
    """The account leaves its organization: what it had through the organization ends at once
    (computed), and so do the explicit associations that relied on it being inside: shares of
    other members naming it, and its own shares naming the organization or other members."""
    now = ctx.clock()
    with ctx.writing() as uow:
        membership = uow.organizations.membership(account_id)
        if membership is None:
            raise NoOrganization(account_id)
        organization = uow.organizations.get(membership.organization_id)
        assert organization is not None
        if organization.management_account_id == account_id:
            raise DirectoryRuleBroken("The management account cannot leave its organization.")
        if not leave(uow, account_id, now):
            raise NoOrganization(account_id)  # another removal came first
        uow.commit()


def leave(uow: UnitOfWork, account_id: str, now: Millis) -> bool:
    """The member (not the management account) leaves, with what relied on its membership:
    its row locked first, so a write binding it as a member either commits before (and is
    ended here) or reads it gone. False, and nothing changed, if it is no member by then
    (another removal won; its caller answers that it is gone)."""
    if not uow.organizations.lock_members([account_id], exclusive=True):
        return False
    membership = uow.organizations.membership(account_id)
    organization = None if membership is None else uow.organizations.get(membership.organization_id)
    if membership is None or organization is None:
        return False
    ended = uow.associations.internal_principals_of(account_id)
    end_associations(uow, ended, now, LEFT)
    # Its tags and the contact details it was created with were the organization's: another
    # organization it may join later sees neither.
    uow.org_tags.drop(TagResourceType.ACCOUNTS, account_id)
    uow.org_tags.drop_contacts(account_id)
    # Policies attached to it stay with the organization it leaves, not with the account.
    uow.policies.forget_entity(account_id)
    if not uow.organizations.remove_member(account_id):
        return False
    record_directory(uow, ChangeKind.ACCOUNT_LEFT, organization, membership, now)
    return True


def move_member(
    uow: UnitOfWork, organization: Organization, member: Membership, parent_id: str, now: Millis
) -> bool:
    """Moves the member under ``parent_id`` (a root or OU of its organization); False when
    it is no longer where ``member`` says (moved or gone meanwhile)."""
    if not uow.organizations.move(member, parent_id):
        return False
    if member.parent_id != parent_id:
        moved = replace(member, parent_id=parent_id)
        record_directory(uow, ChangeKind.ACCOUNT_MOVED, organization, moved, now)
    return True


def operator_delete_unit(ctx: Context, unit_id: str) -> None:
    """The operator's path, in any organization (``directory.delete_unit`` is the management
    account's): deletes an empty OU, disassociated from every share (``remove_unit``)."""
    now = ctx.clock()
    with ctx.writing() as uow:
        unit = _unit(uow, unit_id)
        if unit.parent_id is None:
            raise DirectoryRuleBroken("The root of an organization cannot be deleted.")
        if not uow.organizations.unit_is_empty(unit.id):
            raise DirectoryRuleBroken(
                f"The OU {unit.id} still holds accounts or OUs; move or remove them first."
            )
        organization = uow.organizations.get(unit.organization_id)
        assert organization is not None
        remove_unit(uow, organization, unit, now)
        uow.commit()


def remove_unit(uow: UnitOfWork, organization: Organization, unit: OrgUnit, now: Millis) -> None:
    """Deletes the (empty) OU, disassociating it from every share that names it."""
    ended = uow.associations.principals_named(organization.names_of(unit.id))
    end_associations(uow, ended, now, OU_DELETED)
    uow.org_tags.drop(TagResourceType.OUS, unit.id)
    uow.policies.forget_entity(unit.id)
    uow.organizations.delete_unit(unit.id)
    record_directory(uow, ChangeKind.UNIT_DELETED, organization, unit, now)


def end_associations(
    uow: UnitOfWork, ended: list[tuple[str, str]], now: Millis, message: str
) -> None:
    """Ends (share id, principal) associations, locking their shares in a fixed order first so
    that this never deadlocks with a writer of one of them."""
    uow.shares.lock_many(sorted({share_id for share_id, _ in ended}))
    for share_id, entity in ended:
        record_ended(uow, uow.associations.end_principal(share_id, entity, now, message), now)
        record_closed(uow, uow.invitations.close_pending(share_id, now, receiver=entity), now)


def _unit(uow: UnitOfWork, unit_id: str) -> OrgUnit:
    unit = uow.organizations.get_unit(unit_id)
    if unit is None:
        raise DirectoryEntryNotFound("root or OU", unit_id)
    return unit


def _require_no_organization(uow: UnitOfWork, account_id: str) -> None:
    current = uow.organizations.membership(account_id)
    if current is not None:
        raise DirectoryRuleBroken(
            f"The account {account_id} already belongs to the organization "
            f"{current.organization_id}."
        )


def _managed_organization(uow: UnitOfWork, caller: Caller) -> Organization:
    membership = uow.organizations.membership(caller.account_id)
    if membership is None:
        raise NoOrganization(caller.account_id)
    organization = uow.organizations.get(membership.organization_id, lock=True)
    assert organization is not None
    if organization.management_account_id != caller.account_id:
        raise NotManagementAccount(caller.account_id)
    return organization


def show_organization_sharing(ctx: Context, caller: Caller) -> bool:
    """Whether the caller's organization shares (false for an account in none)."""
    with ctx.reading() as uow:
        membership = uow.organizations.membership(caller.account_id)
        if membership is None:
            return False
        organization = uow.organizations.get(membership.organization_id)
        return organization is not None and organization.sharing_enabled


def managed_sharing_since(ctx: Context, caller: Caller) -> Millis | None:
    """When the organization the caller manages began sharing; None while it does not share,
    or when the caller manages none (AWS's IAM edge reads RAM's service-linked role so)."""
    with ctx.reading() as uow:
        membership = uow.organizations.membership(caller.account_id)
        organization = (
            None if membership is None else uow.organizations.get(membership.organization_id)
        )
        if organization is None or organization.management_account_id != caller.account_id:
            return None
        if not organization.sharing_enabled:
            return None
        return organization.sharing_enabled_at or organization.created_at


def set_organization_sharing(ctx: Context, caller: Caller, enabled: bool) -> None:
    """Only the management account switches it. Access through organization and OU principals
    follows the switch at once; explicit associations stay."""
    with ctx.writing() as uow:
        organization = _managed_organization(uow, caller)
        set_sharing(uow, organization, enabled, ctx.clock())
        uow.commit()


def set_sharing(uow: UnitOfWork, organization: Organization, enabled: bool, now: Millis) -> None:
    """Switches organization sharing, with its change (when it is one)."""
    uow.organizations.set_sharing(organization.id, enabled, now)
    if not enabled:  # RAM no longer trusted: it has no delegated administrators
        uow.delegation.remove_service(organization.id, RAM_SERVICE)
    if organization.sharing_enabled != enabled:
        kind = ChangeKind.SHARING_ENABLED if enabled else ChangeKind.SHARING_DISABLED
        switched = replace(organization, sharing_enabled=enabled)
        uow.record(Change(kind, organization.id, switched, now))
