"""client_tokens_permissions: an AWS write's clientToken and the digest of its members on its
audit record, unique per account and operation (docs/aws.md "Idempotency"); customer-managed
permissions and their versions (docs/aws.md "Customer-managed permissions"); issue 28

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 09:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_records") as batch:
        batch.add_column(sa.Column("client_token", sa.String(64), nullable=True))
        batch.add_column(sa.Column("request_digest", sa.String(64), nullable=True))
    # Every existing record has no token, and NULLs are distinct in a unique index on both
    # databases, so the index builds without reading the trail.
    op.create_index(
        "uq_audit_records_client_token",
        "audit_records",
        ["account_id", "operation", "client_token"],
        unique=True,
    )
    op.create_table(
        "customer_permissions",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("id", sa.String(36), nullable=False, unique=True),
        sa.Column(
            "owner_account_id",
            sa.String(32),
            sa.ForeignKey("accounts.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("name", sa.String(36), nullable=False),
        sa.Column("resource_type", sa.String(100), nullable=False),
        sa.Column("default_version", sa.Integer, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("owner_account_id", "name"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "customer_permission_versions",
        sa.Column(
            "permission_id",
            sa.String(36),
            sa.ForeignKey("customer_permissions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("template", sa.Text, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("permission_id", "version"),
    )
    op.create_table(
        "permission_replacements",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("id", sa.String(36), nullable=False, unique=True),
        sa.Column(
            "owner_account_id",
            sa.String(32),
            sa.ForeignKey("accounts.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("from_permission_id", sa.String(36), nullable=False),
        sa.Column("from_version", sa.Integer, nullable=True),
        sa.Column("to_permission_id", sa.String(36), nullable=False),
        sa.Column("to_version", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("replaced", sa.Integer, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_permission_replacements_owner_seq",
        "permission_replacements",
        ["owner_account_id", "seq"],
    )


def downgrade() -> None:
    op.drop_index("ix_permission_replacements_owner_seq", table_name="permission_replacements")
    op.drop_table("permission_replacements")
    op.drop_table("customer_permission_versions")
    op.drop_table("customer_permissions")
    op.drop_index("uq_audit_records_client_token", table_name="audit_records")
    with op.batch_alter_table("audit_records") as batch:
        batch.drop_column("request_digest")
        batch.drop_column("client_token")
