"""Bulk loading of a large directory, for benchmarks and the tests that show a read's cost does
not grow with it: rows go straight into the tables in batches (CreateAccount would take
minutes for 100,000 accounts). What is loaded is what the API would have made: created
accounts at the root with their create-account statuses, and ended invitations; ``unload``
takes it away again."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, delete, insert, select

from sharekeeper.domain import ids
from sharekeeper.domain.handshakes import (
    HANDSHAKE_TTL,
    CreateAccountState,
    HandshakeStatus,
    new_create_account_status_id,
    new_handshake_id,
)
from sharekeeper.domain.organizations import JoinMethod, Organization
from sharekeeper.store.tables import accounts, create_account_statuses, handshakes, org_members

BATCH = 5_000


def load_members(engine: Engine, organization: Organization, count: int, at: int) -> None:
    """``count`` accounts created by the organization from ``at`` on, one millisecond apart,
    members at its root, each with its create-account status."""
    for start in range(0, count, BATCH):
        made = [(ids.new_account_id(), at + n) for n in range(start, min(count, start + BATCH))]
        _insert(
            engine,
            (accounts, [{"id": i, "name": f"bulk-{t}", "created_at": t} for i, t in made]),
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
    # PostgreSQL's planner takes a table loaded in bulk for empty until its statistics are
    # gathered, as autovacuum would on a live database (bench/seed.py does the same). SQLite
    # gathers none by itself, and its plans for these indexes are right without.
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")
