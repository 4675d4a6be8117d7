"""What the access log costs a request, in process: a trivial ASGI app (a 200 with its request
id, as an operation answers) called bare and under the AccessLog middleware, which writes its
JSON line to /dev/null as the server writes them to its stream; the difference, per request,
is one line and one metric. The two are interleaved, best of several slices each, since this
machine's speed varies from second to second.

    python bench/access_cost.py [--requests N] [--slices K]"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from typing import Any

from sharekeeper.api.http.access import AccessLog, noted
from sharekeeper.api.metrics import Metrics
from sharekeeper.logs import configure_logging

SCOPE: dict[str, Any] = {
    "type": "http",
    "method": "POST",
    "path": "/v1/resource-share-invitations/search",
    "headers": [],
    "client": ("127.0.0.1", 5000),
}
HEADERS = [(b"x-request-id", b"0123456789abcdef0123456789abcdef"), (b"content-length", b"2")]


async def answer(scope: Any, receive: Any, send: Any) -> None:
    access = noted(scope)
    access.operation = "SearchResourceShareInvitations"
    access.account_id = "0" * 32
    access.request_id = "0123456789abcdef0123456789abcdef"
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": b"{}"})


async def receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


async def send(message: Any) -> None:
    return None


async def per_request(app: Any, requests: int) -> float:
    started = time.perf_counter()
    for _ in range(requests):
        await app(dict(SCOPE), receive, send)
    return (time.perf_counter() - started) / requests * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--slices", type=int, default=7)
    args = parser.parse_args()
    configure_logging("json", "info", open(os.devnull, "w"))  # noqa: SIM115
    logged = AccessLog(answer, Metrics())

    async def measure() -> tuple[float, float]:
        bare, with_log = [], []
        for _ in range(args.slices):
            bare.append(await per_request(answer, args.requests))
            with_log.append(await per_request(logged, args.requests))
        return min(bare), min(with_log)

    bare, with_log = asyncio.run(measure())
    line = with_log - bare
    print(
        json.dumps(
            {"bare_us": round(bare, 2), "logged_us": round(with_log, 2), "line_us": round(line, 2)}
        )
    )


if __name__ == "__main__":
    main()
