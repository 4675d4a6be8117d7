"""Fast seeding with bulk inserts straight into the tables (the API would take minutes for a
million rows): shares owned by one account, each with a pending invitation to another; and a
large organization directory. Benchmark and test code, kept out of the package: the benchmarks
import it from bench/, the tests as ``bench.seed``."""

from __future__ import annotations

import hashlib
import itertools
import time
import uuid
from typing import Any

from sqlalchemy import Engine, delete, insert, select, update

from sharekeeper.domain import ids
from sharekeeper.domain.handshakes import (
    HANDSHAKE_TTL,
    CreateAccountState,
    HandshakeStatus,
    new_create_account_status_id,
    new_handshake_id,
)
from sharekeeper.domain.organizations import JoinMethod, Organization
from sharekeeper.store.tables import (
    accounts,
    associations,
    create_account_statuses,
    handshakes,
    invitations,
    org_members,
    resource_shares,
    share_tags,
)

BATCH = 5_000

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
                        # The tags kept on the share's row, as the store writes them.
                        "tags": f'[["env","{_env(i)}"]]' if tagged else "[]",
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
                        "resource_share_name": f"seed-{start + i}",
                        "sender_account_id": owner,
                        "receiver_account_id": receiver,
                        "status": "pending",
                        "created_at": now,
                        "updated_at": now,
                        "expires_at": now + 7 * DAY_MS,
                    }
                    for i, (inv, s) in enumerate(zip(invites, shares, strict=True))
                ],
            )
            # The share quota's count on the owner's row, as a create keeps it.
            connection.execute(
                update(accounts)
                .where(accounts.c.id == owner)
                .values(active_shares=accounts.c.active_shares + n)
            )
            if tagged:
                connection.execute(
                    insert(share_tags),
                    [
                        {"resource_share_id": s, "key": "env", "value": _env(i)}
                        for i, s in enumerate(shares)
                    ],
                )
        ids += invites
    _analyze(engine)
    return ids


def _env(i: int) -> str:
    """The seeded shares' one tag's value: half of them prod, every other one."""
    return "prod" if i % 2 else "dev"


# A large directory, for bench/directory.py and the tests that show a read's cost does not grow
# with it: what the API would have made (created accounts at the root with their
# create-account statuses, and ended invitations), loaded in batches (CreateAccount would take
# minutes for 100,000 accounts); ``unload`` takes it away again.


# Distinct AWS account ids for every bulk account this process makes (random ones could collide
# over 100,000; ids from their times did, for two directories loaded milliseconds apart).
_AWS_IDS = itertools.count(time.time_ns() // 1_000_000 % 10**10 * 10)


def _account(account_id: str, at: int) -> dict[str, object]:
    return {
        "id": account_id,
        "name": f"bulk-{at}",
        "created_at": at,
        "aws_account_id": f"9{next(_AWS_IDS) % 10**11:011d}",
    }


def load_members(engine: Engine, organization: Organization, count: int, at: int) -> None:
    """``count`` accounts created by the organization from ``at`` on, one millisecond apart,
    members at its root, each with its create-account status."""
    for start in range(0, count, BATCH):
        made = [(ids.new_account_id(), at + n) for n in range(start, min(count, start + BATCH))]
        _insert(
            engine,
            (accounts, [_account(i, t) for i, t in made]),
            (org_members, [_member(organization, i, t) for i, t in made]),
            (create_account_statuses, [_status(organization, i, t) for i, t in made]),
        )
    _analyze(engine)


def load_handshakes(
    engine: Engine, organization: Organization, target_account_id: str, count: int, at: int
) -> None:
    """``count`` cancelled invitations from the organization to one account (probe N3's
    invite-and-cancel loop), one millisecond apart from ``at``."""
    for start in range(0, count, BATCH):
        rows = [
            {
                "id": new_handshake_id(),
                "organization_id": organization.id,
                "management_account_id": organization.management_account_id,
                "target_account_id": target_account_id,
                "notes": "",
                "status": HandshakeStatus.CANCELLED.value,
                "created_at": at + n,
                "updated_at": at + n,
                "expired_at": at + n + HANDSHAKE_TTL,
            }
            for n in range(start, min(count, start + BATCH))
        ]
        _insert(engine, (handshakes, rows))
    _analyze(engine)


def unload(engine: Engine, organization: Organization) -> None:
    """Removes what was loaded into the organization: its members but the management account,
    their accounts, its create-account statuses and invitations (a test leaves the database
    it shares with the run's other tests as it found it)."""
    manager = organization.management_account_id
    loaded = select(org_members.c.account_id).where(
        org_members.c.organization_id == organization.id, org_members.c.account_id != manager
    )
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            # Removing thousands of accounts checks every reference to each: longer than the
            # statement timeout a server under test may set, which serves requests, not this.
            connection.exec_driver_sql("SET LOCAL statement_timeout = 0")
        account_ids = list(connection.execute(loaded).scalars())
        for table in (create_account_statuses, handshakes):
            connection.execute(delete(table).where(table.c.organization_id == organization.id))
        for start in range(0, len(account_ids), BATCH):
            batch = account_ids[start : start + BATCH]
            connection.execute(delete(org_members).where(org_members.c.account_id.in_(batch)))
            connection.execute(delete(accounts).where(accounts.c.id.in_(batch)))


def _member(organization: Organization, account_id: str, at: int) -> dict[str, Any]:
    return {
        "account_id": account_id,
        "organization_id": organization.id,
        "parent_id": organization.root_id,
        "joined_at": at,
        "join_method": JoinMethod.CREATED.value,
        "description": "",
    }


def _status(organization: Organization, account_id: str, at: int) -> dict[str, Any]:
    return {
        "id": new_create_account_status_id(),
        "organization_id": organization.id,
        "account_id": account_id,
        "account_name": f"bulk-{at}",
        "state": CreateAccountState.SUCCEEDED.value,
        "created_at": at,
        "completed_at": at,
    }


def _insert(engine: Engine, *batches: tuple[Any, list[dict[str, Any]]]) -> None:
    with engine.begin() as connection:
        for table, rows in batches:
            connection.execute(insert(table), rows)


def _analyze(engine: Engine) -> None:
    # Fresh statistics on PostgreSQL, as autovacuum gathers on a live database: without them the
    # planner takes a bulk-loaded table for empty and reads every matching row. SQLite gathers
    # none by itself, and its plans for these indexes are better without (docs/performance.md).
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")
