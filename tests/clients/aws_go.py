"""A client that sends AWS RAM, Organizations and STS requests the way the AWS SDK for Go v2
(which terraform-provider-aws uses) sends them, written from a reading of its middleware stack
and its SigV4 signer (``aws/signer/v4``), independently of ShareKeeper's verifier.

What it does as the Go SDK does, and ShareKeeper must accept:
- restJson1 (RAM): ``POST /operationname`` with ``Content-Type: application/json`` and a
  compact JSON body whose members are the ones set (nil pointers and nil slices left out, an
  empty non-nil slice sent as ``[]``); an operation with no input members (Enable-
  SharingWithAwsOrganization) sends no body and no Content-Type; DeleteResourceShare,
  DeletePermission and DeletePermissionVersion are DELETEs with their members in the query;
- the query is encoded as ``url.Values.Encode()`` then ``+`` as ``%20`` (the signer rewrites
  the raw query so), and signed as sent;
- every header but ``Authorization``, ``User-Agent``, ``X-Amzn-Trace-Id``, ``Expect`` and
  ``Transfer-Encoding`` is signed: ``Host``, ``Content-Length`` (when the body is not empty),
  ``Content-Type``, ``X-Amz-Date``, ``X-Amz-Security-Token``, ``Amz-Sdk-Invocation-Id``,
  ``Amz-Sdk-Request`` and ``X-Amz-User-Agent``; no ``X-Amz-Content-Sha256`` (only S3 sends it),
  the body's hash is in the canonical request all the same;
- ``Amz-Sdk-Invocation-Id`` is one UUID for all attempts of a call, ``Amz-Sdk-Request``
  ``attempt=N; max=M``; the standard retryer retries throttling errors, 500, 502, 503 and 504
  (each attempt signed anew, the body and its clientToken unchanged);
- the error code is read from ``X-Amzn-ErrorType`` (restJson1: what follows ``#`` and precedes
  ``:`` dropped), else the body's ``__type`` or ``code``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import httpx

USER_AGENT = (
    "APN/1.0 HashiCorp/1.0 Terraform/1.9.8 terraform-provider-aws/5.80.0 aws-sdk-go-v2/1.32.6 "
    "os/linux lang/go#1.23.3 md/GOOS#linux md/GOARCH#amd64 api/ram#1.29.7"
)
SDK_AGENT = "aws-sdk-go-v2/1.32.6 os/linux lang/go#1.23.3"
# The signer's ignored headers (aws/signer/internal/v4: IgnoredHeaders).
UNSIGNED = frozenset(
    {"authorization", "user-agent", "x-amzn-trace-id", "expect", "transfer-encoding"}
)
# The standard retryer's retryable error codes and statuses (aws/retry).
THROTTLES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "LimitExceededException",
        "RequestThrottled",
        "SlowDown",
        "PriorRequestNotComplete",
    }
)
TRANSIENT_STATUS = frozenset({500, 502, 503, 504})
MAX_ATTEMPTS = 3


def go_escape(text: str) -> str:
    """url.QueryEscape, then the signer's ``+`` as ``%20``."""
    return quote(text, safe="-_.~")


def go_query(members: dict[str, str]) -> str:
    """``url.Values.Encode()``: keys sorted, each value escaped."""
    return "&".join(f"{go_escape(k)}={go_escape(members[k])}" for k in sorted(members))


