"""Quotas: how many shares an account may own, and how many principals, resources, permissions
and tags one share may hold. Configurable; checked inside the writing transaction."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sharekeeper.domain.errors import QuotaExceeded, TotalQuotaExceeded


class QuotaType(StrEnum):
    RESOURCE_SHARE = "resource_share"
    RESOURCE_ASSOCIATION = "resource_association"
    PRINCIPAL_ASSOCIATION = "principal_association"
    PERMISSION_ASSOCIATION = "permission_association"
    TAG_ASSOCIATION = "tag_association"


# The most a quota may be raised to: what one share's lists page through comfortably.
QUOTA_MAX = 10_000


@dataclass(frozen=True, slots=True)
class Quotas:
    resource_share: int = 50
    resource_association: int = 100
    principal_association: int = 100
    permission_association: int = 20
    tag_association: int = 20

    def limit(self, kind: QuotaType) -> int:
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
