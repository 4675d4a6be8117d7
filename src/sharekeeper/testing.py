"""ShareKeeper for your test suite: a real server in-process, a throwaway database, accounts and
ready `huaweicloudsdkram` clients (and boto3's for AWS's API: ``account.aws("ram")``).
Registered as a pytest plugin (entry point ``pytest11``):

    def test_sharing(sharekeeper):
        alice, bob = sharekeeper.account("alice"), sharekeeper.account("bob")
        alice.ram.create_resource_share(...)      # an official RamClient, signed as alice

``sharekeeper`` gives every test an empty server: one server per session (per xdist worker),
emptied before each test (database, clock, what the app keeps in memory, open connections): a
few ms, less than moto's ``mock_aws`` start and stop, where stopping a server per test cost
~200 ms (docs/guide.md has the figures). A test that stops it gets a new one.
``sharekeeper_session`` is another server, never emptied, for the whole session (isolate tests
by creating fresh accounts). Heavy imports happen only when a fixture is used, so installing
ShareKeeper does not slow down other test suites.
"""

from __future__ import annotations

import asyncio
import base64
import os
import shutil
import socket
import sqlite3
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

import pytest

if TYPE_CHECKING:
    from sharekeeper.bootstrap import Runtime
    from sharekeeper.config import Settings
    from sharekeeper.domain.accounts import Caller
    from sharekeeper.domain.clock import AdjustableClock


@dataclass
class Account:
    """An account of the server, with its keys; ``ram`` is an official SDK client for it."""

    account_id: str
    access_key: str
    secret_key: str
    endpoint: str
    security_token: str | None = None
    # The same account's id on AWS's wire API (docs/aws.md).
    aws_account_id: str = ""
    _ram: Any = field(default=None, repr=False)
    _organizations: Any = field(default=None, repr=False)

    def caller(self) -> Caller:
        """The account as the services see a signed caller (for calls made in-process)."""
        from sharekeeper.domain.accounts import Caller

        return Caller(self.account_id, self.access_key)

    def credentials(self) -> Any:
        from huaweicloudsdkcore.auth.credentials import GlobalCredentials

        credentials = GlobalCredentials(self.access_key, self.secret_key, self.account_id)
        if self.security_token:
            credentials = credentials.with_security_token(self.security_token)
        return credentials

    @property
    def ram(self) -> Any:
        """A `huaweicloudsdkram.v1.RamClient` signed as this account (built once)."""
        if self._ram is None:
            from huaweicloudsdkram.v1 import RamClient

            self._ram = self._client(RamClient)
        return self._ram

    @property
    def organizations(self) -> Any:
        """A `huaweicloudsdkorganizations.v1.OrganizationsClient` signed as this account."""
        if self._organizations is None:
            from huaweicloudsdkorganizations.v1 import OrganizationsClient

            self._organizations = self._client(OrganizationsClient)
        return self._organizations

    def _client(self, kind: Any) -> Any:
        from huaweicloudsdkcore.http.http_config import HttpConfig

        return (
            kind.new_builder()
            .with_credentials(self.credentials())
            .with_endpoints([self.endpoint])
            .with_http_config(HttpConfig(timeout=(5, 30)))
            .build()
        )

    def aws(self, service: str, region: str = "us-east-1") -> Any:
        """A boto3 client of AWS's ``service`` (``ram``, ``sts``, ``organizations``) signed as
        this account with SigV4 by the same keys (needs boto3; a new client each call). The
        region is the one it signs for, which its answers' share and invitation ARNs name."""
        import boto3
        from botocore.config import Config

        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=region,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            aws_session_token=self.security_token,
            config=Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=30),
        )

    def arn(self, path: str, resource_type: str = "ec2:Subnet", region: str = "us-east-1") -> str:
        """The ARN of a resource of this account on AWS's API, of one of the types it shares
        (``ec2:Subnet``, ``route53resolver:ResolverRule``, ``acm-pca:CertificateAuthority``):
        ``arn:aws:ec2:us-east-1:{aws_account_id}:subnet/{path}``."""
        from sharekeeper.aws.arns import BY_NAME

        kind = BY_NAME[resource_type.lower()]
        return f"arn:aws:{kind.service}:{region}:{self.aws_account_id}:{kind.resource}/{path}"

    def urn(self, path: str, resource_type: str = "vpc:subnet", region: str = "cn-north-4") -> str:
        """The URN of a resource of this account: ``vpc:cn-north-4:{account}:subnet:{path}``."""
        service, kind = resource_type.split(":")
        return f"{service}:{region}:{self.account_id}:{kind}:{path}"


