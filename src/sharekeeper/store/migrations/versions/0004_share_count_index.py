"""an index that counts an owner's active shares

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 07:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Every create counts the owner's active shares against its quota: with this index the
    # count reads the index alone instead of every share the owner ever had.
    with op.batch_alter_table("resource_shares", schema=None) as batch_op:
        batch_op.create_index(
            "ix_resource_shares_owner_status", ["owner_account_id", "status"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("resource_shares", schema=None) as batch_op:
        batch_op.drop_index("ix_resource_shares_owner_status")
