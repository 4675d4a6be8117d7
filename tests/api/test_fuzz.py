"""Property-based fuzzing of every operation with schemathesis, from the generated OpenAPI
document, with every request signed: no 5xx, every response as documented, every error in
Huawei's shape. Bounded for CI; SHAREKEEPER_FUZZ_EXAMPLES raises the bound for a longer run
(see docs/security.md)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import fields
from datetime import UTC, datetime
from typing import Any, cast
from urllib.parse import urlsplit

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from sharekeeper.api.openapi import document
from sharekeeper.auth import signing
from sharekeeper.config import Settings
from tests import figures
from tests.support import Account, LiveServer

EXAMPLES = int(os.environ.get("SHAREKEEPER_FUZZ_EXAMPLES", "15"))
# Requests are signed below the generator (SdkSigner), so the document's security requirement
# is left out here: schemathesis would otherwise "remove" an Authorization header the signer
# then adds. Unsigned and forged requests are tested in test_signing.py.
SCHEMA = schemathesis.openapi.from_dict({k: v for k, v in document().items() if k != "security"})


@schemathesis.check
def huawei_error_shape(ctx: Any, response: Any, case: Any) -> None:
    """Every error: a JSON body of error_code, error_msg and the request id of the header."""
    assert response.headers.get("x-request-id"), "X-Request-Id missing"
    if response.status_code >= 400:
        body = json.loads(response.content)
        assert set(body) == {"error_code", "error_msg", "request_id"}, body
        assert body["request_id"] == response.headers["x-request-id"][0]
        figures.add("fuzzed requests refused with a Huawei-shaped error")


def _request_line_limit() -> int:
    """The test server's limit on the request target (the default: docs/security.md, request
    line 8 KiB, 414)."""
    (default,) = [f.default for f in fields(Settings) if f.name == "max_request_line_bytes"]
    assert isinstance(default, int)
    return default


REQUEST_LINE_LIMIT = _request_line_limit()


@schemathesis.check
def rejected_as_invalid(ctx: Any, response: Any, case: Any) -> bool | None:
    """schemathesis's negative_data_rejection, plus the one refusal the protocol makes before
    any operation reads the input: a request target longer than the request-line limit is
    414 RAM.9007 (in Huawei's shape, checked above), which the check's list of statuses lacks.
    The generator makes such targets from long path ids and query values, valid or not (the
    schema bounds neither the URL nor the sum of its parts), so the 414 is the right answer
    to exactly those requests: a longer target must get it, a shorter one never."""
    url = urlsplit(response.request.url)
    target = len(url.path) + (len(url.query) + 1 if url.query else 0)
    if target > REQUEST_LINE_LIMIT or response.status_code == 414:
        assert (target > REQUEST_LINE_LIMIT, response.status_code) == (True, 414), target
        assert json.loads(response.content)["error_code"] == "RAM.9007"
        figures.add("fuzzed request targets over the request-line limit refused 414")
        return None
    result: bool | None = negative_data_rejection(ctx, response, case)
    return result


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    rejected_as_invalid,
    unsupported_method,
    huawei_error_shape,
]


class SdkSigner(requests.auth.AuthBase):
    """Signs the prepared request (its exact bytes) as the Huawei SDK does."""

    def __init__(self, account: Account) -> None:
        self.account = account

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        url = urlsplit(request.url or "")
        body = request.body or b""
        # requests types a body as maybe a stream; the fuzzer's bodies are always bytes or str.
        raw = cast(bytes, body.encode() if isinstance(body, str) else body)
        request.headers["Host"] = url.netloc
        request.headers["X-Sdk-Date"] = signing.format_sdk_date(datetime.now(UTC))
        request.headers["X-Domain-Id"] = self.account.account_id
        request.headers.setdefault("Content-Type", "application/json")
        names = ("Content-Type", "Host", "X-Domain-Id", "X-Sdk-Date")
        request.headers["Authorization"] = signing.sign_headers(
            access_key=self.account.access_key,
            secret_key=self.account.secret_key,
            method=request.method or "GET",
            raw_path=url.path,
            raw_query=url.query,
            # Header values may be bytes to requests; these four are set as str above.
            headers={name: cast(str, request.headers[name]) for name in names},
            body=raw,
        )
        figures.add("requests fuzzed")
        return request


@pytest.fixture(scope="module")
def signed_session(server: LiveServer) -> Iterator[requests.Session]:
    session = requests.Session()
    session.auth = SdkSigner(server.account("fuzzer"))
    _found_organization(session, server.endpoint)
    yield session
    session.close()


def _found_organization(session: requests.Session, endpoint: str) -> None:
    """The fuzzed account manages an organization with both policy types enabled: an account
    outside one stops at 401 before a policy's content or a tag body is read."""
    made = session.post(endpoint + "/v1/organizations", timeout=10)
    assert made.status_code == 201, made.text
    roots = session.get(endpoint + "/v1/organizations/roots", timeout=10).json()["roots"]
    for kind in ("service_control_policy", "tag_policy"):
        body = {"policy_type": kind, "root_id": roots[0]["id"]}
        enabled = session.post(
            endpoint + "/v1/organizations/policies/enable", json=body, timeout=10
        )
        assert enabled.status_code == 202, enabled.text


FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.generate],
    database=None,
)


@pytest.mark.parametrize("over", [0, 1])
def test_a_request_target_over_the_limit_is_a_414_in_huaweis_shape(
    server: LiveServer, signed_session: requests.Session, over: int
) -> None:
    """What the fuzzer once found by chance (a long generated query), asked on purpose at the
    limit and one byte past it."""
    path = "/v1/resource-shares/quotas"
    pad = REQUEST_LINE_LIMIT + over - len(path) - len("?pad=")
    response = signed_session.get(f"{server.endpoint}{path}?pad={'x' * pad}", timeout=10)
    assert response.status_code == (414 if over else 200), response.text
    if over:
        body = response.json()
        assert body["error_code"] == "RAM.9007"
        assert body["request_id"] == response.headers["x-request-id"]


@SCHEMA.parametrize()
@FUZZ_SETTINGS
def test_every_operation_holds_under_generated_input(
    case: schemathesis.Case[Any],
    server: LiveServer,
    signed_session: requests.Session,
) -> None:
    case.call_and_validate(base_url=server.endpoint, session=signed_session, checks=CHECKS)


def test_stateful_sequences_hold(server: LiveServer, signed_session: requests.Session) -> None:
    class Workflow(SCHEMA.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case: schemathesis.Case[Any]) -> dict[str, Any]:
            return {"base_url": server.endpoint, "session": signed_session}

        def validate_response(
            self, response: Any, case: schemathesis.Case[Any], **kwargs: Any
        ) -> None:
            case.validate_response(response, checks=CHECKS, transport_kwargs=kwargs)

    Workflow.run(
        settings=settings(
            max_examples=max(3, EXAMPLES // 3),
            stateful_step_count=8,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
    )


def test_the_document_is_served(http: Any) -> None:
    response = http.client.get("/openapi.json")
    assert response.status_code == 200
    served = response.json()
    assert served["openapi"] == "3.1.0"
    assert {op["operationId"] for path in served["paths"].values() for op in path.values()} >= {
        "CreateResourceShare",
        "AcceptResourceShareInvitation",
        "ListQuota",
    }
