"""The outbox's relay to NATS JetStream (docs/enforcement.md, "NATS JetStream").

Reads the feed by cursor in commit order (services/feed.py, as the operator reads it) and
publishes each event's CloudEvent, exactly as GET /sharekeeper/v1/events serves it, to
``<prefix>.<type without "sharekeeper.">`` with ``Nats-Msg-Id`` = the event's id. Each
publish awaits JetStream's ack before the next, so the stream holds the feed's order; the
position stored in the database moves only past what was acknowledged, so a restart resumes
there and republishes at most what was acknowledged but not yet recorded (JetStream's
duplicate window drops those by their Nats-Msg-Id).

One relay per stream and database publishes: each server process runs one, and a lease row
(services/relays.py) lets only its holder publish; the others stand by and take over when its
lease runs out (at once when it stops cleanly)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

import nats
import nats.errors
import nats.js.errors
from nats.aio.client import Client
from nats.js import JetStreamContext

from sharekeeper.bootstrap import Serving
from sharekeeper.domain.events import FeedEvent
from sharekeeper.domain.webhooks import backoff
from sharekeeper.events.follower import PAGE, Follower
from sharekeeper.events.render import event_body
from sharekeeper.logs import error_line
from sharekeeper.services.relays import claim_relay

log = logging.getLogger("sharekeeper.relay")

# How often the relay looks for other processes' commits; this process's wake it at once.
POLL_SECONDS = 0.2
# How long a holder's lease lasts unrenewed; it is renewed every third of it.
LEASE_SECONDS = 15.0
# The wait between tries while NATS is unreachable: doubling from the first to the most.
BACKOFF_FIRST = 0.1
BACKOFF_MOST = 10.0
# How long one publish may wait for its ack, and a connection for NATS to answer.
ACK_SECONDS = 5.0
CONNECT_SECONDS = 2
# What "NATS cannot take the event now" looks like: refused or dropped connections, timeouts,
# and JetStream's own refusals (no stream answering the subject, the stream not ours).
UNREACHABLE = (OSError, TimeoutError, nats.errors.Error)


@dataclass(frozen=True, slots=True)
class Target:
    """Where the relay publishes (SHAREKEEPER_NATS_URL, _STREAM, _SUBJECT_PREFIX)."""

    url: str
    stream: str
    prefix: str

    @property
    def relay_name(self) -> str:
        """The relay's row: one position per stream, so a new stream starts at the oldest
        event kept."""
        return f"nats:{self.stream}"

    @property
    def where(self) -> str:
        """The server, for log lines: without the URL's credentials."""
        parts = urlsplit(self.url)
        return f"{parts.hostname}:{parts.port or 4222}"

    def subject(self, event: FeedEvent) -> str:
        # The kept kind is the CloudEvents type without its "sharekeeper." prefix.
        return f"{self.prefix}.{event.kind}"


