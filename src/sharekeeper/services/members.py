"""The Organizations API's use cases for member accounts: invitations to join (handshakes),
accounts created in the organization, and listing, moving, removing and leaving. Membership
changes follow the same rules whichever path makes them (services/organizations.py)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from sharekeeper.domain import ids
from sharekeeper.domain.accounts import Account, Caller
from sharekeeper.domain.errors import (
    CreateAccountStatusNotFound,
    HandshakeAlreadyPending,
    HandshakeCancelled,
    HandshakeNotFound,
    HandshakeNotPending,
    ManagementAccountStays,
    OrgAccountAlreadyMember,
    OrgAccountNotClosable,
    OrgAccountNotFound,
    OrgEntityNotFound,
    OrgInvalidParameter,
)
from sharekeeper.domain.handshakes import (
    HANDSHAKE_TTL,
    NOTES_MAX,
    CreateAccountState,
    CreateAccountStatus,
    Handshake,
    HandshakeStatus,
    new_create_account_status_id,
    new_handshake_id,
)
from sharekeeper.domain.organizations import (
    DESCRIPTION_MAX,
    JoinMethod,
    Membership,
    Organization,
)
from sharekeeper.services import organizations
from sharekeeper.services.context import Context
from sharekeeper.services.directory import managed_organization, organization_of, unit_of
from sharekeeper.store.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class Member:
    organization: Organization
    membership: Membership
    name: str


@dataclass(frozen=True, slots=True)
class HandshakeView:
    handshake: Handshake
    status: HandshakeStatus  # as of now: a pending one past its expiry is expired
    management_account_name: str


def list_accounts(ctx: Context, caller: Caller, parent_id: str | None) -> list[Member]:
    with ctx.reading() as uow:
        organization = managed_organization(uow, caller)
        if parent_id is not None:
            unit_of(uow, organization, parent_id)
        members = [
            m
            for m in uow.organizations.members(organization.id)
            if parent_id is None or m.parent_id == parent_id
        ]
        names = uow.accounts.names([m.account_id for m in members])
    return [Member(organization, m, names.get(m.account_id, "")) for m in members]


def show_account(ctx: Context, caller: Caller, account_id: str) -> Member:
    with ctx.reading() as uow:
        organization = managed_organization(uow, caller)
        membership = _member(uow, organization, account_id)
        names = uow.accounts.names([account_id])
    return Member(organization, membership, names.get(account_id, ""))


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
        if not uow.organizations.move(membership, destination.id):
            raise OrgEntityNotFound(account_id)  # left, removed or moved meanwhile
        uow.commit()


def remove_account(ctx: Context, caller: Caller, account_id: str) -> None:
    """The management account removes a member, which loses what it had through it."""
    with ctx.writing() as uow:
        organization = managed_organization(uow, caller)
        _member(uow, organization, account_id)
        if account_id == organization.management_account_id:
            raise ManagementAccountStays(account_id)
        organizations.leave(uow, account_id, ctx.clock())
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
        membership = _member(uow, organization, account_id)
        if account_id == organization.management_account_id:
            raise ManagementAccountStays(account_id)
        if membership.join_method != JoinMethod.CREATED:
            raise OrgAccountNotClosable(account_id)
        organizations.leave(uow, account_id, now)
        uow.accounts.revoke_keys_of(account_id, now)
        uow.commit()


def leave_organization(ctx: Context, caller: Caller) -> None:
    """A member leaves its organization by itself."""
    with ctx.writing() as uow:
        organization = organization_of(uow, caller)
        if caller.account_id == organization.management_account_id:
            raise ManagementAccountStays(caller.account_id)
        organizations.leave(uow, caller.account_id, ctx.clock())
        uow.commit()


def invite_account(ctx: Context, caller: Caller, account_id: str, notes: str) -> HandshakeView:
    """An invitation to an existing account in no organization; it joins only on accepting."""
    if len(notes) > NOTES_MAX:
        raise OrgInvalidParameter(f"notes must have at most {NOTES_MAX} characters.")
    now = ctx.clock()
    with ctx.writing() as uow:
        # Locked: two invitations to one account cannot both find none pending.
        organization = managed_organization(uow, caller, lock=True)
        if uow.accounts.get(account_id) is None:
            raise OrgAccountNotFound(account_id)
        if uow.organizations.membership(account_id) is not None:
            raise OrgAccountAlreadyMember(account_id)
        sent = uow.handshakes.sent(organization.id)
        if any(
            h.target_account_id == account_id and h.status_at(now) == HandshakeStatus.PENDING
            for h in sent
        ):
            raise HandshakeAlreadyPending(account_id)
        handshake = Handshake(
            new_handshake_id(),
            organization.id,
            caller.account_id,
            account_id,
            notes,
            HandshakeStatus.PENDING,
            now,
            now,
            now + HANDSHAKE_TTL,
        )
        uow.handshakes.add(handshake)
        uow.note_target(handshake.id)
        uow.note_target(account_id)
        names = uow.accounts.names([caller.account_id])
        uow.commit()
    return HandshakeView(handshake, HandshakeStatus.PENDING, names.get(caller.account_id, ""))


def sent_handshakes(ctx: Context, caller: Caller) -> list[HandshakeView]:
    now = ctx.clock()
    with ctx.reading() as uow:
        organization = managed_organization(uow, caller)
        sent = uow.handshakes.sent(organization.id)
        names = uow.accounts.names([organization.management_account_id])
    name = names.get(organization.management_account_id, "")
    return [HandshakeView(h, h.status_at(now), name) for h in sent]


def show_handshake(ctx: Context, caller: Caller, handshake_id: str) -> HandshakeView:
    """To the management account that sent it, and to the account it invites (Terraform's
    accepter reads it back with the invitee's key)."""
    now = ctx.clock()
    with ctx.reading() as uow:
        handshake = uow.handshakes.get(handshake_id)
        if handshake is None or handshake.target_account_id != caller.account_id:
            handshake = _sent(uow, managed_organization(uow, caller), handshake_id)
        names = uow.accounts.names([handshake.management_account_id])
    return _view(handshake, now, names)


def received_handshakes(ctx: Context, caller: Caller) -> list[HandshakeView]:
    now = ctx.clock()
    with ctx.reading() as uow:
        received = uow.handshakes.received(caller.account_id)
        names = uow.accounts.names(sorted({h.management_account_id for h in received}))
    return [_view(h, now, names) for h in received]


def cancel_handshake(ctx: Context, caller: Caller, handshake_id: str) -> HandshakeView:
    now = ctx.clock()
    with ctx.writing() as uow:
        handshake = _sent(uow, managed_organization(uow, caller), handshake_id)
        _answer(uow, handshake, HandshakeStatus.CANCELLED, now)
        names = uow.accounts.names([handshake.management_account_id])
        uow.commit()
    return _answered(handshake, HandshakeStatus.CANCELLED, now, names)


def answer_handshake(
    ctx: Context, caller: Caller, handshake_id: str, accept: bool
) -> HandshakeView:
    """The invitee accepts (and joins at the organization's root) or declines."""
    now = ctx.clock()
    status = HandshakeStatus.ACCEPTED if accept else HandshakeStatus.DECLINED
    with ctx.writing() as uow:
        handshake = uow.handshakes.get(handshake_id)
        if handshake is None or handshake.target_account_id != caller.account_id:
            raise HandshakeNotFound(handshake_id)
        # Locked: an organization being deleted is not joined behind its back.
        organization = uow.organizations.get(handshake.organization_id, lock=True)
        if organization is None:  # deleted since: the invitation went with it
            raise HandshakeNotFound(handshake_id)
        _answer(uow, handshake, status, now)
        # Joined another organization since it was invited: nothing of this answer stays.
        if accept and uow.organizations.membership(caller.account_id) is not None:
            raise OrgAccountAlreadyMember(caller.account_id)
        if accept:
            joined = Membership(caller.account_id, organization.id, organization.root_id)
            uow.organizations.join(joined, now)
        names = uow.accounts.names([handshake.management_account_id])
        uow.commit()
    return _answered(handshake, status, now, names)


def create_account(
    ctx: Context, caller: Caller, name: str, description: str = ""
) -> CreateAccountStatus:
    """A new account, a member at the root from the start ("created"). It has no access key:
    the operator issues one (docs/api.md), as for every account of ShareKeeper."""
    if not 1 <= len(name) <= 64:
        raise OrgInvalidParameter("An account name must have 1 to 64 characters.")
    now = ctx.clock()
    account = Account(ids.new_account_id(), name, now)
    with ctx.writing() as uow:
        organization = managed_organization(uow, caller, lock=True)
        uow.accounts.add(account)
        joined = Membership(
            account.id,
            organization.id,
            organization.root_id,
            JoinMethod.CREATED,
            description=description,
        )
        uow.organizations.join(joined, now)
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
    return status


def create_account_statuses(
    ctx: Context, caller: Caller, states: list[str] | None
) -> list[CreateAccountStatus]:
    with ctx.reading() as uow:
        organization = managed_organization(uow, caller)
        statuses = uow.handshakes.create_account_statuses(organization.id)
    return [s for s in statuses if not states or s.state in states]


def show_create_account_status(ctx: Context, caller: Caller, status_id: str) -> CreateAccountStatus:
    for status in create_account_statuses(ctx, caller, None):
        if status.id == status_id:
            return status
    raise CreateAccountStatusNotFound(status_id)


def _sent(uow: UnitOfWork, organization: Organization, handshake_id: str) -> Handshake:
    """An invitation the organization sent; any other is as absent."""
    handshake = uow.handshakes.get(handshake_id)
    if handshake is None or handshake.organization_id != organization.id:
        raise HandshakeNotFound(handshake_id)
    return handshake


def _member(uow: UnitOfWork, organization: Organization, account_id: str) -> Membership:
    membership = uow.organizations.membership(account_id)
    if membership is None or membership.organization_id != organization.id:
        raise OrgEntityNotFound(account_id)
    return membership


def _answer(uow: UnitOfWork, handshake: Handshake, status: HandshakeStatus, now: int) -> None:
    """Compare-and-set from pending: of two answers (or an answer and a cancellation), one
    wins; the other learns what the handshake had become."""
    if uow.handshakes.answer(handshake.id, status, now):
        return
    current = uow.handshakes.get(handshake.id)
    if current is None:  # its organization was deleted meanwhile
        raise HandshakeNotFound(handshake.id)
    became = current.status_at(now)
    if became == HandshakeStatus.CANCELLED:
        raise HandshakeCancelled(handshake.id)
    raise HandshakeNotPending(handshake.id, became)


def _view(handshake: Handshake, now: int, names: dict[str, str]) -> HandshakeView:
    name = names.get(handshake.management_account_id, "")
    return HandshakeView(handshake, handshake.status_at(now), name)


def _answered(
    handshake: Handshake, status: HandshakeStatus, now: int, names: dict[str, str]
) -> HandshakeView:
    return _view(replace(handshake, status=status, updated_at=now), now, names)
