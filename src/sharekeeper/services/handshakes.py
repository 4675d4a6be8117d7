"""The Organizations API's invitations to join an organization (handshakes): sent by the
management account, answered by the invited account, cancelled, expired. An accepted one makes
the account a member under the same rules as every other way of joining."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from sharekeeper.domain.accounts import Caller
from sharekeeper.domain.errors import (
    HandshakeAlreadyPending,
    HandshakeCancelled,
    HandshakeNotFound,
    HandshakeNotPending,
    OrgAccountAlreadyMember,
    OrgAccountNotFound,
    OrgInvalidParameter,
)
from sharekeeper.domain.events import ChangeKind
from sharekeeper.domain.handshakes import (
    HANDSHAKE_TTL,
    NOTES_MAX,
    Handshake,
    HandshakeStatus,
    new_handshake_id,
)
from sharekeeper.domain.org_tags import HANDSHAKE_TAGS, TagResourceType, org_tags
from sharekeeper.domain.organizations import Membership, Organization
from sharekeeper.domain.paging import Page, PageRequest
from sharekeeper.services.context import Context
from sharekeeper.services.directory import managed_organization
from sharekeeper.services.organization_quotas import (
    require_account_room,
    require_invitation_room,
)
from sharekeeper.services.organizations import record_directory
from sharekeeper.store.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class HandshakeView:
    handshake: Handshake
    status: HandshakeStatus  # as of now: a pending one past its expiry is expired
    management_account_name: str


def invite_account(
    ctx: Context,
    caller: Caller,
    account_id: str,
    notes: str,
    tag_pairs: Sequence[tuple[str, str]] = (),
) -> HandshakeView:
    """An invitation to an existing account in no organization; it joins only on accepting,
    and then carries the invitation's tags. It holds a place within the organization's
    account quota, and replaces the organization's ended invitations to that account (so
    invitations cannot pile up on it)."""
    if len(notes) > NOTES_MAX:
        raise OrgInvalidParameter(f"notes must have at most {NOTES_MAX} characters.")
    tags = org_tags(tag_pairs)
    now = ctx.clock()
    with ctx.writing() as uow:
        # Locked: two invitations to one account cannot both find none pending.
        organization = managed_organization(uow, caller, lock=True)
        if uow.accounts.get(account_id) is None:
            raise OrgAccountNotFound(account_id)
        if uow.organizations.membership(account_id) is not None:
            raise OrgAccountAlreadyMember(account_id)
        if uow.handshakes.pending(organization.id, account_id, now):
            raise HandshakeAlreadyPending(account_id)
        require_invitation_room(ctx, uow, organization, now)
        uow.handshakes.forget_ended(organization.id, account_id, now)
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
        uow.org_tags.put(organization.id, HANDSHAKE_TAGS, handshake.id, tags)
        uow.note_target(handshake.id)
        uow.note_target(account_id)
        names = uow.accounts.names([caller.account_id])
        uow.commit()
    return _view(handshake, now, names)


def sent_handshakes(ctx: Context, caller: Caller, page: PageRequest) -> Page[HandshakeView]:
    """A page of the organization's invitations, oldest first."""
    now = ctx.clock()
    with ctx.reading() as uow:
        organization = managed_organization(uow, caller)
        sent = uow.handshakes.sent_page(organization.id, page)
        names = uow.accounts.names([organization.management_account_id])
    return Page([_view(h, now, names) for h in sent.items], sent.next_marker)


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


def received_handshakes(ctx: Context, caller: Caller, page: PageRequest) -> Page[HandshakeView]:
    """A page of the invitations the caller received, oldest first, with the names of the
    page's senders."""
    now = ctx.clock()
    with ctx.reading() as uow:
        received = uow.handshakes.received_page(caller.account_id, page)
        names = uow.accounts.names(sorted({h.management_account_id for h in received.items}))
    return Page([_view(h, now, names) for h in received.items], received.next_marker)


def cancel_handshake(ctx: Context, caller: Caller, handshake_id: str) -> HandshakeView:
    now = ctx.clock()
    with ctx.writing() as uow:
        handshake = _sent(uow, managed_organization(uow, caller), handshake_id)
        _answer(uow, handshake, HandshakeStatus.CANCELLED, now)
        uow.org_tags.drop(HANDSHAKE_TAGS, handshake.id)
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
        # Joined another organization since it was invited, or joins one at this moment
        # (the insert waits for that write and finds the account taken): nothing of this
        # answer stays, and the answer is the Organizations API's own.
        if accept:
            if uow.organizations.membership(caller.account_id) is not None:
                raise OrgAccountAlreadyMember(caller.account_id)
            require_account_room(ctx, uow, organization, now)
            joined = Membership(
                caller.account_id, organization.id, organization.root_id, joined_at=now
            )
            if not uow.organizations.join(joined):
                raise OrgAccountAlreadyMember(caller.account_id)
            record_directory(uow, ChangeKind.ACCOUNT_JOINED, organization, joined, now)
            carried = uow.org_tags.tags(organization.id, HANDSHAKE_TAGS, handshake.id)
            uow.org_tags.put(organization.id, TagResourceType.ACCOUNTS, caller.account_id, carried)
        uow.org_tags.drop(HANDSHAKE_TAGS, handshake.id)
        names = uow.accounts.names([handshake.management_account_id])
        uow.commit()
    return _answered(handshake, status, now, names)


def _sent(uow: UnitOfWork, organization: Organization, handshake_id: str) -> Handshake:
    """An invitation the organization sent; any other is as absent."""
    handshake = uow.handshakes.get(handshake_id)
    if handshake is None or handshake.organization_id != organization.id:
        raise HandshakeNotFound(handshake_id)
    return handshake


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
