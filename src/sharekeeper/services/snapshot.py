"""A resource service's snapshot, for its in-process checker (docs/enforcement.md, "The
AccessChecker"): the shares that hold resources of its namespaces and where every member of an
organization stands, with the feed cursor to follow from. The cursor is read first: the state
read after it may already include some later changes, and the checker applies those events
again, which converges since each event carries its object's whole new state."""

from __future__ import annotations

from dataclasses import dataclass

from sharekeeper.domain.accounts import Caller
from sharekeeper.domain.decisions import Standing
from sharekeeper.domain.snapshot import HeldShare
from sharekeeper.services.context import Context
from sharekeeper.services.decisions import calling_service, standings_of


@dataclass(frozen=True, slots=True)
class Snapshot:
    cursor: int
    namespaces: tuple[str, ...]
    shares: list[HeldShare]
    # Every member of an organization; an account absent stands alone (Standing([itself])).
    standings: dict[str, Standing]


def read_snapshot(ctx: Context, caller: Caller) -> Snapshot:
    with ctx.reading() as uow:
        service = calling_service(uow, caller)
        cursor = uow.events.bounds()[1] or 0
        shares = uow.snapshot.held_shares(service.namespaces)
        standings = standings_of(uow, uow.snapshot.organization_members())
    return Snapshot(cursor, service.namespaces, shares, standings)
