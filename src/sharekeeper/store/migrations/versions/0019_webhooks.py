"""webhooks: the change feed POSTed to operators' URLs, and the dead letters of deliveries that
failed every try (issue 25, Webhooks)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 05:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    seq = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "webhooks",
        sa.Column("seq", seq, autoincrement=True, nullable=False),
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("types", sa.Text(), nullable=False),
        sa.Column("sealed_secret", sa.String(256), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_webhooks"),
        sa.UniqueConstraint("id", name="uq_webhooks_id"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "webhook_dead_letters",
        sa.Column("seq", seq, autoincrement=True, nullable=False),
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("webhook_id", sa.String(40), nullable=False),
        sa.Column("cursor", seq, nullable=False),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("event_type", sa.String(80), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(500), nullable=False),
        sa.Column("failed_at", sa.BigInteger(), nullable=False),
        sa.Column("replay_requested_at", sa.BigInteger()),
        sa.ForeignKeyConstraint(
            ["webhook_id"],
            ["webhooks.id"],
            name="fk_webhook_dead_letters_webhook_id_webhooks",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("seq", name="pk_webhook_dead_letters"),
        sa.UniqueConstraint("id", name="uq_webhook_dead_letters_id"),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_webhook_dead_letters_webhook", "webhook_dead_letters", ["webhook_id", "seq"]
    )


def downgrade() -> None:
    op.drop_index("ix_webhook_dead_letters_webhook", table_name="webhook_dead_letters")
    op.drop_table("webhook_dead_letters")
    op.drop_table("webhooks")
