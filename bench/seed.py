"""Fast seeding with bulk inserts straight into the tables (the API would take minutes for a
million rows): shares owned by one account, each with a pending invitation to another."""

from __future__ import annotations

import hashlib
import time
import uuid

from sqlalchemy import Engine, insert

from sharekeeper.store.tables import associations, invitations, resource_shares, share_tags

DAY_MS = 24 * 3600 * 1000


def seed_invitations(
    engine: Engine, owner: str, receiver: str, count: int, batch: int = 20_000, tagged: bool = False
) -> list[str]:
    """``count`` shares from ``owner`` with a pending invitation (and an associating principal)
    to ``receiver``; returns the invitation ids."""
    now = time.time_ns() // 1_000_000
    ids: list[str] = []
    entity_hash = hashlib.sha256(receiver.encode()).hexdigest()
    for start in range(0, count, batch):
        n = min(batch, count - start)
        shares = [str(uuid.uuid4()) for _ in range(n)]
        invites = [str(uuid.uuid4()) for _ in range(n)]
        with engine.begin() as connection:
            connection.execute(
                insert(resource_shares),
                [
                    {
                        "id": s,
                        "owner_account_id": owner,
                        "name": f"seed-{start + i}",
                        "description": "",
                        "allow_external_principals": True,
                        "status": "active",
                        "created_at": now,
                        "updated_at": now,
                    }
                    for i, s in enumerate(shares)
                ],
            )
            connection.execute(
                insert(associations),
                [
                    {
                        "resource_share_id": s,
                        "association_type": "principal",
                        "entity": receiver,
                        "entity_hash": entity_hash,
                        "principal_account_id": receiver,
                        "status": "associating",
                        "external": True,
                        "expires_at": now + 7 * DAY_MS,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for s in shares
                ],
            )
            connection.execute(
                insert(invitations),
                [
                    {
                        "id": inv,
                        "resource_share_id": s,
                        "sender_account_id": owner,
                        "receiver_account_id": receiver,
                        "status": "pending",
                        "created_at": now,
                        "updated_at": now,
                        "expires_at": now + 7 * DAY_MS,
                    }
                    for inv, s in zip(invites, shares, strict=True)
                ],
            )
            if tagged:
                connection.execute(
                    insert(share_tags),
                    [
                        {"resource_share_id": s, "key": "env", "value": "prod" if i % 2 else "dev"}
                        for i, s in enumerate(shares)
                    ],
                )
        ids += invites
    # Fresh statistics on PostgreSQL, as autovacuum gathers on a live database: without them the
    # planner takes a bulk-loaded table for empty and reads every matching row. SQLite gathers
    # none by itself, and its plans for these indexes are better without (docs/performance.md).
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")
    return ids
