"""A signed HTTP client of the RAM API for the command line, over httpx, signing through the
same code the server verifies with."""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Generator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from sharekeeper.auth import signing


class UsageError(Exception):
    """Missing or inconsistent client settings (exit code 2)."""


@dataclass(frozen=True, slots=True)
class Credentials:
    endpoint: str
    access_key: str
    secret_key: str
    domain_id: str | None = None
    security_token: str | None = None


def profile_file(env: Mapping[str, str]) -> Path:
    if env.get("SHAREKEEPER_PROFILE_FILE"):
        return Path(env["SHAREKEEPER_PROFILE_FILE"])
    base = env.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "sharekeeper" / "profiles.toml"


def resolve_credentials(
    flags: Mapping[str, str | None], profile: str | None, env: Mapping[str, str] | None = None
) -> Credentials:
    """Flags first, then the environment (the SDK's own variables), then the profile file."""
    env = os.environ if env is None else env
    from_file: Mapping[str, Any] = {}
    path = profile_file(env)
    name = profile or env.get("SHAREKEEPER_PROFILE") or "default"
    if path.exists():
        try:
            profiles = tomllib.loads(path.read_text("utf-8"))
        except tomllib.TOMLDecodeError as error:
            raise UsageError(f"{path} is not valid TOML: {error}") from None
        if name not in profiles and profile is not None:
            raise UsageError(f"no profile {name!r} in {path}")
        from_file = profiles.get(name, {})
    elif profile is not None:
        raise UsageError(f"no profile file at {path}")
    sources = {
        "endpoint": "SHAREKEEPER_ENDPOINT",
        "access_key": "HUAWEICLOUD_SDK_AK",
        "secret_key": "HUAWEICLOUD_SDK_SK",
        "domain_id": "HUAWEICLOUD_SDK_DOMAIN_ID",
        "security_token": "HUAWEICLOUD_SDK_SECURITY_TOKEN",
    }
    values = {
        key: flags.get(key) or env.get(variable) or from_file.get(key)
        for key, variable in sources.items()
    }
    missing = [k for k in ("endpoint", "access_key", "secret_key") if not values[k]]
    if missing:
        raise UsageError(
            "missing " + ", ".join(missing) + ": give --endpoint/--ak/--sk, set "
            "SHAREKEEPER_ENDPOINT, HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK, or write a profile "
            f"in {path}"
        )
    return Credentials(**{k: str(v) if v else None for k, v in values.items()})  # type: ignore[arg-type]


class SdkHmacAuth(httpx.Auth):
    """Signs each request (its exact path, query and body) with SDK-HMAC-SHA256."""

    requires_request_body = True

    def __init__(self, credentials: Credentials) -> None:
        self.credentials = credentials

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        creds = self.credentials
        signed = {
            "Content-Type": "application/json",
            "Host": request.url.netloc.decode("ascii"),
            "X-Sdk-Date": signing.format_sdk_date(datetime.now(UTC)),
        }
        if creds.domain_id:
            signed["X-Domain-Id"] = creds.domain_id
        if creds.security_token:
            signed["X-Security-Token"] = creds.security_token
        request.headers.update(signed)
        request.headers["Authorization"] = signing.sign_headers(
            access_key=creds.access_key,
            secret_key=creds.secret_key,
            method=request.method,
            raw_path=request.url.raw_path.decode("ascii").partition("?")[0],
            raw_query=request.url.query.decode("ascii"),
            headers=signed,
            body=request.content,
        )
        yield request


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, request_id: str) -> None:
        super().__init__(f"{code} (HTTP {status}, request {request_id or '-'}): {message}")
        self.status = status
        self.code = code


class Unreachable(Exception):
    """The server could not be reached, or failed (exit code 3)."""


class RamClient:
    def __init__(self, credentials: Credentials, timeout: float = 30) -> None:
        if urlsplit(credentials.endpoint).scheme not in ("http", "https"):
            raise UsageError(f"the endpoint {credentials.endpoint!r} needs http:// or https://")
        self._http = httpx.Client(
            base_url=credentials.endpoint, auth=SdkHmacAuth(credentials), timeout=timeout
        )
        self._domain_id = credentials.domain_id

    def caller(self) -> str | None:
        """The account the key belongs to: the domain id given, else what the endpoint says as
        IAM (``GET /v3/auth/domains``, as the SDK asks; ShareKeeper answers it), else None (an
        endpoint that serves RAM alone)."""
        if self._domain_id:
            return self._domain_id
        try:
            domains = self.call("GET", "/v3/auth/domains").get("domains") or [{}]
        except ApiError:
            return None
        found = domains[0].get("id")
        return str(found) if found else None

    def call(
        self, method: str, path: str, body: Any = None, query: Mapping[str, Any] | None = None
    ) -> Any:
        params = {k: str(v) for k, v in (query or {}).items() if v is not None}
        content = b"" if body is None else json.dumps(body).encode()
        try:
            response = self._http.request(method, path, params=params, content=content)
        except httpx.HTTPError as error:
            raise Unreachable(
                f"cannot reach {self._http.base_url} ({error}): is the server running there? "
                "(--endpoint or SHAREKEEPER_ENDPOINT)"
            ) from None
        request_id = response.headers.get("X-Request-Id", "")
        if response.status_code >= 400:
            try:
                data = response.json()
                code, message = data["error_code"], data["error_msg"]
            except (ValueError, KeyError, TypeError):
                code, message = str(response.status_code), response.text[:500]
            if response.status_code >= 500:
                raise Unreachable(
                    f"{code} (HTTP {response.status_code}, request {request_id}): {message}"
                )
            raise ApiError(response.status_code, code, message, request_id)
        if not response.content:
            return {}
        try:
            return response.json()
        except ValueError:
            raise Unreachable(
                f"{self._http.base_url} answered HTTP {response.status_code} with a body that "
                "is not JSON: is it a ShareKeeper or Huawei RAM endpoint?"
            ) from None

    def pages(
        self, method: str, path: str, items: str, body: dict[str, Any] | None = None
    ) -> list[Any]:
        """Every item of a marker-paged search (POST: the marker in the body) or list (GET: the
        marker and ``body``'s fields in the query)."""
        found: list[Any] = []
        marker = None
        while True:
            wanted = {**(body or {}), **({"marker": marker} if marker else {})}
            if method == "GET":
                page = self.call(method, path, query=wanted)
            else:
                page = self.call(method, path, wanted)
            found += page.get(items) or []
            marker = (page.get("page_info") or {}).get("next_marker")
            if not marker:
                return found

    def close(self) -> None:
        self._http.close()
