"""event items: the resource type of the share's item an event is about (issue 25 review)

A service principal reads of a share that holds resources of other namespaces too only its own
namespaces' items: the type is kept with each event so that the feed filters by it without
reading anything more per event. Existing events get it from their data: a resource
association's URN, a bound permission's ``resource_type``.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 05:10:00.000000
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

_BATCH = 1000


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("resource_type", sa.String(64)))
    events = sa.table(
        "events",
        sa.column("seq", sa.BigInteger()),
        sa.column("kind", sa.String()),
        sa.column("data", sa.Text()),
        sa.column("resource_type", sa.String()),
    )
    connection = op.get_bind()
    items = sa.or_(events.c.kind.like("ram.association.%"), events.c.kind.like("ram.permission.%"))
    after = 0
    while True:  # bounded: each batch moves ``after`` past the rows it read
        rows = connection.execute(
            sa.select(events.c.seq, events.c.kind, events.c.data)
            .where(items, events.c.seq > after)
            .order_by(events.c.seq)
            .limit(_BATCH)
        ).all()
        if not rows:
            break
        for seq, kind, data in rows:
            resource_type = _item_type(kind, json.loads(data))
            if resource_type is not None:
                connection.execute(
                    sa.update(events).where(events.c.seq == seq).values(resource_type=resource_type)
                )
        after = rows[-1][0]


def _item_type(kind: str, data: dict[str, object]) -> str | None:
    if kind.startswith("ram.permission."):
        return str(data["resource_type"])
    if data.get("association_type") != "resource":
        return None
    # service:region:account:type:path; the type is service:type.
    parts = str(data["associated_entity"]).split(":", 4)
    return f"{parts[0]}:{parts[3]}" if len(parts) == 5 else None


def downgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.drop_column("resource_type")
