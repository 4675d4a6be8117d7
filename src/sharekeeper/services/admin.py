"""Operator use cases that are not RAM operations."""

from __future__ import annotations

from sharekeeper.services.context import Context


def reset_all_data(ctx: Context) -> None:
    """Deletes every account, key, organization, share and audit record (a clean slate)."""
    with ctx.writing() as uow:
        uow.delete_everything()
        uow.commit()
