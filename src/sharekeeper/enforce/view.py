"""An AccessChecker's view: the snapshot a resource service loaded, kept current by applying
the feed's events, and the decisions made from it by the rules the HTTP API uses
(services/decisions.py ``decision_for`` over domain/decisions.py): none is re-implemented here.

Share-level events (shares, associations, permissions) are applied in place; invitations
change nothing by themselves (their associations' events do). A directory event, or an event
the view cannot place (a share it never saw gaining a resource or a principal), answers False:
the checker then reloads the snapshot, whose standings the server computes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sharekeeper.domain.decisions import AccessDecision, Grant, Standing
from sharekeeper.domain.errors import PermissionNotFound
from sharekeeper.domain.ids import ResourceUrn
from sharekeeper.domain.permissions import Catalogue
from sharekeeper.domain.policies import Policy, PolicyType
from sharekeeper.domain.shares import AssociationStatus, AssociationType, ShareStatus
from sharekeeper.domain.snapshot import HeldShare
from sharekeeper.services.decisions import decision_for, question_of

_PREFIX = "sharekeeper.ram."
_NOTHING: frozenset[str] = frozenset()


class View:
    def __init__(self, catalogue: Catalogue, snapshot: Mapping[str, Any]) -> None:
        self._catalogue = catalogue
        self.cursor = str(snapshot["cursor"])
        self.namespaces = tuple(snapshot["namespaces"])
        self._shares: dict[str, HeldShare] = {}
        self._holding: dict[str, set[str]] = {}  # resource URN -> ids of shares holding it
        for held in snapshot["shares"]:
            share = HeldShare(
                held["resource_share_id"],
                resources={r["urn"]: r["resource_type"] for r in held["resources"]},
                principals=set(held["principals"]),
                permissions={
                    p["resource_type"]: (p["permission_id"], p["permission_version"])
                    for p in held["permissions"]
                },
            )
            self._shares[share.share_id] = share
            for urn in share.resources:
                self._holding.setdefault(urn, set()).add(share.share_id)
        self._standings = {s["account_id"]: _standing(s) for s in snapshot["standings"]}

    def decide(self, principal: str, action: str, resource: str) -> AccessDecision:
        """As POST /sharekeeper/v1/authorize decides, from this view; a malformed request or
        one outside the namespaces raises the error the API answers with."""
        question = question_of(self._catalogue, self.namespaces, principal, action, resource)
        standing = self._standings.get(principal) or Standing([principal])
        return decision_for(self._catalogue, question, standing, self._grants_at)

    def _grants_at(self, urn: str, entity: str) -> Iterable[Grant]:
        for share_id in self._holding.get(urn, _NOTHING):
            share = self._shares[share_id]
            if share.active and entity in share.principals:
                yield self._grant(share, share.resources[urn])

    def _grant(self, share: HeldShare, resource_type: str) -> Grant:
        bound = share.permissions.get(resource_type)
        if bound is None:
            return Grant(share.share_id, None, None, None)
        content = self._catalogue.get(*bound).content
        return Grant(share.share_id, bound[0], bound[1], content)

    def apply(self, event: Mapping[str, Any]) -> bool:
        """Applies one CloudEvent; False when the view cannot (reload the snapshot). Each
        event carries its object's whole new state, so applying one again changes nothing."""
        kind = str(event.get("type", ""))
        if not kind.startswith(_PREFIX) or kind.startswith(_PREFIX + "organization_sharing."):
            return False  # the directory: standings are the server's to compute
        kind = kind.removeprefix(_PREFIX)
        data = event.get("data") or {}
        if kind.startswith("invitation."):
            return True
        if kind.startswith("resource_share."):
            return self._share_changed(kind, data)
        share = self._shares.get(str(data.get("resource_share_id") or event.get("subject")))
        if kind.startswith("association."):
            return self._associated(share, data)
        if kind.startswith("permission."):
            return share is None or self._bound(share, kind, data)
        return False

    def _share_changed(self, kind: str, data: Mapping[str, Any]) -> bool:
        share_id = str(data["id"])
        share = self._shares.get(share_id)
        if share is None and kind == "resource_share.created":
            share = self._shares[share_id] = HeldShare(share_id)
        if share is not None:
            share.active = kind != "resource_share.deleted" and data["status"] == ShareStatus.ACTIVE
        return True

    def _associated(self, share: HeldShare | None, data: Mapping[str, Any]) -> bool:
        live = data["status"] == AssociationStatus.ASSOCIATED
        if share is None:
            return not live  # ending what the view never held changes nothing
        entity = str(data["associated_entity"])
        if data["association_type"] == AssociationType.PRINCIPAL:
            if live:
                share.principals.add(entity)
            else:
                share.principals.discard(entity)
        elif live:
            # Bindings are keyed by the catalogue's name: a URN spelled with an alias
            # (vpc:subnets) must find the vpc:subnet permission, as the snapshot's do.
            spelled = ResourceUrn.parse(entity).resource_type
            share.resources[entity] = self._catalogue.canonical(spelled)
            self._holding.setdefault(entity, set()).add(share.share_id)
        elif share.resources.pop(entity, None) is not None:
            self._holding[entity].discard(share.share_id)
        return True

    def _bound(self, share: HeldShare, kind: str, data: Mapping[str, Any]) -> bool:
        """A binding's event names no version: the server binds the catalogue's default one,
        which is the packaged catalogue's here too (one release on both ends)."""
        resource_type = str(data["resource_type"])
        if kind == "permission.disassociated":
            share.permissions.pop(resource_type, None)
            return True
        try:
            bound = self._catalogue.get(str(data["permission_id"]))
        except PermissionNotFound:
            return False
        share.permissions[resource_type] = (bound.id, bound.version)
        return True


def _standing(wire: Mapping[str, Any]) -> Standing:
    policies = [(p["entity_id"], _scp(p["policy_id"], p["content"])) for p in wire["policies"]]
    return Standing(list(wire["entities"]), list(wire["path"]), policies)


def _scp(policy_id: str, content: str) -> Policy:
    return Policy(policy_id, "", PolicyType.SERVICE_CONTROL, "", "", content)
