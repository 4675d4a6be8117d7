"""What the web console's pages show, each page's worth read in one unit of work. The
console's changes are the API's own operations (``console.web.act``); these are its reads."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from sharekeeper.domain.accounts import AccessKey, Account, Caller
from sharekeeper.domain.errors import AccessKeyNotFound
from sharekeeper.domain.invitations import Invitation, InvitationQuery
from sharekeeper.domain.organizations import (
    Membership,
    Organization,
    OrganizationPrincipal,
    OrgUnit,
    parse_organization_principal,
)
from sharekeeper.domain.paging import Page, PageRequest
from sharekeeper.domain.shares import (
    Association,
    AssociationQuery,
    AssociationType,
    ResourceShare,
    ShareQuery,
)
from sharekeeper.domain.views import AssociatedPermission, SharedResource, SharedResourceQuery, Side
from sharekeeper.services.access import owned_share
from sharekeeper.services.context import Context
from sharekeeper.services.organizations import access_entities
from sharekeeper.services.permissions import associated_permissions
from sharekeeper.store.unit_of_work import UnitOfWork

# An organization's members, a page at a time: the OU tree is small (at most 1,000 OUs) but the
# members are as many as CreateAccount made.
MEMBERS_PAGE = 100

# The console shows this many associations, permissions or invitations of one share at once;
# a share holds at most a few hundred (quotas), and the API pages the rest.
DETAIL_LIMIT = 500


@dataclass(frozen=True, slots=True)
class ShareDetails:
    share: ResourceShare
    principals: list[Association]
    resources: list[Association]
    permissions: list[AssociatedPermission]
    # The newest invitation of each external principal: why it is still "associating".
    invitations: dict[str, Invitation]


@dataclass(frozen=True, slots=True)
class SharedWithMe:
    shares: Page[ResourceShare]
    resources: list[SharedResource]
    owners: dict[str, str]  # owner account id -> name


@dataclass(frozen=True, slots=True)
class OrganizationTree:
    organization: Organization
    units: list[OrgUnit]
    members: list[Membership]  # a page of them where ``next_marker`` may say more follow
    names: dict[str, str]  # account id -> name
    next_marker: str | None = None  # where the next page of members starts


@dataclass(frozen=True, slots=True)
class Invitations:
    page: Page[Invitation]
    names: dict[str, str]  # sender or receiver account id -> name


def invitations(
    ctx: Context, caller: Caller, page: PageRequest, status: str | None = None
) -> Invitations:
    """The invitations the caller received and those its shares sent, newest first (of one
    ``status`` if given), with the names of the accounts on the other side that the caller may
    see: every sender's (it chose to write), and a receiver's by ``principal_names``."""
    me = caller.account_id
    query = InvitationQuery(status=status, newest_first=True)
    with ctx.reading() as uow:
        found = uow.invitations.search(me, query, page, ctx.clock())
        senders = {i.sender_account_id for i in found.items if i.receiver_account_id == me}
        receivers = {i.receiver_account_id for i in found.items if i.sender_account_id == me}
        names = uow.accounts.names(sorted(senders))
        names.update(principal_names(uow, me, receivers))
    return Invitations(found, names)


def principal_names(uow: UnitOfWork, owner: str, principals: Iterable[str]) -> dict[str, str]:
    """The names an owner may see of accounts it named as principals: of those that answered
    one of its invitations (accepted or rejected) and of those in its own organization. Any
    other account shows as its id alone: an owner may name any id, and seeing its name before
    the account answers would let it list the names of every id it knows (docs/security.md)."""
    wanted = sorted(set(principals))
    shown = uow.invitations.answered_by(owner, wanted)
    membership = uow.organizations.membership(owner)
    if membership is not None:
        shown |= uow.organizations.members_among(membership.organization_id, wanted)
    return uow.accounts.names(sorted(shown))


def own_share(ctx: Context, caller: Caller, share_id: str) -> ResourceShare:
    """One of the caller's shares alone (the edit and delete forms); anyone else's does not
    exist."""
    with ctx.reading() as uow:
        return owned_share(uow, caller, share_id, ctx.clock(), lock=False)


def share_details(ctx: Context, caller: Caller, share_id: str) -> ShareDetails:
    """One of the caller's shares with its principals, resources, permissions and invitations;
    anyone else's does not exist."""
    now = ctx.clock()
    everything = PageRequest(DETAIL_LIMIT)
    with ctx.reading() as uow:
        share = owned_share(uow, caller, share_id, now, lock=False)
        principals, resources = (
            uow.associations.search(
                caller.account_id, AssociationQuery(kind, share_ids=(share.id,)), everything, now
            ).items
            for kind in (AssociationType.PRINCIPAL, AssociationType.RESOURCE)
        )
        bound = uow.permissions.page(share.id, None, everything).items
        sent = uow.invitations.search(
            caller.account_id, InvitationQuery(share_ids=(share.id,)), everything, now
        ).items
        permissions = associated_permissions(ctx, uow, bound)
    newest: dict[str, Invitation] = {}
    for invitation in sent:
        known = newest.get(invitation.receiver_account_id)
        if known is None or invitation.created_at >= known.created_at:
            newest[invitation.receiver_account_id] = invitation
    return ShareDetails(share, list(principals), list(resources), permissions, newest)


