"""The Organizations API's small reads: the services that integrate with Organizations, the
services tag policies cover, and the organization's closed accounts."""

from __future__ import annotations

from collections.abc import Sequence

from sharekeeper.domain.accounts import Caller
from sharekeeper.domain.org_tags import CloseAccountStatus, CloseState
from sharekeeper.domain.organizations import TRUSTED_SERVICE_PRINCIPALS
from sharekeeper.services.context import Context
from sharekeeper.services.directory import managed_organization


def list_services(ctx: Context, caller: Caller) -> list[str]:
    """The service principals an organization may trust (Huawei's ListServices: the cloud
    services that integrate with Organizations), sorted. The same for every caller: it is the
    service's catalogue, not any organization's data."""
    return sorted(TRUSTED_SERVICE_PRINCIPALS)


def list_tag_policy_services(ctx: Context, caller: Caller) -> list[tuple[str, list[str]]]:
    """(service, resource types) that a tag policy may name: the services of the resource
    types ShareKeeper's catalogue knows (``vpc:subnet`` is service ``vpc``, type ``subnet``),
    in name order, every type of a service selectable at once ("*")."""
    services: dict[str, list[str]] = {}
    for name in sorted(ctx.catalogue.types):
        service, _, kind = name.partition(":")
        services.setdefault(service, []).append(kind)
    return sorted(services.items())


def close_account_statuses(
    ctx: Context, caller: Caller, states: Sequence[CloseState]
) -> list[CloseAccountStatus]:
    """The accounts the caller's organization closed, in ``states`` (all without any), oldest
    first."""
    with ctx.reading() as uow:
        organization = managed_organization(uow, caller)
        return uow.org_tags.closed(organization.id, states)
