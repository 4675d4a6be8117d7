"""Delegated administrators: the management account names member accounts to administer a
trusted service; they may then read the organization (services/directory.py:
``readable_organization``). Rules as Huawei's API reference and guide give them, choices where
they are silent in docs/api.md."""

from __future__ import annotations

from dataclasses import dataclass

from sharekeeper.domain.accounts import Caller
from sharekeeper.domain.delegation import ADMINISTRATORS_PER_SERVICE, Delegation
from sharekeeper.domain.errors import (
    DelegatedAdministratorExists,
    DelegatedAdministratorNotFound,
    DelegatedAdministratorQuotaExceeded,
    ManagementAccountNotDelegable,
    OrgEntityNotFound,
    ServiceNotTrusted,
    UnknownTrustedService,
)
from sharekeeper.domain.organizations import TRUSTED_SERVICE_PRINCIPALS, Organization
from sharekeeper.domain.paging import Page, PageRequest, page_of_sequence
from sharekeeper.services.context import Context
from sharekeeper.services.directory import managed_organization, readable_organization
from sharekeeper.store.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class Administrator:
    organization: Organization
    account_id: str
    name: str
    join_method: str
    joined_at: int
    enabled_at: int


def register(ctx: Context, caller: Caller, account_id: str, service_principal: str) -> None:
    """Only the management account registers; the account must be a member other than itself,
    the service one the organization trusts, and the service under its limit (counted under
    the organization's row lock, so racing registrations cannot pass it together)."""
    _require_known(service_principal)
    now = ctx.clock()
    with ctx.writing() as uow:
        organization = managed_organization(uow, caller, lock=True)
        if account_id == organization.management_account_id:
            raise ManagementAccountNotDelegable(account_id)
        # Shared: a removal of the member waits for this write, then takes the row with it.
        member = uow.organizations.lock_members([account_id], exclusive=False).get(account_id)
        if member is None or member.organization_id != organization.id:
            raise OrgEntityNotFound(account_id)
        if not _trusts(uow, organization, service_principal):
            raise ServiceNotTrusted(service_principal)
        if any(
            d.service_principal == service_principal for d in uow.delegation.of_account(account_id)
        ):
            raise DelegatedAdministratorExists(account_id, service_principal)
        used = uow.delegation.count_for_service(organization.id, service_principal)
        if used >= ADMINISTRATORS_PER_SERVICE:
            raise DelegatedAdministratorQuotaExceeded(
                organization.id, ADMINISTRATORS_PER_SERVICE, used
            )
        delegation = Delegation(account_id, organization.id, service_principal, now)
        if not uow.delegation.add(delegation):  # registered meanwhile (the key decides)
            raise DelegatedAdministratorExists(account_id, service_principal)
        uow.note_target(account_id)
        uow.commit()


def deregister(ctx: Context, caller: Caller, account_id: str, service_principal: str) -> None:
    """Huawei's 1500 for an account that is no delegated administrator of the service, a
    member or not (Terraform reads it as already gone)."""
    _require_known(service_principal)
    with ctx.writing() as uow:
        organization = managed_organization(uow, caller, lock=True)
        delegations = uow.delegation.of_account(account_id)
        if not any(
            d.service_principal == service_principal and d.organization_id == organization.id
            for d in delegations
        ):
            raise DelegatedAdministratorNotFound(account_id, service_principal)
        uow.delegation.remove(account_id, service_principal)
        uow.note_target(account_id)
        uow.commit()


def list_administrators(
    ctx: Context, caller: Caller, service_principal: str | None, page: PageRequest
) -> Page[Administrator]:
    """A page of the organization's delegated administrators (of one service, if given), in
    the order they joined the organization."""
    with ctx.reading() as uow:
        organization = readable_organization(uow, caller)
        found = uow.delegation.administrator_page(organization.id, service_principal, page)
    listed = [
        Administrator(organization, m.account_id, name, m.join_method, m.joined_at, since)
        for m, name, since in found.items
    ]
    return Page(listed, found.next_marker)


def list_services(
    ctx: Context, caller: Caller, account_id: str, page: PageRequest
) -> Page[Delegation]:
    """The services a member administers (none for a member that administers none), by
    service principal."""
    with ctx.reading() as uow:
        organization = readable_organization(uow, caller)
        member = uow.organizations.membership(account_id)
        if member is None or member.organization_id != organization.id:
            raise OrgEntityNotFound(account_id)
        delegations = uow.delegation.of_account(account_id)
    return page_of_sequence(delegations, page)


def _require_known(service_principal: str) -> None:
    if service_principal not in TRUSTED_SERVICE_PRINCIPALS:
        raise UnknownTrustedService(service_principal)


def _trusts(uow: UnitOfWork, organization: Organization, service_principal: str) -> bool:
    others = uow.organizations.other_trusted_services(organization.id)
    trusted = organization.trusted_services(others)
    return any(s.service_principal == service_principal for s in trusted)
