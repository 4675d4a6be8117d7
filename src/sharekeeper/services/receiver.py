"""The console's reads for a receiver and for an owner looking at what it shares: an
invitation with what its share holds, a received share, and the shared-resource and
shared-principal views with the names people read. One unit of work per page.

The API gives an invitee no read of a pending invitation's share (its views list only what is
in effect), yet a person should see what they accept: ``readable`` is that one rule."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

from sharekeeper.domain.accounts import Caller
from sharekeeper.domain.clock import Millis
from sharekeeper.domain.errors import InvitationNotFound, ResourceShareNotFound
from sharekeeper.domain.invitations import Invitation, InvitationQuery, InvitationStatus
from sharekeeper.domain.paging import Page, PageRequest
from sharekeeper.domain.permissions import Permission
from sharekeeper.domain.shares import (
    Association,
    AssociationQuery,
    AssociationStatus,
    AssociationType,
    ResourceShare,
    ShareQuery,
)
from sharekeeper.domain.views import (
    SharedPrincipal,
    SharedPrincipalQuery,
    SharedResource,
    SharedResourceQuery,
    Side,
)
from sharekeeper.services.access import reaches
from sharekeeper.services.console import DETAIL_LIMIT, principal_names
from sharekeeper.services.context import Context
from sharekeeper.services.organizations import access_entities
from sharekeeper.store.unit_of_work import UnitOfWork

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ShareContents:
    """What a share gives its receivers: its resources in effect and its permissions (the
    bound version of each, with its actions). Never its other principals."""

    share: ResourceShare
    owner_name: str
    resources: list[Association]
    permissions: list[Permission]
    # Whether the share is in effect for the reader (else it is invited, not yet associated).
    associated: bool

    @property
    def resource_types(self) -> list[str]:
        """The types of its resources and of its permissions, each once."""
        types = {r.resource_type for r in self.resources if r.resource_type}
        return sorted(types | {p.resource_type for p in self.permissions})


@dataclass(frozen=True, slots=True)
class InvitationView:
    invitation: Invitation
    names: dict[str, str]  # sender and, for the sender, receiver: account id -> name
    # What its share holds, while the reader may read it (``readable``); else None.
    contents: ShareContents | None


def invitation_view(ctx: Context, caller: Caller, invitation_id: str) -> InvitationView:
    """An invitation the caller received or sent, with its share's contents while the caller
    may read them (``readable``); to anyone else the invitation does not exist."""
    now = ctx.clock()
    me = caller.account_id
    with ctx.reading() as uow:
        found = uow.invitations.get(invitation_id)
        if found is None or me not in (found.receiver_account_id, found.sender_account_id):
            raise InvitationNotFound(invitation_id)
        invitation = found.seen_at(now)
        names = uow.accounts.names([invitation.sender_account_id])
        if me == invitation.sender_account_id:
            names.update(principal_names(uow, me, [invitation.receiver_account_id]))
        share = uow.shares.get(invitation.resource_share_id, now)
        contents = readable(ctx, uow, me, share, now) if share is not None else None
    return InvitationView(invitation, names, contents)


def received_share(ctx: Context, caller: Caller, share_id: str) -> ShareContents:
    """A share as a receiver sees it (read-only); one it may not read does not exist."""
    now = ctx.clock()
    with ctx.reading() as uow:
        share = uow.shares.get(share_id, now)
        contents = readable(ctx, uow, caller.account_id, share, now) if share else None
    if contents is None:
        raise ResourceShareNotFound(share_id)
    return contents


def readable(
    ctx: Context, uow: UnitOfWork, reader: str, share: ResourceShare, now: Millis
) -> ShareContents | None:
    """The share's contents if ``reader`` may read them, else None. Who may: its owner, an
    account it is in effect for (directly or through its organization), and an account with
    a pending invitation to it (to decide on it). An account that rejected, let the
    invitation expire or was disassociated reads nothing more."""
    associated = share.owner_account_id == reader or reaches(uow, share.id, reader)
    if not associated:
        pending = InvitationQuery(share_ids=(share.id,), status=InvitationStatus.PENDING.value)
        invited = uow.invitations.search(reader, pending, PageRequest(1), now).items
        if not any(i.receiver_account_id == reader for i in invited):
            return None
    in_effect = AssociationQuery(
        AssociationType.RESOURCE,
        status=AssociationStatus.ASSOCIATED.value,
        share_ids=(share.id,),
    )
    owner = share.owner_account_id
    resources = uow.associations.search(owner, in_effect, PageRequest(DETAIL_LIMIT), now).items
    bound = uow.permissions.page(share.id, None, PageRequest(DETAIL_LIMIT)).items
    names = uow.accounts.names([owner])
    permissions = [ctx.catalogue.get(b.permission_id, b.permission_version) for b in bound]
    return ShareContents(share, names.get(owner, ""), list(resources), permissions, associated)


@dataclass(frozen=True, slots=True)
class SharedView(Generic[T]):
    """A page of a shared-resource or shared-principal view, with the names of its shares
    and of the accounts it names."""

    side: Side
    page: Page[T]
    shares: dict[str, ResourceShare]  # share id -> share
    names: dict[str, str] = field(default_factory=dict)  # account id -> name


def shared_resources(
    ctx: Context, caller: Caller, side: Side, page: PageRequest
) -> SharedView[SharedResource]:
    """The resources the caller shares (``Side.OWNER``) or that are shared with it, as
    SearchSharedResources lists them, with their shares and owners."""
    now, me = ctx.clock(), caller.account_id
    with ctx.reading() as uow:
        through = [] if side is Side.OWNER else access_entities(uow, me)
        found = uow.views.shared_resources(side, me, through, SharedResourceQuery(), page)
        shares = _shares(uow, me, side, through, [r.resource_share_id for r in found.items], now)
        owners = {s.owner_account_id for s in shares.values()} if side is Side.RECEIVER else ()
        names = uow.accounts.names(sorted(owners))
    return SharedView(side, found, shares, names)


def shared_principals(
    ctx: Context, caller: Caller, side: Side, page: PageRequest
) -> SharedView[SharedPrincipal]:
    """The principals the caller shares with (``Side.OWNER``), or the owners that share
    with it, as SearchSharedPrincipals lists them, with their shares and the names the
    caller may see (an owner sees a principal's by ``principal_names``)."""
    now, me = ctx.clock(), caller.account_id
    with ctx.reading() as uow:
        through = [] if side is Side.OWNER else access_entities(uow, me)
        found = uow.views.shared_principals(side, me, through, SharedPrincipalQuery(), page)
        shares = _shares(uow, me, side, through, [p.resource_share_id for p in found.items], now)
        ids = {p.id for p in found.items}
        if side is Side.OWNER:
            names = principal_names(uow, me, ids)
        else:
            names = uow.accounts.names(sorted(ids))
    return SharedView(side, found, shares, names)


def _shares(
    uow: UnitOfWork, me: str, side: Side, through: list[str], ids: list[str], now: Millis
) -> dict[str, ResourceShare]:
    """The shares a view's rows name, read from the same side (so never one it may not
    see)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    page, query = PageRequest(len(wanted)), ShareQuery(ids=tuple(wanted))
    if side is Side.OWNER:
        found = uow.shares.search(query, page, now, owner=me)
    else:
        found = uow.shares.search(query, page, now, receiver=me, through=through)
    return {s.id: s for s in found.items}
