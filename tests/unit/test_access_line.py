"""The access line and the request metric, as cheapened in issue 26: every request still gets
its line with its request id (noted by an operation's endpoint, or read off any other
answer's header), and the latency histogram stays cumulative with inclusive bounds."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from sharekeeper.api.http.access import AccessLog, noted
from sharekeeper.api.metrics import BUCKETS, Metrics
from sharekeeper.logs import JsonFormatter, LineHandler, configure_logging, direct_handler

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


class _Writes(io.StringIO):
    """A stream that counts its writes (each a syscall on a file or pipe)."""

    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    def write(self, text: str) -> int:
        self.writes += 1
        return super().write(text)


@contextlib.contextmanager
def server_logging() -> Iterator[_Writes]:
    """The server's own logging configuration (``configure_logging``), to a stream, inside a
    test's body (pytest adds its capturing handlers to the root logger as the body starts);
    the root logger put back after."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    stream = _Writes()
    configure_logging("json", "info", stream)
    try:
        yield stream
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


def _run(app: Any) -> None:
    async def nothing() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def sink(message: Any) -> None:
        return None

    scope = {"type": "http", "method": "POST", "path": "/v1/resource-shares/search"}
    asyncio.run(AccessLog(app, Metrics())(scope, nothing, sink))


def _read(stream: _Writes) -> list[dict[str, Any]]:
    logging.getLogger().handlers[0].flush()
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_the_line_written_without_a_record_is_the_records_line() -> None:
    """The server's own handler gets the line straight (``direct_handler``); it is the line
    JsonFormatter makes of the record any other handler gets, field for field."""
    with server_logging() as stream:
        handler = direct_handler(logging.getLogger("sharekeeper.access"))
        assert isinstance(handler, LineHandler)
        _run(_answering("a" * 32))
        (direct,) = _read(stream)
    (recorded,) = _lines(_answering("a" * 32))  # through a StreamHandler: a record
    for line in (direct, recorded):
        assert line.pop("duration_ms") >= 0
        assert line.pop("time").endswith("Z")
    assert direct == recorded
    assert list(direct) == list(recorded)  # the same order of fields too


def test_an_operators_handler_still_gets_the_records() -> None:
    """A handler an operator (or a test's log capture) adds is not bypassed: it gets a
    record with the line's fields, and the server's own handler still writes its line."""
    got: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            got.append(record)

    logger = logging.getLogger("sharekeeper")
    keep = Keep()
    with server_logging() as stream:
        logger.addHandler(keep)
        try:
            assert direct_handler(logging.getLogger("sharekeeper.access")) is None
            _run(_answering("b" * 32))
        finally:
            logger.removeHandler(keep)
        (line,) = _read(stream)
    (record,) = got
    assert (record.getMessage(), getattr(record, "request_id", "")) == (
        "POST SearchResourceShares 201",
        "b" * 32,
    )
    assert line["request_id"] == "b" * 32


def test_the_lines_of_one_loop_turn_go_out_in_one_write() -> None:
    with server_logging() as stream:
        handler = logging.getLogger().handlers[0]
        assert isinstance(handler, LineHandler)

        async def three_lines() -> tuple[int, int]:
            for n in range(3):
                handler.line(f'{{"n": {n}}}')
            before = stream.writes
            await asyncio.sleep(0)  # the loop turns: the lines are flushed
            return before, stream.writes

        assert asyncio.run(three_lines()) == (0, 1)
        assert stream.getvalue() == '{"n": 0}\n{"n": 1}\n{"n": 2}\n'
        handler.line("off the loop")  # no loop to flush it: written at once
        assert stream.writes == 2


def test_lines_left_by_a_loop_that_ended_go_out_with_the_next_loops() -> None:
    """A loop that ends before its turn's flush runs leaves its lines pending; the next loop
    flushes them with its own, rather than never scheduling a flush again."""
    with server_logging() as stream:
        handler = logging.getLogger().handlers[0]
        assert isinstance(handler, LineHandler)
        first = asyncio.new_event_loop()
        first.call_soon(handler.line, "first")
        first.call_soon(first.stop)  # stops after this turn: the flush scheduled, never run
        first.run_forever()
        first.close()
        assert stream.writes == 0

        async def two() -> None:
            handler.line("second")
            await asyncio.sleep(0)

        asyncio.run(two())
        assert stream.getvalue() == "first\nsecond\n"
