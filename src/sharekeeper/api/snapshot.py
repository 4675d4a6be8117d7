"""GET /sharekeeper/v1/snapshot: what a resource service's in-process checker loads before it
follows the feed (docs/enforcement.md, "The AccessChecker"). Signed by a service principal's
key; the wire types here are read back by sharekeeper.enforce."""

from __future__ import annotations

from msgspec import Struct

from sharekeeper.api.http.endpoint import Call
from sharekeeper.services.context import Context
from sharekeeper.services.snapshot import read_snapshot


class HeldResourceWire(Struct):
    urn: str
    resource_type: str


class BoundPermissionWire(Struct):
    resource_type: str
    permission_id: str
    permission_version: int
    # A customer-managed permission's decision document (null: it allows nothing); absent
    # for the catalogue's, which the checker reads from its packaged catalogue.
    customer_managed: bool = False
    content: str | None = None


class HeldShareWire(Struct):
    resource_share_id: str
    resources: list[HeldResourceWire]
    principals: list[str]
    permissions: list[BoundPermissionWire]


class AttachedPolicyWire(Struct):
    entity_id: str
    policy_id: str
    content: str


class StandingWire(Struct):
    account_id: str
    entities: list[str]
    path: list[str]
    policies: list[AttachedPolicyWire]


class SnapshotReply(Struct):
    cursor: str
    namespaces: list[str]
    shares: list[HeldShareWire]
    standings: list[StandingWire]


def show_snapshot(ctx: Context, call: Call[None, None]) -> SnapshotReply:
    found = read_snapshot(ctx, call.caller)
    shares = [
        HeldShareWire(
            s.share_id,
            [HeldResourceWire(urn, type_) for urn, type_ in s.resources.items()],
            sorted(s.principals),
            [
                BoundPermissionWire(t, p, v, t in s.documents, s.documents.get(t))
                for t, (p, v) in s.permissions.items()
            ],
        )
        for s in found.shares
    ]
    standings = [
        StandingWire(
            account,
            s.entities,
            s.path,
            [AttachedPolicyWire(at, p.id, p.content) for at, p in s.policies],
        )
        for account, s in found.standings.items()
    ]
    return SnapshotReply(str(found.cursor), list(found.namespaces), shares, standings)
