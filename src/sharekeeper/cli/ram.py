"""``sharekeeper ram ...``: the RAM API from a terminal, against any ShareKeeper (or Huawei RAM)
endpoint. Exit codes: 0 done; 1 the service refused (its error code and request id are printed);
2 bad usage or missing credentials; 3 the server could not be reached or failed."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from sharekeeper.cli.apps import command_group
from sharekeeper.domain.invitations import InvitationStatus
from sharekeeper.domain.shares import ShareStatus

if TYPE_CHECKING:
    from sharekeeper.cli.client import RamClient

ram_app = command_group("Call the RAM API of a server, signed with your access key.")
shares_app = command_group("Resource shares.")
invitations_app = command_group("Invitations received and sent.")
permissions_app = command_group("The managed-permission catalogue.")
org_app = command_group("Sharing with your organization.")
ram_app.add_typer(shares_app, name="shares")
ram_app.add_typer(invitations_app, name="invitations")
ram_app.add_typer(permissions_app, name="permissions")
ram_app.add_typer(org_app, name="org-sharing")

JsonOption = Annotated[bool, typer.Option("--json", help="Print the API's JSON.")]
# The connection options: accepted after any ram command too (cli.main.hoist moves them).
CONNECTION_OPTIONS = (
    "--endpoint",
    "--ak",
    "--sk",
    "--security-token",
    "--domain-id",
    "--profile",
)


class Owner(StrEnum):
    SELF = "self"
    OTHER_ACCOUNTS = "other-accounts"


Principals = Annotated[
    list[str] | None, typer.Option("--principal", help="Account id or org/OU URN; repeatable.")
]
Resources = Annotated[
    list[str] | None, typer.Option("--resource", help="Resource URN; repeatable.")
]


@ram_app.callback()
def connection(
    ctx: typer.Context,
    endpoint: Annotated[
        str | None, typer.Option(help="http(s)://host:port [SHAREKEEPER_ENDPOINT]")
    ] = None,
    ak: Annotated[str | None, typer.Option(help="Access key [HUAWEICLOUD_SDK_AK]")] = None,
    sk: Annotated[str | None, typer.Option(help="Secret key [HUAWEICLOUD_SDK_SK]")] = None,
    security_token: Annotated[
        str | None, typer.Option(help="[HUAWEICLOUD_SDK_SECURITY_TOKEN]")
    ] = None,
    domain_id: Annotated[
        str | None, typer.Option(help="Account id [HUAWEICLOUD_SDK_DOMAIN_ID]")
    ] = None,
    profile: Annotated[
        str | None, typer.Option(help="Profile of the profile file [SHAREKEEPER_PROFILE]")
    ] = None,
) -> None:
    ctx.obj = {
        "flags": {
            "endpoint": endpoint,
            "access_key": ak,
            "secret_key": sk,
            "security_token": security_token,
            "domain_id": domain_id,
        },
        "profile": profile,
    }


@contextmanager
def _client(ctx: typer.Context) -> Iterator[RamClient]:
    from sharekeeper.cli.client import ApiError, RamClient, Unreachable, UsageError
    from sharekeeper.cli.client import resolve_credentials as resolve

    def fail(error: Exception, code: int) -> typer.Exit:
        typer.echo(f"error: {error}", err=True)
        return typer.Exit(code)

    try:
        client = RamClient(resolve(ctx.obj["flags"], ctx.obj["profile"]))
        try:
            yield client
        finally:
            client.close()
    except UsageError as error:
        raise fail(error, 2) from None
    except ApiError as error:
        raise fail(error, 1) from None
    except Unreachable as error:
        raise fail(error, 3) from None


def _show(data: Any, as_json: bool, rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> None:
    if as_json:
        sys.stdout.write(json.dumps(data) + "\n")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(*columns)
    for row in rows:
        table.add_row(*(_cell(row.get(c)) for c in columns))
    Console(width=200).print(table)


def _cell(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(
            f"{t['key']}={t['value']}" if isinstance(t, dict) else str(t) for t in value
        )
    return "" if value is None else str(value)


SHARE_COLUMNS = ("id", "name", "status", "owning_account_id", "allow_external_principals", "tags")
ASSOCIATION_COLUMNS = (
    "associated_entity",
    "association_type",
    "status",
    "external",
    "status_message",
)
INVITATION_COLUMNS = (
    "resource_share_invitation_id",
    "resource_share_name",
    "status",
    "sender_account_id",
    "receiver_account_id",
    "updated_at",
)


@shares_app.command("create")
def shares_create(
    ctx: typer.Context,
    name: Annotated[str, typer.Option(help="The share's name.")],
    description: Annotated[str | None, typer.Option(help="What the share is for.")] = None,
    principal: Principals = None,
    resource: Resources = None,
    permission: Annotated[list[str] | None, typer.Option(help="Permission id; repeatable.")] = None,
    tag: Annotated[list[str] | None, typer.Option(help="KEY=VALUE; repeatable.")] = None,
    external: Annotated[
        bool,
        typer.Option("--external/--no-external", help="Allow principals outside the organization."),
    ] = True,
    as_json: JsonOption = False,
) -> None:
    """Create a resource share."""
    tags = []
    for item in tag or []:
        key, sep, value = item.partition("=")
        if not sep:
            raise typer.BadParameter(f"--tag {item!r} is not KEY=VALUE")
        tags.append({"key": key, "value": value})
    body = {
        "name": name,
        "description": description,
        "allow_external_principals": external,
        "principals": principal,
        "resource_urns": resource,
        "permission_ids": permission,
        "tags": tags or None,
    }
    with _client(ctx) as client:
        data = client.call(
            "POST", "/v1/resource-shares", {k: v for k, v in body.items() if v is not None}
        )
    _show(data, as_json, [data["resource_share"]], SHARE_COLUMNS)


@shares_app.command("list")
def shares_list(
    ctx: typer.Context,
    owner: Annotated[
        Owner, typer.Option(help="self, or other-accounts for shares given to you.")
    ] = Owner.SELF,
    name: Annotated[str | None, typer.Option(help="Only shares of this name.")] = None,
    status: Annotated[
        ShareStatus | None, typer.Option(help="Only shares in this status.", show_default=False)
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """List resource shares (every page)."""
    wanted = {
        "resource_owner": owner.value,
        "name": name,
        "resource_share_status": status.value if status else None,
    }
    body = {k: v for k, v in wanted.items() if v}
    with _client(ctx) as client:
        found = client.pages("POST", "/v1/resource-shares/search", "resource_shares", body)
    _show({"resource_shares": found}, as_json, found, SHARE_COLUMNS)


@shares_app.command("show")
def shares_show(ctx: typer.Context, share_id: str, as_json: JsonOption = False) -> None:
    """Show one share, yours (with its associations) or given to you."""

    def search(client: RamClient, owner: str) -> list[Any]:
        body = {"resource_owner": owner, "resource_share_ids": [share_id]}
        found: list[Any] = client.call("POST", "/v1/resource-shares/search", body)[
            "resource_shares"
        ]
        return found

    associations: list[Any] = []
    with _client(ctx) as client:
        found = search(client, "self")
        if found:
            for kind in ("principal", "resource"):
                associations += client.pages(
                    "POST",
                    "/v1/resource-share-associations/search",
                    "resource_share_associations",
                    {"association_type": kind, "resource_share_ids": [share_id]},
                )
        else:
            found = search(client, "other-accounts")
        if not found:
            from sharekeeper.cli.client import ApiError

            raise ApiError(404, "RAM.9401", f"The resource share {share_id} does not exist.", "")
    data = {"resource_share": found[0], "resource_share_associations": associations}
    _show(data, as_json, found, SHARE_COLUMNS)
    if associations and not as_json:
        _show(None, False, associations, ASSOCIATION_COLUMNS)


@shares_app.command("update")
def shares_update(
    ctx: typer.Context,
    share_id: str,
    name: Annotated[str, typer.Option(help="The name (Huawei requires it on every update).")],
    description: Annotated[
        str | None, typer.Option(help="A new description ('' clears it).")
    ] = None,
    external: Annotated[
        bool | None,
        typer.Option(
            "--external/--no-external",
            help="Allow principals outside the organization. [default: unchanged]",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Update a share's name, description or external-principal setting."""
    body = {
        k: v
        for k, v in {
            "name": name,
            "description": description,
            "allow_external_principals": external,
        }.items()
        if v is not None
    }
    with _client(ctx) as client:
        data = client.call("PUT", f"/v1/resource-shares/{share_id}", body)
    _show(data, as_json, [data["resource_share"]], SHARE_COLUMNS)


