"""Access decisions for resource services: may an account perform an action on a resource
that another account shared? Pure rules over facts the store gathered (docs/enforcement.md).

An action is ``service:resource:verb`` (``vpc:subnets:get``). A permission's content is an
IAM-style document (``Statement`` / ``Effect`` / ``Action``) read with the same parser and the
same matching as service control policies (domain/policies.py): ``*`` and ``?`` wildcards,
case-insensitive, Deny over Allow."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache

from sharekeeper.domain.errors import InvalidParameter
from sharekeeper.domain.ids import ResourceUrn
from sharekeeper.domain.permissions import Catalogue
from sharekeeper.domain.policies import (
    FULL_ACCESS_CONTENT,
    Decision,
    Policy,
    PolicyType,
    ServiceControlContent,
    parse_content,
    scp_allows,
    scp_decision,
)

# Three segments, no wildcard: a request names one action; patterns belong to permissions.
_ACTION = re.compile(r"(?P<service>[a-z][a-z0-9-]{0,31}):[A-Za-z0-9_-]{1,64}:[A-Za-z0-9_-]{1,64}")
ACTION_MAX = 130


class Verdict(StrEnum):
    ALLOW = "allow"
    DENY = "deny"


class Ground(StrEnum):
    """Why a decision went the way it did; one per reason. The values are the reasons' codes,
    a contract like the decisions themselves (docs/enforcement.md): the HTTP API and the
    in-process checker both answer with them."""

    SHARE_ALLOWS = "allowed_by_share"  # a share reaching the principal binds one allowing it
    SHARE_DENIES = "denied_by_share"  # ... whose permission denies it (Deny over Allow)
    OWNER = "principal_is_owner"  # the owner's own use is not RAM's to decide
    POLICY_DENIES = "denied_by_service_control_policy"  # an SCP on the principal's path does


@dataclass(frozen=True, slots=True)
class Reason:
    ground: Ground
    share_id: str | None = None
    permission_id: str | None = None
    permission_version: int | None = None
    policy_id: str | None = None


@dataclass(frozen=True, slots=True)
class AccessDecision:
    verdict: Verdict
    reasons: tuple[Reason, ...] = ()


# The commonest decision, no share granting anything: one shared value (it is frozen), not
# built for every question (the checker's first evaluations are a few microseconds each).
NOTHING_GRANTS = AccessDecision(Verdict.DENY)


@dataclass(frozen=True, slots=True)
class Question:
    """One request, checked: the principal an account id, the action well formed, the resource
    a URN whose type is named as the catalogue names it (``resource_type``)."""

    principal: str
    action: str
    resource: ResourceUrn
    resource_type: str
    urns: tuple[str, ...]  # the resource's URN in each spelling of its type (``spelled``)
    # The account a service principal acts for (domain/share_sources.py); None for an account.
    source: str | None = None

    @property
    def action_service(self) -> str:
        return self.action.split(":", 1)[0]


@dataclass(frozen=True, slots=True)
class Grant:
    """A share that is active, holds the resource (associated) and reaches the principal
    (associated directly, or through its organization or an OU above it), with the permission
    it binds for the resource's type (None: the type has none, which allows nothing)."""

    share_id: str
    permission_id: str | None
    permission_version: int | None
    content: str | None


# Remembered: a service asks about a few actions again and again. One that fails raises again.
@lru_cache(maxsize=1024)
def check_action(action: str) -> str:
    if len(action) > ACTION_MAX or _ACTION.fullmatch(action) is None:
        raise InvalidParameter(
            f"action {action[:64]!r} is not service:resource:verb (vpc:subnets:get): a "
            "lower-case service, then two segments of letters, digits, '_' or '-'."
        )
    return action


@dataclass(frozen=True, slots=True)
class Resource:
    """A resource asked about: its URN, its type as the catalogue names it, and the URN in each
    spelling of the type."""

    urn: ResourceUrn
    type: str
    urns: tuple[str, ...]


