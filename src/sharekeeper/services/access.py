"""Who may touch which share: the authorization rule shared by the write use cases."""

from __future__ import annotations

from sharekeeper.domain.accounts import Caller
from sharekeeper.domain.clock import Millis
from sharekeeper.domain.errors import ResourceShareNotFound
from sharekeeper.domain.shares import ResourceShare
from sharekeeper.store.unit_of_work import UnitOfWork


def owned_share(uow: UnitOfWork, caller: Caller, share_id: str, now: Millis) -> ResourceShare:
    """The caller's own share, locked for this transaction; anyone else's does not exist."""
    share = uow.shares.get(share_id, now, lock=True)
    if share is None or share.owner_account_id != caller.account_id:
        raise ResourceShareNotFound(share_id)
    return share
