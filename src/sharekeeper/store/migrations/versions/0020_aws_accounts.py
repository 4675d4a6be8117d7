"""aws_accounts: every account's 12-digit id on AWS's wire API, unique, given to the accounts
that exist (issue 28)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 08:30:00.000000
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def _backfill() -> None:
    """Random ids (drawn here rather than derived from the account id, which 12 digits could
    not hold without collisions), distinct among themselves."""
    connection = op.get_bind()
    account_ids = [row[0] for row in connection.execute(sa.text("SELECT id FROM accounts"))]
    given: set[str] = set()
    for account_id in account_ids:
        aws_id = f"{secrets.randbelow(10**12):012d}"
        while aws_id in given:
            aws_id = f"{secrets.randbelow(10**12):012d}"
        given.add(aws_id)
        connection.execute(
            sa.text("UPDATE accounts SET aws_account_id = :aws WHERE id = :id"),
            {"aws": aws_id, "id": account_id},
        )


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("aws_account_id", sa.String(12), nullable=True))
    _backfill()
    with op.batch_alter_table("accounts") as batch:
        batch.alter_column("aws_account_id", existing_type=sa.String(12), nullable=False)
        batch.create_unique_constraint("uq_accounts_aws_account_id", ["aws_account_id"])


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.drop_constraint("uq_accounts_aws_account_id", type_="unique")
        batch.drop_column("aws_account_id")
