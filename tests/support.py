"""Test harness: a live ShareKeeper on a random local port, accounts, official SDK clients and
a signed raw-HTTP client."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from sharekeeper.auth import signing
from sharekeeper.config import Settings
from sharekeeper.testing import Account as Account
from sharekeeper.testing import Organization, Server
from tests import figures


def settings_for(database_url: str, data_dir: Path, **overrides: Any) -> Settings:
    base = Settings(data_dir=data_dir, database_url=database_url, sqlite_synchronous="normal")
    return base.with_overrides(**overrides)


class LiveServer(Server):
    """The packaged test server, noting every secret it hands out for the run-wide log scan."""

    def account(self, name: str = "tester") -> Account:
        account = super().account(name)
        figures.issued(account.secret_key)
        return account

    def temporary(self, account: Account, ttl_seconds: int = 3600) -> Account:
        temporary = super().temporary(account, ttl_seconds)
        figures.issued(temporary.secret_key, temporary.security_token)
        return temporary


Org = Organization


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

    def __init__(self, server: LiveServer | str) -> None:
        """``server``: a test server, or the endpoint of one elsewhere (a load balancer)."""
        endpoint = server if isinstance(server, str) else server.endpoint
        self.host = httpx.URL(endpoint).netloc.decode()
        self.client = httpx.Client(base_url=endpoint, timeout=30)

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


def server_processes(
    server: LiveServer, data_dir: Path, env: dict[str, str], count: int = 2
) -> Iterator[list[ServerProcess]]:
    """``count`` server processes on the in-process ``server``'s database with the same
    settings (a race across processes), stopped when the fixture that yields from this ends.
    The processes keep the system's time, so the in-process server's clock (which earlier
    tests may have moved on) is put back to it: one time for every writer of the database."""
    server.clock.offset = 0
    database_url = server.settings.database_url
    processes = [ServerProcess(database_url, data_dir, env=env) for _ in range(count)]
    yield processes
    for process in processes:
        process.stop()
