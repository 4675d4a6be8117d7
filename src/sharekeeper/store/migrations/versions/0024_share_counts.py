"""accounts.active_shares: the share quota's count kept on the owner's row, so a create raises
it (one UPDATE that locks and counts) instead of counting the owner's shares

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 15:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN, not a batch: on SQLite a batch copies the table and drops the old
    # one, which the foreign keys naming accounts refuse once any row names one.
    op.add_column(
        "accounts",
        sa.Column("active_shares", sa.Integer(), nullable=False, server_default=sa.text("0")),
    )
    # What the create counted until now: the owner's active shares.
    op.execute(
        "UPDATE accounts SET active_shares = (SELECT count(*) FROM resource_shares s"
        " WHERE s.owner_account_id = accounts.id AND s.status = 'active')"
    )


def downgrade() -> None:
    op.drop_column("accounts", "active_shares")
