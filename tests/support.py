"""Test harness: a live ShareKeeper on a random local port, accounts, official SDK clients and
a signed raw-HTTP client."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import uvicorn
from huaweicloudsdkcore.auth.credentials import GlobalCredentials
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdkram.v1 import RamClient

from sharekeeper.api.app import create_app
from sharekeeper.auth import signing
from sharekeeper.bootstrap import Runtime, build_runtime
from sharekeeper.config import Settings
from sharekeeper.domain.clock import AdjustableClock
from sharekeeper.services import identity
from tests import figures


def settings_for(database_url: str, data_dir: Path, **overrides: Any) -> Settings:
    base = Settings(data_dir=data_dir, database_url=database_url, sqlite_synchronous="normal")
    return base.with_overrides(**overrides)


@dataclass
class Account:
    account_id: str
    access_key: str
    secret_key: str
    endpoint: str
    security_token: str | None = None
    _ram: RamClient | None = field(default=None, repr=False)

    @property
    def ram(self) -> RamClient:
        """An official SDK client for this account, built exactly as the SDK docs say."""
        if self._ram is None:
            credentials = GlobalCredentials(self.access_key, self.secret_key, self.account_id)
            if self.security_token:
                credentials = credentials.with_security_token(self.security_token)
            self._ram = (
                RamClient.new_builder()
                .with_credentials(credentials)
                .with_endpoints([self.endpoint])
                .with_http_config(HttpConfig(timeout=(5, 30)))
                .build()
            )
        return self._ram

    def urn(self, path: str, resource_type: str = "vpc:subnet", region: str = "cn-north-4") -> str:
        service, kind = resource_type.split(":")
        return f"{service}:{region}:{self.account_id}:{kind}:{path}"


@dataclass
class Org:
    """An organization made through the services, as `sharekeeper org ...` would make it."""

    server: LiveServer
    id: str
    urn: str
    root_id: str
    root_urn: str

    def ou(self, name: str, parent: str | None = None) -> tuple[str, str]:
        from sharekeeper.services import organizations

        org, unit = organizations.create_unit(
            self.server.runtime.context, parent or self.root_id, name
        )
        return unit.id, org.node_urn(unit.id)

    def add(self, account: Account, parent: str | None = None) -> None:
        from sharekeeper.services import organizations

        organizations.add_account(
            self.server.runtime.context, account.account_id, parent or self.root_id
        )

    def remove(self, account: Account) -> None:
        from sharekeeper.services import organizations

        organizations.remove_account(self.server.runtime.context, account.account_id)

    def delete_ou(self, ou_id: str) -> None:
        from sharekeeper.services import organizations

        organizations.delete_unit(self.server.runtime.context, ou_id)


class LiveServer:
    """ShareKeeper served by uvicorn in a background thread of the test process."""

    def __init__(self, settings: Settings) -> None:
        self.clock = AdjustableClock()
        self.runtime: Runtime = build_runtime(settings, self.clock)
        self.app = create_app(settings, runtime=self.runtime)
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self.port = self._socket.getsockname()[1]
        self.endpoint = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(self.app, log_level="warning", access_log=False, lifespan="on")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    def start(self) -> LiveServer:
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(10)
        self._socket.close()

    def account(self, name: str = "tester") -> Account:
        account, key = identity.create_account(self.runtime.context, name)
        figures.issued(key.secret_key)
        return Account(account.id, key.access_key, key.secret_key, self.endpoint)

    def organization(self, management: Account) -> Org:
        from sharekeeper.services import organizations

        created = organizations.create_organization(self.runtime.context, management.account_id)
        return Org(
            self, created.id, created.urn, created.root_id, created.node_urn(created.root_id)
        )

    def temporary(self, account: Account, ttl_seconds: int) -> Account:
        key = identity.create_access_key(self.runtime.context, account.account_id, ttl_seconds)
        figures.issued(key.secret_key, key.security_token)
        return Account(
            account.account_id, key.access_key, key.secret_key, self.endpoint, key.security_token
        )


def signed_headers(
    account: Account,
    method: str,
    path: str,
    query: str = "",
    body: bytes = b"",
    *,
    host: str,
    extra: Mapping[str, str] | None = None,
    when: datetime | None = None,
    omit: tuple[str, ...] = (),
) -> dict[str, str]:
    """Headers of a request signed with ShareKeeper's own signer (proven equal to the SDK's by
    the known-answer test), for cases the SDK cannot produce."""
    headers = {
        "Content-Type": "application/json",
        "Host": host,
        "X-Sdk-Date": signing.format_sdk_date(when or datetime.now(UTC)),
        "X-Domain-Id": account.account_id,
        **(extra or {}),
    }
    for name in omit:
        headers.pop(name)
    headers["Authorization"] = signing.sign_headers(
        access_key=account.access_key,
        secret_key=account.secret_key,
        method=method,
        raw_path=path,
        raw_query=query,
        headers=headers,
        body=body,
    )
    return headers


class SignedHttp:
    """Raw signed HTTP, for what the SDK cannot send: malformed bodies, tampering, odd paths."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.host = f"127.0.0.1:{server.port}"
        self.client = httpx.Client(base_url=server.endpoint, timeout=30)

    def request(
        self,
        account: Account,
        method: str,
        path: str,
        body: bytes | str | dict[str, Any] | None = None,
        query: str = "",
        **options: Any,
    ) -> httpx.Response:
        if isinstance(body, dict):
            body = json.dumps(body)
        raw = body.encode() if isinstance(body, str) else (body or b"")
        headers = signed_headers(account, method, path, query, raw, host=self.host, **options)
        url = path + (f"?{query}" if query else "")
        return self.client.request(method, url, content=raw, headers=headers)

    def close(self) -> None:
        self.client.close()


def q(value: str) -> str:
    return quote(value, safe="~")


def env_for_subprocess(database_url: str, data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(SHAREKEEPER_DATABASE_URL=database_url, SHAREKEEPER_DATA_DIR=str(data_dir))
    return env


class ServerProcess:
    """``sharekeeper serve --port 0`` as a separate process, found by its listening log line."""

    def __init__(
        self, database_url: str, data_dir: Path, *args: str, env: dict[str, str] | None = None
    ) -> None:
        import re
        import subprocess
        import sys

        self.process = subprocess.Popen(
            [sys.executable, "-m", "sharekeeper", "serve", "--port", "0", *args],
            env={**env_for_subprocess(database_url, data_dir), **(env or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.output: list[str] = []
        assert self.process.stdout is not None
        deadline = time.monotonic() + 60
        for line in self.process.stdout:
            self.output.append(line)
            found = re.search(r"listening on (http://\S+)", line)
            if found:
                self.endpoint = found.group(1)
                break
            if time.monotonic() > deadline:
                break
        else:
            raise RuntimeError("server exited early:\n" + "".join(self.output))
        self._drainer = threading.Thread(target=self._drain, daemon=True)
        self._drainer.start()

    def _drain(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except Exception:
            self.process.kill()
            self.process.wait(10)
        self._drainer.join(10)
        assert self.process.stdout is not None
        self.process.stdout.close()
        figures.PROCESS_OUTPUT.extend(self.output)
