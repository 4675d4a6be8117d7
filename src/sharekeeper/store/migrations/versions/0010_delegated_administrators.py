"""delegated administrators of an organization's trusted services

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 23:50:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "delegated_administrators",
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("service_principal", sa.String(length=100), nullable=False),
        sa.Column("organization_id", sa.String(length=40), nullable=False),
        sa.Column("enabled_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["org_members.account_id"],
            name=op.f("fk_delegated_administrators_account_id_org_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_delegated_administrators_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "account_id", "service_principal", name=op.f("pk_delegated_administrators")
        ),
    )
    op.create_index(
        "ix_delegated_administrators_org_service",
        "delegated_administrators",
        ["organization_id", "service_principal", "account_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_delegated_administrators_org_service", "delegated_administrators")
    op.drop_table("delegated_administrators")
