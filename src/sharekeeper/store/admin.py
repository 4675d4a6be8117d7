"""Operator actions on the whole store."""

from __future__ import annotations

import functools

from sqlalchemy import Executable, delete, update

from sharekeeper.store.accounts import notify_key_change
from sharekeeper.store.key_cache import EVERY_KEY
from sharekeeper.store.tables import master_key, metadata, org_units
from sharekeeper.store.transaction import Transaction


def delete_everything(tx: Transaction) -> None:
    """Removes every row of every table, children before parents, but the master key's
    fingerprint: the serving processes keep their key, so what the database records of it
    stays true."""
    for statement in _emptying():
        tx.execute(statement)
    notify_key_change(tx, EVERY_KEY)


@functools.cache
def _emptying() -> tuple[Executable, ...]:
    """Built once: the pytest plugin empties its server before every test, and building and
    sorting these took as long as running them."""
    # Units refer to their parent unit: cut those links first, so any order of rows deletes.
    unlink = update(org_units).values(parent_id=None)
    tables = [t for t in reversed(metadata.sorted_tables) if t is not master_key]
    return (unlink, *(delete(t) for t in tables))