class NatsRelay(Follower):
    """``await relay.run()`` publishes until cancelled; cancelling it gives the lease up."""

    def __init__(
        self,
        serving: Serving,
        target: Target,
        poll_seconds: float = POLL_SECONDS,
        lease_seconds: float = LEASE_SECONDS,
        backoff_most: float = BACKOFF_MOST,
    ) -> None:
        super().__init__(
            serving,
            log,
            "NATS relay",
            target.relay_name,
            lease_seconds,
            "events are relayed",
        )
        self._target = target
        self._poll = poll_seconds
        self._backoff_most = backoff_most
        self._client: Client | None = None
        self._stream: JetStreamContext | None = None
        self._failures = 0

    async def run(self) -> None:
        try:
            while True:
                try:
                    await self._step()
                except UNREACHABLE as error:
                    await self._outage(error)
                except Exception as error:
                    # The database failed (restarting, a switch-over): the relay outlives it.
                    await self._database_failed(error)
        finally:
            await self._stop()

    async def _step(self) -> None:
        if not await self._hold():
            await asyncio.sleep(self.lease / 3)
            return
        bell = self._serving.context.bell
        rung = bell.rung  # before reading: a commit made while publishing is not missed
        more = await self._publish_page()
        if self._failures:
            self._recovered()
        self._database_failures = 0
        if not more:
            await bell.wait(self._poll, rung)

    async def _hold(self) -> bool:
        """Whether this relay holds the lease, renewing it every third of its length."""
        now = asyncio.get_running_loop().time()
        if self._holding and now < self._renew_at:
            return True
        serving = self._serving
        claim = await serving.run(
            claim_relay, serving.context, self._relay_name, self._holder, self._lease_millis
        )
        if claim.held and not self._holding:
            start = "the oldest event kept" if claim.position is None else claim.position
            log.info("NATS relay to %s: publishing from %s", self._target.where, start)
        self._holding = claim.held
        self._position = claim.position
        self._renew_at = now + self.lease / 3
        return claim.held

    async def _publish_page(self) -> bool:
        """Publishes the next page of events, each acknowledged before the next; returns
        whether more may be waiting."""
        page = await self._read()
        if not page.events:
            return False
        stream = await self._jetstream()
        acked = self._position
        try:
            for event in page.events:
                await stream.publish(
                    self._target.subject(event),
                    event_body(event),
                    timeout=ACK_SECONDS,
                    stream=self._target.stream,
                    headers={"Nats-Msg-Id": event.id},
                )
                acked = event.cursor
            acked = page.cursor
        finally:
            # What was acknowledged is recorded even when a later publish failed.
            if acked is not None and acked != self._position:
                await self._advance(acked)
        return len(page.events) == PAGE

    async def _jetstream(self) -> JetStreamContext:
        """The connection's JetStream, connecting and creating the stream when needed."""
        if self._stream is not None:
            return self._stream
        self._client = await nats.connect(
            self._target.url,
            # The relay reconnects itself, with its own backoff: nats-py's own connect retries
            # a refused server for two minutes (60 tries, 2 s apart) before it gives up.
            allow_reconnect=False,
            max_reconnect_attempts=1,
            reconnect_time_wait=0,
            connect_timeout=CONNECT_SECONDS,
            error_cb=_quiet,
            name="sharekeeper-relay",
        )
        stream = self._client.jetstream(timeout=ACK_SECONDS)
        try:
            await stream.stream_info(self._target.stream)
        except nats.js.errors.NotFoundError:
            name, subjects = self._target.stream, [f"{self._target.prefix}.>"]
            await stream.add_stream(name=name, subjects=subjects)
            log.info("NATS relay: created the stream %s for %s", name, subjects[0])
        self._stream = stream
        return stream

    async def _outage(self, error: BaseException) -> None:
        """One log line per outage; the wait doubles, bounded, until NATS answers."""
        await self._disconnect()
        self._failures += 1
        if self._failures == 1:
            log.warning(
                "NATS relay: cannot publish to %s (%s); events wait in the outbox, retrying",
                self._target.where,
                error_line(error),
            )
        await asyncio.sleep(self._backoff(self._failures))

    def _backoff(self, failures: int) -> float:
        """The wait after the ``failures``-th failed try in a row."""
        return backoff(failures, BACKOFF_FIRST, self._backoff_most)

    def _recovered(self) -> None:
        log.info(
            "NATS relay: %s answers again after %d failed tries; published up to cursor %s",
            self._target.where,
            self._failures,
            self._position,
        )
        self._failures = 0

    async def _disconnect(self) -> None:
        client, self._client, self._stream = self._client, None, None
        if client is not None:
            with contextlib.suppress(Exception):
                await client.close()

    async def _stop(self) -> None:
        """Closes the connection and gives the lease up, shielded from the cancellation that
        stops the relay."""
        await asyncio.shield(self._disconnect())
        await self._release()


async def _quiet(error: Exception) -> None:
    """nats-py's own error callback logs a traceback per failed try; the relay logs one line
    per outage instead."""
