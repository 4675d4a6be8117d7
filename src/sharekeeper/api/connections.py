"""HTTP/1.1 connections with their limits enforced while the bytes arrive, before they are
buffered: uvicorn's httptools protocol, which by itself caps neither the header block, nor how
long it may take to arrive, nor how many connections one source may hold open.

- **Connections**: at most ``max_connections`` per worker process and
  ``max_connections_per_source`` per peer address; one past either is answered 503 and closed
  at once, so it holds no file descriptor.
- **The request head** (request line and headers): at most ``max_request_line_bytes`` for the
  line (414), ``max_headers`` headers and ``max_header_bytes`` in all (431), counted as the bytes
  come in, so a 100 MB header line is refused after one read, not after it is buffered; and it
  must arrive within ``header_timeout_seconds`` of the connection's first byte or the previous
  answer (408), so a client trickling a byte a second is closed.
- **Idle**: a kept-alive connection waits ``idle_timeout_seconds`` for its next request.

The body's limits (size, total time) are the ASGI middleware's (``api/limits.py``), which sees
the body as the application reads it.
"""

from __future__ import annotations

import asyncio
import resource
from collections import Counter
from http import HTTPStatus
from typing import Any

import httptools
import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from sharekeeper.api.endpoint import new_request_id
from sharekeeper.api.errors import error_parts
from sharekeeper.config import Settings
from sharekeeper.domain.errors import (
    HeadersTooLarge,
    RequestLineTooLong,
    RequestTimeout,
    ShareKeeperError,
    TooManyConnections,
)


def raise_file_limit() -> int:
    """Raises this process's soft limit on open files to its hard limit (each connection is
    one), and returns the limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 20)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass  # keep what we have; serve logs the limit against the connection cap
    return soft


class ConnectionCounts:
    """Open connections of one worker process, in all and per source address."""

    def __init__(self, total: int, per_source: int) -> None:
        self.total_limit = total
        self.source_limit = per_source
        self.open = 0
        self.by_source: Counter[str] = Counter()

    def admit(self, source: str) -> TooManyConnections | None:
        if self.open >= self.total_limit:
            return TooManyConnections("The server", self.total_limit)
        if self.source_limit and self.by_source[source] >= self.source_limit:
            return TooManyConnections(f"The address {source}", self.source_limit)
        self.open += 1
        self.by_source[source] += 1
        return None

    def release(self, source: str) -> None:
        self.open -= 1
        self.by_source[source] -= 1
        if not self.by_source[source]:
            del self.by_source[source]


class _Refused(Exception):
    """Raised from a parser callback to stop parsing; carries the answer to give."""

    def __init__(self, error: ShareKeeperError) -> None:
        self.error = error


class ServerConfig(uvicorn.Config):
    """uvicorn's configuration, serving with ``GuardedProtocol`` and carrying what it reads:
    the settings and the process's connection counts (a worker process unpickles its own)."""

    def __init__(self, app: Any, settings: Settings, **options: Any) -> None:
        super().__init__(
            app,
            http=GuardedProtocol,
            timeout_keep_alive=settings.idle_timeout_seconds,  # type: ignore[arg-type]
            **options,
        )
        self.settings = settings
        self.connection_counts = ConnectionCounts(
            settings.max_connections, settings.max_connections_per_source
        )


class GuardedProtocol(HttpToolsProtocol):
    def __init__(self, config: ServerConfig, *args: Any, **kwargs: Any) -> None:
        super().__init__(config, *args, **kwargs)
        self.settings = config.settings
        self.counts = config.connection_counts
        self._head_limit = self.settings.max_request_line_bytes + self.settings.max_header_bytes
        self._source: str | None = None
        self._reading_head = True
        self._head_bytes = 0
        self._header_bytes = 0
        self._header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        source = self.client[0] if self.client else ""
        refusal = self.counts.admit(source)
        if refusal is not None:
            self._refuse(refusal)
            return
        self._source = source
        self._await_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_header_timer()
        if self._source is not None:
            self.counts.release(self._source)
            self._source = None
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        self._unset_keepalive_if_required()
        if self._reading_head:
            self._head_bytes += len(data)
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserCallbackError as error:
            if isinstance(error.__context__, _Refused):
                self._refuse(error.__context__.error)
            else:
                self._bad_request()
            return
        except (httptools.HttpParserError, httptools.HttpParserUpgrade):
            self._bad_request()  # no upgrades are served either
            return
        if self._reading_head and self._head_bytes > self._head_limit:
            self._refuse(HeadersTooLarge(f"more than {self._head_limit} bytes before the body"))

    # Parser callbacks

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._header_bytes = 0

    def on_url(self, url: bytes) -> None:
        super().on_url(url)
        if len(self.url) > self.settings.max_request_line_bytes:
            raise _Refused(RequestLineTooLong(self.settings.max_request_line_bytes))

    def on_header(self, name: bytes, value: bytes) -> None:
        limit, size_limit = self.settings.max_headers, self.settings.max_header_bytes
        self._header_bytes += len(name) + len(value)
        if len(self.headers) >= limit:
            raise _Refused(HeadersTooLarge(f"more than {limit} headers"))
        if self._header_bytes > size_limit:
            raise _Refused(HeadersTooLarge(f"more than {size_limit} bytes"))
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._reading_head = False
        self._stop_header_timer()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        # The next request's head counts afresh (a pipelined one may follow at once).
        self._reading_head = True
        self._head_bytes = 0

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._await_head()

    # Limits

    def _await_head(self) -> None:
        self._stop_header_timer()
        self._header_timer = self.loop.call_later(
            self.settings.header_timeout_seconds, self._head_too_slow
        )

    def _stop_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _head_too_slow(self) -> None:
        self._header_timer = None
        if not self._reading_head or self.transport.is_closing():
            return
        if self._head_bytes:
            self._refuse(RequestTimeout(self.settings.header_timeout_seconds, "headers"))
        else:
            self.transport.close()  # nothing was asked: nothing to answer

    def _bad_request(self) -> None:
        self.logger.warning("Invalid HTTP request received.")
        self.send_400_response("Invalid HTTP request received.")

    def _refuse(self, error: ShareKeeperError) -> None:
        """Answers ``error`` in Huawei's shape and closes the connection."""
        status, headers, body = error_parts(error, new_request_id())
        lines = [f"HTTP/1.1 {status} {HTTPStatus(status).phrase}".encode()]
        lines += [f"{name}: {value}".encode("latin-1") for name, value in headers.items()]
        lines += [
            b"content-type: application/json",
            f"content-length: {len(body)}".encode(),
            b"connection: close",
        ]
        self.transport.write(b"\r\n".join(lines) + b"\r\n\r\n" + body)
        self.transport.close()
        self._stop_header_timer()
