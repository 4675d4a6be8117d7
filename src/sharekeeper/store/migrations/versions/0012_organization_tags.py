"""Organizations tags, account contact details, close-account statuses

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 23:45:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "org_tags",
        sa.Column("organization_id", sa.String(length=40), nullable=False),
        sa.Column("resource_type", sa.String(length=32), nullable=False),
        sa.Column("resource_id", sa.String(length=130), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("value", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_org_tags_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "organization_id", "resource_type", "resource_id", "key", name=op.f("pk_org_tags")
        ),
    )
    op.create_index("ix_org_tags_type_key", "org_tags", ["organization_id", "resource_type", "key"])
    op.create_table(
        "account_contacts",
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("email", sa.String(length=64), nullable=True),
        sa.Column("mobile_phone", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_account_contacts_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_account_contacts")),
    )
    op.create_table(
        "close_account_statuses",
        sa.Column("organization_id", sa.String(length=40), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_close_account_statuses_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "organization_id", "account_id", name=op.f("pk_close_account_statuses")
        ),
    )


def downgrade() -> None:
    op.drop_table("close_account_statuses")
    op.drop_table("account_contacts")
    op.drop_index("ix_org_tags_type_key", table_name="org_tags")
    op.drop_table("org_tags")
