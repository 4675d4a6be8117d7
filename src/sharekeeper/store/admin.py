"""Operator actions on the whole store."""

from __future__ import annotations

from sqlalchemy import Connection, delete, update

from sharekeeper.store.tables import metadata, org_units


def delete_everything(connection: Connection) -> None:
    """Removes every row of every table, children before parents."""
    # Units refer to their parent unit: cut those links first, so any order of rows deletes.
    connection.execute(update(org_units).values(parent_id=None))
    for table in reversed(metadata.sorted_tables):
        connection.execute(delete(table))
