"""HTTP/1.1 connections with their limits enforced while the bytes arrive, before they are
buffered: uvicorn's httptools protocol, which by itself caps neither the header block, nor how
long it may take to arrive, nor how many connections one source may hold open.

- **Connections**: at most ``max_connections_per_source`` per peer address and
  ``max_connections_per_prefix`` per /24 or /64 (a trusted proxy is exempt from both), and
  ``max_connections`` per worker process: when that is reached, room is made at the expense of
  the network holding the most connections (its connection idle the longest, else its oldest
  still reading a request nothing of which was acted on); the newcomer is refused only when
  there is none such, or when its own network holds the most. A refusal is a 503, and the
  connection is closed at once, so it holds no file descriptor.
- **Proxies**: forwarding headers are believed only from ``trusted_proxies`` (uvicorn would
  believe them from 127.0.0.1 by default).
- **The request head** (request line and headers): at most ``max_request_line_bytes`` for the
  line (414), ``max_headers`` headers and ``max_header_bytes`` in all (431), counted as the bytes
  come in, so a 100 MB header line is refused after one read, not after it is buffered; and it
  must arrive within ``header_timeout_seconds`` of the connection's first byte or the previous
  answer (408), so a client trickling a byte a second is closed.
- **Idle**: a kept-alive connection waits ``idle_timeout_seconds`` for its next request.
- **Unread answers**: a connection whose client takes none of its answer for
  ``send_timeout_seconds`` while writing is paused is dropped, and one paused may be closed for
  room. Closed for any limit or timeout with answer bytes unsent, it is reset, so no orphan
  socket keeps them in kernel memory.

The body's limits (size, total time) are the front layer's (``api/http/front.py`` and
``limits.py``), which sees the body as the application reads it.
"""

from __future__ import annotations

import asyncio
import fcntl
import ipaddress
import resource
import socket
import struct
import termios
from collections import Counter, OrderedDict
from typing import Any, Protocol

