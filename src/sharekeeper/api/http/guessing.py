"""Refused attempts at a secret (console and operator sign-ins, the admin API's bearer token),
recorded in aggregate: at most two audit records per source network, operation and outcome a
minute, and at most 100 firsts a minute in all (``domain.audit.FailureTally``), the count
written when its minute closes."""

from __future__ import annotations

import asyncio
import logging

from sharekeeper.api.http.endpoint import Edge
from sharekeeper.domain.audit import AuditRecord
from sharekeeper.domain.errors import ShareKeeperError
from sharekeeper.services.audit import record_calls

log = logging.getLogger("sharekeeper.api")
# How often the app looks for minutes that closed with no later refusal to write their count.
SWEEP_SECONDS = 5.0


async def refused(edge: Edge, record: AuditRecord) -> None:
    """Notes a refused attempt, writing what its window (and any that has closed) calls for."""
    tally = edge.failures
    await _write(edge, tally.note(record) + tally.closed(record.at))


async def sweep_periodically(edge: Edge) -> None:
    """The app's task: writes the counts of windows that closed while no refusal came."""
    while True:
        await asyncio.sleep(SWEEP_SECONDS)
        await sweep(edge)


async def sweep(edge: Edge, everything: bool = False) -> None:
    """Writes the counts of the windows that have closed, or of every window (the app stops)."""
    tally = edge.failures
    now = edge.ctx.clock()
    await _write(edge, tally.closed(now + tally.window if everything else now))


async def _write(edge: Edge, records: list[AuditRecord]) -> None:
    if not records:
        return
    # A refusal's record lost must not turn the refusal itself into an error; the access log
    # still has the request.
    count = sum(r.count for r in records)
    try:
        await edge.serving.run(record_calls, edge.ctx, records)
    except ShareKeeperError as error:  # the database busy or gone: known, no traceback
        edge.failures.keep(records)  # written with the next ones
        log.warning("could not record %d refused attempts yet: %s", count, error.message)
    except asyncio.CancelledError:
        # The app stops: its last sweep writes them. The cancelled write is stopped on the
        # database too (store/pipeline.py asks it to cancel), unless its COMMIT had begun:
        # then these are counted twice, which an aggregate count can bear, where waiting for
        # the write would hold the app's stop for as long as a database that does not answer.
        edge.failures.keep(records)
        raise
    except Exception:
        edge.failures.keep(records)
        log.exception("could not record %d refused attempts yet", count)
