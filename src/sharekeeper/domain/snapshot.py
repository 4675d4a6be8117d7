"""What a resource service's in-process checker keeps of the shares that concern it
(docs/enforcement.md, "The AccessChecker"): per share, its status, the resources of its
namespaces it holds, the principals it reaches and the permission it binds per resource type.
The same facts the decision query joins (store/decisions.py), kept per share so that the
feed's events, which each name one share's change, can be applied to them."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class HeldShare:
    share_id: str
    active: bool = True
    # URN -> the resource type as its association records it (the spelling it was added as).
    resources: dict[str, str] = field(default_factory=dict)
    # Principal entities associated: account ids, organization and OU ids or URNs.
    principals: set[str] = field(default_factory=set)
    # Resource type (as bound) -> (permission id, version).
    permissions: dict[str, tuple[str, int]] = field(default_factory=dict)
    # Resource type -> the decision document of the owner's customer-managed permission bound
    # for it (None: it allows nothing); the catalogue's are read from the packaged catalogue.
    documents: dict[str, str | None] = field(default_factory=dict)
