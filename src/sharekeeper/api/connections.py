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

from sharekeeper.api.access import access_log
from sharekeeper.api.endpoint import new_request_id
from sharekeeper.api.errors import error_parts, status_of
from sharekeeper.api.metrics import Metrics
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
    the settings, the process's connection counts (a worker process unpickles its own) and,
    when the app is built in this process, its metrics."""

    def __init__(
        self, app: Any, settings: Settings, metrics: Metrics | None = None, **options: Any
    ) -> None:
        super().__init__(
            app,
            http=GuardedProtocol,
            timeout_keep_alive=settings.idle_timeout_seconds,  # type: ignore[arg-type]
            **options,
        )
        self.settings = settings
        self.metrics = metrics
        self.connection_counts = ConnectionCounts(
            settings.max_connections, settings.max_connections_per_source
        )


# Requests a client may send ahead of its answers on one connection (HTTP pipelining); past
# that the connection answers what it has and closes, instead of queueing without bound.
MAX_PIPELINED = 16


class GuardedProtocol(HttpToolsProtocol):
    def __init__(self, config: ServerConfig, *args: Any, **kwargs: Any) -> None:
        super().__init__(config, *args, **kwargs)
        self.settings = config.settings
        self.metrics = config.metrics
        self.counts = config.connection_counts
        self._head_limit = self.settings.max_request_line_bytes + self.settings.max_header_bytes
        self._source: str | None = None
        self._reading_head = True
        # Bytes received since the parser last made progress (the end of a head, a piece of
        # body): a head, a chunk-size line or a trailer the parser is still buffering.
        self._pending = 0
        self._header_bytes = 0
        self._header_timer: asyncio.TimerHandle | None = None
        self._close_when_idle = False

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
        if self._close_when_idle:
            return  # refused already: what is in flight is answered, nothing more is read
        self._pending += len(data)
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
        if self._pending > self._head_limit:
            self._refuse(HeadersTooLarge(f"more than {self._head_limit} bytes of head or trailer"))

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
        if len(self.pipeline) >= MAX_PIPELINED:
            raise _Refused(HeadersTooLarge(f"more than {MAX_PIPELINED} requests ahead"))
        self._reading_head = False
        self._pending = 0
        self._stop_header_timer()
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        self._pending = 0
        super().on_body(body)

    def on_message_complete(self) -> None:
        super().on_message_complete()
        # The next request's head counts afresh (a pipelined one may follow at once).
        self._reading_head = True
        self._pending = 0

    def on_response_complete(self) -> None:
        # With nothing queued, self.cycle is the request just answered.
        unread = not self.pipeline and self.cycle is not None and self.cycle.more_body
        super().on_response_complete()
        if self.transport.is_closing():
            return
        if unread or (self._close_when_idle and not self._busy()):
            # Answered before its body arrived (a 413, a 404): the rest of the body would
            # keep the connection open past every timeout, so it is not waited for.
            self.transport.close()
            return
        if self.pipeline:
            self.flow.pause_reading()  # read on only once the queued requests are answered
        elif not self._busy():
            self._await_head()

    # Limits

    def _busy(self) -> bool:
        """Whether an answer is being written or queued on this connection."""
        running = self.cycle is not None and not self.cycle.response_complete
        return running or bool(self.pipeline)

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
        if not self._reading_head or self.transport.is_closing() or self._busy():
            return
        if self._pending:
            self._refuse(RequestTimeout(self.settings.header_timeout_seconds, "headers"))
        else:
            self.transport.close()  # nothing was asked: nothing to answer

    def _bad_request(self) -> None:
        self.logger.warning("Invalid HTTP request received.")
        if self._busy():
            self._close_after_answers()
            return
        self.send_400_response("Invalid HTTP request received.")

    def _close_after_answers(self) -> None:
        """An answer is on its way: a refusal cannot be written in the middle of it, so the
        connection reads no more and closes once what it owes is answered."""
        self._close_when_idle = True
        self.flow.pause_reading()
        self._stop_header_timer()

    def _refuse(self, error: ShareKeeperError) -> None:
        """Answers ``error`` in Huawei's shape and closes the connection (after the answers
        already owed, if any), with an access-log line and a metric like any request."""
        request_id = new_request_id()
        access_log.info(
            "%s %s %d %s",
            "-",
            "Refused",
            status_of(type(error)),
            error.code,
            extra={
                "request_id": request_id,
                "operation": "Refused",
                "status": status_of(type(error)),
                "error_code": error.code,
                "source": self.client[0] if self.client else "",
            },
        )
        if self.metrics is not None:
            self.metrics.observe("Refused", status_of(type(error)), 0.0)
        if self._busy():
            self._close_after_answers()
            return
        status, headers, body = error_parts(error, request_id)
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
