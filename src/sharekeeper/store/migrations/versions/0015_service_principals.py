"""service_principals: the resource services that ask for access decisions (issue 25); an
index on associations for the decisions' reads

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 02:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    seq = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "service_principals",
        sa.Column("seq", seq, autoincrement=True, nullable=False),
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("namespaces", sa.Text(), nullable=False),
        sa.Column("access_key", sa.String(40), nullable=False),
        sa.Column("sealed_secret", sa.String(256), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("revoked_at", sa.BigInteger()),
        sa.PrimaryKeyConstraint("seq", name="pk_service_principals"),
        sa.UniqueConstraint("id", name="uq_service_principals_id"),
        sa.UniqueConstraint("access_key", name="uq_service_principals_access_key"),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_associations_entity_type_status",
        "associations",
        ["entity_hash", "association_type", "status"],
    )


def downgrade() -> None:
    op.drop_index("ix_associations_entity_type_status", table_name="associations")
    op.drop_table("service_principals")
