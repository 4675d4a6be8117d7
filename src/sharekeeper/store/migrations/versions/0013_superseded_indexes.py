"""drop the single-column indexes that 0008's composite indexes lead with; an index for
forgetting a receiver's withdrawn invitations from one owner

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 00:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0013"
# The lead re-chains migrations at merge; this branch's head was 0012.
down_revision = "0012"
branch_labels = None
depends_on = None

# name, table, column: each is the leading column of a composite index of 0008
# (tables.DIRECTORY_INDEXES), which serves every lookup it did, the foreign keys' checks and
# cascades among them, so each only cost its writes and its space.
SUPERSEDED = (
    ("ix_org_units_organization_id", "org_units", "organization_id"),
    ("ix_org_members_organization_id", "org_members", "organization_id"),
    ("ix_org_members_parent_id", "org_members", "parent_id"),
    ("ix_handshakes_organization_id", "handshakes", "organization_id"),
    ("ix_handshakes_target_account_id", "handshakes", "target_account_id"),
    ("ix_create_account_statuses_organization_id", "create_account_statuses", "organization_id"),
)
# DeleteResourceShare forgets each receiver's withdrawn invitations from the owner's other
# deleted shares: found from the receivers (a share's principals), not by scanning every
# invitation the owner ever sent (store/invitations.py).
RECEIVER_SENDER = ("ix_invitations_receiver_sender", "invitations")


def upgrade() -> None:
    for name, table, _ in SUPERSEDED:
        op.drop_index(name, table_name=table)
    name, table = RECEIVER_SENDER
    op.create_index(name, table, ["receiver_account_id", "sender_account_id"], unique=False)


def downgrade() -> None:
    name, table = RECEIVER_SENDER
    op.drop_index(name, table_name=table)
    for name, table, column in reversed(SUPERSEDED):
        op.create_index(name, table, [column], unique=False)
