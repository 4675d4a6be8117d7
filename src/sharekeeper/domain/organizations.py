"""Organizations: an organization, its root, nested OUs and member accounts, their ids and
URNs in Huawei's formats (spec section 6), and organization principals of resource shares."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from enum import StrEnum

from sharekeeper.domain.clock import Millis
from sharekeeper.domain.policies import Policy

_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
_URN = re.compile(
    r"organizations::(?P<mgmt>[0-9a-f]{32}):(?P<kind>organization|root|ou):"
    r"(?P<org>o-[a-z0-9]{32})(?:/(?P<node>(?:r|ou)-[a-z0-9]{32}))?"
)
_BARE = re.compile(r"(?P<node>(?P<prefix>o|r|ou)-[a-z0-9]{32})")


class NodeKind(StrEnum):
    ORGANIZATION = "organization"
    ROOT = "root"
    OU = "ou"


def new_id(prefix: str) -> str:
    """``prefix`` and 32 random lowercase letters and digits: Huawei Organizations' ids."""
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(32))


def new_organization_id() -> str:
    return new_id("o-")


def new_root_id() -> str:
    return new_id("r-")


def new_ou_id() -> str:
    return new_id("ou-")


@dataclass(frozen=True, slots=True)
class Organization:
    id: str
    management_account_id: str
    root_id: str
    sharing_enabled: bool
    created_at: Millis
    # When RAM became a trusted service (organization sharing switched on), while it is.
    sharing_enabled_at: Millis | None = None

    @property
    def urn(self) -> str:
        return f"organizations::{self.management_account_id}:organization:{self.id}"

    def node_urn(self, node_id: str) -> str:
        kind = NodeKind.ROOT if node_id == self.root_id else NodeKind.OU
        return f"organizations::{self.management_account_id}:{kind}:{self.id}/{node_id}"

    def names_of(self, node_id: str | None) -> tuple[str, ...]:
        """Every way a principal may name the organization (None) or one of its nodes: the URN
        and the bare id, both accepted as principals."""
        if node_id is None:
            return (self.urn, self.id)
        return (self.node_urn(node_id), node_id)

    def account_urn(self, account_id: str) -> str:
        return f"organizations::{self.management_account_id}:account:{self.id}/{account_id}"

    def policy_urn(self, policy: Policy) -> str:
        """Named by the management account, whoever reads it (a delegated administrator too).
        The system policy is one for every organization: its URN names none."""
        if policy.builtin:
            return f"organizations::system:policy:{policy.type.value}/{policy.id}"
        return (
            f"organizations::{self.management_account_id}:policy:"
            f"{self.id}/{policy.type.value}/{policy.id}"
        )

    def trusted_services(self, others: list[TrustedService]) -> list[TrustedService]:
        """Every service the organization trusts: RAM while it shares, and ``others``."""
        trusted = list(others)
        if self.sharing_enabled:
            trusted.append(TrustedService(RAM_SERVICE, self.sharing_enabled_at or self.created_at))
        return sorted(trusted, key=lambda service: service.service_principal)


# RAM's trust and the organization's sharing are one switch, whichever API sets it (Huawei's
# RAM guide: enabling RAM as a trusted service turns organization sharing on, and back).
RAM_SERVICE = "service.RAM"
# Service principals an organization may trust: those of Huawei's ListServices that ShareKeeper
# knows of. Any other is refused, as Huawei refuses a service it does not integrate.
TRUSTED_SERVICE_PRINCIPALS = frozenset(
    {
        "service.AOM",
        "service.CBR",
        "service.CFW",
        "service.Config",
        "service.CTS",
        "service.IdentityCenter",
        "service.RAM",
        "service.RGC",
        "service.SecMaster",
        "service.TMS",
    }
)
OU_NAME_MAX = 64
DESCRIPTION_MAX = 1024
# Huawei Organizations' quotas: 1,000 OUs, nested at most 5 levels below the root.
OU_MOST = 1000
OU_DEPTH_MOST = 5


@dataclass(frozen=True, slots=True)
class TrustedService:
    service_principal: str
    enabled_at: Millis


@dataclass(frozen=True, slots=True)
class OrgUnit:
    """The root (no parent) or an OU of an organization."""

    id: str
    organization_id: str
    parent_id: str | None
    name: str
    created_at: Millis


class JoinMethod(StrEnum):
    INVITED = "invited"  # accepted a handshake, or placed by the command line
    CREATED = "created"  # made by CreateAccount, or founded the organization


@dataclass(frozen=True, slots=True)
class Membership:
    account_id: str
    organization_id: str
    parent_id: str
    join_method: JoinMethod = JoinMethod.INVITED
    joined_at: Millis = 0
    description: str = ""


@dataclass(frozen=True, slots=True)
class OrganizationPrincipal:
    """A principal naming an organization, a root or an OU, by URN or by bare id."""

    value: str
    organization_id: str | None  # None when a bare root or OU id leaves it to the directory
    node_id: str | None  # None for the organization itself
    management_account_id: str | None = None


def parse_organization_principal(value: str) -> OrganizationPrincipal | None:
    urn = _URN.fullmatch(value)
    if urn is not None:
        node = urn["node"]
        kind = urn["kind"]
        if (kind == NodeKind.ORGANIZATION) != (node is None):
            return None
        if node is not None and node.startswith("r-") != (kind == NodeKind.ROOT):
            return None
        return OrganizationPrincipal(value, urn["org"], node, urn["mgmt"])
    bare = _BARE.fullmatch(value)
    if bare is not None:
        if bare["prefix"] == "o":
            return OrganizationPrincipal(value, bare["node"], None)
        return OrganizationPrincipal(value, None, bare["node"])
    return None
