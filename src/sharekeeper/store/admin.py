"""Operator actions on the whole store."""

from __future__ import annotations

from sqlalchemy import delete, update

from sharekeeper.store.accounts import notify_key_change
from sharekeeper.store.key_cache import EVERY_KEY
from sharekeeper.store.tables import master_key, metadata, org_units
from sharekeeper.store.transaction import Transaction


def delete_everything(tx: Transaction) -> None:
    """Removes every row of every table, children before parents, but the master key's
    fingerprint: the serving processes keep their key, so what the database records of it
    stays true."""
    # Units refer to their parent unit: cut those links first, so any order of rows deletes.
    tx.execute(update(org_units).values(parent_id=None))
    for table in reversed(metadata.sorted_tables):
        if table is not master_key:
            tx.execute(delete(table))
    notify_key_change(tx, EVERY_KEY)
