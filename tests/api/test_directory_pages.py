"""Every directory read is a page of an index: with 10 or 2,000 accounts (and as many
create-account statuses and ended invitations) in an organization, a signed read of a page
reads the same number of rows (probe N2 and N3). Rows are counted as the server's
transactions hand them over, whatever statement reads them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from bench import seed as bulk

from sharekeeper.domain.organizations import Organization
from sharekeeper.services import directory
from sharekeeper.store.transaction import Transaction
from tests.support import Account, LiveServer, SignedHttp

SMALL, LARGE = 10, 2_000


@dataclass
class Directory:
    manager: Account
    invitee: Account
    organization: Organization


@contextmanager
def rows_read() -> Iterator[list[int]]:
    """Counts the rows every statement of every unit of work returns while the block runs."""
    counts: list[int] = []
    execute, rows, first = Transaction.execute, Transaction.rows, Transaction.first

    def counted_execute(self: Transaction, statement: Any, parameters: Any = None) -> Any:
        result = execute(self, statement, parameters)
        if not result.returns_rows:
            return result
        frozen = result.freeze()
        counts.append(len(frozen.data))
        return frozen()

    def counted_rows(self: Transaction, statement: Any, values: Any) -> Any:
        found = rows(self, statement, values)
        counts.append(len(found))
        return found

    def counted_first(self: Transaction, statement: Any, values: Any) -> Any:
        found = first(self, statement, values)
        counts.append(0 if found is None else 1)
        return found

    patch = pytest.MonkeyPatch()
    patch.setattr(Transaction, "execute", counted_execute)
    patch.setattr(Transaction, "rows", counted_rows)
    patch.setattr(Transaction, "first", counted_first)
    try:
        yield counts
    finally:
        patch.undo()


def _directory(server: LiveServer, size: int) -> Directory:
    manager, invitee = server.account(f"manager-{size}"), server.account(f"invitee-{size}")
    made = directory.create_organization(server.runtime.context, manager.caller()).organization
    at = server.clock() + 1  # after the manager joined, by the clock it joined by
    bulk.load_members(server.runtime.engine, made, size, at)
    bulk.load_handshakes(server.runtime.engine, made, invitee.account_id, size, at)
    return Directory(manager, invitee, made)


@pytest.fixture(scope="module")
def directories(server: LiveServer) -> Iterator[dict[int, Directory]]:
    made = {size: _directory(server, size) for size in (SMALL, LARGE)}
    yield made
    # The run's other tests share the database: they find it as it was (the operator's
    # account list, say).
    for made_directory in made.values():
        bulk.unload(server.runtime.engine, made_directory.organization)


def _reads(d: Directory) -> dict[str, tuple[Account, str, str]]:
    root = d.organization.root_id
    return {
        "ListAccounts": (d.manager, "/v1/organizations/accounts", "limit=1"),
        "ListAccounts under the root": (
            d.manager,
            "/v1/organizations/accounts",
            f"limit=1&parent_id={root}",
        ),
        "ListEntities": (d.manager, "/v1/organizations/entities", "limit=1"),
        "ListEntities under the root": (
            d.manager,
            "/v1/organizations/entities",
            f"limit=3&parent_id={root}",
        ),
        "ListCreateAccountStatuses": (
            d.manager,
            "/v1/organizations/create-account-status",
            "limit=1",
        ),
        "ListCreateAccountStatuses failed": (
            d.manager,
            "/v1/organizations/create-account-status",
            "limit=1&states=failed",
        ),
        "ListHandshakes": (d.manager, "/v1/organizations/handshakes", "limit=1"),
        "ListReceivedHandshakes": (d.invitee, "/v1/received-handshakes", "limit=1"),
    }


def _count(http: SignedHttp, account: Account, path: str, query: str) -> tuple[int, dict[str, Any]]:
    # Once uncounted first: on PostgreSQL the key cache reads the caller's key on first use.
    http.request(account, "GET", path, query=query)
    with rows_read() as counts:
        answer = http.request(account, "GET", path, query=query)
    assert answer.status_code == 200, answer.text
    return sum(counts), answer.json()


def test_a_page_reads_as_many_rows_in_a_large_directory_as_in_a_small_one(
    http: SignedHttp, directories: dict[int, Directory]
) -> None:
    small, large = _reads(directories[SMALL]), _reads(directories[LARGE])
    for name in small:
        few, _ = _count(http, *small[name])
        many, large_page = _count(http, *large[name])
        assert many == few, f"{name}: {few} rows with {SMALL} accounts, {many} with {LARGE}"
        if "failed" not in name:  # nothing has failed: an empty page, with no marker
            assert large_page["page_info"]["next_marker"], name
        # The page after the first costs the same again, however deep it starts.
        marker = large_page["page_info"].get("next_marker")
        if marker:
            account, path, query = large[name]
            deeper, _ = _count(http, account, path, f"{query}&marker={marker}")
            assert deeper == many, f"{name}: page 2 read {deeper} rows, page 1 {many}"


def test_a_walk_lists_each_account_once_in_joining_order(
    http: SignedHttp, directories: dict[int, Directory]
) -> None:
    d = directories[LARGE]
    seen: list[dict[str, Any]] = []
    marker = ""
    for _ in range(20):  # 2,001 accounts at 500 a page: 5 pages
        query = f"limit=500{marker}"
        reply = http.request(d.manager, "GET", "/v1/organizations/accounts", query=query).json()
        seen += reply["accounts"]
        following = reply["page_info"].get("next_marker")
        if not following:
            break
        marker = f"&marker={following}"
    ids = [a["id"] for a in seen]
    assert len(ids) == len(set(ids)) == LARGE + 1
    assert ids[0] == d.manager.account_id
    assert [a["joined_at"] for a in seen] == sorted(a["joined_at"] for a in seen)
    assert all(a["name"].startswith("bulk-") for a in seen[1:])


def test_entities_page_from_units_on_to_accounts(
    server: LiveServer, http: SignedHttp, directories: dict[int, Directory]
) -> None:
    """ListEntities: the units first, then the accounts; a page boundary may fall anywhere,
    also just after the last unit."""
    d = directories[SMALL]
    org = server.runtime.context
    for n in range(2):
        directory.create_unit(org, d.manager.caller(), d.organization.root_id, f"walk-{n}")
    expected = 3 + SMALL + 1  # the root, two OUs, the accounts and the manager
    for limit in (1, 3, 4, 5, expected, expected + 1):
        kinds, ids, marker = [], [], ""
        for _ in range(expected + 2):
            query = f"limit={limit}{marker}"
            reply = http.request(d.manager, "GET", "/v1/organizations/entities", query=query)
            assert reply.status_code == 200, reply.text
            page = reply.json()
            kinds += [e["type"] for e in page["entities"]]
            ids += [e["id"] for e in page["entities"]]
            following = page["page_info"].get("next_marker")
            if not following:
                break
            marker = f"&marker={following}"
        assert len(ids) == len(set(ids)) == expected, limit
        assert kinds == ["root"] + ["organizational_unit"] * 2 + ["account"] * (SMALL + 1)


@pytest.mark.parametrize("marker", ["zz", "123", "1-", "-abc", "9" * 19 + "-a"])
def test_a_marker_this_service_did_not_issue_is_refused(
    http: SignedHttp, directories: dict[int, Directory], marker: str
) -> None:
    d = directories[SMALL]
    answer = http.request(
        d.manager, "GET", "/v1/organizations/accounts", query=f"limit=1&marker={marker}"
    )
    assert answer.status_code == 400, answer.text
    assert answer.json()["error_code"] == "RAM.9100"


def test_the_official_sdk_walks_every_directory_list_by_its_markers(
    server: LiveServer, directories: dict[int, Directory]
) -> None:
    """huaweicloudsdkorganizations passes the markers back as it got them: each list walked a
    few rows a page gives every row once."""
    from huaweicloudsdkorganizations.v1 import (
        ListAccountsRequest,
        ListCreateAccountStatusesRequest,
        ListEntitiesRequest,
        ListHandshakesRequest,
        ListReceivedHandshakesRequest,
    )

    d = directories[SMALL]
    manager, invitee = d.manager.organizations, d.invitee.organizations
    walks: dict[str, tuple[Any, Any, str]] = {
        "accounts": (manager.list_accounts, ListAccountsRequest, "accounts"),
        "entities": (manager.list_entities, ListEntitiesRequest, "entities"),
        "statuses": (
            manager.list_create_account_statuses,
            ListCreateAccountStatusesRequest,
            "create_account_statuses",
        ),
        "sent": (manager.list_handshakes, ListHandshakesRequest, "handshakes"),
        "received": (
            invitee.list_received_handshakes,
            ListReceivedHandshakesRequest,
            "handshakes",
        ),
    }
    for name, (call, request, field) in walks.items():
        whole = [item.id for item in getattr(call(request(limit=2000)), field)]
        assert len(whole) >= SMALL, name
        seen: list[str] = []
        marker = None
        for _ in range(len(whole)):
            page = call(request(limit=3, marker=marker))
            seen += [item.id for item in getattr(page, field) or []]
            marker = page.page_info.next_marker if page.page_info else None
            if not marker:
                break
        assert seen == whole, name  # in the same order, each once
