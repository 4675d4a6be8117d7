"""Who may touch which share: the authorization rule shared by the write use cases."""

from __future__ import annotations

from sharekeeper.domain.accounts import Caller
from sharekeeper.domain.clock import Millis
from sharekeeper.domain.errors import ResourceShareNotFound
from sharekeeper.domain.shares import AssociationStatus, AssociationType, ResourceShare
from sharekeeper.services.organizations import access_entities
from sharekeeper.store.unit_of_work import UnitOfWork


def owned_share(
    uow: UnitOfWork, caller: Caller, share_id: str, now: Millis, lock: bool = True
) -> ResourceShare:
    """The caller's own share, locked for this transaction (unless a read asks ``lock=False``);
    anyone else's does not exist."""
    share = uow.shares.get(share_id, now, lock=lock)
    if share is None or share.owner_account_id != caller.account_id:
        raise ResourceShareNotFound(share_id)
    return share


def reaches(uow: UnitOfWork, share_id: str, account_id: str) -> bool:
    """Whether the share is in effect for the account, directly or through its organization."""
    reached = uow.associations.find(
        share_id, AssociationType.PRINCIPAL, access_entities(uow, account_id)
    )
    return any(a.status is AssociationStatus.ASSOCIATED for a in reached.values())


def visible_share(uow: UnitOfWork, caller: Caller, share_id: str, now: Millis) -> ResourceShare:
    """A share the caller owns or that reaches it; any other does not exist for it."""
    share = uow.shares.get(share_id, now)
    if share is None or (
        share.owner_account_id != caller.account_id
        and not reaches(uow, share.id, caller.account_id)
    ):
        raise ResourceShareNotFound(share_id)
    return share