@dataclass
class Organization:
    """An organization of the server's directory, made by its management account as the
    Organizations API would (the same authorized services, called in-process)."""

    server: Server
    id: str
    urn: str
    root_id: str
    root_urn: str
    manager: Account

    def ou(self, name: str, parent: str | None = None) -> tuple[str, str]:
        """Creates an OU under ``parent`` (the root by default); returns its id and URN."""
        from sharekeeper.services import directory

        org, unit = directory.create_unit(
            self.server.runtime.context, self.manager.caller(), parent or self.root_id, name
        )
        return unit.id, org.node_urn(unit.id)

    @property
    def arn(self) -> str:
        """Its ARN on AWS's API (``arn:aws:organizations::MGMT:organization/o-...``), a
        principal of AWS RAM's shares as Huawei's take ``urn``."""
        return self.arn_of(self.urn)

    def arn_of(self, urn: str) -> str:
        """The AWS ARN of the organization's, its root's or an OU's URN (``ou()``'s second)."""
        from sharekeeper.aws.arns import organization_arn, parse_organization_urn

        node = parse_organization_urn(urn)
        if node is None:
            raise ValueError(f"{urn!r} is not an organization, root or OU URN")
        return organization_arn(node, self.manager.aws_account_id)

    def add(self, account: Account, parent: str | None = None) -> None:
        """Places the account (the operator's path: on the API an account joins by accepting
        an invitation, services/handshakes.py)."""
        from sharekeeper.services import organizations

        organizations.add_account(
            self.server.runtime.context, account.account_id, parent or self.root_id
        )

    def remove(self, account: Account) -> None:
        from sharekeeper.services import organizations

        organizations.remove_account(self.server.runtime.context, account.account_id)

    def delete_ou(self, ou_id: str) -> None:
        from sharekeeper.services import directory

        directory.delete_unit(self.server.runtime.context, self.manager.caller(), ou_id)


