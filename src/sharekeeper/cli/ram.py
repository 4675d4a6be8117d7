"""``sharekeeper ram ...``: the RAM API from a terminal, against any ShareKeeper (or Huawei RAM)
endpoint. Exit codes: 0 done; 1 the service refused (its error code and request id are printed);
2 bad usage or missing credentials; 3 the server could not be reached or failed. What a command
prints, as a table, JSON or YAML, is drawn by cli/output.py; the listings beside shares and
invitations are in cli/ram_views.py."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from sharekeeper.cli.apps import command_group
from sharekeeper.cli.output import (
    Column,
    Format,
    JsonOption,
    OutputOption,
    chosen,
    listing,
    record,
)
from sharekeeper.domain.invitations import InvitationStatus
from sharekeeper.domain.shares import ShareStatus

if TYPE_CHECKING:
    from sharekeeper.cli.client import RamClient

ram_app = command_group("Call the RAM API of a server, signed with your access key.")
shares_app = command_group("Resource shares.")
invitations_app = command_group("Invitations received and sent.")
org_app = command_group("Sharing with your organization.")
ram_app.add_typer(shares_app, name="shares")
ram_app.add_typer(invitations_app, name="invitations")
ram_app.add_typer(org_app, name="org-sharing")

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
def connect(ctx: typer.Context) -> Iterator[RamClient]:
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


def list_all(
    ctx: typer.Context,
    fmt: Format,
    path: str,
    items: str,
    body: dict[str, Any],
    columns: Sequence[Column],
) -> None:
    """Every page of a list as ``fmt``: searches (POST) take their filters in the body, lists
    (GET) in the query; empty filters are left out."""
    wanted = {k: v for k, v in body.items() if v}
    method = "POST" if path.endswith("search") else "GET"
    with connect(ctx) as client:
        found = client.pages(method, path, items, wanted)
    listing({items: found}, fmt, found, columns, items.replace("_", " "))


SHARE_COLUMNS = (
    Column("id", whole=True),
    Column("name"),
    Column("status"),
    Column("owning_account_id", "owner", whole=True, optional=True),
    Column("allow_external_principals", "external", optional=True),
    Column("tags", optional=True),
)
ASSOCIATION_COLUMNS = (
    Column("associated_entity", "entity", whole=True, tail=True),
    Column("status"),
    Column("association_type", "type", optional=True),
    Column("resource_share_id", "share_id", whole=True, optional=True),
    Column("external", optional=True),
    Column("status_message", "message", optional=True),
)
INVITATION_COLUMNS = (
    Column("resource_share_invitation_id", "invitation_id", whole=True),
    Column("resource_share_name", "share"),
    Column("status"),
    Column("direction", whole=True),
    Column("sender_account_id", "sender", whole=True, optional=True),
    Column("receiver_account_id", "receiver", whole=True, optional=True),
    Column("resource_share_id", "share_id", whole=True, optional=True),
    Column("updated_at", "updated", whole=True, optional=True),
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
    output: OutputOption = None,
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
    fmt = chosen(output, as_json)
    with connect(ctx) as client:
        data = client.call(
            "POST", "/v1/resource-shares", {k: v for k, v in body.items() if v is not None}
        )
    record(data, fmt, data["resource_share"])


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
    output: OutputOption = None,
    as_json: JsonOption = False,
) -> None:
    """List resource shares (every page)."""
    wanted = {
        "resource_owner": owner.value,
        "name": name,
        "resource_share_status": status.value if status else None,
    }
    fmt = chosen(output, as_json)
    list_all(ctx, fmt, "/v1/resource-shares/search", "resource_shares", wanted, SHARE_COLUMNS)


@shares_app.command("show")
def shares_show(
    ctx: typer.Context, share_id: str, output: OutputOption = None, as_json: JsonOption = False
) -> None:
    """Show one share, yours (with its associations) or given to you."""
    fmt = chosen(output, as_json)

    def search(client: RamClient, owner: str) -> list[Any]:
        body = {"resource_owner": owner, "resource_share_ids": [share_id]}
        found: list[Any] = client.call("POST", "/v1/resource-shares/search", body)[
            "resource_shares"
        ]
        return found

    associations: list[Any] = []
    with connect(ctx) as client:
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
    record(data, fmt, found[0])
    if associations and fmt is Format.TABLE:
        typer.echo("")
        listing(None, fmt, associations, ASSOCIATION_COLUMNS, "associations")


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
    output: OutputOption = None,
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
    fmt = chosen(output, as_json)
    with connect(ctx) as client:
        data = client.call("PUT", f"/v1/resource-shares/{share_id}", body)
    record(data, fmt, data["resource_share"])


@shares_app.command("delete")
def shares_delete(ctx: typer.Context, share_id: str) -> None:
    """Delete a share (it stays visible as deleted for 48 hours)."""
    with connect(ctx) as client:
        client.call("DELETE", f"/v1/resource-shares/{share_id}")
    typer.echo(f"deleted {share_id}")


def _associations(action: str) -> Callable[..., None]:
    def command(
        ctx: typer.Context,
        share_id: str,
        principal: Principals = None,
        resource: Resources = None,
        output: OutputOption = None,
        as_json: JsonOption = False,
    ) -> None:
        body = {k: v for k, v in {"principals": principal, "resource_urns": resource}.items() if v}
        fmt = chosen(output, as_json)
        with connect(ctx) as client:
            data = client.call("POST", f"/v1/resource-shares/{share_id}/{action}", body)
        found = data["resource_share_associations"]
        listing(data, fmt, found, ASSOCIATION_COLUMNS, "associations")

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
    output: OutputOption = None,
    as_json: JsonOption = False,
) -> None:
    """List invitations you received or sent."""
    fmt = chosen(output, as_json)
    items = "resource_share_invitations"
    body = {"status": status.value} if status else {}
    with connect(ctx) as client:
        found = client.pages("POST", "/v1/resource-share-invitations/search", items, body)
        me = client.caller() if fmt is Format.TABLE and found else None
    # An account that both sends and receives tells them apart by a short word; the sender's
    # and receiver's ids are 32 columns each, and only fit a wide terminal.
    rows = [{**i, "direction": _direction(i, me)} for i in found]
    listing({items: found}, fmt, rows, INVITATION_COLUMNS, "invitations")


def _direction(invitation: dict[str, Any], me: str | None) -> str:
    if me is not None and invitation.get("receiver_account_id") == me:
        return "received"
    if me is not None and invitation.get("sender_account_id") == me:
        return "sent"
    return "?"  # the endpoint would not say whose key this is


def _answer(action: str) -> Callable[..., None]:
    def command(
        ctx: typer.Context,
        invitation_id: str,
        output: OutputOption = None,
        as_json: JsonOption = False,
    ) -> None:
        fmt = chosen(output, as_json)
        with connect(ctx) as client:
            data = client.call("POST", f"/v1/resource-share-invitations/{invitation_id}/{action}")
        record(data, fmt, data["resource_share_invitation"])

    command.__doc__ = f"{action.capitalize()} an invitation you received."
    return command


invitations_app.command("accept")(_answer("accept"))
invitations_app.command("reject")(_answer("reject"))


@org_app.command("show")
def org_show(ctx: typer.Context, output: OutputOption = None, as_json: JsonOption = False) -> None:
    """Whether your organization shares."""
    fmt = chosen(output, as_json)
    with connect(ctx) as client:
        data = client.call("GET", "/v1/organization-share")
    record(data, fmt, data)


def _switch(action: str) -> Callable[..., None]:
    def command(ctx: typer.Context) -> None:
        with connect(ctx) as client:
            client.call("POST", f"/v1/organization-share/{action}")
        typer.echo(f"organization sharing {action}d")

    command.__doc__ = f"{action.capitalize()} sharing with your organization (management account)."
    return command


org_app.command("enable")(_switch("enable"))
org_app.command("disable")(_switch("disable"))
