"""accounts.created_by: the management account whose CreateAccount made the account, so the
accounts-a-day quota counts across organizations (deleting one dropped its statuses)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 00:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("created_by", sa.String(32), nullable=True))
    op.create_index("ix_accounts_created_by", "accounts", ["created_by", "created_at"])
    # Accounts created in organizations that still exist keep counting for their creator.
    op.execute(
        "UPDATE accounts SET created_by = (SELECT o.management_account_id"
        " FROM create_account_statuses s JOIN organizations o ON o.id = s.organization_id"
        " WHERE s.account_id = accounts.id)"
        " WHERE EXISTS (SELECT 1 FROM create_account_statuses s"
        " WHERE s.account_id = accounts.id)"
    )


def downgrade() -> None:
    op.drop_index("ix_accounts_created_by", table_name="accounts")
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("created_by")
