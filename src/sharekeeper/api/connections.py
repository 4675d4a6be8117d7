"""HTTP/1.1 connections with their limits enforced while the bytes arrive, before they are
buffered: uvicorn's httptools protocol, which by itself caps neither the header block, nor how
long it may take to arrive, nor how many connections one source may hold open.

- **Connections**: at most ``max_connections_per_source`` per peer address and
  ``max_connections_per_prefix`` per /24 or /64 (a trusted proxy is exempt from both), and
  ``max_connections`` per worker process: when that is reached, the connection idle the longest
  is closed to make room, and only with none idle is the newcomer refused. A refusal is a 503,
  and the connection is closed at once, so it holds no file descriptor.
- **Proxies**: forwarding headers are believed only from ``trusted_proxies`` (uvicorn would
  believe them from 127.0.0.1 by default).
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
import ipaddress
import resource
from collections import Counter, OrderedDict
from http import HTTPStatus
from typing import Any, Protocol

import httptools
import uvicorn
from uvicorn._types import ASGI3Application, ASGIReceiveCallable, ASGISendCallable, Scope
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from sharekeeper.api.access import access_log
from sharekeeper.api.endpoint import new_request_id
from sharekeeper.api.errors import error_parts, status_of
from sharekeeper.api.metrics import Metrics
from sharekeeper.config import Settings
from sharekeeper.domain.errors import (
    HeadersTooLarge,
    InvalidRequest,
    RequestLineTooLong,
    RequestTimeout,
    ShareKeeperError,
    TooManyConnections,
)
from sharekeeper.domain.sources import counted_as


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


def peer_key(source: str) -> str:
    """The address a connection counts under: an IPv4-mapped IPv6 address (a dual-stack
    socket's view of an IPv4 client) as the IPv4 address it is."""
    return counted_as(source)[0]


def network_of(source: str) -> str:
    """The network prefix ``source`` counts under: its /24 for IPv4, its /64 for IPv6 (what one
    subscriber, or one attacker, is commonly given)."""
    return counted_as(source)[1]


class TrustedProxies:
    """The peers whose forwarding headers are believed (``SHAREKEEPER_TRUSTED_PROXIES``)."""

    def __init__(self, entries: tuple[str, ...]) -> None:
        self.networks = [ipaddress.ip_network(entry) for entry in entries]

    def __contains__(self, source: str) -> bool:
        try:
            address = ipaddress.ip_address(peer_key(source))
        except ValueError:
            return False
        return any(address in network for network in self.networks)

    def for_uvicorn(self) -> list[str]:
        """uvicorn's ``forwarded_allow_ips``: each entry, and its IPv4-mapped IPv6 form, since
        uvicorn compares the peer as the socket reports it."""
        allowed = []
        for network in self.networks:
            allowed.append(str(network))
            if isinstance(network, ipaddress.IPv4Network):
                allowed.append(f"::ffff:{network.network_address}/{96 + network.prefixlen}")
        return allowed


class Evictable(Protocol):
    def evict(self) -> None:
        """Closes the connection at once: it was idle, and its place is needed."""


class ConnectionCounts:
    """Open connections of one worker process: in all, per source address and per network
    prefix, and which of them are idle (oldest first), to close when the process is full."""

    def __init__(self, total: int, per_source: int, per_prefix: int = 0) -> None:
        self.total_limit = total
        self.source_limit = per_source
        self.prefix_limit = per_prefix
        self.open = 0
        self.by_source: Counter[str] = Counter()
        self.by_prefix: Counter[str] = Counter()
        # Each connection's address and network (None for a trusted proxy's).
        self._where: dict[Evictable, tuple[str, str] | None] = {}
        # Insertion order is the order they fell idle: the first is the oldest.
        self._idle: OrderedDict[Evictable, None] = OrderedDict()

    def admit(
        self, connection: Evictable, source: str, exempt: bool = False
    ) -> TooManyConnections | None:
        """Counts ``connection`` in, or says why not. ``exempt`` (a trusted proxy, which carries
        every client) skips the per-source and per-prefix caps, never the total. When the process
        is full, the connection idle the longest is closed to make room."""
        source, prefix = counted_as(source)
        if not exempt:
            if self.source_limit and self.by_source[source] >= self.source_limit:
                return TooManyConnections(f"The address {source}", self.source_limit)
            if self.prefix_limit and self.by_prefix[prefix] >= self.prefix_limit:
                return TooManyConnections(f"The network {prefix}", self.prefix_limit)
        if self.open >= self.total_limit and not self._evict_oldest_idle():
            return TooManyConnections("The server", self.total_limit)
        self.open += 1
        if exempt:
            # Not counted against its address or network: its neighbours keep their share.
            self._where[connection] = None
            return None
        self.by_source[source] += 1
        self.by_prefix[prefix] += 1
        self._where[connection] = (source, prefix)
        return None

    def idle(self, connection: Evictable) -> None:
        """``connection`` waits for a request head and has received none of it."""
        if connection in self._where:
            self._idle[connection] = None
            self._idle.move_to_end(connection)

    def busy(self, connection: Evictable) -> None:
        self._idle.pop(connection, None)

    def release(self, connection: Evictable) -> None:
        """Counts ``connection`` out; again, or for one never admitted, does nothing."""
        if connection not in self._where:
            return
        where = self._where.pop(connection)
        self._idle.pop(connection, None)
        self.open -= 1
        if where is None:
            return
        source, prefix = where
        for counts, key in ((self.by_source, source), (self.by_prefix, prefix)):
            counts[key] -= 1
            if not counts[key]:
                del counts[key]

    def _evict_oldest_idle(self) -> bool:
        if not self._idle:
            return False
        oldest = next(iter(self._idle))
        self.release(oldest)
        oldest.evict()
        return True


class _Refused(Exception):
    """Raised from a parser callback to stop parsing; carries the answer to give."""

    def __init__(self, error: ShareKeeperError) -> None:
        self.error = error


class ServerConfig(uvicorn.Config):
    """uvicorn's configuration, serving with ``GuardedProtocol`` and carrying what it reads:
    the settings, the process's connection counts (a worker process unpickles its own) and,
    when the app is built in this process, its metrics.

    Forwarding headers (``X-Forwarded-For``, ``X-Forwarded-Proto``) are read only from the
    trusted proxies; with none configured they are ignored from every peer (uvicorn by itself
    would believe them from 127.0.0.1)."""

    def __init__(
        self, app: Any, settings: Settings, metrics: Metrics | None = None, **options: Any
    ) -> None:
        self.trusted_proxies = TrustedProxies(settings.trusted_proxies)
        super().__init__(
            app,
            http=GuardedProtocol,
            timeout_keep_alive=settings.idle_timeout_seconds,  # type: ignore[arg-type]
            proxy_headers=bool(settings.trusted_proxies),
            forwarded_allow_ips=self.trusted_proxies.for_uvicorn(),
            **options,
        )
        self.settings = settings
        self.metrics = metrics
        self.connection_counts = ConnectionCounts(
            settings.max_connections,
            settings.max_connections_per_source,
            settings.max_connections_per_prefix,
        )

    def load(self) -> None:
        super().load()
        if isinstance(self.loaded_app, ProxyHeadersMiddleware):
            # Inside uvicorn's middleware, so it sees the client that middleware chose.
            self.loaded_app.app = ForwardedClientCheck(self.loaded_app.app)


class ForwardedClientCheck:
    """Behind a trusted proxy the client is what ``X-Forwarded-For`` names. A proxy that passes
    on whatever its client sent can make that any text: anything but an IP address is refused
    (400), never audited, limited or logged as a source address."""

    def __init__(self, app: ASGI3Application) -> None:
        self.app = app

    async def __call__(
        self, scope: Scope, receive: ASGIReceiveCallable, send: ASGISendCallable
    ) -> None:
        if scope["type"] != "http" or not scope["client"] or _is_address(scope["client"][0]):
            await self.app(scope, receive, send)
            return
        error = InvalidRequest("X-Forwarded-For does not name the client's IP address.")
        request_id = new_request_id()
        log_refusal(error, request_id, "-")
        status, headers, body = error_parts(error, request_id)
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    *(
                        (name.lower().encode(), value.encode("latin-1"))
                        for name, value in headers.items()
                    ),
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body, "more_body": False})


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def log_refusal(error: ShareKeeperError, request_id: str, source: str) -> None:
    """The access-log line of a request refused before the application saw it."""
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
            "source": source,
        },
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
        self.trusted_proxies = config.trusted_proxies
        self._head_limit = self.settings.max_request_line_bytes + self.settings.max_header_bytes
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
        refusal = self.counts.admit(self, source, exempt=source in self.trusted_proxies)
        if refusal is not None:
            self._refuse(refusal)
            return
        self._await_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_header_timer()
        self.counts.release(self)
        super().connection_lost(exc)

    def evict(self) -> None:
        # Idle between requests, so closing is what HTTP allows at any time (RFC 9112 9.5):
        # a client retries a request it finds its idle connection closed under.
        self._stop_header_timer()
        self.transport.close()

    def data_received(self, data: bytes) -> None:
        self.counts.busy(self)
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
        if not self._pending:
            self.counts.idle(self)  # no byte of the next head yet: may be closed for room
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
        log_refusal(error, request_id, self.client[0] if self.client else "")
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
