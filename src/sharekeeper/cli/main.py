"""``sharekeeper ...``: serve, migrate, accounts and keys. Each command parses its arguments,
calls one service and prints the result.

Imports are made inside the commands: ``--help`` and ``sharekeeper ram`` should not pay for the
server, the database layer and the migrations (about 0.8 s before they were deferred)."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from sharekeeper.cli import ram_views  # noqa: F401  (adds its commands to ram_app)
from sharekeeper.cli.apps import command_group
from sharekeeper.cli.failures import CommandError
from sharekeeper.cli.output import Column, OutputOption, chosen, listing
from sharekeeper.cli.ram import CONNECTION_OPTIONS, ram_app

if TYPE_CHECKING:
    from sharekeeper.bootstrap import Runtime
    from sharekeeper.config import Settings
    from sharekeeper.domain.paging import Page, PageRequest

T = TypeVar("T")

app = command_group("ShareKeeper: a Resource Access Manager compatible with Huawei RAM v1.")
account_app = command_group("Accounts.")
key_app = command_group("Access keys and temporary credentials.")
app.add_typer(account_app, name="account")
app.add_typer(key_app, name="key")
org_app = command_group("The organization directory.")
app.add_typer(org_app, name="org")
service_app = command_group("Service principals: resource services that ask for decisions.")
app.add_typer(service_app, name="service")
webhook_app = command_group("Webhooks: the change feed POSTed, signed, to your URLs.")
app.add_typer(webhook_app, name="webhook")
audit_app = command_group("The audit trail of state-changing calls.")
app.add_typer(audit_app, name="audit")
app.add_typer(ram_app, name="ram")

DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database",
        help="sqlite:///PATH or postgresql://USER@HOST:PORT/DB [default: SHAREKEEPER_DATABASE_URL,"
        " else SQLite in the data directory]",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
# As services.identity.MAX_TEMPORARY_TTL_SECONDS (a test keeps them equal), without its imports.
MAX_TEMPORARY_TTL_SECONDS = 7 * 24 * 3600
# Options of the whole command, accepted wherever they stand on the line.
GLOBAL_FLAGS = ("--debug",)
GLOBAL_OPTIONS = ("--config",)


def _settings(database: str | None) -> Settings:
    from sharekeeper.config import Settings, SettingsError

    try:
        settings = Settings.from_env()
    except SettingsError as error:
        raise CommandError(str(error), exit_code=2) from None
    return settings.with_overrides(database_url=database)


def _open(settings: Settings) -> Runtime:
    """The runtime over the settings' database, or a CommandError saying why not."""
    from sharekeeper.bootstrap import build_runtime
    from sharekeeper.cli.failures import describe

    try:
        return build_runtime(settings)
    except Exception as error:
        line = describe(error, settings)
        if line is None:
            raise
        raise CommandError(line) from error


@contextmanager
def _runtime(database: str | None) -> Iterator[Runtime]:
    from sharekeeper.domain.errors import ShareKeeperError

    runtime = _open(_settings(database))
    try:
        yield runtime
    except ShareKeeperError as error:
        typer.echo(f"error: {error.code}: {error.message}", err=True)
        raise typer.Exit(1) from None
    finally:
        runtime.close()


def _every(read: Callable[[PageRequest], Page[T]]) -> list[T]:
    """Every item of a listing, read a page of 1,000 at a time by ``read``."""
    from sharekeeper.domain.paging import PageRequest

    found: list[T] = []
    marker = None
    for _ in range(1_000_000):  # bounded: a page of 1,000 each
        page = read(PageRequest(1000, marker))
        found += page.items
        marker = page.next_marker
        if marker is None:
            break
    return found


def _emit(data: dict[str, Any], as_json: bool) -> None:
    from sharekeeper.logs import printable

    if as_json:
        typer.echo(json.dumps(data))
    else:
        for key, value in data.items():
            typer.echo(f"{key}: {printable(str(value))}")


def _version(show: bool) -> None:
    if show:
        from importlib.metadata import version

        typer.echo(f"sharekeeper {version('sharekeeper')}")
        raise typer.Exit()


