"""The body's time limit as one timer a request (api/http/limits.py): it bounds the whole body
from the first read, whether a read waits or the pieces come quickly one after another; it
answers only its own expiry, never another cancellation."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from sharekeeper.api.http.limits import BodyLimits
from sharekeeper.domain.errors import RequestTimeout, RequestTooLarge

LIMITS = BodyLimits(max_body_bytes=100, body_timeout=0.05)


def _pieces(pause: float, count: int) -> Any:
    """A body in ``count`` pieces, each read after ``pause`` seconds."""
    sent = 0

    async def receive() -> dict[str, Any]:
        nonlocal sent
        await asyncio.sleep(pause)
        sent += 1
        return {"type": "http.request", "body": b"x", "more_body": sent < count}

    return receive


async def _read_all(receive: Any) -> int:
    pieces = 0
    while True:
        message = await receive()
        pieces += 1
        if not message.get("more_body", False):
            return pieces


def test_a_body_that_stops_arriving_times_out() -> None:
    with pytest.raises(RequestTimeout):
        asyncio.run(_read_all(LIMITS.limited(_pieces(10.0, 1))))


def test_a_body_of_quick_pieces_is_bounded_in_all() -> None:
    """Each piece comes well within the limit; the whole does not."""
    with pytest.raises(RequestTimeout):
        asyncio.run(_read_all(LIMITS.limited(_pieces(0.01, 50))))


def test_a_body_in_time_is_read_and_leaves_no_timer() -> None:
    async def read() -> tuple[int, list[Any]]:
        pieces = await _read_all(LIMITS.limited(_pieces(0.0, 3)))
        loop: Any = asyncio.get_running_loop()
        return pieces, [h for h in loop._scheduled if not h.cancelled()]

    pieces, timers = asyncio.run(read())
    assert (pieces, timers) == (3, [])


def test_a_body_too_large_is_refused_as_it_arrives() -> None:
    async def big() -> dict[str, Any]:
        return {"type": "http.request", "body": b"x" * 101, "more_body": False}

    with pytest.raises(RequestTooLarge):
        asyncio.run(_read_all(LIMITS.limited(big)))


def test_another_cancellation_stays_a_cancellation() -> None:
    async def cancelled_while_reading() -> None:
        task = asyncio.ensure_future(_read_all(LIMITS.limited(_pieces(10.0, 1))))
        await asyncio.sleep(0.01)
        task.cancel()
        await task

    with pytest.raises(asyncio.CancelledError):
        asyncio.run(cancelled_while_reading())
