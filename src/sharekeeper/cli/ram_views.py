"""``sharekeeper ram ...`` listings beside shares and invitations: the permission catalogue,
the resource types, and what is shared (associations, resources, principals, tags), each as
the API's search or list, every page."""

from __future__ import annotations

from typing import Annotated

import typer

from sharekeeper.cli.apps import command_group
from sharekeeper.cli.output import Column, JsonOption, OutputOption, chosen, record
from sharekeeper.cli.ram import ASSOCIATION_COLUMNS, Owner, connect, list_all, ram_app
from sharekeeper.domain.shares import AssociationStatus, AssociationType

permissions_app = command_group("The managed-permission catalogue.")
associations_app = command_group("Principals and resources associated with shares.")
resources_app = command_group("Resources shared by you or with you.")
principals_app = command_group("Principals you share with, or that share with you.")
tags_app = command_group("The tags on your shares.")
ram_app.add_typer(permissions_app, name="permissions")
ram_app.add_typer(associations_app, name="associations")
ram_app.add_typer(resources_app, name="resources")
ram_app.add_typer(principals_app, name="principals")
ram_app.add_typer(tags_app, name="tags")

PERMISSION_COLUMNS = (
    Column("id", whole=True),
    Column("name"),
    Column("resource_type", "type", whole=True, optional=True),
    Column("version", optional=True),
    Column("is_resource_type_default", "default", optional=True),
    Column("status", optional=True),
)
RESOURCE_TYPE_COLUMNS = (
    Column("resource_type", "type", whole=True),
    Column("region_id", "region", whole=True),
)
SHARED_RESOURCE_COLUMNS = (
    Column("resource_urn", "urn", whole=True, tail=True),
    Column("status"),
    Column("resource_share_id", "share_id", whole=True, optional=True),
    Column("resource_type", "type", whole=True, optional=True),
    Column("updated_at", "updated", whole=True, optional=True),
)
SHARED_PRINCIPAL_COLUMNS = (
    Column("id", "principal", whole=True, tail=True),
    Column("resource_share_id", "share_id", whole=True),
    Column("updated_at", "updated", whole=True, optional=True),
)
TAG_COLUMNS = (Column("key"), Column("values"))

OwnerOption = Annotated[
    Owner, typer.Option(help="self (shared by you), or other-accounts (shared with you).")
]
Shares = Annotated[
    list[str] | None, typer.Option("--share", help="Only these shares' (an id; repeatable).")
]


@permissions_app.command("list")
def permissions_list(
    ctx: typer.Context,
    resource_type: Annotated[
        str | None, typer.Option(help="Only permissions for this type (vpc:subnet, ...).")
    ] = None,
    output: OutputOption = None,
    as_json: JsonOption = False,
) -> None:
    """List managed permissions (every page)."""
    fmt = chosen(output, as_json)
    body = {"resource_type": resource_type}
    list_all(ctx, fmt, "/v1/permissions", "permissions", body, PERMISSION_COLUMNS)


@permissions_app.command("versions")
def permissions_versions(
    ctx: typer.Context,
    permission_id: str,
    output: OutputOption = None,
    as_json: JsonOption = False,
) -> None:
    """List every version of a permission."""
    fmt = chosen(output, as_json)
    path = f"/v1/permissions/{permission_id}/versions"
    list_all(ctx, fmt, path, "permissions", {}, PERMISSION_COLUMNS)


@permissions_app.command("show")
def permissions_show(
    ctx: typer.Context,
    permission_id: str,
    version: Annotated[
        int | None,
        typer.Option(help="A version number. [default: the current one]", show_default=False),
    ] = None,
    output: OutputOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show a permission with its content (its current version unless --version)."""
    fmt = chosen(output, as_json)
    with connect(ctx) as client:
        data = client.call(
            "GET", f"/v1/permissions/{permission_id}", query={"permission_version": version}
        )
    record(data, fmt, data["permission"])


@ram_app.command("resource-types")
def resource_types(
    ctx: typer.Context, output: OutputOption = None, as_json: JsonOption = False
) -> None:
    """List the shareable resource types and their regions."""
    fmt = chosen(output, as_json)
    list_all(ctx, fmt, "/v1/resource-types", "resource_types", {}, RESOURCE_TYPE_COLUMNS)


@associations_app.command("list")
def associations_list(
    ctx: typer.Context,
    kind: Annotated[
        AssociationType, typer.Option("--type", help="principal or resource associations.")
    ],
    share: Shares = None,
    status: Annotated[
        AssociationStatus | None,
        typer.Option(help="Only associations in this status.", show_default=False),
    ] = None,
    principal: Annotated[str | None, typer.Option(help="Only this principal's.")] = None,
    resource: Annotated[str | None, typer.Option(help="Only this resource URN's.")] = None,
    output: OutputOption = None,
    as_json: JsonOption = False,
) -> None:
    """List the associations of your shares (every page)."""
    fmt = chosen(output, as_json)
    body = {
        "association_type": kind.value,
        "resource_share_ids": share,
        "association_status": status.value if status else None,
        "principal": principal,
        "resource_urn": resource,
    }
    path = "/v1/resource-share-associations/search"
    list_all(ctx, fmt, path, "resource_share_associations", body, ASSOCIATION_COLUMNS)


@resources_app.command("list")
def resources_list(
    ctx: typer.Context,
    owner: OwnerOption = Owner.SELF,
    share: Shares = None,
    resource_type: Annotated[str | None, typer.Option(help="Only this type's.")] = None,
    principal: Annotated[str | None, typer.Option(help="Only those shared with it.")] = None,
    region: Annotated[str | None, typer.Option(help="Only this region's.")] = None,
    output: OutputOption = None,
    as_json: JsonOption = False,
) -> None:
    """List the resources shared by you (or with you, --owner other-accounts)."""
    fmt = chosen(output, as_json)
    body = {
        "resource_owner": owner.value,
        "resource_share_ids": share,
        "resource_type": resource_type,
        "principal": principal,
        "resource_region": region,
    }
    path = "/v1/shared-resources/search"
    list_all(ctx, fmt, path, "shared_resources", body, SHARED_RESOURCE_COLUMNS)


@principals_app.command("list")
def principals_list(
    ctx: typer.Context,
    owner: OwnerOption = Owner.SELF,
    share: Shares = None,
    resource: Annotated[str | None, typer.Option(help="Only those given this URN.")] = None,
    output: OutputOption = None,
    as_json: JsonOption = False,
) -> None:
    """List the principals you share with (or that share with you, --owner other-accounts)."""
    fmt = chosen(output, as_json)
    body = {"resource_owner": owner.value, "resource_share_ids": share, "resource_urn": resource}
    path = "/v1/shared-principals/search"
    list_all(ctx, fmt, path, "shared_principals", body, SHARED_PRINCIPAL_COLUMNS)


@tags_app.command("list")
def tags_list(ctx: typer.Context, output: OutputOption = None, as_json: JsonOption = False) -> None:
    """List the tag keys on your shares, with their values."""
    fmt = chosen(output, as_json)
    list_all(ctx, fmt, "/v1/resource-shares/tags", "tags", {}, TAG_COLUMNS)
