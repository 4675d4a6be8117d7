"""invitations.resource_share_name: the share's name copied on each invitation, so that no
read of an invitation (the search above all) joins or looks up its share

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 21:50:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Added nullable, filled from the shares, then made NOT NULL without a default, so that a
    # writer that forgot the name fails instead of storing an empty one. On SQLite the last
    # step copies the table (batch mode): nothing references invitations, so the foreign keys
    # do not refuse the copy, and it keeps the table's AUTOINCREMENT (checked by
    # tests/store/test_migrations.py).
    with op.batch_alter_table("invitations") as batch:
        batch.add_column(sa.Column("resource_share_name", sa.String(64), nullable=True))
    op.execute(
        "UPDATE invitations SET resource_share_name = (SELECT s.name FROM resource_shares s"
        " WHERE s.id = invitations.resource_share_id)"
    )
    with op.batch_alter_table("invitations", table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.alter_column("resource_share_name", existing_type=sa.String(64), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("invitations", table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.drop_column("resource_share_name")
