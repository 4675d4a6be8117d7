"""indexes for the directory's keyset pages

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 23:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# name, table, columns: each list's filter, then its order (tables.DIRECTORY_INDEXES).
INDEXES = (
    ("ix_organizations_created", "organizations", ["created_at", "id"]),
    ("ix_org_units_org_created", "org_units", ["organization_id", "created_at", "id"]),
    ("ix_org_units_parent_created", "org_units", ["parent_id", "created_at", "id"]),
    ("ix_org_members_org_joined", "org_members", ["organization_id", "joined_at", "account_id"]),
    ("ix_org_members_parent_joined", "org_members", ["parent_id", "joined_at", "account_id"]),
    ("ix_handshakes_org_created", "handshakes", ["organization_id", "created_at", "id"]),
    ("ix_handshakes_target_created", "handshakes", ["target_account_id", "created_at", "id"]),
    (
        "ix_create_account_statuses_org_state_created",
        "create_account_statuses",
        ["organization_id", "state", "created_at", "id"],
    ),
)


def upgrade() -> None:
    # Plain CREATE INDEX on both databases: no table is rebuilt.
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
