"""An organization's quotas: the Organizations API's ListQuotas, and the checks its writes
make. Each check counts under the organization's row lock, which the writer holds, so racing
writers cannot pass a quota together."""

from __future__ import annotations

from sharekeeper.domain.accounts import Caller
from sharekeeper.domain.clock import Millis
from sharekeeper.domain.organizations import Organization
from sharekeeper.domain.policies import PolicyType
from sharekeeper.domain.quotas import ORGANIZATION_QUOTA_RANGE, OrganizationQuotaType
from sharekeeper.domain.views import QuotaUsage
from sharekeeper.services.context import Context
from sharekeeper.services.directory import managed_organization
from sharekeeper.store.unit_of_work import UnitOfWork

# Huawei's ListQuotas names three; the limit on pending invitations is ShareKeeper's own and
# is documented, not listed.
_LISTED = {
    OrganizationQuotaType.ACCOUNT: "account",
    OrganizationQuotaType.ORGANIZATIONAL_UNIT: "organizational_unit",
    OrganizationQuotaType.POLICY: "policy",
}


def list_quotas(ctx: Context, caller: Caller) -> list[QuotaUsage]:
    """The management account's view (Huawei: only it may call): each quota, the range it
    may be set to, and what counts against it."""
    now = ctx.clock()
    with ctx.reading() as uow:
        organization = managed_organization(uow, caller)
        accounts = accounts_held(uow, organization, now)
        ous = len(uow.organizations.parents(organization.id)) - 1  # the root is no OU
        # The policy quota holds for each type: the fuller type is the one it binds.
        policies = max(uow.policies.count(organization.id, False, kind) for kind in PolicyType)
    used = {
        OrganizationQuotaType.ACCOUNT: accounts,
        OrganizationQuotaType.ORGANIZATIONAL_UNIT: ous,
        OrganizationQuotaType.POLICY: policies,
    }
    return [
        QuotaUsage(name, ctx.quotas.limit(kind), *ORGANIZATION_QUOTA_RANGE[kind], used[kind])
        for kind, name in _LISTED.items()
    ]


def accounts_held(uow: UnitOfWork, organization: Organization, now: Millis) -> int:
    """Members and pending invitations: an invitation holds its account's place, so that the
    accounts it would add are refused when it is sent, not when it is accepted."""
    return uow.organizations.count_members(organization.id) + uow.handshakes.count_pending(
        organization.id, now
    )


def require_account_room(
    ctx: Context, uow: UnitOfWork, organization: Organization, now: Millis
) -> None:
    """Room for one more account (a creation, an invitation, an acceptance whose own
    invitation no longer counts as pending); the caller holds the organization's lock."""
    held = accounts_held(uow, organization, now)
    ctx.quotas.check_organization(OrganizationQuotaType.ACCOUNT, organization.id, held)


def require_invitation_room(
    ctx: Context, uow: UnitOfWork, organization: Organization, now: Millis
) -> None:
    """Room for one more account and one more pending invitation."""
    require_account_room(ctx, uow, organization, now)
    pending = uow.handshakes.count_pending(organization.id, now)
    ctx.quotas.check_organization(OrganizationQuotaType.PENDING_HANDSHAKE, organization.id, pending)
