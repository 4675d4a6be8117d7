"""A client that signs and sends requests the way Huawei's Go clients do, written from the
description of their signers in real-clients.md section 1.2 (golangsdk, which Terraform's
provider vendors, and the Go SDK v3), independently of ShareKeeper's own signer.

What it does as they do, and ShareKeeper must accept:
- ``SignedHeaders`` come from Go's header map, which never holds ``Host``: Host is not signed;
- ``X-Project-Id``, ``X-Domain-Id`` and ``X-Security-Token`` are added after signing (golangsdk);
  the Go SDK v3 signs them but not ``Content-Type`` (``go_sdk_v3=True``);
- the canonical URI is the decoded path, each segment escaped, with a trailing ``/``;
- the query is parsed as ``url.Query()`` parses it (a bare ``+`` is a space), and the request
  goes out with the canonical query as its raw query;
- bodies are Go's compact JSON; the Go SDK v3's ``json.Encoder`` ends them with ``\\n``;
- ``Accept-Encoding`` and ``Content-Length`` are added by the transport, unsigned.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

import httpx

_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-~.")
# defaultOkCodes of golangsdk: any other status is an error carrying the body.
OK_CODES = {
    "GET": (200,),
    "POST": (200, 201, 202),
    "PUT": (200, 201, 202),
    "PATCH": (200, 202, 204),
    "DELETE": (200, 202, 204),
}


def escape(text: str) -> str:
    return "".join(
        chr(byte) if byte in _UNRESERVED else f"%{byte:02X}" for byte in text.encode("utf-8")
    )


def parse_query(raw: str) -> dict[str, list[str]]:
    """Go's url.ParseQuery: pairs split on &, + is a space, then percent-decoding."""
    values: dict[str, list[str]] = {}
    for part in raw.split("&"):
        if not part:
            continue
        key, _, value = part.partition("=")
        values.setdefault(unquote(key.replace("+", " ")), []).append(
            unquote(value.replace("+", " "))
        )
    return values


def canonical_query(values: dict[str, list[str]]) -> str:
    return "&".join(
        f"{escape(key)}={escape(value)}" for key in sorted(values) for value in sorted(values[key])
    )


def go_sdk_v3_query(values: dict[str, list[str]]) -> str:
    """The raw query the Go SDK v3 sends: ``url.Values.Encode()`` (space as +), then + as %20,
    and an empty value's ``=`` dropped (``marker=`` goes out as ``marker``)."""
    encoded = "&".join(
        f"{escape(key)}={escape(value)}" for key in sorted(values) for value in values[key]
    )
    return encoded.strip("=").replace("=&", "&")


def canonical_uri(path: str) -> str:
    uri = "/".join(escape(segment) for segment in unquote(path).split("/"))
    return uri if uri.endswith("/") else uri + "/"


class GoError(Exception):
    """ErrDefault4xx/5xx: the status and the body the provider would show."""

    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body

    @property
    def code(self) -> str:
        code: str = json.loads(self.body).get("error_code", "")
        return code


class GoClient:
    def __init__(
        self,
        endpoint: str,
        access_key: str,
        secret_key: str,
        *,
        project_id: str | None = None,
        domain_id: str | None = None,
        security_token: str | None = None,
        go_sdk_v3: bool = False,
    ) -> None:
        self.access_key = access_key
        self.secret_key = secret_key
        self.project_id = project_id
        self.domain_id = domain_id
        self.security_token = security_token
        self.go_sdk_v3 = go_sdk_v3
        self.http = httpx.Client(base_url=endpoint.rstrip("/"), timeout=30)
        self.sent: list[httpx.Request] = []

    def _sign(
        self, method: str, path: str, query: str, headers: dict[str, str], body: bytes
    ) -> str:
        names = sorted(
            name.lower()
            for name in headers
            if not (self.go_sdk_v3 and name.lower().startswith("content-type"))
        )
        lower = {name.lower(): value for name, value in headers.items()}
        canonical = "\n".join(
            (
                method,
                canonical_uri(path),
                query,
                "".join(f"{name}:{lower[name].strip()}\n" for name in names),
                ";".join(names),
                hashlib.sha256(body).hexdigest(),
            )
        )
        to_sign = "\n".join(
            (
                "SDK-HMAC-SHA256",
                headers["X-Sdk-Date"],
                hashlib.sha256(canonical.encode("utf-8")).hexdigest(),
            )
        )
        signature = hmac.new(self.secret_key.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
        return (
            f"SDK-HMAC-SHA256 Access={self.access_key}, SignedHeaders={';'.join(names)}, "
            f"Signature={signature}"
        )

    def send(
        self,
        method: str,
        path: str,
        body: Any = None,
        query: str = "",
        json_type: bool = False,
        httphelper: bool = False,
    ) -> httpx.Response:
        """``json_type``: Content-Type: application/json without a body, as some of the
        provider's calls set it through MoreHeaders. ``httphelper``: the provider's generated
        data sources, whose helper adds that Content-Type and ``X-Language: en-us`` to every
        request, GET included (both in the header map, so signed)."""
        payload = b""
        headers: dict[str, str] = {}
        json_type = json_type or httphelper
        if body is not None:
            payload = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
            if self.go_sdk_v3:
                payload += b"\n"
        if body is not None or json_type:
            headers["Content-Type"] = "application/json"
        headers["Accept"] = "application/json"
        headers["User-Agent"] = "terraform-provider-huaweicloud/1.80.0 golangsdk"
        if httphelper:
            headers["X-Language"] = "en-us"
        headers["X-Sdk-Date"] = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        identity = {
            "X-Project-Id": self.project_id,
            "X-Domain-Id": self.domain_id,
            "X-Security-Token": self.security_token,
        }
        if self.go_sdk_v3:  # the Go SDK v3 adds them before signing
            headers.update({k: v for k, v in identity.items() if v})
        values = parse_query(query)
        canonical = canonical_query(values)
        headers["Authorization"] = self._sign(method, path, canonical, headers, payload)
        if not self.go_sdk_v3:  # golangsdk sets them after signing
            headers.update({k: v for k, v in identity.items() if v})
        # golangsdk rewrites the raw query to the canonical one; the Go SDK v3 encodes its own.
        wire = go_sdk_v3_query(values) if self.go_sdk_v3 else canonical
        url = path + (f"?{wire}" if wire else "")
        request = self.http.build_request(
            method, url, content=payload if method != "GET" else None, headers=headers
        )
        self.sent.append(request)
        return self.http.send(request)

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        query: str = "",
        json_type: bool = False,
        httphelper: bool = False,
    ) -> Any:
        """As ``client.Request`` with the default OkCodes: the decoded body, or GoError."""
        response = self.send(method, path, body, query, json_type, httphelper)
        if response.status_code not in OK_CODES[method]:
            raise GoError(response.status_code, response.text)
        return response.json() if response.content else None

    def close(self) -> None:
        self.http.close()
