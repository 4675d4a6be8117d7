"""resource_shares.tags: the share's tags kept on its row as JSON text, so that a page of
shares reads them with its rows; and share_tags WITHOUT ROWID on SQLite, so that a search's
tag filter finds a tag's value in the primary key's B-tree

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 01:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

# Each share's tags in key order, [[key, value], ...], as store/tags.py writes them.
_FILL = {
    "sqlite": (
        "UPDATE resource_shares SET tags = (SELECT json_group_array(json_array(t.key, t.value))"
        " FROM (SELECT key, value FROM share_tags WHERE resource_share_id = resource_shares.id"
        " ORDER BY key) AS t) WHERE id IN (SELECT resource_share_id FROM share_tags)"
    ),
    "postgresql": (
        "UPDATE resource_shares SET tags = (SELECT CAST(json_agg(json_build_array(t.key,"
        " t.value) ORDER BY t.key) AS TEXT) FROM share_tags t"
        " WHERE t.resource_share_id = resource_shares.id)"
        " WHERE id IN (SELECT resource_share_id FROM share_tags)"
    ),
}


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    # A plain ADD COLUMN, not a batch: on SQLite a batch copies the table and drops the old
    # one, which the foreign keys naming resource_shares refuse once any row names one.
    op.add_column(
        "resource_shares",
        sa.Column("tags", sa.Text(), nullable=False, server_default="[]"),
    )
    op.execute(_FILL[dialect])
    if dialect == "sqlite":
        # Nothing references share_tags: its copy, the one way SQLite changes a table's
        # layout, is refused by no foreign key. PostgreSQL's tables have no rowid.
        with op.batch_alter_table(
            "share_tags", recreate="always", table_kwargs={"sqlite_with_rowid": False}
        ):
            pass


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("share_tags", recreate="always"):
            pass
    op.drop_column("resource_shares", "tags")