def shared_with_me(ctx: Context, caller: Caller, page: PageRequest) -> SharedWithMe:
    """The shares in effect for the caller, their resources and their owners' names."""
    now = ctx.clock()
    with ctx.reading() as uow:
        through = access_entities(uow, caller.account_id)
        shares = uow.shares.search(
            ShareQuery(), page, now, receiver=caller.account_id, through=through
        )
        ids = tuple(s.id for s in shares.items)
        resources = (
            uow.views.shared_resources(
                Side.RECEIVER,
                caller.account_id,
                through,
                SharedResourceQuery(share_ids=ids),
                PageRequest(DETAIL_LIMIT),
            ).items
            if ids
            else []
        )
        owners = uow.accounts.names(sorted({s.owner_account_id for s in shares.items}))
    return SharedWithMe(shares, list(resources), owners)


@dataclass(frozen=True, slots=True)
class MemberPlace:
    """Where a member account (not the manager) sits: what Huawei lets a member see."""

    organization: Organization
    manager_name: str
    path: list[str]  # the names of the units from the root down to the account's own


def organization_view(
    ctx: Context, caller: Caller, marker: str | None = None
) -> OrganizationTree | MemberPlace | None:
    """The organization the caller manages, with its OUs and a page of its members (from
    ``marker``); for a member, only where it sits; None outside any organization."""
    with ctx.reading() as uow:
        membership = uow.organizations.membership(caller.account_id)
        if membership is None:
            return None
        organization = uow.organizations.get(membership.organization_id)
        if organization is None:
            return None
        if organization.management_account_id == caller.account_id:
            return _tree(uow, organization, marker)
        units = {u.id: u for u in uow.organizations.units(organization.id)}
        manager = organization.management_account_id
        names = uow.accounts.names([manager])
    path: list[str] = []
    unit = units.get(membership.parent_id)
    while unit is not None:
        path.insert(0, "Root" if unit.parent_id is None else unit.name)
        unit = units.get(unit.parent_id) if unit.parent_id is not None else None
    return MemberPlace(organization, names.get(manager, ""), path)


def _tree(uow: UnitOfWork, organization: Organization, marker: str | None) -> OrganizationTree:
    """One organization with its units and a page of its members: two statements however
    many members it has."""
    page = uow.organizations.member_page(organization.id, None, PageRequest(MEMBERS_PAGE, marker))
    units = uow.organizations.units(organization.id)
    members = [m for m, _ in page.items]
    names = {m.account_id: name for m, name in page.items}
    return OrganizationTree(organization, units, members, names, page.next_marker)


def _trees(uow: UnitOfWork, organizations: list[Organization]) -> list[OrganizationTree]:
    """Each organization with its units, members and their names: three statements for any
    number of organizations."""
    ids = [o.id for o in organizations]
    members, units = uow.organizations.members_of(ids), uow.organizations.units_of(ids)
    names = uow.accounts.names(sorted({m.account_id for m in members}))
    units_by: dict[str, list[OrgUnit]] = {i: [] for i in ids}
    members_by: dict[str, list[Membership]] = {i: [] for i in ids}
    for unit in units:
        units_by[unit.organization_id].append(unit)
    for member in members:
        members_by[member.organization_id].append(member)
    return [OrganizationTree(o, units_by[o.id], members_by[o.id], names) for o in organizations]


# The operator's pages: everyone's data, for the holder of the admin token only.

OPERATOR_LIMIT = 500


@dataclass(frozen=True, slots=True)
class AccountKeys:
    account: Account
    keys: list[AccessKey]


def accounts_with_keys(ctx: Context, after: str | None) -> tuple[list[AccountKeys], str | None]:
    """A page of accounts in id order with every key of each (secrets stay sealed), and the
    id to continue after."""
    with ctx.reading() as uow:
        accounts = uow.accounts.page(after, OPERATOR_LIMIT + 1)
        more = len(accounts) > OPERATOR_LIMIT
        accounts = accounts[:OPERATOR_LIMIT]
        keys = uow.accounts.keys_of([a.id for a in accounts])
    by_account: dict[str, list[AccessKey]] = {a.id: [] for a in accounts}
    for key in keys:
        by_account[key.account_id].append(key)
    listed = [AccountKeys(a, by_account[a.id]) for a in accounts]
    return listed, accounts[-1].id if more else None


