"""Reading the change feed: the events after a cursor, in commit order (docs/enforcement.md,
"The change feed"). A service principal reads the directory's events and those of shares that
hold (or held) resources in its namespaces, of those only their namespaces' items (not another
namespace's resources and bindings); the operator reads them all."""

from __future__ import annotations

from dataclasses import dataclass

from sharekeeper.domain.accounts import Caller
from sharekeeper.domain.errors import CursorAhead, CursorExpired
from sharekeeper.domain.events import FeedEvent
from sharekeeper.services.context import Context
from sharekeeper.services.decisions import calling_service


@dataclass(frozen=True, slots=True)
class FeedPage:
    """Events in commit order, and the cursor to read on from. The cursor may pass events a
    service does not see, so that it never reads them again."""

    events: list[FeedEvent]
    cursor: int
    # The reading service's namespaces (None: the operator), for what the edge shows of each.
    namespaces: tuple[str, ...] | None = None


def read_events(ctx: Context, caller: Caller | None, after: int | None, limit: int) -> FeedPage:
    """The events after ``after`` (from the oldest kept without it), at most ``limit``;
    ``caller`` a service principal, or None for the operator. Raises CursorExpired for a
    cursor whose next events were deleted (older than the retention), CursorAhead for one
    beyond the newest ever handed out (purge keeps the newest event, so that is the newest
    kept; an empty outbox has handed out 0)."""
    with ctx.reading() as uow:
        namespaces = None if caller is None else calling_service(uow, caller).namespaces
        oldest, newest = uow.events.bounds()
        start = 0 if after is None else after
        if oldest is not None and start < oldest - 1 and after is not None:
            raise CursorExpired(start, oldest - 1)
        if start > (newest or 0):
            raise CursorAhead(start, newest or 0)
        if newest is None or start >= newest:
            return FeedPage([], start, namespaces)
        # Up to the newest settled: every event up to it has committed (store/events.py), so a
        # page that is not full has read everything up to it. Settled only when there is
        # something to read: a waiting long poll reads again every half second, and settling
        # waits for the writers in flight.
        newest = uow.events.settled()
        found = uow.events.after(start, newest, limit, namespaces)
    if len(found) == limit:
        return FeedPage(found, found[-1].cursor, namespaces)
    return FeedPage(found, newest, namespaces)