class Server:
    """ShareKeeper served by uvicorn in a background thread of this process."""

    def __init__(self, settings: Settings) -> None:
        import uvicorn

        from sharekeeper.api.http.connections import ServerConfig
        from sharekeeper.app import create_app
        from sharekeeper.bootstrap import build_runtime
        from sharekeeper.domain.clock import AdjustableClock

        self.settings = settings
        self.clock: AdjustableClock = AdjustableClock()
        self.runtime: Runtime = build_runtime(settings, self.clock)
        self.app = create_app(settings, runtime=self.runtime)
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self.port: int = self._socket.getsockname()[1]
        self.endpoint = f"http://127.0.0.1:{self.port}"
        config = ServerConfig(
            self.app,
            settings,
            self.app.state.metrics,
            log_level="warning",
            access_log=False,
            lifespan="on",
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    def start(self) -> Self:
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the ShareKeeper test server did not start")
            time.sleep(0.002)
        self._loop = self._server.servers[0].get_loop()
        return self

    @property
    def running(self) -> bool:
        return self._thread.is_alive() and not self._server.should_exit

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(10)
        self._socket.close()

    def reset(self) -> None:
        """Empties the server as if it had just started on a fresh database: no account, key,
        organization, share or audit record; the clock back to the system's; nothing kept in
        memory from earlier requests (failed guesses, rate-limit buckets, metrics, caches,
        open connections). Its endpoint, settings and master key stay. The ``sharekeeper``
        fixture calls it before each test."""
        from sharekeeper.services.admin import reset_all_data

        # First the memory, on the event loop that owns it: a sweep must find no refusal of an
        # earlier test left to record in the emptied audit trail.
        asyncio.run_coroutine_threadsafe(self._forget(), self._loop).result(10)
        reset_all_data(self.runtime.context)
        self.runtime.context.secret_box.open.cache_clear()
        # Back to the system's time: nothing left in the database was stamped in the future.
        self.clock.offset = 0

    async def _forget(self) -> None:
        self.app.state.edge.forget()
        self.app.state.metrics.clear()
        # An earlier test's clients keep their connections open; a new server had none, and
        # they would count against the per-source limit test after test.
        for connection in list(self._server.server_state.connections):
            connection.shutdown()

    def account(self, name: str = "account") -> Account:
        """A new account with a permanent access key."""
        from sharekeeper.services import identity

        account, key = identity.create_account(self.runtime.context, name)
        return Account(
            account.id,
            key.access_key,
            key.secret_key,
            self.endpoint,
            aws_account_id=account.aws_account_id,
        )

    def temporary(self, account: Account, ttl_seconds: int = 3600) -> Account:
        """Temporary credentials (with a security token) for an existing account."""
        from sharekeeper.services import identity

        key = identity.create_access_key(self.runtime.context, account.account_id, ttl_seconds)
        return Account(
            account.account_id,
            key.access_key,
            key.secret_key,
            self.endpoint,
            key.security_token,
            account.aws_account_id,
        )

    def organization(self, management: Account) -> Organization:
        """A new organization managed by ``management`` (its sharing starts off)."""
        from sharekeeper.services import directory

        made = directory.create_organization(self.runtime.context, management.caller())
        org = made.organization
        return Organization(
            self, org.id, org.urn, org.root_id, org.node_urn(org.root_id), management
        )


_template: Path | None = None
_template_lock = threading.Lock()


def _migrated_template() -> Path:
    """A migrated, empty SQLite database, made once per process and copied for each server:
    copying a file is far faster than running the migrations again."""
    global _template
    with _template_lock:
        if _template is None:
            from sharekeeper.store import migrate
            from sharekeeper.store.engine import create_database_engine

            path = Path(tempfile.mkdtemp(prefix="sharekeeper-template-")) / "template.db"
            engine = create_database_engine(f"sqlite:///{path}", synchronous="normal")
            migrate.upgrade(engine)
            engine.dispose()
            # Fold the write-ahead log into the file, so copying the file copies everything.
            connection = sqlite3.connect(path)
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            connection.close()
            _template = path
        return _template


def fresh_settings(data_dir: Path, **settings: Any) -> Settings:
    """Settings over a fresh, migrated SQLite database in ``data_dir`` (copied from the
    process's template); ``settings`` override any field."""
    from sharekeeper.config import Settings

    data_dir.mkdir(parents=True, exist_ok=True)
    database = data_dir / "sharekeeper.db"
    shutil.copyfile(_migrated_template(), database)
    base = Settings(
        data_dir=data_dir,
        database_url=f"sqlite:///{database}",
        sqlite_synchronous="normal",  # a throwaway database need not survive power loss
        master_key=base64.b64encode(os.urandom(32)).decode(),
    )
    return base.with_overrides(**settings)


def start_server(data_dir: Path, **settings: Any) -> Server:
    """Starts a server on a fresh SQLite database in ``data_dir`` (settings may override any
    field of `sharekeeper.config.Settings`, e.g. ``invitation_ttl_seconds=60``)."""
    return Server(fresh_settings(data_dir, **settings)).start()


class _Reused:
    """The server the ``sharekeeper`` fixture lends each test: started at its first use, emptied
    before each later one (far cheaper than stopping one and starting another), started anew
    when a test stopped it."""

    def __init__(self, data_dirs: pytest.TempPathFactory) -> None:
        self._data_dirs = data_dirs
        self._server: Server | None = None

    def lend(self) -> Server:
        if self._server is not None and self._server.running:
            self._server.reset()
        else:
            self._server = start_server(self._data_dirs.mktemp("sharekeeper"))
        return self._server

    def close(self) -> None:
        if self._server is not None:
            self._server.stop()


@pytest.fixture(scope="session")
def _sharekeeper_reused(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Reused]:
    reused = _Reused(tmp_path_factory)
    yield reused
    reused.close()


@pytest.fixture
def sharekeeper(_sharekeeper_reused: _Reused) -> Server:
    """An empty ShareKeeper server for this test: no accounts, shares, organizations, audit
    records, clock changes or remembered failures of an earlier test."""
    return _sharekeeper_reused.lend()


@pytest.fixture(scope="session")
def sharekeeper_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One ShareKeeper server for the whole session."""
    server = start_server(tmp_path_factory.mktemp("sharekeeper"))
    yield server
    server.stop()
