"""organization directory

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 02:03:02.738174
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "organizations",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("management_account_id", sa.String(length=32), nullable=False),
        sa.Column("root_id", sa.String(length=40), nullable=False),
        sa.Column("sharing_enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["management_account_id"],
            ["accounts.id"],
            name=op.f("fk_organizations_management_account_id_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organizations")),
        sa.UniqueConstraint(
            "management_account_id", name=op.f("uq_organizations_management_account_id")
        ),
    )
    op.create_table(
        "org_units",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("organization_id", sa.String(length=40), nullable=False),
        sa.Column("parent_id", sa.String(length=40), nullable=True),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_org_units_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["org_units.id"], name=op.f("fk_org_units_parent_id_org_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_org_units")),
    )
    with op.batch_alter_table("org_units", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_org_units_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "org_members",
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("organization_id", sa.String(length=40), nullable=False),
        sa.Column("parent_id", sa.String(length=40), nullable=False),
        sa.Column("joined_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_org_members_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_org_members_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["org_units.id"], name=op.f("fk_org_members_parent_id_org_units")
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_org_members")),
    )
    with op.batch_alter_table("org_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_org_members_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_org_members_parent_id"), ["parent_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("org_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_org_members_parent_id"))
        batch_op.drop_index(batch_op.f("ix_org_members_organization_id"))

    op.drop_table("org_members")
    with op.batch_alter_table("org_units", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_org_units_organization_id"))

    op.drop_table("org_units")
    op.drop_table("organizations")
