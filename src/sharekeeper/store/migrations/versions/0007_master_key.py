"""the master key's fingerprint, recorded on first use

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 23:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "master_key",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_master_key_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_master_key")),
    )


def downgrade() -> None:
    op.drop_table("master_key")
