"""What a shared resource's policy says: for each active share that holds the resource, the
principals associated with it, the bound permission's statements for the resource's type,
and the source accounts its services may act for. The edge writes it in its cloud's policy
language (AWS RAM's GetResourcePolicies: docs/aws.md "Resource policies")."""

from __future__ import annotations

from dataclasses import dataclass

from sharekeeper.domain.policies import Statement


@dataclass(frozen=True, slots=True)
class ShareGrant:
    share_id: str
    principals: tuple[str, ...]  # entities: accounts, organization nodes, services
    statements: tuple[Statement, ...]  # none when the type has no permission bound
    # The accounts its services may act for: the share's sources, else its owner alone.
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ResourcePolicy:
    resource_urn: str
    resource_type: str  # as the catalogue names it
    grants: tuple[ShareGrant, ...]
