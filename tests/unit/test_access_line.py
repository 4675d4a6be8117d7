"""The access line and the request metric, as cheapened in issue 26: every request still gets
its line with its request id (noted by an operation's endpoint, or read off any other
answer's header), and the latency histogram stays cumulative with inclusive bounds."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from typing import Any

import pytest

from sharekeeper.api.http.access import AccessLog, noted
from sharekeeper.api.metrics import BUCKETS, Metrics
from sharekeeper.logs import JsonFormatter

HEADER_ID = "f" * 32


def _answering(noted_id: str) -> Any:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        access = noted(scope)
        access.operation = "SearchResourceShares"
        access.request_id = noted_id
        headers = [(b"X-Request-Id", HEADER_ID.encode())]
        await send({"type": "http.response.start", "status": 201, "headers": headers})
        await send({"type": "http.response.body", "body": b""})

    return app


def _lines(app: Any) -> list[dict[str, Any]]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("sharekeeper.access")
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)

    async def nothing() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def sink(message: Any) -> None:
        return None

    scope = {"type": "http", "method": "POST", "path": "/v1/resource-shares/search"}
    try:
        asyncio.run(AccessLog(app, Metrics())(scope, nothing, sink))
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    return [json.loads(line) for line in stream.getvalue().splitlines()]


@pytest.mark.parametrize(("noted_id", "logged_id"), [("a" * 32, "a" * 32), ("", HEADER_ID)])
def test_each_request_logs_one_line_with_its_request_id(noted_id: str, logged_id: str) -> None:
    (line,) = _lines(_answering(noted_id))
    assert line["request_id"] == logged_id
    assert (line["operation"], line["status"], line["method"]) == (
        "SearchResourceShares",
        201,
        "POST",
    )
    assert line["message"] == "POST SearchResourceShares 201"
    assert line["time"].endswith("Z") and len(line["time"]) == len("2026-12-06T08:00:00.000Z")


def test_the_latency_histogram_is_cumulative_with_inclusive_bounds() -> None:
    metrics = Metrics()
    for seconds in (0.0005, BUCKETS[0], 0.003, BUCKETS[-1], BUCKETS[-1] * 2):
        metrics.observe("Search", 200, seconds)
    text = metrics.render({})
    bucket = 'sharekeeper_request_duration_seconds_bucket{operation="Search",le="%s"}'
    counts = {
        line.rsplit(" ", 1)[0]: int(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("sharekeeper_request_duration_seconds_bucket")
    }
    assert counts[bucket % BUCKETS[0]] == 2  # 0.5 ms and exactly 1 ms
    assert counts[bucket % BUCKETS[1]] == 2
    assert counts[bucket % BUCKETS[2]] == 3  # 3 ms falls within 5 ms
    assert counts[bucket % BUCKETS[-1]] == 4  # the last bound itself is within it
    assert counts[bucket % "+Inf"] == 5
    assert 'sharekeeper_request_duration_seconds_count{operation="Search"} 5' in text
