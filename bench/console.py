"""What a console page costs next to the API call that reads the same data, measured in the
same run on the same server: the receiver's invitations (a page of 50) and the owner's shares
(a page of 50). Reports the median round trip of each and the ratio console / API.

    python bench/console.py [--requests N] [--postgres URL]"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx

from sharekeeper.auth import signing
from sharekeeper.services import shares
from sharekeeper.testing import Account, Server, start_server

PAGE = 50


def _signed(account: Account, host: str, path: str, body: bytes) -> dict[str, str]:
    headers = {
        "Content-Type": "application/json",
        "Host": host,
        "X-Sdk-Date": signing.format_sdk_date(datetime.now(UTC)),
    }
    headers["Authorization"] = signing.sign_headers(
        access_key=account.access_key,
        secret_key=account.secret_key,
        method="POST",
        raw_path=path,
        raw_query="",
        headers=headers,
        body=body,
    )
    return headers


def _console(server: Server, account: Account) -> httpx.Client:
    client = httpx.Client(base_url=server.endpoint, timeout=10)
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


def _median_us(call: Callable[[], httpx.Response], requests: int) -> float:
    for _ in range(20):  # warm-up
        assert call().status_code == 200
    times = []
    for _ in range(requests):
        begun = time.perf_counter()
        answer = call()
        times.append(time.perf_counter() - begun)
        assert answer.status_code == 200
    return statistics.median(times) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--postgres", help="a fresh PostgreSQL database URL (default: SQLite)")
    arguments = parser.parse_args()
    overrides = {"database_url": arguments.postgres} if arguments.postgres else {}
    server = start_server(Path(tempfile.mkdtemp(prefix="sharekeeper-bench-")), **overrides)
    try:
        owner, receiver = server.account("owner"), server.account("receiver")
        caller = server.runtime.context
        from sharekeeper.domain.accounts import Caller

        for n in range(PAGE):
            shares.create_resource_share(
                caller,
                Caller(owner.account_id, owner.access_key),
                name=f"share-{n}",
                principals=[receiver.account_id],
                resource_urns=[owner.urn(f"subnet-{n}")],
            )
        host = server.endpoint.removeprefix("http://")
        api = httpx.Client(base_url=server.endpoint, timeout=10)
        invitations = b'{"limit": 50}'
        owned = b'{"resource_owner": "self", "limit": 50}'
        path_i, path_s = "/v1/resource-share-invitations/search", "/v1/resource-shares/search"
        receiver_console, owner_console = _console(server, receiver), _console(server, owner)
        pairs = {
            "invitations": (
                lambda: api.post(
                    path_i,
                    content=invitations,
                    headers=_signed(receiver, host, path_i, invitations),
                ),
                lambda: receiver_console.get("/console/invitations"),
            ),
            "shares": (
                lambda: api.post(
                    path_s, content=owned, headers=_signed(owner, host, path_s, owned)
                ),
                lambda: owner_console.get("/console/shares"),
            ),
        }
        report = {}
        for name, (through_api, through_console) in pairs.items():
            api_us = _median_us(through_api, arguments.requests)
            console_us = _median_us(through_console, arguments.requests)
            report[name] = {
                "api_us": round(api_us),
                "console_us": round(console_us),
                "console/api": round(console_us / api_us, 2),
            }
        print(json.dumps({"database": "postgresql" if arguments.postgres else "sqlite", **report}))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
