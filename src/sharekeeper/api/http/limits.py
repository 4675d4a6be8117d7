"""Limits on the request body, enforced before any work: its size, and how long it may take to
arrive in all, so one caller cannot tie up the server for the others. The limits on connections
and on the request head are the HTTP protocol's (``api/http/connections.py``). Applied by the
front layer (``api/http/front.py``) to every request."""

from __future__ import annotations

import asyncio

from starlette.types import Message, Receive, Scope

from sharekeeper.api.errors import Rendered, render_error
from sharekeeper.api.http.endpoint import new_request_id
from sharekeeper.domain.errors import (
    InvalidParameter,
    RequestTimeout,
    RequestTooLarge,
    ShareKeeperError,
)


class BodyLimits:
    def __init__(self, max_body_bytes: int, body_timeout: float) -> None:
        self.max_body = max_body_bytes
        self.body_timeout = body_timeout

    def refusal(self, scope: Scope) -> Rendered | None:
        """The answer to a request whose Content-Length is refused before its body is read."""
        try:
            self._check_length(scope)
        except ShareKeeperError as error:
            return render_error(error, new_request_id(), scope)
        return None

    def _check_length(self, scope: Scope) -> None:
        for name, value in scope["headers"]:
            if name == b"content-length":
                if not value.isdigit():
                    raise InvalidParameter("Content-Length is not a number.")
                if int(value) > self.max_body:
                    raise RequestTooLarge(self.max_body)

    def limited(self, receive: Receive) -> Receive:
        """Counts body bytes as they arrive (a chunked body has no Content-Length) and bounds
        the time the whole body may take, from the first read; the endpoint answers the error
        it raises.

        One timer a request, armed at the first read and disarmed once the body is complete
        (for a small body, in that same first message), rather than one ``asyncio.timeout`` a
        read: the timer cancels the reading task only while it waits in a read, and the read
        answers the cancellation with ``RequestTimeout``. A read after the body (a disconnect
        awaited) keeps the same deadline, through ``asyncio.timeout_at``."""
        received = 0
        deadline: float | None = None
        timer: asyncio.TimerHandle | None = None
        waiting: asyncio.Task[object] | None = None
        expired = complete = False

        def expire() -> None:
            nonlocal expired
            expired = True
            if waiting is not None:
                waiting.cancel()

        async def after_body() -> Message:
            assert deadline is not None
            try:
                async with asyncio.timeout_at(deadline):
                    return await receive()
            except TimeoutError:
                raise RequestTimeout(self.body_timeout) from None

        async def limited_receive() -> Message:
            nonlocal received, deadline, timer, waiting, complete
            if complete:
                return await after_body()
            if expired:
                raise RequestTimeout(self.body_timeout)
            if deadline is None:
                loop = asyncio.get_running_loop()
                deadline = loop.time() + self.body_timeout
                timer = loop.call_at(deadline, expire)
            waiting = asyncio.current_task()
            try:
                message = await receive()
            except asyncio.CancelledError:
                task = waiting
                if not expired or task is None:
                    raise
                if task.uncancel() > 0:
                    raise  # cancelled for another reason too (a shutdown): that wins
                raise RequestTimeout(self.body_timeout) from None
            finally:
                waiting = None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise RequestTooLarge(self.max_body)
                complete = not message.get("more_body", False)
            else:
                complete = True  # a disconnect: no more body
            if complete and timer is not None:
                timer.cancel()
            return message

        return limited_receive
