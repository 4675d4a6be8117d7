"""Request limits enforced before any work: header size, body size, and how long the body may
take to arrive, so one caller cannot tie up the server for the others."""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sharekeeper.api.endpoint import new_request_id
from sharekeeper.api.errors import error_response
from sharekeeper.domain.errors import (
    HeadersTooLarge,
    InvalidParameter,
    RequestTimeout,
    RequestTooLarge,
    ShareKeeperError,
)

MAX_HEADERS = 100


class RequestLimits:
    def __init__(
        self, app: ASGIApp, max_body_bytes: int, max_header_bytes: int, body_timeout: float
    ) -> None:
        self.app = app
        self.max_body = max_body_bytes
        self.max_headers = max_header_bytes
        self.body_timeout = body_timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            self._check_headers(scope)
        except ShareKeeperError as error:
            await error_response(error, new_request_id())(scope, receive, send)
            return
        await self.app(scope, self._limited(receive), send)

    def _check_headers(self, scope: Scope) -> None:
        headers = scope["headers"]
        if len(headers) > MAX_HEADERS:
            raise HeadersTooLarge(f"more than {MAX_HEADERS} headers")
        if sum(len(name) + len(value) for name, value in headers) > self.max_headers:
            raise HeadersTooLarge(f"more than {self.max_headers} bytes")
        for name, value in headers:
            if name == b"content-length":
                if not value.isdigit():
                    raise InvalidParameter("Content-Length is not a number.")
                if int(value) > self.max_body:
                    raise RequestTooLarge(self.max_body)

    def _limited(self, receive: Receive) -> Receive:
        """Counts body bytes as they arrive (a chunked body has no Content-Length) and bounds
        the wait for each part; the endpoint answers the error it raises."""
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            try:
                # A timer rather than wait_for, which wraps every receive in a task of its own.
                async with asyncio.timeout(self.body_timeout):
                    message = await receive()
            except TimeoutError:
                raise RequestTimeout(self.body_timeout) from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise RequestTooLarge(self.max_body)
            return message

        return limited_receive
