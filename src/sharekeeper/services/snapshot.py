"""A resource service's snapshot, for its in-process checker (docs/enforcement.md, "The
AccessChecker" and "What a snapshot shows"): the shares that hold resources of its namespaces,
and where the accounts those shares can reach stand, with the feed cursor to follow from. The
cursor is read first: the state read after it may already include some later changes, and the
checker applies those events again, which converges since each event carries its object's
whole new state.

Only what deciding for those shares needs is shown: a service learns nothing of other
namespaces' resources and bindings, nor of accounts, units and policies its shares cannot
reach (every other principal is denied for want of a grant, whatever it stands in)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from sharekeeper.domain.accounts import Caller
from sharekeeper.domain.decisions import Standing
from sharekeeper.domain.policies import scp_within
from sharekeeper.domain.snapshot import HeldShare
from sharekeeper.services.context import Context
from sharekeeper.services.decisions import calling_service, standings_of


@dataclass(frozen=True, slots=True)
class Snapshot:
    cursor: int
    namespaces: tuple[str, ...]
    shares: list[HeldShare]
    # The accounts the shares reach, where they stand otherwise than alone; an account absent
    # stands alone (Standing([itself])).
    standings: dict[str, Standing]


def read_snapshot(ctx: Context, caller: Caller) -> Snapshot:
    with ctx.reading() as uow:
        service = calling_service(uow, caller)
        cursor = uow.events.settled()
        shares = uow.snapshot.held_shares(service.namespaces)
        reached = {p for s in shares for p in s.principals}
        standings = standings_of(uow, uow.snapshot.organization_members())
    namespaces = service.namespaces
    shown = {}
    for account, standing in standings.items():
        narrowed = _narrowed(account, standing, reached, namespaces)
        if narrowed is not None:
            shown[account] = narrowed
    return Snapshot(cursor, namespaces, shares, shown)


def _narrowed(
    account: str, standing: Standing, reached: set[str], namespaces: tuple[str, ...]
) -> Standing | None:
    """What of a member's standing decides for the shares' principals ``reached``: the
    entities among them; with any, the SCPs on its path reduced to their statements about
    the namespaces' actions, and the path only when one remains. None when the account is
    not reached, or stands as alone."""
    entities = [account, *(e for e in standing.entities if e != account and e in reached)]
    if account not in reached and len(entities) == 1:
        return None
    policies = []
    for entity_id, policy in standing.policies:
        within = scp_within(policy.content, namespaces)
        if within is not None:
            policies.append((entity_id, replace(policy, content=within)))
    path = standing.path if policies else []
    if len(entities) == 1 and not path:
        return None
    return Standing(entities, path, policies)