import httptools
import uvicorn
from uvicorn._types import ASGI3Application, ASGIReceiveCallable, ASGISendCallable, Scope
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from sharekeeper.api.errors import render_error, status_of
from sharekeeper.api.http.access import access_log
from sharekeeper.api.http.endpoint import new_request_id
from sharekeeper.api.metrics import Metrics
from sharekeeper.config import Settings
from sharekeeper.domain.errors import (
    HeadersTooLarge,
    InvalidRequest,
    MalformedRequest,
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
    def evict(self) -> bool:
        """Closes the connection at once if nothing of it has been acted on (idle, or reading a
        head or a body no answer has begun for); says whether it did."""


class _Group:
    """The connections of one source group (a /24 or /64, or a trusted proxy's address) that
    may be closed for room, each oldest first: idle ones by when they fell idle, reading ones
    by when they began to read."""

    __slots__ = ("idle", "reading", "size", "stalled")

    def __init__(self) -> None:
        self.size = 0
        self.idle: OrderedDict[Evictable, None] = OrderedDict()
        self.reading: OrderedDict[Evictable, None] = OrderedDict()
        # Answering a client that does not read: closing loses only what it is not taking.
        self.stalled: OrderedDict[Evictable, None] = OrderedDict()

    def closable(self) -> int:
        return len(self.idle) + len(self.reading) + len(self.stalled)

    def victims(self) -> OrderedDict[Evictable, None]:
        return self.idle or self.stalled or self.reading


class ConnectionCounts:
    """Open connections of one worker process: in all, per source address and per network
    prefix; and, per source group, which may be closed to make room when the process is full
    (idle, or reading a request nothing of which was acted on). Room is made at the expense of
    the group holding the most connections; the groups that have a connection to close are
    kept in buckets by size, so finding the heaviest costs O(1) amortized, never a scan."""

    def __init__(self, total: int, per_source: int, per_prefix: int = 0) -> None:
        self.total_limit = total
        self.source_limit = per_source
        self.prefix_limit = per_prefix
        self.open = 0
        self.by_source: Counter[str] = Counter()
        self.by_prefix: Counter[str] = Counter()
        # Each connection's address and network (None for a trusted proxy's) and group.
        self._where: dict[Evictable, tuple[tuple[str, str] | None, str]] = {}
        self._groups: dict[str, _Group] = {}
        # Groups with a connection to close, by their size; _top is at least the largest size.
        self._by_size: dict[int, dict[str, None]] = {}
        self._top = 0

    def admit(
        self, connection: Evictable, source: str, exempt: bool = False
    ) -> TooManyConnections | None:
        """Counts ``connection`` in, or says why not. ``exempt`` (a trusted proxy, which carries
        every client) skips the per-source and per-prefix caps, never the total. When the process
        is full, a connection of the heaviest group is closed to make room, unless that group
        is the newcomer's own."""
        source, prefix = counted_as(source)
        group = f"proxy {source}" if exempt else prefix
        if not exempt:
            if self.source_limit and self.by_source[source] >= self.source_limit:
                return TooManyConnections(f"The address {source}", self.source_limit)
            if self.prefix_limit and self.by_prefix[prefix] >= self.prefix_limit:
                return TooManyConnections(f"The network {prefix}", self.prefix_limit)
        if self.open >= self.total_limit and not self._make_room(group):
            return TooManyConnections("The server", self.total_limit)
        self.open += 1
        found = self._groups.get(group)
        if found is None:
            found = self._groups[group] = _Group()
        self._resize(group, found, +1)
        if exempt:
            # Not counted against its address or network: its neighbours keep their share.
            self._where[connection] = (None, group)
            return None
        self.by_source[source] += 1
        self.by_prefix[prefix] += 1
        self._where[connection] = ((source, prefix), group)
        return None

    def idle(self, connection: Evictable) -> None:
        """``connection`` waits for a request head and has received none of it."""
        found = self._group_of(connection)
        if found is not None:
            group, state = found
            state.reading.pop(connection, None)
            state.stalled.pop(connection, None)
            state.idle[connection] = None
            state.idle.move_to_end(connection)
            self._resize(group, state, 0)

    def reading(self, connection: Evictable) -> None:
        """``connection`` has begun a head (or reads a body) of a request not yet acted on;
        one already reading keeps its place."""
        found = self._group_of(connection)
        if found is not None and connection not in found[1].reading:
            group, state = found
            state.idle.pop(connection, None)
            state.stalled.pop(connection, None)
            state.reading[connection] = None
            self._resize(group, state, 0)

    def began(self, connection: Evictable) -> None:
        """A byte arrived: an idle connection is now reading a head; any other keeps its state."""
        found = self._group_of(connection)
        if found is not None and connection in found[1].idle:
            self.reading(connection)

    def stalled(self, connection: Evictable) -> None:
        """``connection``'s client stopped taking its answer (the transport paused writing)."""
        found = self._group_of(connection)
        if found is not None and connection not in found[1].stalled:
            group, state = found
            state.idle.pop(connection, None)
            state.reading.pop(connection, None)
            state.stalled[connection] = None
            self._resize(group, state, 0)

    def flowing(self, connection: Evictable) -> None:
        """``connection``'s client reads again: a stalled one is busy again, others unchanged."""
        found = self._group_of(connection)
        if found is not None and connection in found[1].stalled:
            self.busy(connection)

    def busy(self, connection: Evictable) -> None:
        """A request of ``connection`` is running or being answered: never closed for room."""
        found = self._group_of(connection)
        if found is not None:
            group, state = found
            state.idle.pop(connection, None)
            state.reading.pop(connection, None)
            state.stalled.pop(connection, None)
            self._resize(group, state, 0)

    def release(self, connection: Evictable) -> None:
        """Counts ``connection`` out; again, or for one never admitted, does nothing."""
        if connection not in self._where:
            return
        where, group = self._where[connection]
        self.busy(connection)
        del self._where[connection]
        self.open -= 1
        state = self._groups[group]
        self._resize(group, state, -1)
        if not state.size:
            del self._groups[group]
        if where is None:
            return
        source, prefix = where
        for counts, key in ((self.by_source, source), (self.by_prefix, prefix)):
            counts[key] -= 1
            if not counts[key]:
                del counts[key]

    def _group_of(self, connection: Evictable) -> tuple[str, _Group] | None:
        where = self._where.get(connection)
        return None if where is None else (where[1], self._groups[where[1]])

    def _resize(self, group: str, state: _Group, change: int) -> None:
        """Applies ``change`` to the group's size and files it under its size if it has a
        connection to close (the caller changed which it has)."""
        self._by_size.get(state.size, {}).pop(group, None)
        if not self._by_size.get(state.size, True):
            del self._by_size[state.size]
        state.size += change
        if state.size and state.closable():
            self._by_size.setdefault(state.size, {})[group] = None
            self._top = max(self._top, state.size)

    def _heaviest(self) -> str | None:
        """The largest group with a connection to close. _top only falls here, by at most as
        much as it rose in _resize: O(1) amortized."""
        while self._top > 0 and not self._by_size.get(self._top):
            self._top -= 1
        bucket = self._by_size.get(self._top)
        return next(iter(bucket)) if bucket else None

    def _make_room(self, newcomer: str) -> bool:
        """Closes one connection of the heaviest group that has one to close, unless the
        newcomer's group is as large (it would be making room at its own expense only to
        grow): the idle the longest, else the oldest whose client stopped reading its answer,
        else the oldest reading. A connection that turns out to
        be answering (it answered early, before its body came) is marked busy and skipped."""
        while (group := self._heaviest()) is not None:
            state = self._groups[group]
            own = self._groups.get(newcomer)
            if own is not None and own.size >= state.size:
                return False
            victim = next(iter(state.victims()))
            if victim.evict():
                self.release(victim)
                return True
            self.busy(victim)
        return False


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
        rendered = render_error(error, request_id)
        await send(
            {
                "type": "http.response.start",
                "status": rendered.status,
                "headers": rendered.raw_headers(),
            }
        )
        await send({"type": "http.response.body", "body": rendered.body, "more_body": False})


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


def unsent_bytes(transport: asyncio.Transport) -> int:
    """Bytes of answers not yet taken by the client: in the transport's buffer, and in the
    kernel's send queue (Linux's TIOCOUTQ; elsewhere only the transport's are counted)."""
    size = transport.get_write_buffer_size()
    sock = transport.get_extra_info("socket")
    if sock is None:
        return size
    try:
        queued = fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, b"\0\0\0\0")
    except (OSError, AttributeError, ValueError):
        return size
    return size + int(struct.unpack("i", queued)[0])


