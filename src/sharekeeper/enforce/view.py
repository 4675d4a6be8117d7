"""An AccessChecker's view: the snapshot a resource service loaded, kept current by applying
the feed's events, and the decisions made from it by the rules the HTTP API uses
(services/decisions.py ``decision_for`` over domain/decisions.py): none is re-implemented here.

Share-level events (shares, associations, permissions) are applied in place; invitations
change nothing by themselves (their associations' events do). A share the view does not hold
holds nothing of its namespaces (the snapshot has every one that does, and ``created`` events
add the new ones), so its principals' changes decide nothing until it gains such a resource;
that event the view cannot place, and answers False: the checker then reloads the snapshot.
So does a principal whose members' standings the snapshot did not show (it shows only the
accounts its shares reach), and a directory event that moves standings (members, units,
sharing, an SCP attached or a policy type switched), which the server computes; an SCP's new
content and its detachment are applied to the standings in place, and policies that decide
nothing here (tag policies, SCPs created or deleted, which are attached nowhere) are passed
over."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from sharekeeper.domain.decisions import AccessDecision, Grant, Standing
from sharekeeper.domain.errors import PermissionNotFound
from sharekeeper.domain.ids import ResourceUrn
from sharekeeper.domain.permissions import Catalogue
from sharekeeper.domain.policies import Policy, PolicyType, scp_within
from sharekeeper.domain.shares import AssociationStatus, AssociationType, ShareStatus
from sharekeeper.domain.snapshot import HeldShare
from sharekeeper.services.decisions import decision_for, question_of

_PREFIX = "sharekeeper.ram."
_POLICIES = "sharekeeper.organizations.policy"  # policy.* and policy_type.*
_SCP = PolicyType.SERVICE_CONTROL.value


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
                documents={
                    p["resource_type"]: p.get("content")
                    for p in held["permissions"]
                    if p.get("customer_managed")
                },
            )
            self._shares[share.share_id] = share
            for urn in share.resources:
                self._holding.setdefault(urn, set()).add(share.share_id)
        # The principals whose members' standings the snapshot computed: it shows only the
        # accounts its shares reach, so a principal beyond these needs a reload.
        self._reached = {p for s in self._shares.values() for p in s.principals}
        self._standings = {s["account_id"]: _standing(s) for s in snapshot["standings"]}

    def decide(self, principal: str, action: str, resource: str) -> AccessDecision:
        """As POST /sharekeeper/v1/authorize decides, from this view; a malformed request or
        one outside the namespaces raises the error the API answers with."""
        question = question_of(self._catalogue, self.namespaces, principal, action, resource)
        standing = self._standings.get(principal) or Standing([principal])
        return decision_for(self._catalogue, question, standing, self._grants_at)

    def _grants_at(self, urn: str, entity: str) -> Iterable[Grant]:
        holders = self._holding.get(urn)
        if not holders:  # the usual answer for a spelling, built without a generator
            return ()
        return [
            self._grant(share, share.resources[urn])
            for share in map(self._shares.__getitem__, holders)
            if share.active and entity in share.principals
        ]

    def _grant(self, share: HeldShare, resource_type: str) -> Grant:
        bound = share.permissions.get(resource_type)
        if bound is None:
            return Grant(share.share_id, None, None, None)
        if resource_type in share.documents:  # the owner's own: its document came with it
            return Grant(share.share_id, *bound, share.documents[resource_type])
        content = self._catalogue.get(*bound).content
        return Grant(share.share_id, bound[0], bound[1], content)

    def apply(self, event: Mapping[str, Any]) -> bool:
        """Applies one CloudEvent; False when the view cannot (reload the snapshot). Each
        event carries its object's whole new state, so applying one again changes nothing."""
        kind = str(event.get("type", ""))
        data = event.get("data") or {}
        if kind.startswith(_POLICIES):
            return self._policy_changed(kind.removeprefix("sharekeeper.organizations."), data)
        if not kind.startswith(_PREFIX) or kind.startswith(_PREFIX + "organization_sharing."):
            return False  # the directory: standings are the server's to compute
        kind = kind.removeprefix(_PREFIX)
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
        entity = str(data["associated_entity"])
        principal = data["association_type"] == AssociationType.PRINCIPAL
        if share is None:
            # Ending what the view never held, or reaching a principal through a share that
            # holds nothing of its namespaces, changes no answer; only a resource of its
            # namespaces gained needs the share's facts (a reload).
            return not live or principal or not self._ours(entity)
        if principal:
            if live and entity not in self._reached:
                return False  # the snapshot did not show where its members stand
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

    def _ours(self, urn: str) -> bool:
        return urn.partition(":")[0] in self.namespaces

    def _policy_changed(self, kind: str, data: Mapping[str, Any]) -> bool:
        """Applies a policy's or a policy type's event; False for those that move standings."""
        if kind.startswith("policy_type."):
            return data.get("policy_type") != _SCP
        summary = data.get("policy_summary") or {}
        if summary.get("type") != _SCP or kind in ("policy.created", "policy.deleted"):
            return True
        policy_id = str(summary["id"])
        if kind == "policy.updated":
            # The feed shows a service an SCP's statements about its namespaces (null when
            # none), as the snapshot does; the operator's feed shows it whole.
            written = data["content"]
            content = None if written is None else scp_within(str(written), self.namespaces)
            held = any(p.id == policy_id for s in self._standings.values() for _, p in s.policies)
            if not held:
                # The snapshot leaves out an SCP with nothing about the namespaces (and the
                # path it would need): new content that bears on them needs the server's view.
                return content is None
            for standing in self._standings.values():
                if content is None:  # nothing left about the namespaces denies nothing here
                    standing.policies = [
                        (at, p) for at, p in standing.policies if p.id != policy_id
                    ]
                else:
                    standing.policies = [
                        (at, replace(p, content=content) if p.id == policy_id else p)
                        for at, p in standing.policies
                    ]
            return True
        if kind == "policy.detached":
            entity = str(data["entity_id"])
            for standing in self._standings.values():
                standing.policies = [
                    (at, p) for at, p in standing.policies if (at, p.id) != (entity, policy_id)
                ]
            return True
        return False  # attached: who is under the entity, and its content, are the server's

    def _bound(self, share: HeldShare, kind: str, data: Mapping[str, Any]) -> bool:
        """A binding's event names no version: the server binds the catalogue's default one,
        which is the packaged catalogue's here too (one release on both ends). A customer-
        managed permission's event carries neither its version nor its template: reload."""
        resource_type = str(data["resource_type"])
        if kind == "permission.disassociated":
            share.permissions.pop(resource_type, None)
            share.documents.pop(resource_type, None)
            return True
        try:
            bound = self._catalogue.get(str(data["permission_id"]))
        except PermissionNotFound:
            return False
        share.permissions[resource_type] = (bound.id, bound.version)
        share.documents.pop(resource_type, None)
        return True


def _standing(wire: Mapping[str, Any]) -> Standing:
    policies = [(p["entity_id"], _scp(p["policy_id"], p["content"])) for p in wire["policies"]]
    return Standing(list(wire["entities"]), list(wire["path"]), policies)


def _scp(policy_id: str, content: str) -> Policy:
    return Policy(policy_id, "", PolicyType.SERVICE_CONTROL, "", "", content)