@shares_app.command("delete")
def shares_delete(ctx: typer.Context, share_id: str) -> None:
    """Delete a share (it stays visible as deleted for 48 hours)."""
    with _client(ctx) as client:
        client.call("DELETE", f"/v1/resource-shares/{share_id}")
    typer.echo(f"deleted {share_id}")


def _associations(action: str) -> Callable[..., None]:
    def command(
        ctx: typer.Context,
        share_id: str,
        principal: Principals = None,
        resource: Resources = None,
        as_json: JsonOption = False,
    ) -> None:
        body = {k: v for k, v in {"principals": principal, "resource_urns": resource}.items() if v}
        with _client(ctx) as client:
            data = client.call("POST", f"/v1/resource-shares/{share_id}/{action}", body)
        _show(data, as_json, data["resource_share_associations"], ASSOCIATION_COLUMNS)

    command.__doc__ = f"{action.capitalize()} principals or resources (repeat the options)."
    return command


shares_app.command("associate")(_associations("associate"))
shares_app.command("disassociate")(_associations("disassociate"))


@invitations_app.command("list")
def invitations_list(
    ctx: typer.Context,
    status: Annotated[
        InvitationStatus | None,
        typer.Option(help="Only invitations in this status.", show_default=False),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """List invitations you received or sent."""
    with _client(ctx) as client:
        found = client.pages(
            "POST",
            "/v1/resource-share-invitations/search",
            "resource_share_invitations",
            {"status": status.value} if status else {},
        )
    _show({"resource_share_invitations": found}, as_json, found, INVITATION_COLUMNS)


def _answer(action: str) -> Callable[..., None]:
    def command(ctx: typer.Context, invitation_id: str, as_json: JsonOption = False) -> None:
        with _client(ctx) as client:
            data = client.call("POST", f"/v1/resource-share-invitations/{invitation_id}/{action}")
        _show(data, as_json, [data["resource_share_invitation"]], INVITATION_COLUMNS)

    command.__doc__ = f"{action.capitalize()} an invitation you received."
    return command


invitations_app.command("accept")(_answer("accept"))
invitations_app.command("reject")(_answer("reject"))

PERMISSION_COLUMNS = ("id", "name", "resource_type", "version", "is_resource_type_default")


@permissions_app.command("list")
def permissions_list(
    ctx: typer.Context,
    resource_type: Annotated[
        str | None, typer.Option(help="Only permissions for this type (vpc:subnet, ...).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """List managed permissions."""
    with _client(ctx) as client:
        data = client.call("GET", "/v1/permissions", query={"resource_type": resource_type})
    _show(data, as_json, data["permissions"], PERMISSION_COLUMNS)


@permissions_app.command("show")
def permissions_show(
    ctx: typer.Context,
    permission_id: str,
    version: Annotated[
        int | None,
        typer.Option(help="A version number. [default: the current one]", show_default=False),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Show a permission (its current version unless --version)."""
    with _client(ctx) as client:
        data = client.call(
            "GET", f"/v1/permissions/{permission_id}", query={"permission_version": version}
        )
    _show(data, as_json, [data["permission"]], (*PERMISSION_COLUMNS, "content"))


@ram_app.command("resource-types")
def resource_types(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List the shareable resource types and their regions."""
    with _client(ctx) as client:
        data = client.call("GET", "/v1/resource-types")
    _show(data, as_json, data["resource_types"], ("resource_type", "region_id"))


@org_app.command("show")
def org_show(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Whether your organization shares."""
    with _client(ctx) as client:
        data = client.call("GET", "/v1/organization-share")
    _show(data, as_json, [data], ("enabled",))


def _switch(action: str) -> Callable[..., None]:
    def command(ctx: typer.Context) -> None:
        with _client(ctx) as client:
            client.call("POST", f"/v1/organization-share/{action}")
        typer.echo(f"organization sharing {action}d")

    command.__doc__ = f"{action.capitalize()} sharing with your organization (management account)."
    return command


org_app.command("enable")(_switch("enable"))
org_app.command("disable")(_switch("disable"))
