"""Handlers of the Organizations API: the organization, its root and OUs, its entities and
trusted services. Each parses the wire input, calls one service and shapes the wire output."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from sharekeeper.api import convert
from sharekeeper.api import organization_schemas as o
from sharekeeper.api import schemas as w
from sharekeeper.api.convert import page_info, root_wire, timestamp_seconds, unit_wire
from sharekeeper.api.http.endpoint import Call
from sharekeeper.domain.paging import Page, PageRequest, page_of_sequence
from sharekeeper.services import directory, organization_quotas, policies
from sharekeeper.services.context import Context

T = TypeVar("T")


def create_organization(ctx: Context, call: Call[None, None]) -> o.OrganizationReply:
    return _organization(directory.create_organization(ctx, call.caller))


def show_organization(ctx: Context, call: Call[None, None]) -> o.OrganizationReply:
    return _organization(directory.show_organization(ctx, call.caller))


def delete_organization(ctx: Context, call: Call[None, None]) -> None:
    directory.delete_organization(ctx, call.caller)


def list_roots(ctx: Context, call: Call[None, o.OrgPageQuery]) -> o.RootsReply:
    organization, root, enabled = policies.list_roots(ctx, call.caller)
    found = page([root], call.query)
    return o.RootsReply(
        [root_wire(organization, r, enabled) for r in found.items], page_info(found)
    )


def create_organizational_unit(
    ctx: Context, call: Call[o.CreateOrganizationalUnitBody, None]
) -> o.OrganizationalUnitReply:
    body = call.body
    tags = [(t.key, t.value) for t in body.tags or ()]
    organization, unit = directory.create_unit(ctx, call.caller, body.parent_id, body.name, tags)
    return o.OrganizationalUnitReply(unit_wire(organization, unit))


def list_organizational_units(
    ctx: Context, call: Call[None, o.ListOrganizationalUnitsQuery]
) -> o.OrganizationalUnitsReply:
    q = call.query
    organization, found = directory.list_units(ctx, call.caller, q.parent_id, page_request(q))
    return o.OrganizationalUnitsReply(
        [unit_wire(organization, unit) for unit in found.items], page_info(found)
    )


def show_organizational_unit(ctx: Context, call: Call[None, None]) -> o.OrganizationalUnitReply:
    unit_id = call.path_id("organizational_unit_id")
    return o.OrganizationalUnitReply(unit_wire(*directory.show_unit(ctx, call.caller, unit_id)))


def update_organizational_unit(
    ctx: Context, call: Call[o.UpdateOrganizationalUnitBody, None]
) -> o.OrganizationalUnitReply:
    unit_id = call.path_id("organizational_unit_id")
    renamed = directory.rename_unit(ctx, call.caller, unit_id, call.body.name)
    return o.OrganizationalUnitReply(unit_wire(*renamed))


def delete_organizational_unit(ctx: Context, call: Call[None, None]) -> None:
    directory.delete_unit(ctx, call.caller, call.path_id("organizational_unit_id"))


def list_entities(ctx: Context, call: Call[None, o.ListEntitiesQuery]) -> o.EntitiesReply:
    q = call.query
    found = directory.list_entities(ctx, call.caller, q.parent_id, q.child_id, page_request(q))
    wire = [o.EntityWire(e.name, e.id, e.type) for e in found.items]
    return o.EntitiesReply(wire, page_info(found))


def enable_trusted_service(ctx: Context, call: Call[o.TrustedServiceBody, None]) -> None:
    directory.set_trusted_service(ctx, call.caller, call.body.service_principal, True)


def disable_trusted_service(ctx: Context, call: Call[o.TrustedServiceBody, None]) -> None:
    directory.set_trusted_service(ctx, call.caller, call.body.service_principal, False)


def list_trusted_services(ctx: Context, call: Call[None, o.OrgPageQuery]) -> o.TrustedServicesReply:
    services = directory.list_trusted_services(ctx, call.caller)
    found = page(services, call.query)
    wire = [
        o.TrustedServiceWire(s.service_principal, timestamp_seconds(s.enabled_at))
        for s in found.items
    ]
    return o.TrustedServicesReply(wire, page_info(found))


def list_quotas(ctx: Context, call: Call[None, None]) -> w.QuotasReply:
    """Huawei's ListQuotas, in the shape RAM's ListQuota has too (QuotasResourcesDto)."""
    usage = organization_quotas.list_quotas(ctx, call.caller)
    return w.QuotasReply(w.QuotaResources(convert.records(usage, w.QuotaWire)))


def page(items: Sequence[T], query: o.OrgPageQuery) -> Page[T]:
    """A page of a list that is short by nature (the one root, the trusted services), cut
    from the whole; the directory's lists page in SQL instead (``page_request``)."""
    return page_of_sequence(items, page_request(query))


def page_request(query: o.OrgPageQuery) -> PageRequest:
    return PageRequest(query.limit, query.marker)


def _organization(view: directory.OrganizationView) -> o.OrganizationReply:
    org = view.organization
    return o.OrganizationReply(
        o.OrganizationWire(
            org.id,
            org.urn,
            org.management_account_id,
            view.management_account_name,
            timestamp_seconds(org.created_at),
        )
    )
