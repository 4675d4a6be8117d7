"""Refused attempts at a secret (console and operator sign-ins, the admin API's bearer token),
recorded in aggregate: at most two audit records per source, operation and outcome a minute
(``domain.audit.FailureTally``), the second written when its minute closes."""

from __future__ import annotations

import asyncio
import logging

from sharekeeper.api.endpoint import Edge
from sharekeeper.domain.audit import AuditRecord
from sharekeeper.domain.errors import ShareKeeperError
from sharekeeper.services.audit import record_calls

log = logging.getLogger("sharekeeper.api")
# The sweeps scheduled, kept so that none is collected before it has run.
_SWEEPS: set[asyncio.Task[None]] = set()


async def refused(edge: Edge, record: AuditRecord) -> None:
    """Notes a refused attempt, writing what its window calls for now."""
    tally = edge.failures
    due = tally.note(record)
    due += tally.closed(record.at)
    await _write(edge, due)
    if not tally.sweeping and tally.pending:
        tally.sweeping = True
        seconds = tally.window / 1000 + 1
        asyncio.get_running_loop().call_later(seconds, _start_sweep, edge)


def _start_sweep(edge: Edge) -> None:
    task = asyncio.ensure_future(_sweep(edge))
    _SWEEPS.add(task)
    task.add_done_callback(_SWEEPS.discard)


async def _sweep(edge: Edge) -> None:
    """Writes the counts of the windows that closed while no refusal came to write them."""
    tally = edge.failures
    tally.sweeping = False
    await _write(edge, tally.closed(edge.ctx.clock()))
    if tally.pending:
        tally.sweeping = True
        asyncio.get_running_loop().call_later(tally.window / 1000 + 1, _start_sweep, edge)


async def _write(edge: Edge, records: list[AuditRecord]) -> None:
    if not records:
        return
    # A refusal's record lost must not turn the refusal itself into an error; the access log
    # still has the request.
    count = sum(r.count for r in records)
    try:
        await edge.serving.run(record_calls, edge.ctx, records)
    except ShareKeeperError as error:  # the database busy or gone: known, no traceback
        log.warning("could not record %d refused attempts: %s", count, error.message)
    except Exception:
        log.exception("could not record %d refused attempts", count)
