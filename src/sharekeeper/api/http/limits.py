"""Limits on the request body, enforced before any work: its size, and how long it may take to
arrive in all, so one caller cannot tie up the server for the others. The limits on connections
and on the request head are the HTTP protocol's (``api/http/connections.py``)."""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sharekeeper.api.errors import render_error
from sharekeeper.api.http.endpoint import new_request_id
from sharekeeper.domain.errors import (
    InvalidParameter,
    RequestTimeout,
    RequestTooLarge,
    ShareKeeperError,
)


class RequestLimits:
    def __init__(self, app: ASGIApp, max_body_bytes: int, body_timeout: float) -> None:
        self.app = app
        self.max_body = max_body_bytes
        self.body_timeout = body_timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            self._check_length(scope)
        except ShareKeeperError as error:
            rendered = render_error(error, new_request_id(), scope)
            await rendered.response()(scope, receive, send)
            return
        await self.app(scope, self._limited(receive), send)

    def _check_length(self, scope: Scope) -> None:
        for name, value in scope["headers"]:
            if name == b"content-length":
                if not value.isdigit():
                    raise InvalidParameter("Content-Length is not a number.")
                if int(value) > self.max_body:
                    raise RequestTooLarge(self.max_body)

    def _limited(self, receive: Receive) -> Receive:
        """Counts body bytes as they arrive (a chunked body has no Content-Length) and bounds
        the time the whole body may take, from the first read; the endpoint answers the error
        it raises."""
        received = 0
        deadline: float | None = None

        async def limited_receive() -> Message:
            nonlocal received, deadline
            if deadline is None:
                deadline = asyncio.get_running_loop().time() + self.body_timeout
            try:
                # A timer rather than wait_for, which wraps every receive in a task of its own.
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                raise RequestTimeout(self.body_timeout) from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise RequestTooLarge(self.max_body)
            return message

        return limited_receive
