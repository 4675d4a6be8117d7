"""relays: the outbox relays' positions and leases (issue 25, NATS JetStream)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 03:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    seq = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "relays",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("position", seq),
        sa.Column("holder", sa.String(128), nullable=False),
        sa.Column("lease_until", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_relays"),
    )


def downgrade() -> None:
    op.drop_table("relays")
