"""What the NATS relay and a webhook's delivery share: each follows the change feed from a
position kept in its relay row, under that row's lease, one process at a time.

A ``Follower`` reads the feed's pages from its position (moving on where the feed cannot serve
it: events deleted by retention, or a database emptied or restored beneath the position),
records progress only while it holds the lease, rides out the database's failures with one
log line per run of them, and gives the lease up when it stops. How the lease is taken differs
(a webhook's claim also reads whether it was removed), so each subclass has its own ``_hold``."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from sharekeeper.bootstrap import Serving
from sharekeeper.domain.clock import SECOND
from sharekeeper.domain.errors import CursorAhead, CursorExpired
from sharekeeper.domain.webhooks import backoff
from sharekeeper.logs import error_line
from sharekeeper.services.feed import FeedPage, read_events
from sharekeeper.services.relays import advance_relay, new_holder, release_relay

PAGE = 100
# The wait after a failure to reach the database: doubling from the first up to the most.
DATABASE_BACKOFF = (0.1, 10.0)


class Follower:
    """One follower of the feed: ``who`` names it in log lines ("NATS relay", "webhook ID"),
    ``relay_name`` is its lease row, ``waiting`` says what waits while the database is down."""

    def __init__(
        self,
        serving: Serving,
        log: logging.Logger,
        who: str,
        relay_name: str,
        lease_seconds: float,
        waiting: str,
    ) -> None:
        self._serving = serving
        self._log = log
        self._who = who
        self._relay_name = relay_name
        self.lease = lease_seconds
        self._waiting = waiting
        self._holder = new_holder()
        self._holding = False
        self._renew_at = 0.0
        self._position: int | None = None
        self._database_failures = 0

    @property
    def _lease_millis(self) -> int:
        return int(self.lease * SECOND)

    async def _read(self) -> FeedPage:
        """The next page from the position; past events retention deleted, and from the
        oldest kept when the position is beyond the newest (the outbox emptied, or the database
        restored from a backup: its new events may take cursors below the position, which
        reading on from it would skip)."""
        serving = self._serving
        try:
            return await serving.run(read_events, serving.context, None, self._position, PAGE)
        except CursorExpired as expired:
            self._log.warning(
                "%s: events after cursor %s were deleted (SHAREKEEPER_EVENT_RETENTION) before "
                "they were sent; continuing from cursor %s",
                self._who,
                self._position,
                expired.oldest,
            )
            self._position = expired.oldest
        except CursorAhead as ahead:
            # Which of the kept events were sent before the restore cannot be told (cursors
            # are handed out again), and some committed since may already lie below the
            # newest: every kept event is sent again, at least once and never a gap (receivers
            # deduplicate on the event id, JetStream on Nats-Msg-Id).
            self._log.warning(
                "%s: cursor %s is beyond the outbox's newest, %s (the database was emptied or "
                "restored); sending again from the oldest event kept",
                self._who,
                self._position,
                ahead.newest,
            )
            self._position = None
        return await serving.run(read_events, serving.context, None, self._position, PAGE)

    async def _advance(self, position: int) -> bool:
        """Records everything up to ``position`` as sent; False when another process took the
        lease over (it then sends from the position it read)."""
        serving = self._serving
        moved = await serving.run(
            advance_relay,
            serving.context,
            self._relay_name,
            self._holder,
            position,
            self._lease_millis,
        )
        self._position = position
        if not moved:
            self._log.warning("%s: another process took the lease over; standing by", self._who)
            self._holding = False
        return moved

    async def _database_failed(self, error: Exception) -> None:
        """One line per run of failures; the lease is taken again from the database after."""
        self._database_failures += 1
        self._holding = False
        if self._database_failures == 1:
            self._log.warning(
                "%s: the database failed (%s); %s once it answers",
                self._who,
                error_line(error),
                self._waiting,
            )
        await asyncio.sleep(backoff(self._database_failures, *DATABASE_BACKOFF))

    async def _release(self) -> None:
        """Gives the lease up, shielded from the cancellation that stops the follower, so
        another process takes over at once."""
        if self._holding:
            serving = self._serving
            with contextlib.suppress(Exception):
                await asyncio.shield(
                    serving.run(release_relay, serving.context, self._relay_name, self._holder)
                )
