"""The Organizations API's use cases for member accounts: accounts created in the
organization, and listing, moving, describing, removing, closing and leaving (invitations to
join are services/handshakes.py). Membership changes follow the same rules whichever path
makes them (services/organizations.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sharekeeper.domain import ids
from sharekeeper.domain.accounts import ACCOUNT_NAME_MAX, Account, Caller
from sharekeeper.domain.errors import (
    ConcurrentChange,
    CreateAccountStatusNotFound,
    ManagementAccountStays,
    OrgAccountNotClosable,
    OrganizationNotFound,
    OrgEntityNotFound,
    OrgInvalidParameter,
)
from sharekeeper.domain.events import ChangeKind
from sharekeeper.domain.handshakes import (
    CreateAccountState,
    CreateAccountStatus,
    new_create_account_status_id,
)
from sharekeeper.domain.org_tags import (
    NO_CONTACTS,
    CloseAccountStatus,
    CloseState,
    ContactDetails,
    TagResourceType,
    org_tags,
)
from sharekeeper.domain.organizations import (
    DESCRIPTION_MAX,
    JoinMethod,
    Membership,
    Organization,
)
from sharekeeper.domain.paging import Page, PageRequest
from sharekeeper.domain.quotas import ACCOUNT_CREATION_WINDOW, OrganizationQuotaType
from sharekeeper.services import organizations
from sharekeeper.services.context import Context
from sharekeeper.services.directory import (
    managed_organization,
    organization_of,
    readable_organization,
    unit_of,
)
from sharekeeper.services.organization_quotas import require_account_room
from sharekeeper.services.organizations import move_member, record_directory
from sharekeeper.store.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class Member:
    organization: Organization
    membership: Membership
    name: str
    # Read only when asked for (with_register_contact_info): none otherwise.
    contacts: ContactDetails = NO_CONTACTS


def list_accounts(
    ctx: Context,
    caller: Caller,
    parent_id: str | None,
    page: PageRequest,
    with_contacts: bool = False,
) -> Page[Member]:
    """A page of the members, of the organization or directly under ``parent_id``, in the
    order they joined: the page's rows alone are read, names and all (docs/api.md), and their
    contact details with ``with_contacts``."""
    with ctx.reading() as uow:
        organization = readable_organization(uow, caller)
        if parent_id is not None:
            unit_of(uow, organization, parent_id)
        found = uow.organizations.member_page(organization.id, parent_id, page)
        ids = [m.account_id for m, _ in found.items]
        contacts = uow.org_tags.contacts(ids) if with_contacts else {}
    members = [
        Member(organization, m, name, contacts.get(m.account_id, NO_CONTACTS))
        for m, name in found.items
    ]
    return Page(members, found.next_marker)


def show_account(
    ctx: Context, caller: Caller, account_id: str, with_contacts: bool = False
) -> Member:
    with ctx.reading() as uow:
        organization = readable_organization(uow, caller)
        membership = _member(uow, organization, account_id)
        names = uow.accounts.names([account_id])
        contacts = uow.org_tags.contacts([account_id]) if with_contacts else {}
    return Member(
        organization,
        membership,
        names.get(account_id, ""),
        contacts.get(account_id, NO_CONTACTS),
    )


def move_account(
    ctx: Context, caller: Caller, account_id: str, source_id: str, destination_id: str
) -> None:
    with ctx.writing() as uow:
        organization = managed_organization(uow, caller)
        membership = _member(uow, organization, account_id)
        if membership.parent_id != source_id:
            raise OrgEntityNotFound(source_id)
        destination = unit_of(uow, organization, destination_id)
        uow.note_target(destination.id)
        if not move_member(uow, organization, membership, destination.id, ctx.clock()):
            raise OrgEntityNotFound(account_id)  # left, removed or moved meanwhile
        uow.commit()


def remove_account(ctx: Context, caller: Caller, account_id: str) -> None:
    """The management account removes a member, which loses what it had through it. Of
    racing removals (RemoveAccount, LeaveOrganization, CloseAccount) one wins; the others find
    it gone (9401, or 1015 for the member itself)."""
    with ctx.writing() as uow:
        organization = managed_organization(uow, caller)
        _member(uow, organization, account_id, lock=True)
        if account_id == organization.management_account_id:
            raise ManagementAccountStays(account_id)
        _leave(uow, organization, account_id, ctx.clock())
        uow.commit()


def update_account(ctx: Context, caller: Caller, account_id: str, description: str) -> None:
    if len(description) > DESCRIPTION_MAX:
        raise OrgInvalidParameter(f"description must have at most {DESCRIPTION_MAX} characters.")
    with ctx.writing() as uow:
        organization = managed_organization(uow, caller)
        membership = _member(uow, organization, account_id)
        if not uow.organizations.describe_member(membership, description):
            raise OrgEntityNotFound(account_id)
        uow.commit()


def close_account(ctx: Context, caller: Caller, account_id: str) -> None:
    """Closes an account the organization created: it leaves the organization (with what
    relied on that) and every access key of it is revoked at once. An invited account is its
    own tenant and cannot be closed by the organization (Huawei's guide: only created ones).
    Its records stay; an operator can issue it a key again (docs/api.md)."""
    now = ctx.clock()
    with ctx.writing() as uow:
        organization = managed_organization(uow, caller)
        membership = _member(uow, organization, account_id, lock=True)
        if account_id == organization.management_account_id:
            raise ManagementAccountStays(account_id)
        if membership.join_method != JoinMethod.CREATED:
            raise OrgAccountNotClosable(account_id)
        _leave(uow, organization, account_id, now)
        uow.accounts.revoke_keys_of(account_id, now)
        # Closing is done at once: the record says so from the start (ListCloseAccountStatuses).
        closed = CloseAccountStatus(organization.id, account_id, CloseState.SUSPENDED, now, now)
        uow.org_tags.record_closed(closed)
        uow.commit()


@dataclass(frozen=True, slots=True)
class ClosedAccount:
    organization: Organization
    account_id: str
    name: str
    closed: CloseAccountStatus


def show_closed_account(ctx: Context, caller: Caller, account_id: str) -> ClosedAccount:
    """An account the caller's organization closed and that is in none now (closing made it
    leave at once, and leaving drops its contact details), with its name: AWS's
    DescribeAccount still shows a closed account. One the organization did not close is
    OrgEntityNotFound, as a non-member is."""
    with ctx.reading() as uow:
        organization = readable_organization(uow, caller)
        closed = next(
            (c for c in uow.org_tags.closed(organization.id, ()) if c.account_id == account_id),
            None,
        )
        if closed is None or uow.organizations.membership(account_id) is not None:
            raise OrgEntityNotFound(account_id)
        names = uow.accounts.names([account_id])
    return ClosedAccount(organization, account_id, names.get(account_id, ""), closed)


def leave_organization(ctx: Context, caller: Caller) -> None:
    """A member leaves its organization by itself."""
    with ctx.writing() as uow:
        organization = organization_of(uow, caller)
        if caller.account_id == organization.management_account_id:
            raise ManagementAccountStays(caller.account_id)
        locked = uow.organizations.lock_members([caller.account_id], exclusive=True)
        membership = locked.get(caller.account_id)
        if membership is None or membership.organization_id != organization.id:
            raise OrganizationNotFound(caller.account_id)  # removed meanwhile
        _leave(uow, organization, caller.account_id, ctx.clock())
        uow.commit()


@dataclass(frozen=True, slots=True)
class CreatedAccount:
    status: CreateAccountStatus
    # Known to the creation alone until it commits (AWS's API answers with it at once).
    aws_account_id: str


def create_account(
    ctx: Context,
    caller: Caller,
    name: str,
    description: str = "",
    tag_pairs: Sequence[tuple[str, str]] = (),
    contacts: ContactDetails = NO_CONTACTS,
) -> CreatedAccount:
    """A new account, a member at the root from the start ("created"), within the
    organization's account quota (counted under its row lock) and the accounts its management
    account created in 24 hours in any organization (under that account's row lock), so racing
    creations cannot pass them together, with the tags and contact details
    its create body carries. It has no access key: the operator issues one (docs/api.md), as for
    every account of ShareKeeper."""
    if not 1 <= len(name) <= ACCOUNT_NAME_MAX:
        raise OrgInvalidParameter(f"An account name must have 1 to {ACCOUNT_NAME_MAX} characters.")
    tags = org_tags(tag_pairs)
    now = ctx.clock()
    account = Account(ids.new_account_id(), name, now, ids.new_aws_account_id())
    with ctx.writing() as uow:
        # The caller's account row first, as founding an organization takes it: the day's
        # creations are the caller's, across organizations it deleted and founded again.
        uow.accounts.lock(caller.account_id)
        organization = managed_organization(uow, caller, lock=True)
        require_account_room(ctx, uow, organization, now)
        created = uow.accounts.count_created_by(caller.account_id, now - ACCOUNT_CREATION_WINDOW)
        ctx.quotas.check_organization(
            OrganizationQuotaType.ACCOUNT_CREATIONS_PER_DAY, organization.id, created
        )
        uow.accounts.add(account, created_by=caller.account_id)
        joined = Membership(
            account.id,
            organization.id,
            organization.root_id,
            JoinMethod.CREATED,
            joined_at=now,
            description=description,
        )
        if not uow.organizations.join(joined):
            raise ConcurrentChange()  # a new account id is in no organization: unreachable
        record_directory(uow, ChangeKind.ACCOUNT_JOINED, organization, joined, now)
        uow.org_tags.put(organization.id, TagResourceType.ACCOUNTS, account.id, tags)
        if contacts.given:
            uow.org_tags.add_contacts(account.id, contacts)
        status = CreateAccountStatus(
            new_create_account_status_id(),
            organization.id,
            account.id,
            name,
            CreateAccountState.SUCCEEDED,
            now,
            now,
        )
        uow.handshakes.add_create_account_status(status)
        uow.note_target(account.id)
        uow.commit()
    return CreatedAccount(status, account.aws_account_id)


def create_account_statuses(
    ctx: Context, caller: Caller, states: list[CreateAccountState], page: PageRequest
) -> Page[CreateAccountStatus]:
    """A page of the organization's create-account statuses in ``states`` (all without
    any), oldest first."""
    with ctx.reading() as uow:
        organization = managed_organization(uow, caller)
        return uow.handshakes.create_account_status_page(organization.id, states, page)


def show_create_account_status(ctx: Context, caller: Caller, status_id: str) -> CreateAccountStatus:
    with ctx.reading() as uow:
        organization = managed_organization(uow, caller)
        status = uow.handshakes.create_account_status(status_id)
    if status is None or status.organization_id != organization.id:
        raise CreateAccountStatusNotFound(status_id)
    return status


def _member(
    uow: UnitOfWork, organization: Organization, account_id: str, lock: bool = False
) -> Membership:
    """``lock``: the membership row, exclusively, for a change that ends it: racing removals
    wait here, then find it gone."""
    if lock:
        membership = uow.organizations.lock_members([account_id], exclusive=True).get(account_id)
    else:
        membership = uow.organizations.membership(account_id)
    if membership is None or membership.organization_id != organization.id:
        raise OrgEntityNotFound(account_id)
    return membership


def _leave(uow: UnitOfWork, organization: Organization, account_id: str, now: int) -> None:
    # The membership is locked by the caller, so this cannot lose a race; checked all the same.
    if not organizations.leave(uow, account_id, now):
        raise OrgEntityNotFound(account_id)