# Remembered: a service asks about the same resources again and again, and parsing a URN
# (checking every character for invisible ones) was half of an in-process decision's cost.
# Bounded: 4,096 URNs of at most MAX_URN_LENGTH characters; one that fails raises again.
@lru_cache(maxsize=4096)
def resource_of(catalogue: Catalogue, value: str) -> Resource:
    urn = ResourceUrn.parse(value)
    type_ = catalogue.canonical(urn.resource_type)
    return Resource(urn, type_, spelled(urn, catalogue.spellings(type_)))


def spelled(resource: ResourceUrn, spellings: tuple[str, ...]) -> tuple[str, ...]:
    """The resource's URN with each spelling of its type (``...:subnet:...`` and
    ``...:subnets:...``): a share may hold it under either, and both decide alike."""
    urns = []
    for spelling in spellings:
        service, _, type_name = spelling.partition(":")
        if service == resource.service:
            urns.append(
                f"{service}:{resource.region}:{resource.account_id}:{type_name}:{resource.path}"
            )
    return tuple(dict.fromkeys([resource.value, *urns]))


@lru_cache(maxsize=256)
def permission_rules(content: str) -> ServiceControlContent:
    """A permission's content parsed once per process (the catalogue never changes)."""
    rules = parse_content(PolicyType.SERVICE_CONTROL, content)
    assert isinstance(rules, ServiceControlContent)
    return rules


@lru_cache(maxsize=65536)
def permission_says(content: str, action: str) -> Decision:
    """What a permission's content says of an action: pure, and asked again and again."""
    return scp_decision(permission_rules(content), action)


@dataclass(slots=True)
class Standing:
    """Where a principal stands in the directory: the entities through which shares reach it,
    and (in an organization whose root has SCPs enabled) its path, root first, with the SCPs
    attached along it."""

    entities: list[str]
    path: list[str] = field(default_factory=list)
    policies: list[tuple[str, Policy]] = field(default_factory=list)  # (entity id, policy)

    def denying(self, action: str) -> list[str]:
        """The ids of the SCPs on the path that deny ``action`` (none outside SCPs)."""
        if not self.path:
            return []
        full_access = permission_rules(FULL_ACCESS_CONTENT)
        levels: list[list[ServiceControlContent]] = [
            [full_access, *(permission_rules(p.content) for at, p in self.policies if at == level)]
            for level in self.path
        ]
        if scp_allows(levels, action):
            return []
        return [
            p.id
            for _, p in self.policies
            if scp_decision(permission_rules(p.content), action) is Decision.DENY
        ]


def decide(
    question: Question, grants: Sequence[Grant], denying_policies: Sequence[str]
) -> AccessDecision:
    """Allow when some grant's permission allows the action and nothing denies it: no grant's
    permission denies it (Deny over Allow, across shares too, as IAM evaluates), and no
    service control policy on the principal's path does (``denying_policies``, their ids).
    A deny names every explicit Deny that applies; with none, it has no reasons. The owner of
    the resource is not decided here."""
    if question.resource.account_id == question.principal:
        return AccessDecision(Verdict.DENY, (Reason(Ground.OWNER),))
    allowing: list[Reason] = []
    denying: list[Reason] = []
    for grant in grants:
        if grant.content is None:
            continue
        said = permission_says(grant.content, question.action)
        if said is Decision.ALLOW:
            allowing.append(
                Reason(
                    Ground.SHARE_ALLOWS,
                    grant.share_id,
                    grant.permission_id,
                    grant.permission_version,
                )
            )
        elif said is Decision.DENY:
            denying.append(
                Reason(
                    Ground.SHARE_DENIES,
                    grant.share_id,
                    grant.permission_id,
                    grant.permission_version,
                )
            )
    denying += [Reason(Ground.POLICY_DENIES, policy_id=p) for p in denying_policies]
    if denying:
        return AccessDecision(Verdict.DENY, tuple(denying))
    if allowing:
        return AccessDecision(Verdict.ALLOW, tuple(allowing))
    return NOTHING_GRANTS


@dataclass(frozen=True, slots=True)
class Holding:
    """A grant as the store finds it for a batch: the resource URN (as one of its spellings)
    the share holds, and the principal entity through which it reaches."""

    resource: str
    principal: str
    grant: Grant


@dataclass(frozen=True, slots=True)
class AccessibleResource:
    resource_urn: str
    share_id: str
    owner_account_id: str
