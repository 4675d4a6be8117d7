"""Service principals: create (with their one key), list, revoke. Operator use cases, behind
the command line and the admin API."""

from __future__ import annotations

from collections.abc import Sequence

from sharekeeper.domain import ids
from sharekeeper.domain.errors import ServicePrincipalNotFound
from sharekeeper.domain.paging import Page, PageRequest
from sharekeeper.domain.service_principals import (
    ServicePrincipal,
    check_name,
    check_namespaces,
    new_service_id,
)
from sharekeeper.services.context import Context


def create_service(
    ctx: Context, name: str, namespaces: Sequence[str]
) -> tuple[ServicePrincipal, str]:
    """The service and its secret key, returned this once: only its sealed form is kept,
    under the master key, as an account key's is."""
    secret = ids.new_secret_key()
    service = ServicePrincipal(
        id=new_service_id(),
        name=check_name(name),
        namespaces=check_namespaces(namespaces),
        access_key=ids.new_access_key_id(),
        sealed_secret=ctx.secret_box.seal(secret),
        created_at=ctx.clock(),
    )
    with ctx.writing() as uow:
        uow.services.add(service)
        uow.commit()
    return service, secret


def list_services(ctx: Context, page: PageRequest) -> Page[ServicePrincipal]:
    with ctx.reading() as uow:
        return uow.services.page(page)


def revoke_service(ctx: Context, service_id: str) -> None:
    """Its key is refused from the next request on (keys of services are read on each one).
    Revoking a revoked service changes nothing."""
    with ctx.writing() as uow:
        if uow.services.get(service_id) is None:
            raise ServicePrincipalNotFound(service_id)
        uow.services.revoke(service_id, ctx.clock())
        uow.commit()
