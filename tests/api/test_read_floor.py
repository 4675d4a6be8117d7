"""The read path at its floor (issue 26): a search sends the statements it needs and no more,
on both databases. The key is read in the page's own read unit (one connection taken), and a
read unit sends no BEGIN, COMMIT or ROLLBACK. Counted, never timed, so a change that adds a
statement or a unit to every read fails here rather than in a benchmark run later."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from sharekeeper.store.transaction import watching
from sharekeeper.store.unit_of_work import Connections
from sharekeeper.testing import Account
from tests.conftest import POSTGRES_URL
from tests.support import LiveServer, SignedHttp

SEARCHES = {
    "invitations": ("/v1/resource-share-invitations/search", {"limit": 50}),
    "shares": ("/v1/resource-shares/search", {"resource_owner": "self", "limit": 50}),
    "tag search": (
        "/v1/resource-shares/search",
        {"resource_owner": "self", "limit": 50, "tag_filters": [{"key": "env", "values": ["a"]}]},
    ),
}
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


@contextmanager
def counted_takes(seen: list[None], thread: int) -> Iterator[None]:
    """Counts the connections units of work take on the server's thread."""
    take = Connections.take

    def counting(self: Connections, write: bool) -> Any:
        if threading.get_ident() == thread:
            seen.append(None)
        return take(self, write)

    Connections.take = counting  # type: ignore[method-assign]
    try:
        yield
    finally:
        Connections.take = take  # type: ignore[method-assign]


def fewest(server: LiveServer, send: Callable[[], int]) -> tuple[list[str], int]:
    """The statements and connections taken by the request ``send`` makes, on the server's
    thread (where SQLite's use cases run inline and PostgreSQL's greenlets), in the quietest
    of three tries: the server's background work (webhook refreshes) runs there too, now and
    then, and would only ever add."""
    thread = server._thread.ident
    assert thread is not None
    tries = []
    for _ in range(3):
        seen: list[str] = []
        taken: list[None] = []

        def note(sql: str, seen: list[str] = seen) -> None:
            if threading.get_ident() == thread:
                seen.append(sql)

        with watching(note), counted_takes(taken, thread):
            assert send() == 200
        tries.append((seen, len(taken)))
    return min(tries, key=lambda found: (len(found[0]), found[1]))


@pytest.mark.parametrize("search", sorted(SEARCHES))
def test_a_search_reads_in_one_unit_without_transaction_control(
    server: LiveServer, http: SignedHttp, owner: Account, search: str
) -> None:
    path, body = SEARCHES[search]
    raw = json.dumps(body).encode()

    def send() -> int:
        return http.request(owner, "POST", path, raw).status_code

    assert send() == 200  # PostgreSQL's key cache now holds the key
    statements, taken = fewest(server, send)
    assert not [s for s in statements if s.lstrip().upper().startswith(TRANSACTION_CONTROL)]
    keys = [s for s in statements if "access_keys" in s]
    pages = [s for s in statements if "access_keys" not in s]
    # SQLite reads the key every time, PostgreSQL once, then keeps it (store/key_cache.py).
    assert len(keys) == (0 if POSTGRES_URL else 1), statements
    # The page (a share search's with its shares' tags).
    assert len(pages) == 1, statements
    assert taken == 1


@pytest.mark.parametrize("search", ["shares", "tag search"])
def test_a_page_of_shares_and_their_tags_is_one_statement(
    server: LiveServer, http: SignedHttp, owner: Account, search: str
) -> None:
    """A share page's tags come in the page's own statement (store/shares.py): a page
    holding shares costs the one statement an empty page does, and its tags are each
    share's, in key order."""
    for n in range(3):
        tags = [{"key": "env", "value": "a"}, {"key": "cost", "value": f"c{n}"}]
        created = http.request(
            owner, "POST", "/v1/resource-shares", {"name": f"s{n}", "tags": tags}
        )
        assert created.status_code == 201, created.text
    http.request(owner, "POST", "/v1/resource-shares", {"name": "untagged"})
    path, body = SEARCHES[search]
    raw = json.dumps(body).encode()
    replies: list[Any] = []

    def send() -> int:
        reply = http.request(owner, "POST", path, raw)
        replies.append(reply.json())
        return reply.status_code

    statements, taken = fewest(server, send)
    pages = [s for s in statements if "access_keys" not in s]
    assert len(pages) == 1, statements
    assert taken == 1
    found = {s["name"]: s["tags"] for s in replies[-1]["resource_shares"]}
    expected = {
        f"s{n}": [{"key": "cost", "value": f"c{n}"}, {"key": "env", "value": "a"}] for n in range(3)
    }
    if search == "shares":
        expected["untagged"] = []
    assert found == expected


def test_an_uncached_key_is_read_in_the_pages_unit(server: LiveServer, http: SignedHttp) -> None:
    """A key not yet read (PostgreSQL's cache does not hold it) is read on the connection the
    page is then read on: one taken, whatever the database."""
    accounts = iter(server.account(f"first-read-{n}") for n in range(3))
    path, body = SEARCHES["invitations"]
    raw = json.dumps(body).encode()
    statements, taken = fewest(
        server, lambda: http.request(next(accounts), "POST", path, raw).status_code
    )
    assert [s for s in statements if "access_keys" in s], statements
    assert len(statements) == 2, statements
    assert taken == 1


@pytest.mark.parametrize("operation", ["get_resource_share_invitations", "get_resource_shares"])
def test_an_aws_read_takes_one_connection_without_transaction_control(
    server: LiveServer, owner: Account, operation: str
) -> None:
    """AWS's reads share the signing key's read unit as Huawei's do (aws/edge.py)."""
    ram = owner.aws("ram")
    members = {"resourceOwner": "SELF"} if operation == "get_resource_shares" else {}

    def send() -> int:
        answer = getattr(ram, operation)(maxResults=50, **members)
        return int(answer["ResponseMetadata"]["HTTPStatusCode"])

    assert send() == 200  # the key cached on PostgreSQL, the account id pair in the edge's
    statements, taken = fewest(server, send)
    assert not [s for s in statements if s.lstrip().upper().startswith(TRANSACTION_CONTROL)]
    assert len([s for s in statements if "access_keys" in s]) == (0 if POSTGRES_URL else 1)
    assert taken == 1, statements
