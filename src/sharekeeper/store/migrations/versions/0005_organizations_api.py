"""the Organizations API: trusted services, handshakes, created accounts, join methods

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 08:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "trusted_services",
        sa.Column("organization_id", sa.String(length=40), nullable=False),
        sa.Column("service_principal", sa.String(length=64), nullable=False),
        sa.Column("enabled_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_trusted_services_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "organization_id", "service_principal", name=op.f("pk_trusted_services")
        ),
    )
    op.create_table(
        "handshakes",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("organization_id", sa.String(length=40), nullable=False),
        sa.Column("management_account_id", sa.String(length=32), nullable=False),
        sa.Column("target_account_id", sa.String(length=32), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("expired_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_handshakes_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handshakes")),
    )
    op.create_index(op.f("ix_handshakes_organization_id"), "handshakes", ["organization_id"])
    op.create_index(op.f("ix_handshakes_target_account_id"), "handshakes", ["target_account_id"])
    op.create_table(
        "create_account_statuses",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("organization_id", sa.String(length=40), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("account_name", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("completed_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_create_account_statuses_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_create_account_statuses")),
    )
    op.create_index(
        op.f("ix_create_account_statuses_organization_id"),
        "create_account_statuses",
        ["organization_id"],
    )
    with op.batch_alter_table("org_members", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("join_method", sa.String(length=16), server_default="invited", nullable=False)
        )
        batch_op.add_column(
            sa.Column("description", sa.String(length=1024), server_default="", nullable=False)
        )
    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sharing_enabled_at", sa.BigInteger(), nullable=True))
    # Sharing switched on before this revision: its time is unknown, the organization's
    # creation is the earliest it can have been.
    op.execute("UPDATE organizations SET sharing_enabled_at = created_at WHERE sharing_enabled")
    # The account that founded an organization is its management account: "created".
    op.execute(
        "UPDATE org_members SET join_method = 'created' WHERE account_id IN "
        "(SELECT management_account_id FROM organizations)"
    )


def downgrade() -> None:
    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.drop_column("sharing_enabled_at")
    with op.batch_alter_table("org_members", schema=None) as batch_op:
        batch_op.drop_column("description")
        batch_op.drop_column("join_method")
    op.drop_table("create_account_statuses")
    op.drop_table("handshakes")
    op.drop_table("trusted_services")