class AwsError(Exception):
    """A modeled error as the Go SDK surfaces it: ``errs.IsA[*types.X]`` matches ``code``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


def error_code(response: httpx.Response) -> str:
    header = str(response.headers.get("x-amzn-errortype", ""))
    if header:
        return header.split(":", 1)[0].rsplit("#", 1)[-1]
    try:
        body: dict[str, Any] = response.json()
    except ValueError:
        return ""
    found = body.get("__type") or body.get("code") or ""
    return str(found).rsplit("#", 1)[-1]


class GoV2Client:
    """One service client (``ram.NewFromConfig``, ``organizations...``) of one account."""

    def __init__(
        self,
        endpoint: str,
        access_key: str,
        secret_key: str,
        *,
        service: str = "ram",
        region: str = "us-east-1",
        session_token: str | None = None,
    ) -> None:
        self.service = service
        self.region = region
        self.access_key = access_key
        self.secret_key = secret_key
        self.session_token = session_token
        self.http = httpx.Client(base_url=endpoint.rstrip("/"), timeout=30)
        self.host = httpx.URL(endpoint).netloc.decode()
        self.sent: list[httpx.Request] = []
        # Each answer as (operation, decoded JSON), for the tests to check against botocore.
        self.answers: list[tuple[str, dict[str, Any]]] = []

    def close(self) -> None:
        self.http.close()

    def _key(self, date: str) -> bytes:
        key = ("AWS4" + self.secret_key).encode()
        for part in (date, self.region, self.service, "aws4_request"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        return key

    def _signed(
        self, method: str, path: str, query: str, headers: dict[str, str], body: bytes
    ) -> dict[str, str]:
        now = datetime.now(UTC)
        amz_date = now.strftime("%Y%m%dT%H%M%SZ")
        headers = {**headers, "Host": self.host, "X-Amz-Date": amz_date}
        if body:
            headers["Content-Length"] = str(len(body))
        if self.session_token:
            headers["X-Amz-Security-Token"] = self.session_token
        lower = {k.lower(): v.strip() for k, v in headers.items()}
        names = sorted(k for k in lower if k not in UNSIGNED)
        canonical = "\n".join(
            (
                method,
                quote(path, safe="/-_.~"),
                query,
                "".join(f"{n}:{lower[n]}\n" for n in names),
                ";".join(names),
                hashlib.sha256(body).hexdigest(),
            )
        )
        scope = f"{amz_date[:8]}/{self.region}/{self.service}/aws4_request"
        to_sign = "\n".join(
            ("AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest())
        )
        signature = hmac.new(self._key(amz_date[:8]), to_sign.encode(), hashlib.sha256).hexdigest()
        headers["Authorization"] = (
            f"AWS4-HMAC-SHA256 Credential={self.access_key}/{scope}, "
            f"SignedHeaders={';'.join(names)}, Signature={signature}"
        )
        return headers

    def send(
        self,
        method: str,
        path: str,
        *,
        body: bytes = b"",
        query: str = "",
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """One call with the standard retryer's attempts; the last response."""
        invocation = str(uuid.uuid4())
        for attempt in range(1, MAX_ATTEMPTS + 1):
            base = {
                **(headers or {}),
                "User-Agent": USER_AGENT,
                "X-Amz-User-Agent": SDK_AGENT,
                "Amz-Sdk-Invocation-Id": invocation,
                "Amz-Sdk-Request": f"attempt={attempt}; max={MAX_ATTEMPTS}",
            }
            signed = self._signed(method, path, query, base, body)
            url = path + (f"?{query}" if query else "")
            request = self.http.build_request(method, url, content=body or None, headers=signed)
            self.sent.append(request)
            response = self.http.send(request)
            retryable = (
                response.status_code in TRANSIENT_STATUS or error_code(response) in THROTTLES
            )
            if response.status_code < 300 or not retryable:
                return response
        return response

    def _result(self, response: httpx.Response) -> dict[str, Any]:
        if response.status_code >= 300:
            message = ""
            try:
                message = str(response.json().get("message") or response.json().get("Message"))
            except ValueError:
                message = response.text
            raise AwsError(response.status_code, error_code(response), message)
        answer: dict[str, Any] = response.json() if response.content else {}
        return answer

    def _kept(self, operation: str, response: httpx.Response) -> dict[str, Any]:
        answer = self._result(response)
        self.answers.append((operation, answer))
        return answer

    def ram(self, operation: str, members: dict[str, Any] | None = None) -> dict[str, Any]:
        """A restJson1 POST; ``members`` None is an operation with no input members."""
        path = "/" + operation.lower()
        if members is None:
            return self._kept(operation, self.send("POST", path))
        body = json.dumps(members, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json"}
        return self._kept(operation, self.send("POST", path, body=body, headers=headers))

    def ram_delete(self, operation: str, members: dict[str, str]) -> dict[str, Any]:
        response = self.send("DELETE", "/" + operation.lower(), query=go_query(members))
        return self._kept(operation, response)

    def organizations(self, operation: str, members: dict[str, Any]) -> dict[str, Any]:
        """awsJson1_1: ``POST /`` with ``X-Amz-Target`` (signed)."""
        body = json.dumps(members, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": f"AWSOrganizationsV20161128.{operation}",
        }
        return self._kept(operation, self.send("POST", "/", body=body, headers=headers))

    def query(self, action: str, version: str = "2011-06-15", **members: str) -> str:
        """awsQuery (STS, IAM): a form body; the XML answer as text."""
        form = {"Action": action, "Version": version, **members}
        body = go_query(form).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
        response = self.send("POST", "/", body=body, headers=headers)
        if response.status_code >= 300:
            found = re.search(r"<Code>([^<]*)</Code>", response.text)
            raise AwsError(response.status_code, found[1] if found else "", response.text)
        return response.text
