"""Periodic clean-up: what has been invisible for a while is removed for good."""

from __future__ import annotations

from sharekeeper.services.context import Context


def purge_expired_records(ctx: Context) -> int:
    """Deletes shares deleted more than 48 hours ago; returns how many. Readers already hide
    them, so this only reclaims space and may run at any time, in any process."""
    with ctx.writing() as uow:
        purged = uow.shares.purge_deleted(ctx.clock())
        uow.commit()
    return purged