def drop(transport: asyncio.Transport) -> None:
    """Closes a connection for a limit or a timeout. With answer bytes still unsent, a graceful
    close would leave them to the kernel in an orphan socket, retransmitted to a client that
    does not read (kernel memory no cap counts): the connection is reset instead, which frees
    them at once. With nothing unsent it closes as usual."""
    if transport.is_closing():
        return
    if unsent_bytes(transport):
        sock = transport.get_extra_info("socket")
        try:
            if sock is not None:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass  # already gone: abort drops what asyncio still holds all the same
        transport.abort()  # uvloop's transports are asyncio's by duck typing only
        return
    transport.close()


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
        # Whether a request's body is still arriving (its head is complete, its end not yet).
        self._reading_body = False
        # Whether a byte of the next head has been parsed (llhttp begins a message at its first
        # byte): what arrived in the same read as the end of the previous request counts.
        self._head_begun = False
        # While the transport has paused writing (its client takes none of the answer): when
        # the send timeout is checked next, and how much was unsent at the last check.
        self._send_timer: asyncio.TimerHandle | None = None
        self._unsent_at_check = 0
        # The cycle whose answer runs now (uvicorn's self.cycle is the last one parsed, which
        # under pipelining is a later one).
        self._running: Any = None

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
        self._stop_send_timer()
        self.counts.release(self)
        # uvicorn marks only the last parsed cycle disconnected; the one answering and those
        # queued behind it would write to the closed transport (a RuntimeError traceback for
        # a client that merely went away). A client leaving is a disconnect, nothing more.
        for cycle in (self._running, *(queued for queued, _ in self.pipeline)):
            if cycle is not None and not cycle.response_complete:
                cycle.disconnected = True
                cycle.message_event.set()
        self.pipeline.clear()
        super().connection_lost(exc)

    def _start_asgi_task(self, cycle: Any, app: ASGI3Application) -> None:
        self._running = cycle
        super()._start_asgi_task(cycle, app)

    def pause_writing(self) -> None:
        super().pause_writing()
        if self._send_timer is None and not self.transport.is_closing():
            if self._busy():
                self.counts.stalled(self)  # its client does not read: closable for room
            self._unsent_at_check = unsent_bytes(self.transport)
            self._send_timer = self.loop.call_later(
                self.settings.send_timeout_seconds, self._send_too_slow
            )

    def resume_writing(self) -> None:
        super().resume_writing()
        self._stop_send_timer()
        self.counts.flowing(self)

    def _stop_send_timer(self) -> None:
        if self._send_timer is not None:
            self._send_timer.cancel()
            self._send_timer = None

    def _send_too_slow(self) -> None:
        """Writing has stayed paused a whole send timeout: a client that took some of the
        answer meanwhile is slow, not gone, and gets another; one that took none is dropped."""
        self._send_timer = None
        if self.transport.is_closing() or not self.flow.write_paused:
            return
        unsent = unsent_bytes(self.transport)
        if unsent < self._unsent_at_check:
            self._unsent_at_check = unsent
            self._send_timer = self.loop.call_later(
                self.settings.send_timeout_seconds, self._send_too_slow
            )
            return
        self._stop_header_timer()
        drop(self.transport)

    def timeout_keep_alive_handler(self) -> None:
        drop(self.transport)

    def evict(self) -> bool:
        # Idle between requests, closing is what HTTP allows at any time (RFC 9112 9.5): a
        # client retries a request it finds its idle connection closed under. Reading a head, or
        # a body no answer has begun for, nothing of the request was acted on or acknowledged.
        # A request running, queued or being answered is never cut off, unless its client has
        # stopped taking the answer (writing paused): closing it loses only what it is not
        # reading.
        if self.transport.is_closing():
            return False
        if self.flow.write_paused:
            self._stop_header_timer()
            self._stop_send_timer()
            drop(self.transport)
            return True
        if self.pipeline:
            return False
        cycle = self.cycle
        running = cycle is not None and not cycle.response_complete
        if running and (cycle.response_started or not self._reading_body):
            return False
        self._stop_header_timer()
        drop(self.transport)
        return True

    def data_received(self, data: bytes) -> None:
        self.counts.began(self)
        self._unset_keepalive_if_required()
        if self._close_when_idle:
            return  # refused already: what is in flight is answered, nothing more is read
        self._pending += len(data)
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserCallbackError as error:
            if isinstance(error.__context__, _Refused):
                self._refuse(error.__context__.error)
            else:  # uvicorn's own check of the URL, whose message would echo the caller's bytes
                self._refuse(MalformedRequest("the URL cannot be parsed"))
            return
        except httptools.HttpParserUpgrade:
            self._refuse(MalformedRequest("upgrades are not served"))
            return
        except httptools.HttpParserError as error:
            self._refuse(MalformedRequest(str(error)))
            return
        if self._pending > self._head_limit:
            self._refuse(HeadersTooLarge(f"more than {self._head_limit} bytes of head or trailer"))

    # Parser callbacks

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._header_bytes = 0
        self._head_begun = True

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
        self._head_begun = False
        self._reading_body = True
        self._pending = 0
        self._stop_header_timer()
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        self._pending = 0
        super().on_body(body)

    def on_message_complete(self) -> None:
        super().on_message_complete()
        # The request is whole and acted on from here: never closed for room.
        self.counts.busy(self)
        self._reading_body = False
        # The next request's head counts afresh (a pipelined one may follow at once, and its
        # first byte sets _head_begun).
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
        if self._pending or self._head_begun:
            self.counts.reading(self)  # a head begun: may be closed for room, after the idle
        else:
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
        if self._pending or self._head_begun:
            self._refuse(RequestTimeout(self.settings.header_timeout_seconds, "headers"))
        else:
            drop(self.transport)  # nothing was asked: nothing to answer (of it, at least)

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
        if unsent_bytes(self.transport):
            # Earlier answers still unread: the refusal would queue behind them in an orphan.
            self._stop_header_timer()
            drop(self.transport)
            return
        self.transport.write(render_error(error, request_id).http())
        self.transport.close()
        self._stop_header_timer()