def key_with_account(ctx: Context, access_key: str) -> AccountKeys:
    """One access key with its account (the operator's confirmation before revoking it)."""
    with ctx.reading() as uow:
        key = uow.accounts.get_key(access_key)
        account = uow.accounts.get(key.account_id) if key is not None else None
    if key is None or account is None:
        raise AccessKeyNotFound(access_key)
    return AccountKeys(account, [key])


# Organizations on one page of the operator's directory, each with its first page of members.
DIRECTORY_PAGE = 20


def directory(ctx: Context, after: str | None) -> Page[OrganizationTree]:
    """A page of organizations, newest first, each with its OUs and first page of members:
    four statements, however many members each has."""
    with ctx.reading() as uow:
        found = uow.organizations.organization_page(PageRequest(DIRECTORY_PAGE, after))
        ids = [o.id for o in found.items]
        pages = uow.organizations.first_members(ids, MEMBERS_PAGE)
        units = uow.organizations.units_of(ids)
        # A manager is its organization's first member, unless it was moved out of view.
        names = uow.accounts.names(sorted({o.management_account_id for o in found.items}))
    units_by: dict[str, list[OrgUnit]] = {i: [] for i in ids}
    for unit in units:
        units_by[unit.organization_id].append(unit)
    trees = []
    for o in found.items:
        page = pages[o.id]
        named = {**names, **{m.account_id: name for m, name in page.items}}
        members = [m for m, _ in page.items]
        trees.append(OrganizationTree(o, units_by[o.id], members, named, page.next_marker))
    return Page(trees, found.next_marker)


def directory_members(
    ctx: Context, organization_id: str, marker: str | None
) -> OrganizationTree | None:
    """One organization of the directory with a further page of its members."""
    with ctx.reading() as uow:
        organization = uow.organizations.get(organization_id)
        if organization is None:
            return None
        tree = _tree(uow, organization, marker)
        manager = organization.management_account_id
        names = uow.accounts.names([manager])
    return replace(tree, names={**names, **tree.names})


@dataclass(frozen=True, slots=True)
class SharingPicture:
    """Who shares what with whom: every active share's principals, and names for the ids."""

    principals: list[Association]
    owners: dict[str, str]  # share id -> owner account id
    names: dict[str, str]  # account or OU id -> name
    # An organization, root or OU principal -> the member accounts it reaches.
    reached: dict[str, list[str]]


def sharing_picture(ctx: Context) -> SharingPicture:
    now = ctx.clock()
    with ctx.reading() as uow:
        principals = uow.associations.principals_of_every_share(now, OPERATOR_LIMIT * 4)
        share_ids = sorted({a.resource_share_id for a in principals})
        owners = uow.shares.owners_of(share_ids)
        named = {a.entity: parse_organization_principal(a.entity) for a in principals}
        organization_principals = {e: p for e, p in named.items() if p is not None}
        # Only the organizations the principals name: however many the directory holds.
        organizations = uow.organizations.named_by(
            [p.organization_id for p in organization_principals.values() if p.organization_id],
            [p.node_id for p in organization_principals.values() if p.node_id],
        )
        trees = {t.organization.id: t for t in _trees(uow, organizations)}
        reached = {e: _reached_through(p, trees) for e, p in organization_principals.items()}
        members = {m for accounts in reached.values() for m in accounts}
        accounts = sorted({*owners.values(), *(a.entity for a in principals), *members})
        names = uow.accounts.names(accounts)
    for tree in trees.values():
        names.update((unit.id, unit.name) for unit in tree.units)
    return SharingPicture(principals, owners, names, reached)


def _reached_through(
    principal: OrganizationPrincipal, trees: dict[str, OrganizationTree]
) -> list[str]:
    """The members of the organization, or of the root or OU and every OU below it."""
    for tree in trees.values():
        if principal.organization_id not in (None, tree.organization.id):
            continue
        parents = {u.id: u.parent_id for u in tree.units}
        node = principal.node_id
        if node is not None and node not in parents:
            continue
        if not tree.organization.sharing_enabled:
            return []  # as access_entities: an organization not sharing reaches no one
        return sorted(
            m.account_id
            for m in tree.members
            if node is None or _within(m.parent_id, node, parents)
        )
    return []


def _within(unit_id: str | None, node: str, parents: dict[str, str | None]) -> bool:
    """Whether ``unit_id`` is ``node`` or lies below it."""
    while unit_id is not None:
        if unit_id == node:
            return True
        unit_id = parents.get(unit_id)
    return False
