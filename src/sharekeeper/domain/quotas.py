"""Quotas: how many shares an account may own, and how many principals, resources, permissions
and tags one share may hold; how many accounts, OUs and pending invitations an organization may
have. Configurable; checked inside the writing transaction."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sharekeeper.domain.clock import SECOND, Millis
from sharekeeper.domain.errors import (
    HandshakeQuotaExceeded,
    OrgAccountCreationQuotaExceeded,
    OrgAccountQuotaExceeded,
    OrgQuotaExceeded,
    OrgUnitQuotaExceeded,
    PolicyQuotaExceeded,
    QuotaExceeded,
    TotalQuotaExceeded,
)
from sharekeeper.domain.organizations import OU_MOST
from sharekeeper.domain.policies import POLICIES_MOST


class QuotaType(StrEnum):
    RESOURCE_SHARE = "resource_share"
    RESOURCE_ASSOCIATION = "resource_association"
    PRINCIPAL_ASSOCIATION = "principal_association"
    PERMISSION_ASSOCIATION = "permission_association"
    TAG_ASSOCIATION = "tag_association"


class OrganizationQuotaType(StrEnum):
    """An organization's quotas, named as their settings are (SHAREKEEPER_QUOTA_...)."""

    ACCOUNT = "organization_account"  # members and pending invitations together
    ORGANIZATIONAL_UNIT = "organizational_unit"
    PENDING_HANDSHAKE = "pending_handshake"
    POLICY = "policy"  # of each type: Huawei's 1,000 SCPs and 1,000 tag policies
    # Accounts created in a rolling 24 hours: the account quota counts live members, so without
    # it a CreateAccount + CloseAccount loop would add account rows without bound.
    ACCOUNT_CREATIONS_PER_DAY = "account_creations_per_day"


# The rolling window ACCOUNT_CREATIONS_PER_DAY counts over.
ACCOUNT_CREATION_WINDOW: Millis = 24 * 3600 * SECOND


# The most a quota may be raised to: what one share's lists page through comfortably.
QUOTA_MAX = 10_000
# What each organization quota may be set to. An organization holds its management account,
# so its account quota is at least 1; the OU tree is checked whole on each change, so its OUs
# stay within Huawei's fixed 1,000.
ORGANIZATION_QUOTA_RANGE = {
    OrganizationQuotaType.ACCOUNT: (1, QUOTA_MAX),
    OrganizationQuotaType.ORGANIZATIONAL_UNIT: (0, OU_MOST),
    OrganizationQuotaType.PENDING_HANDSHAKE: (0, QUOTA_MAX),
    OrganizationQuotaType.POLICY: (0, POLICIES_MOST),
    OrganizationQuotaType.ACCOUNT_CREATIONS_PER_DAY: (0, QUOTA_MAX),
}
_ORGANIZATION_ERRORS: dict[OrganizationQuotaType, type[OrgQuotaExceeded]] = {
    OrganizationQuotaType.ACCOUNT: OrgAccountQuotaExceeded,
    OrganizationQuotaType.ORGANIZATIONAL_UNIT: OrgUnitQuotaExceeded,
    OrganizationQuotaType.PENDING_HANDSHAKE: HandshakeQuotaExceeded,
    OrganizationQuotaType.POLICY: PolicyQuotaExceeded,
    OrganizationQuotaType.ACCOUNT_CREATIONS_PER_DAY: OrgAccountCreationQuotaExceeded,
}


@dataclass(frozen=True, slots=True)
class Quotas:
    resource_share: int = 50
    resource_association: int = 100
    principal_association: int = 100
    permission_association: int = 20
    tag_association: int = 20
    # Huawei Organizations' defaults: 10 accounts in an organization (its management account
    # among them), 1,000 OUs. Huawei publishes no number of pending invitations, only 20
    # invitations a day: 20 pending at once is that day's worth.
    organization_account: int = 10
    organizational_unit: int = OU_MOST
    pending_handshake: int = 20
    policy: int = POLICIES_MOST
    # Huawei publishes no rate of CreateAccount; it allows 20 invitations a day, and 20
    # creations a day fill the default account quota twice over while bounding the rows a
    # create-and-close loop leaves at 20 a day.
    account_creations_per_day: int = 20

    def limit(self, kind: QuotaType | OrganizationQuotaType) -> int:
        value: int = getattr(self, kind.value)
        return value

    def check_total(self, used: int, adding: int) -> None:
        """Shares per account (Huawei's RAM.1012)."""
        quota = self.resource_share
        if used + adding > quota:
            raise TotalQuotaExceeded(QuotaType.RESOURCE_SHARE, quota, adding)

    def check_share(self, kind: QuotaType, share_id: str, used: int, adding: int) -> None:
        """One share's principals, resources, permissions or tags (Huawei's RAM.1011)."""
        quota = self.limit(kind)
        if adding > 0 and used + adding > quota:
            raise QuotaExceeded(kind, share_id, quota, adding)

    def check_organization(
        self, kind: OrganizationQuotaType, organization_id: str, used: int, adding: int = 1
    ) -> None:
        """An organization's accounts (Huawei's Organizations.1305), OUs (1204) or pending
        invitations (ShareKeeper's 9111), counted by the caller under the organization's lock."""
        quota = self.limit(kind)
        if used + adding > quota:
            raise _ORGANIZATION_ERRORS[kind](organization_id, quota, used)
