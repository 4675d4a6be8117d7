"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23 01:42:29.045571
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
    )
    op.create_table(
        "access_keys",
        sa.Column("access_key", sa.String(length=40), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("sealed_secret", sa.String(length=256), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("expires_at", sa.BigInteger(), nullable=True),
        sa.Column("revoked_at", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_access_keys_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("access_key", name=op.f("pk_access_keys")),
    )
    with op.batch_alter_table("access_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_access_keys_account_id"), ["account_id"], unique=False)

    op.create_table(
        "resource_shares",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("owner_account_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("description", sa.String(length=256), nullable=False),
        sa.Column("allow_external_principals", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_account_id"],
            ["accounts.id"],
            name=op.f("fk_resource_shares_owner_account_id_accounts"),
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_resource_shares")),
        sa.UniqueConstraint("id", name=op.f("uq_resource_shares_id")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("resource_shares", schema=None) as batch_op:
        batch_op.create_index(
            "ix_resource_shares_owner_seq", ["owner_account_id", "seq"], unique=False
        )
        batch_op.create_index(
            "ix_resource_shares_status_updated", ["status", "updated_at"], unique=False
        )

    op.create_table(
        "associations",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("resource_share_id", sa.String(length=36), nullable=False),
        sa.Column("association_type", sa.String(length=16), nullable=False),
        sa.Column("entity", sa.Text(), nullable=False),
        sa.Column("entity_hash", sa.String(length=64), nullable=False),
        sa.Column("principal_account_id", sa.String(length=32), nullable=True),
        sa.Column("resource_type", sa.String(length=100), nullable=True),
        sa.Column("resource_region", sa.String(length=255), nullable=True),
        sa.Column("resource_id", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_message", sa.Text(), nullable=True),
        sa.Column("external", sa.Boolean(), nullable=True),
        sa.Column("expires_at", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["resource_share_id"],
            ["resource_shares.id"],
            name=op.f("fk_associations_resource_share_id_resource_shares"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_associations")),
        sa.UniqueConstraint(
            "resource_share_id",
            "association_type",
            "entity_hash",
            name=op.f("uq_associations_resource_share_id_association_type_entity_hash"),
        ),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("associations", schema=None) as batch_op:
        batch_op.create_index("ix_associations_entity_hash", ["entity_hash"], unique=False)
        batch_op.create_index(
            "ix_associations_principal_account", ["principal_account_id", "status"], unique=False
        )
        batch_op.create_index(
            "ix_associations_status_updated", ["status", "updated_at"], unique=False
        )

    op.create_table(
        "invitations",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("resource_share_id", sa.String(length=36), nullable=False),
        sa.Column("sender_account_id", sa.String(length=32), nullable=False),
        sa.Column("receiver_account_id", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["resource_share_id"],
            ["resource_shares.id"],
            name=op.f("fk_invitations_resource_share_id_resource_shares"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_invitations")),
        sa.UniqueConstraint("id", name=op.f("uq_invitations_id")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_invitations_receiver_seq", ["receiver_account_id", "seq"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_invitations_resource_share_id"), ["resource_share_id"], unique=False
        )
        batch_op.create_index(
            "ix_invitations_sender_seq", ["sender_account_id", "seq"], unique=False
        )
        batch_op.create_index(
            "uq_invitations_pending",
            ["resource_share_id", "receiver_account_id"],
            unique=True,
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        )

    op.create_table(
        "share_permissions",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("resource_share_id", sa.String(length=36), nullable=False),
        sa.Column("permission_id", sa.String(length=36), nullable=False),
        sa.Column("permission_version", sa.Integer(), nullable=False),
        sa.Column("resource_type", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["resource_share_id"],
            ["resource_shares.id"],
            name=op.f("fk_share_permissions_resource_share_id_resource_shares"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_share_permissions")),
        sa.UniqueConstraint(
            "resource_share_id",
            "resource_type",
            name=op.f("uq_share_permissions_resource_share_id_resource_type"),
        ),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("share_permissions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_share_permissions_permission_id"), ["permission_id"], unique=False
        )

    op.create_table(
        "share_tags",
        sa.Column("resource_share_id", sa.String(length=36), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("value", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["resource_share_id"],
            ["resource_shares.id"],
            name=op.f("fk_share_tags_resource_share_id_resource_shares"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("resource_share_id", "key", name=op.f("pk_share_tags")),
    )
    with op.batch_alter_table("share_tags", schema=None) as batch_op:
        batch_op.create_index("ix_share_tags_key_value", ["key", "value"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("share_tags", schema=None) as batch_op:
        batch_op.drop_index("ix_share_tags_key_value")

    op.drop_table("share_tags")
    with op.batch_alter_table("share_permissions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_share_permissions_permission_id"))

    op.drop_table("share_permissions")
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_invitations_pending",
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        )
        batch_op.drop_index("ix_invitations_sender_seq")
        batch_op.drop_index(batch_op.f("ix_invitations_resource_share_id"))
        batch_op.drop_index("ix_invitations_receiver_seq")

    op.drop_table("invitations")
    with op.batch_alter_table("associations", schema=None) as batch_op:
        batch_op.drop_index("ix_associations_status_updated")
        batch_op.drop_index("ix_associations_principal_account")
        batch_op.drop_index("ix_associations_entity_hash")

    op.drop_table("associations")
    with op.batch_alter_table("resource_shares", schema=None) as batch_op:
        batch_op.drop_index("ix_resource_shares_status_updated")
        batch_op.drop_index("ix_resource_shares_owner_seq")

    op.drop_table("resource_shares")
    with op.batch_alter_table("access_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_access_keys_account_id"))

    op.drop_table("access_keys")
    op.drop_table("accounts")