@app.callback()
def options(
    config: Annotated[
        Path | None,
        typer.Option(
            "--config", help="A TOML file of settings (env vars override it).", show_default=False
        ),
    ] = None,
    debug: Annotated[
        bool, typer.Option("--debug", help="On a failure, show the traceback too.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", help="Show the version and exit.", callback=_version, is_eager=True
        ),
    ] = False,
) -> None:
    """ShareKeeper: a Resource Access Manager compatible with Huawei RAM v1."""
    if config is not None:
        os.environ["SHAREKEEPER_CONFIG"] = str(config)


def _setting(name: str, help: str, min: int | None = None, max: int | None = None) -> Any:
    """A ``serve`` option for a setting, its help naming the default: the variable's value,
    else the setting's own."""
    from dataclasses import fields

    from sharekeeper.config import Settings

    (default,) = (f.default for f in fields(Settings) if f.name == name)
    variable = f"SHAREKEEPER_{name.upper()}"
    full = f"{help} [default: {variable}, else {default}]"
    return typer.Option(help=full, show_default=False, min=min, max=max)


@app.command()
def serve(
    host: Annotated[
        str | None, _setting("host", "Address to listen on (0.0.0.0: every IPv4 address).")
    ] = None,
    port: Annotated[
        int | None, _setting("port", "Port to listen on; 0 picks a free one.", min=0, max=65535)
    ] = None,
    database: DatabaseOption = None,
    workers: Annotated[int | None, _setting("workers", "Worker processes.", min=1, max=256)] = None,
    demo: Annotated[
        bool, typer.Option("--demo", help="Make demo accounts and print how to use them.")
    ] = False,
    trusted_proxies: Annotated[
        str | None,
        typer.Option(
            help="Proxies whose X-Forwarded-For and X-Forwarded-Proto are believed: "
            "comma-separated addresses or CIDR networks. [default: SHAREKEEPER_TRUSTED_PROXIES, "
            "else none: every peer is the client]",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Run the server (migrating the database first)."""
    import logging

    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from sharekeeper.api.http.connections import raise_file_limit
    from sharekeeper.app import create_app
    from sharekeeper.demo import demo_text, ensure_demo
    from sharekeeper.events import NATS_MISSING, nats_client_installed
    from sharekeeper.logs import configure_logging
    from sharekeeper.memory import limit_malloc_arenas
    from sharekeeper.store.engine import display_url

    limit_malloc_arenas()  # before the server starts any thread
    settings = _settings(database).with_overrides(
        host=host, port=port, workers=workers, trusted_proxies=_proxies(trusted_proxies)
    )
    if settings.nats_url is not None and not nats_client_installed():
        raise CommandError(NATS_MISSING, exit_code=2)
    configure_logging(settings.log_format, settings.log_level)
    log = logging.getLogger("sharekeeper")
    sock = _listen(settings.host, settings.port)
    bound_port = sock.getsockname()[1]
    endpoint = f"http://{settings.host}:{bound_port}"
    runtime = _open(settings)
    if demo:
        # To the terminal (standard error, beside the logs only when they are text), never
        # into a JSON log stream on standard output.
        typer.echo(demo_text(ensure_demo(runtime, settings), endpoint), err=True)
    files = raise_file_limit()
    log.info(
        "ShareKeeper listening on %s (database %s, %d worker%s, pid %d)",
        endpoint,
        display_url(settings.database_url),
        settings.workers,
        "" if settings.workers == 1 else "s",
        os.getpid(),
    )
    log.info("console: %s/console/", _browsable(settings.host, bound_port))
    if settings.trusted_proxies:
        log.info("forwarding headers believed from %s", ", ".join(settings.trusted_proxies))
    if files < settings.max_connections + 64:
        log.warning(
            "the open-file limit (%d) is below SHAREKEEPER_MAX_CONNECTIONS (%d): raise it "
            "(ulimit -n) or lower the setting",
            files,
            settings.max_connections,
        )
    if settings.workers == 1:
        app = create_app(settings, runtime=runtime)
        config = _uvicorn_config(app, settings, app.state.metrics)
        uvicorn.Server(config).run(sockets=[sock])
        return
    runtime.close()
    # Workers rebuild the settings from the environment: pass on what the flags changed.
    os.environ.update(
        SHAREKEEPER_DATABASE_URL=settings.database_url,
        SHAREKEEPER_DATA_DIR=str(settings.data_dir),
        SHAREKEEPER_TRUSTED_PROXIES=",".join(settings.trusted_proxies),
    )
    config = _uvicorn_config("sharekeeper.app:app_from_environment", settings)
    Multiprocess(config, sockets=[sock]).run()


def _browsable(host: str, port: int) -> str:
    """The address a browser on this machine opens: a wildcard address is not one."""
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1" if host != "::" else "::1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _proxies(option: str | None) -> tuple[str, ...] | None:
    """``--trusted-proxies``, checked as the setting is; None when not given."""
    from sharekeeper.config import SettingsError, trusted_proxies

    if option is None:
        return None
    try:
        return trusted_proxies(option, "--trusted-proxies")
    except SettingsError as error:
        raise CommandError(str(error), exit_code=2) from None


def _listen(host: str, port: int) -> Any:
    import errno
    import socket

    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            raise CommandError(
                f"port {port} on {host} is in use by another process: stop it, or choose "
                "another port with --port (0 picks a free one)"
            ) from None
        raise CommandError(f"cannot listen on {host}:{port}: {error.strerror}") from None
    # Listen before announcing: a client that reads the line may connect at once, and the
    # backlog holds it until a worker accepts.
    sock.listen(2048)
    return sock


def _uvicorn_config(app: Any, settings: Settings, metrics: Any = None) -> Any:
    from sharekeeper.api.http.connections import ServerConfig

    return ServerConfig(
        app,
        settings,
        metrics,
        factory=isinstance(app, str),
        workers=settings.workers,
        lifespan="on",
        log_config=None,  # keep ShareKeeper's logging
        access_log=False,  # ShareKeeper logs each request itself, with its request id
        timeout_graceful_shutdown=30,  # on SIGTERM, finish what is in flight first
    )


@app.command()
def migrate(database: DatabaseOption = None) -> None:
    """Bring the database schema to the newest revision."""
    from sharekeeper.store import migrate as migrations

    with _runtime(database) as runtime:
        typer.echo(f"database at revision {migrations.current_revision(runtime.engine)}")


@account_app.command("create")
def account_create(
    name: Annotated[str, typer.Option(help="A name for the account.")],
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create an account with its first access key."""
    from sharekeeper.services import identity

    with _runtime(database) as runtime:
        account, key = identity.create_account(runtime.context, name)
    _emit(
        {
            "account_id": account.id,
            "name": account.name,
            "access_key": key.access_key,
            "secret_key": key.secret_key,
            "aws_account_id": account.aws_account_id,
        },
        as_json,
    )


@key_app.command("create")
def key_create(
    account_id: str, database: DatabaseOption = None, as_json: JsonOption = False
) -> None:
    """Create a permanent access key for an account."""
    from sharekeeper.services import identity

    with _runtime(database) as runtime:
        key = identity.create_access_key(runtime.context, account_id)
    _emit({"access_key": key.access_key, "secret_key": key.secret_key}, as_json)


@key_app.command("create-temporary")
def key_create_temporary(
    account_id: str,
    ttl: Annotated[
        int,
        typer.Option(
            help="Lifetime in seconds (at most 7 days).",
            min=1,
            max=MAX_TEMPORARY_TTL_SECONDS,
        ),
    ] = 3600,
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create temporary credentials (access key, secret key, security token) for an account."""
    from sharekeeper.api.convert import timestamp
    from sharekeeper.services import identity

    with _runtime(database) as runtime:
        key = identity.create_access_key(runtime.context, account_id, ttl_seconds=ttl)
    assert key.expires_at is not None
    _emit(
        {
            "access_key": key.access_key,
            "secret_key": key.secret_key,
            "security_token": key.security_token,
            "expires_at": timestamp(key.expires_at),
        },
        as_json,
    )


@key_app.command("revoke")
def key_revoke(access_key: str, database: DatabaseOption = None) -> None:
    """Revoke an access key; requests signed with it fail from now on."""
    from sharekeeper.services import identity

    with _runtime(database) as runtime:
        identity.revoke_access_key(runtime.context, access_key)
    typer.echo(f"revoked {access_key}")


@key_app.command("rotate-master")
def key_rotate_master(
    new_key_file: Annotated[
        Path | None,
        typer.Option(
            help="A file holding the new master key (32 random bytes, base64) [default: the "
            "SHAREKEEPER_NEW_MASTER_KEY variable].",
            show_default=False,
        ),
    ] = None,
    database: DatabaseOption = None,
) -> None:
    """Re-seal every secret under a new master key, in one transaction. Stop the servers first."""
    from sharekeeper.auth.secrets import InvalidMasterKey
    from sharekeeper.bootstrap import rotate_master
    from sharekeeper.cli.master_key import new_master_key, rotation_report

    try:
        new_key, source = new_master_key(new_key_file, os.environ)
    except InvalidMasterKey as error:
        raise CommandError(str(error), exit_code=2) from None
    with _runtime(database) as runtime:
        try:
            rotation, path = rotate_master(runtime, new_key, source)
        except InvalidMasterKey as error:
            raise CommandError(str(error)) from None
    typer.echo(rotation_report(rotation, path, source))


@org_app.command("create")
def org_create(
    management_account: Annotated[str, typer.Option(help="The management account's id.")],
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create an organization with its root; the management account joins it at the root."""
    from sharekeeper.services import organizations

    with _runtime(database) as runtime:
        org = organizations.operator_create_organization(runtime.context, management_account)
    _emit(
        {
            "organization_id": org.id,
            "organization_urn": org.urn,
            "root_id": org.root_id,
            "root_urn": org.node_urn(org.root_id),
        },
        as_json,
    )


@org_app.command("create-ou")
def org_create_ou(
    parent: Annotated[str, typer.Option(help="The root or OU to create it under.")],
    name: Annotated[str, typer.Option(help="The OU's name.")],
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create an organizational unit under a root or another OU."""
    from sharekeeper.services import organizations

    with _runtime(database) as runtime:
        org, unit = organizations.operator_create_unit(runtime.context, parent, name)
    _emit({"ou_id": unit.id, "ou_urn": org.node_urn(unit.id)}, as_json)


@org_app.command("add-account")
def org_add_account(
    account_id: str,
    parent: Annotated[str, typer.Option(help="The root or OU to place it under.")],
    database: DatabaseOption = None,
) -> None:
    """Add an account to an organization, or move it within its organization."""
    from sharekeeper.services import organizations

    with _runtime(database) as runtime:
        organizations.add_account(runtime.context, account_id, parent)
    typer.echo(f"{account_id} is under {parent}")


@org_app.command("remove-account")
def org_remove_account(account_id: str, database: DatabaseOption = None) -> None:
    """Remove an account from its organization; what it had through it ends."""
    from sharekeeper.services import organizations

    with _runtime(database) as runtime:
        organizations.remove_account(runtime.context, account_id)
    typer.echo(f"{account_id} left its organization")


@org_app.command("delete-ou")
def org_delete_ou(ou_id: str, database: DatabaseOption = None) -> None:
    """Delete an empty OU; it is disassociated from every share."""
    from sharekeeper.services import organizations

    with _runtime(database) as runtime:
        organizations.operator_delete_unit(runtime.context, ou_id)
    typer.echo(f"deleted {ou_id}")


AUDIT_COLUMNS = (
    Column("at", whole=True),
    Column("account_id", "account", whole=True),  # without it the trail says not who
    Column("operation"),
    Column("outcome"),
    Column("targets", whole=True, optional=True),
    Column("request_id", whole=True, optional=True),
    Column("source_address", "source", whole=True, optional=True),
    Column("channel", optional=True),
)


@service_app.command("create")
def service_create(
    name: Annotated[str, typer.Option(help="A name for the service.")],
    namespace: Annotated[
        list[str], typer.Option(help="A URN service it may ask about (vpc); repeatable.")
    ],
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create a service principal and its key (the secret is shown this once)."""
    from sharekeeper.services import service_principals

    with _runtime(database) as runtime:
        service, secret = service_principals.create_service(runtime.context, name, namespace)
    _emit(
        {"service_id": service.id, "access_key": service.access_key, "secret_key": secret},
        as_json,
    )


SERVICE_COLUMNS = (
    Column("service_id", "service", whole=True),
    Column("access_key", "access key", whole=True),
    Column("name"),
    Column("namespaces", optional=True),
    Column("revoked_at", "revoked", whole=True, optional=True),
)


@service_app.command("list")
def service_list(
    database: DatabaseOption = None, output: OutputOption = None, as_json: JsonOption = False
) -> None:
    """List service principals, oldest first (revoked ones too, with when)."""
    from sharekeeper.api.convert import service_principal
    from sharekeeper.services import service_principals

    fmt = chosen(output, as_json)
    with _runtime(database) as runtime:
        ctx = runtime.context
        listed = _every(lambda page: service_principals.list_services(ctx, page))
    found = [service_principal(s) for s in listed]
    rows = [
        {**s, "namespaces": ",".join(s["namespaces"]), "revoked_at": s["revoked_at"] or ""}
        for s in found
    ]
    listing(found, fmt, rows, SERVICE_COLUMNS, "services")


@service_app.command("revoke")
def service_revoke(service_id: str, database: DatabaseOption = None) -> None:
    """Revoke a service principal; requests signed with its key fail from now on."""
    from sharekeeper.services import service_principals

    with _runtime(database) as runtime:
        service_principals.revoke_service(runtime.context, service_id)
    typer.echo(f"revoked {service_id}")


@webhook_app.command("add")
def webhook_add(
    url: Annotated[str, typer.Option(help="Where events are POSTed (http:// or https://).")],
    types: Annotated[
        list[str] | None,
        typer.Option(
            "--type",
            help="An event type, or a prefix ending in .* (sharekeeper.ram.invitation.*); "
            "repeatable. None: every event.",
        ),
    ] = None,
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add a webhook; it receives the events committed from now on (the secret is shown this
    once: receivers check each body's X-ShareKeeper-Signature with it)."""
    from sharekeeper.services import webhooks

    with _runtime(database) as runtime:
        hook, secret = webhooks.add_webhook(runtime.context, url, types or [])
    _emit({"webhook_id": hook.id, "secret": secret}, as_json)


WEBHOOK_COLUMNS = (
    Column("webhook_id", "webhook", whole=True),
    Column("url", whole=True),
    Column("types", optional=True),
    Column("state"),
    Column("position", optional=True),
    Column("lag"),
)


@webhook_app.command("list")
def webhook_list(
    database: DatabaseOption = None, output: OutputOption = None, as_json: JsonOption = False
) -> None:
    """List webhooks, oldest first (removed ones too), with the feed cursor each was delivered
    up to and how far behind the newest it is."""
    from sharekeeper.api.convert import webhook
    from sharekeeper.services import webhooks

    fmt = chosen(output, as_json)
    with _runtime(database) as runtime:
        ctx = runtime.context
        found = [webhook(s) for s in _every(lambda page: webhooks.list_webhooks(ctx, page))]
    rows = [
        {**w, "types": ",".join(w["types"]) or "(all)", "position": w["position"] or ""}
        for w in found
    ]
    listing(found, fmt, rows, WEBHOOK_COLUMNS, "webhooks")


@webhook_app.command("remove")
def webhook_remove(webhook_id: str, database: DatabaseOption = None) -> None:
    """Remove a webhook: no delivery to it starts from now on (it stays listed as removed)."""
    from sharekeeper.services import webhooks

    with _runtime(database) as runtime:
        webhooks.remove_webhook(runtime.context, webhook_id)
    typer.echo(f"removed {webhook_id}")


DEAD_LETTER_COLUMNS = (
    Column("dead_letter_id", "dead letter", whole=True),
    Column("webhook_id", "webhook", whole=True, optional=True),
    Column("event_id", "event", whole=True),
    Column("type"),
    Column("attempts", "tries"),
    Column("last_error", "last error"),
    Column("failed_at", "failed", whole=True, optional=True),
)


@webhook_app.command("dead-letters")
def webhook_dead_letters(
    webhook_id: Annotated[str | None, typer.Argument(help="Only this webhook's.")] = None,
    database: DatabaseOption = None,
    output: OutputOption = None,
    as_json: JsonOption = False,
) -> None:
    """List the events a webhook's receiver did not take in every try, oldest first."""
    from sharekeeper.api.convert import dead_letter
    from sharekeeper.services import webhooks

    fmt = chosen(output, as_json)
    with _runtime(database) as runtime:
        ctx = runtime.context
        listed = _every(lambda page: webhooks.list_dead_letters(ctx, webhook_id, page))
    found = [dead_letter(d) for d in listed]
    listing(found, fmt, found, DEAD_LETTER_COLUMNS, "dead_letters")


@webhook_app.command("replay")
def webhook_replay(
    dead_letter_id: Annotated[str | None, typer.Argument(help="The dead letter.")] = None,
    every: Annotated[
        bool, typer.Option("--all", help="Every dead letter of every active webhook.")
    ] = False,
    database: DatabaseOption = None,
) -> None:
    """Deliver dead letters again: the server delivering the webhook sends each once, with a
    fresh signature, and deletes it once taken (a failure keeps it, with its last error)."""
    from sharekeeper.services import webhooks

    if every == (dead_letter_id is not None):
        raise typer.BadParameter("give a DEAD_LETTER_ID or --all, not both or neither")
    with _runtime(database) as runtime:
        asked = webhooks.replay_dead_letters(runtime.context, dead_letter_id)
    typer.echo(f"replay requested for {asked} dead letter{'s' if asked != 1 else ''}")


@audit_app.command("list")
def audit_list(
    account: Annotated[str | None, typer.Option(help="Only this account's calls.")] = None,
    since: Annotated[
        str | None, typer.Option(help="Only calls at or after this ISO-8601 time.")
    ] = None,
    database: DatabaseOption = None,
    output: OutputOption = None,
    as_json: JsonOption = False,
) -> None:
    """List audit records, oldest first."""
    from datetime import UTC, datetime

    from sharekeeper.api.convert import audit_record
    from sharekeeper.domain.audit import AuditFilter
    from sharekeeper.domain.paging import PageRequest
    from sharekeeper.services import audit

    fmt = chosen(output, as_json)
    since_ms = None
    if since is not None:
        try:
            moment = datetime.fromisoformat(since.replace("Z", "+00:00"))
        except ValueError:
            raise typer.BadParameter(f"--since {since!r} is not an ISO-8601 time") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        since_ms = int(moment.timestamp() * 1000)
    records = []
    with _runtime(database) as runtime:
        marker = None
        while True:
            wanted = AuditFilter(account_id=account, since=since_ms)
            page = audit.list_audit_records(runtime.context, wanted, PageRequest(1000, marker))
            records += [audit_record(r) for r in page.items]
            marker = page.next_marker
            if marker is None:
                break
    # A record of refusals in aggregate says how many it stands for. Targets and source are a
    # caller's text: the table writes their control characters out, JSON escapes them.
    rows = [
        {**r, "outcome": f"{r['outcome']} x{r['count']}"} if r["count"] > 1 else r for r in records
    ]
    listing(records, fmt, rows, AUDIT_COLUMNS, "audit records")


# Options that take no value: after any other option, the next word is that option's value,
# even when it looks like an option itself (``--description --endpoint`` is a description).
FLAGS = frozenset(
    ("--debug", "--version", "--help", "--json", "--demo", "--external", "--no-external")
)


def hoist(args: list[str]) -> list[str]:
    """Moves options of a group to just after the group's name, wherever they were typed:
    ``sharekeeper ram shares list --endpoint URL`` is ``sharekeeper ram --endpoint URL shares
    list``, and ``--config``/``--debug`` may stand after any command. Words after ``--`` and
    the values of other options stay where they are."""
    groups: dict[str, list[str]] = {"": [], "ram": []}
    rest: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            rest += args[i:]
            break
        name = arg.split("=", 1)[0]
        group = "" if name in GLOBAL_FLAGS + GLOBAL_OPTIONS else None
        if name in CONNECTION_OPTIONS and rest[:1] == ["ram"]:
            group = "ram"
        takes_value = name.startswith("--") and name not in FLAGS and "=" not in arg
        width = 2 if takes_value and i + 1 < len(args) else 1
        (groups[group] if group is not None else rest).extend(args[i : i + width])
        i += width
    rest[1:1] = groups["ram"]  # right after "ram", the only group that collects any
    return groups[""] + rest


def main(argv: list[str] | None = None) -> None:
    args = hoist(list(sys.argv[1:] if argv is None else argv))
    try:
        app(args=args, prog_name="sharekeeper")
    except KeyboardInterrupt:
        sys.exit(130)
    except CommandError as error:
        if "--debug" in args:
            raise
        typer.echo(f"error: {error}", err=True)
        sys.exit(error.exit_code)
    except Exception as error:
        if "--debug" in args:
            raise
        from sharekeeper.cli.failures import first_line

        typer.echo(
            f"error: unexpected {type(error).__name__}: {first_line(error)} "
            "(run again with --debug for the traceback)",
            err=True,
        )
        sys.exit(1)
