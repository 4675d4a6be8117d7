"""permission_bindings: a share's permission is the catalogue's or its owner's own
(share_permissions.permission_type), and a customer-managed permission may be deprecated
(customer_permissions.status, AWS RAM's UpdatePermission); docs/aws.md, issue 28

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 11:45:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Every existing binding is the catalogue's: customer-managed ones could not be bound.
    with op.batch_alter_table("share_permissions") as batch:
        batch.add_column(
            sa.Column(
                "permission_type", sa.String(16), nullable=False, server_default="RAM_MANAGED"
            )
        )
    with op.batch_alter_table("customer_permissions") as batch:
        batch.add_column(
            sa.Column("status", sa.String(16), nullable=False, server_default="ATTACHABLE")
        )


def downgrade() -> None:
    with op.batch_alter_table("customer_permissions") as batch:
        batch.drop_column("status")
    with op.batch_alter_table("share_permissions") as batch:
        batch.drop_column("permission_type")
