"""Periodic clean-up: what has been invisible for a while is removed for good."""

from __future__ import annotations

from sharekeeper.domain.sessions import IDLE_TIMEOUT
from sharekeeper.services.context import Context


def purge_expired_records(ctx: Context) -> int:
    """Deletes shares deleted more than 48 hours ago, and console sessions that have ended;
    returns how many shares. Readers already hide both, so this only reclaims space and may run
    at any time, in any process."""
    now = ctx.clock()
    with ctx.writing() as uow:
        purged = uow.shares.purge_deleted(now)
        uow.sessions.remove_ended(now - IDLE_TIMEOUT, now)
        uow.commit()
    return purged
