"""share_sources: the accounts a share's service principals may act for, AWS RAM's
``sources`` (docs/aws.md "Service principals and sources"); issue 28

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 11:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "share_sources",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column(
            "resource_share_id",
            sa.String(36),
            sa.ForeignKey("resource_shares.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("source_id", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("status_message", sa.Text, nullable=True),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("resource_share_id", "source_id"),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("share_sources")
