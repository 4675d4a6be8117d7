"""Whether a directory read stays flat as an organization grows: two organizations on one
server, one of 10 accounts and one of 100,000 (loaded in bulk through bench/seed.py, with as
many create-account statuses), and the median round trip of signed ListAccounts, ListEntities
and ListCreateAccountStatuses with ``limit=1`` in each, and of the console's Organization
page (its first 100 members; there against an organization of 200 accounts, which fills the
page as the large one does), measured in the same run. Prints each
median and the ratio large / small (flat means at most 1.5). A read that answered anything
but 200 is reported as an error, never as a time.

    python bench/directory.py [--requests N] [--large N] [--postgres URL]

The last line of output is one JSON object."""

from __future__ import annotations

import argparse
import json
import re
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import seed as bulk  # bench/, this script's own directory

from sharekeeper.auth import signing
from sharekeeper.domain.clock import system_clock
from sharekeeper.services import console as reads
from sharekeeper.services import directory
from sharekeeper.testing import Account, Server, start_server

SMALL = 10
FLAT = 1.5
READS = {
    "ListAccounts": "/v1/organizations/accounts",
    "ListEntities": "/v1/organizations/entities",
    "ListCreateAccountStatuses": "/v1/organizations/create-account-status",
}
QUERY = "limit=1"


def _signed(account: Account, host: str, path: str) -> dict[str, str]:
    headers = {
        "Content-Type": "application/json",
        "Host": host,
        "X-Sdk-Date": signing.format_sdk_date(datetime.now(UTC)),
    }
    headers["Authorization"] = signing.sign_headers(
        access_key=account.access_key,
        secret_key=account.secret_key,
        method="GET",
        raw_path=path,
        raw_query=QUERY,
        headers=headers,
        body=b"",
    )
    return headers


def _organization(server: Server, name: str, size: int) -> tuple[Account, float]:
    """A manager whose organization holds ``size`` created accounts; and the load's seconds."""
    manager = server.account(name)
    made = directory.create_organization(server.runtime.context, manager.caller()).organization
    begun = time.perf_counter()
    bulk.load_members(server.runtime.engine, made, size, system_clock() + 1)
    return manager, time.perf_counter() - begun


def _medians(
    client: httpx.Client, managers: dict[str, Account], path: str, requests: int
) -> dict[str, dict[str, Any]]:
    """The median round trip of the read by each manager, their requests taken in turn so
    that whatever else the machine does weighs on both alike."""
    host = client.base_url.netloc.decode()
    url = f"{path}?{QUERY}"
    for _ in range(20):  # warm-up: connections, caches, the key cache
        for manager in managers.values():
            client.get(url, headers=_signed(manager, host, path))
    times: dict[str, list[float]] = {size: [] for size in managers}
    failed = dict.fromkeys(managers, 0)
    for _ in range(requests):
        for size, manager in managers.items():
            headers = _signed(manager, host, path)
            begun = time.perf_counter()
            answer = client.get(url, headers=headers)
            times[size].append(time.perf_counter() - begun)
            failed[size] += answer.status_code != 200
    return {
        size: {"error": f"{failed[size]} of {requests} answers were not 200"}
        if failed[size]
        else {"p50_ms": round(statistics.median(times[size]) * 1000, 3)}
        for size in managers
    }


def _console(server: Server, account: Account) -> httpx.Client:
    """A console session of ``account`` (signed in through the form, as a person would)."""
    client = httpx.Client(base_url=server.endpoint, timeout=30)
    form = client.get("/console/sign-in").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token is not None
    client.post(
        "/console/sign-in",
        data={
            "csrf_token": token.group(1),
            "access_key": account.access_key,
            "secret_key": account.secret_key,
        },
    )
    return client


def _page_medians(sessions: dict[str, httpx.Client], path: str, requests: int) -> dict[str, Any]:
    """The median time of a console page for each session, taken in turn."""
    for _ in range(10):
        for session in sessions.values():
            session.get(path)
    times: dict[str, list[float]] = {size: [] for size in sessions}
    failed = dict.fromkeys(sessions, 0)
    for _ in range(requests):
        for size, session in sessions.items():
            begun = time.perf_counter()
            answer = session.get(path)
            times[size].append(time.perf_counter() - begun)
            failed[size] += answer.status_code != 200
    return {
        size: {"error": f"{failed[size]} of {requests} answers were not 200"}
        if failed[size]
        else {"p50_ms": round(statistics.median(times[size]) * 1000, 3)}
        for size in sessions
    }


def _with_ratio(figure: dict[str, Any]) -> dict[str, Any]:
    few, many = figure["small"], figure["large"]
    if "p50_ms" in few and "p50_ms" in many:
        ratio = many["p50_ms"] / few["p50_ms"]
        figure.update(ratio=round(ratio, 2), flat=ratio <= FLAT)
    return figure


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--postgres", help="a fresh PostgreSQL database URL (default: SQLite)")
    arguments = parser.parse_args()
    overrides = {"database_url": arguments.postgres} if arguments.postgres else {}
    server = start_server(Path(tempfile.mkdtemp(prefix="sharekeeper-bench-")), **overrides)
    try:
        small, _ = _organization(server, "small", SMALL)
        large, load_s = _organization(server, "large", arguments.large)
        print(f"loaded {arguments.large} accounts in {load_s:.1f} s", flush=True)
        report: dict[str, Any] = {
            "database": "postgresql" if arguments.postgres else "sqlite",
            "accounts": [SMALL, arguments.large],
            "requests": arguments.requests,
        }
        with httpx.Client(base_url=server.endpoint, timeout=30) as client:
            managers = {"small": small, "large": large}
            for name, path in READS.items():
                figure = _with_ratio(_medians(client, managers, path, arguments.requests))
                report[name] = figure
                print(name, json.dumps(figure), flush=True)
        # The console shows a page of members: its baseline is an organization that fills it.
        full, _ = _organization(server, "full", 2 * reads.MEMBERS_PAGE)
        sessions = {"small": _console(server, full), "large": _console(server, large)}
        try:
            pages = _page_medians(sessions, "/console/organization", arguments.requests)
        finally:
            for session in sessions.values():
                session.close()
        report["console Organization page"] = figure = _with_ratio(pages)
        figure["accounts"] = [2 * reads.MEMBERS_PAGE, arguments.large]
        print("console Organization page", json.dumps(figure), flush=True)
        print(json.dumps(report))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
