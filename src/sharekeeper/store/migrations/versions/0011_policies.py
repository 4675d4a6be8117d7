"""Organizations policies: policies and dry-run policies, attachments, enabled policy types,
dry-run configurations

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 23:45:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def _organization_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["organization_id"],
        ["organizations.id"],
        name=op.f(f"fk_{table}_organization_id_organizations"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "policies",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("organization_id", sa.String(length=40), nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("description", sa.String(length=512), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        _organization_fk("policies"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policies")),
        sa.UniqueConstraint(
            "organization_id",
            "dry_run",
            "type",
            "name",
            name=op.f("uq_policies_organization_id_dry_run_type_name"),
        ),
    )
    op.create_table(
        "policy_attachments",
        sa.Column("policy_id", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.String(length=40), nullable=False),
        sa.Column("attached_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["policies.id"],
            name=op.f("fk_policy_attachments_policy_id_policies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("policy_id", "entity_id", name=op.f("pk_policy_attachments")),
    )
    op.create_index(op.f("ix_policy_attachments_entity_id"), "policy_attachments", ["entity_id"])
    op.create_table(
        "root_policy_types",
        sa.Column("organization_id", sa.String(length=40), nullable=False),
        sa.Column("policy_type", sa.String(length=32), nullable=False),
        sa.Column("enabled_at", sa.BigInteger(), nullable=False),
        _organization_fk("root_policy_types"),
        sa.PrimaryKeyConstraint(
            "organization_id", "policy_type", name=op.f("pk_root_policy_types")
        ),
    )
    op.create_table(
        "dry_run_configs",
        sa.Column("organization_id", sa.String(length=40), nullable=False),
        sa.Column("policy_type", sa.String(length=32), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("bucket_name", sa.String(length=64), nullable=False),
        sa.Column("region_id", sa.String(length=64), nullable=False),
        sa.Column("bucket_prefix", sa.String(length=256), nullable=False),
        sa.Column("agency_name", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        _organization_fk("dry_run_configs"),
        sa.PrimaryKeyConstraint("organization_id", "policy_type", name=op.f("pk_dry_run_configs")),
    )


def downgrade() -> None:
    op.drop_table("dry_run_configs")
    op.drop_table("root_policy_types")
    op.drop_index(op.f("ix_policy_attachments_entity_id"), table_name="policy_attachments")
    op.drop_table("policy_attachments")
    op.drop_table("policies")
