"""The read-only permission catalogue and the shareable resource types."""

from __future__ import annotations

from sharekeeper.domain.errors import InvalidParameter
from sharekeeper.domain.paging import Page, PageRequest, page_of_sequence
from sharekeeper.domain.permissions import Permission, ResourceType
from sharekeeper.services.context import Context

PERMISSION_TYPES = ("RAM_MANAGED", "CUSTOMER_MANAGED", "ALL")


def list_permissions(
    ctx: Context, page: PageRequest, resource_type: str | None, permission_type: str = "ALL"
) -> Page[Permission]:
    if permission_type not in PERMISSION_TYPES:
        raise InvalidParameter(f"permission_type must be one of {', '.join(PERMISSION_TYPES)}.")
    return page_of_sequence(ctx.catalogue.permissions(resource_type, permission_type), page)


def show_permission(ctx: Context, permission_id: str, version: int | None) -> Permission:
    return ctx.catalogue.get(permission_id, version)


def list_permission_versions(
    ctx: Context, permission_id: str, page: PageRequest
) -> Page[Permission]:
    return page_of_sequence(ctx.catalogue.versions(permission_id), page)


def list_resource_types(ctx: Context, page: PageRequest) -> Page[tuple[str, str]]:
    """(region, resource type) pairs."""
    return page_of_sequence(ctx.catalogue.type_regions, page)


def shareable_types(ctx: Context) -> list[tuple[ResourceType, Permission | None]]:
    """Every shareable resource type by name, with its default permission (the console's
    resource-types page)."""
    types = sorted(ctx.catalogue.types.values(), key=lambda t: t.name)
    return [(t, ctx.catalogue.default_for(t.name)) for t in types]
