"""client_tokens: an AWS write's clientToken and the digest of its members on its audit
record, unique per account and operation (issue 28, docs/aws.md "Idempotency")

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


def downgrade() -> None:
    op.drop_index("uq_audit_records_client_token", table_name="audit_records")
    with op.batch_alter_table("audit_records") as batch:
        batch.drop_column("request_digest")
        batch.drop_column("client_token")
