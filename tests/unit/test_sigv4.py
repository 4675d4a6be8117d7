"""SigV4 verification (auth/sigv4.py) against botocore's own signer, without a server: every
request botocore signs verifies, whatever its path and query hold, and any change to what was
signed is refused."""

from __future__ import annotations

import dataclasses
import re
import time
from urllib.parse import urlsplit

import pytest
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from hypothesis import given, settings
from hypothesis import strategies as st

from sharekeeper.auth import sigv4
from sharekeeper.auth.verify import IncomingRequest, KeyMaterial
from sharekeeper.domain.errors import (
    AuthenticationFailed,
    SignatureExpired,
    SignatureMismatch,
    UnknownAccessKey,
)

KEY = KeyMaterial("a" * 32, "secret/with+odd=chars", None, None, False)


def lookup(access_key: str) -> KeyMaterial | None:
    return KEY if access_key == "AKIDEXAMPLE" else None


def incoming(request: AWSRequest, body: bytes | None = None) -> IncomingRequest:
    url = urlsplit(request.url)
    headers: dict[str, list[str]] = {}
    for name, value in request.headers.items():
        headers.setdefault(name.lower(), []).append(value)
    headers.setdefault("host", [url.netloc])
    data = request.body if body is None else body
    raw = data.encode() if isinstance(data, str) else (data or b"")
    return IncomingRequest(request.method, url.path or "/", url.query, headers, raw)


def signed(
    path: str, params: list[tuple[str, str]], body: bytes, presign: bool = False
) -> AWSRequest:
    request = AWSRequest("POST", f"http://127.0.0.1:9460{path}", data=body, params=params)
    credentials = Credentials("AKIDEXAMPLE", KEY.secret_key)
    if presign:
        SigV4QueryAuth(credentials, "sts", "eu-west-1", expires=60).add_auth(request)
    else:
        SigV4Auth(credentials, "ram", "us-east-1").add_auth(request)
    prepared = request.prepare()
    request.url = prepared.url
    return request


def verify(request: IncomingRequest) -> sigv4.Scope:
    now = time.time()
    return sigv4.verify(request, lookup, now, int(now * 1000), 900)[2]


TEXT = st.text(st.characters(codec="utf-8"), max_size=12)


@settings(max_examples=60, deadline=None)
@given(
    segments=st.lists(TEXT.filter(lambda s: s not in (".", "..")), min_size=1, max_size=3),
    params=st.lists(st.tuples(TEXT.filter(bool), TEXT), max_size=4),
    body=st.binary(max_size=64),
)
def test_whatever_botocore_signs_verifies(
    segments: list[str], params: list[tuple[str, str]], body: bytes
) -> None:
    from urllib.parse import quote

    path = "/" + "/".join(quote(s, safe="") for s in segments)
    assert verify(incoming(signed(path, params, body))).service == "ram"


def test_a_presigned_request_verifies_with_its_scope() -> None:
    request = signed("/", [("Action", "GetCallerIdentity"), ("Version", "2011-06-15")], b"", True)
    scope = verify(incoming(request))
    assert (scope.service, scope.region) == ("sts", "eu-west-1")


def test_any_change_to_what_was_signed_is_refused() -> None:
    request = signed("/createresourceshare", [("a", "b c")], b'{"name":"x"}')
    base = incoming(request)
    verify(base)
    changes = [
        IncomingRequest("PUT", base.raw_path, base.raw_query, base.headers, base.body),
        IncomingRequest(base.method, "/getresourceshares", base.raw_query, base.headers, base.body),
        IncomingRequest(base.method, base.raw_path, "a=b%20d", base.headers, base.body),
        IncomingRequest(base.method, base.raw_path, base.raw_query, base.headers, b'{"name":"y"}'),
        IncomingRequest(
            base.method,
            base.raw_path,
            base.raw_query,
            {**base.headers, "host": ["evil"]},
            base.body,
        ),
    ]
    for changed in changes:
        with pytest.raises(SignatureMismatch):
            verify(changed)


def test_refusals_name_their_kind() -> None:
    request = signed("/x", [], b"")
    unknown = incoming(request)
    auth = unknown.headers["authorization"][0].replace("AKIDEXAMPLE", "AKIDOTHER")
    with pytest.raises(UnknownAccessKey):
        verify(IncomingRequest("POST", "/x", "", {**unknown.headers, "authorization": [auth]}, b""))
    now = time.time() + 16 * 60
    with pytest.raises(SignatureExpired):
        sigv4.verify(unknown, lookup, now, int(now * 1000), 900)
    token = {**unknown.headers, "x-amz-security-token": ["t"]}
    with pytest.raises(AuthenticationFailed, match="security token"):
        verify(IncomingRequest("POST", "/x", "", token, b""))


def test_an_operation_header_added_after_signing_is_refused() -> None:
    """awsJson1_1 names its operation in X-Amz-Target: unsigned, a captured request could be
    replayed as another operation with the same body."""
    request = AWSRequest(
        "POST",
        "http://127.0.0.1:9460/",
        data=b"{}",
        headers={"X-Amz-Target": "AWSOrganizationsV20161128.DescribeOrganization"},
    )
    SigV4Auth(Credentials("AKIDEXAMPLE", KEY.secret_key), "organizations", "us-east-1").add_auth(
        request
    )
    good = incoming(request)
    assert verify(good).service == "organizations"
    replayed = dict(good.headers)
    replayed["x-amz-target"] = ["AWSOrganizationsV20161128.DeleteOrganization"]
    with pytest.raises(SignatureMismatch):
        verify(dataclasses.replace(good, headers=replayed))
    authorization = good.headers["authorization"][0].replace(";x-amz-target", "")
    unsigned = {**good.headers, "authorization": [authorization]}
    with pytest.raises(SignatureMismatch, match="x-amz-target header must be signed"):
        verify(dataclasses.replace(good, headers=unsigned))


def test_signed_headers_named_twice_are_refused() -> None:
    good = incoming(signed("/getresourceshares", [], b"{}"))
    authorization = re.sub(
        r"SignedHeaders=([^,]+)", r"SignedHeaders=\1;x-amz-date", good.headers["authorization"][0]
    )
    with pytest.raises(SignatureMismatch, match="once each"):
        verify(
            dataclasses.replace(good, headers={**good.headers, "authorization": [authorization]})
        )


def test_what_canonicalization_makes_equal_verifies_and_the_rest_is_refused() -> None:
    base = incoming(signed("/getresourceshares", [("a", "A"), ("b", "x y")], b"{}"))
    # Reordered, percent-encoded otherwise, a space as '+': the same pairs, as AWS reads them.
    assert verify(dataclasses.replace(base, raw_query="b=x+y&a=%41")).service == "ram"
    spaced = {**base.headers, "host": ["  " + base.headers["host"][0] + "   "]}
    assert verify(dataclasses.replace(base, headers=spaced)).service == "ram"
    authorization = base.headers["authorization"][0]
    no_host = authorization.replace("host;", "")
    with pytest.raises(SignatureMismatch, match="host among them"):
        verify(dataclasses.replace(base, headers={**base.headers, "authorization": [no_host]}))
    date = base.headers["x-amz-date"][0][:8]
    other_day = authorization.replace(f"/{date}/", "/19990101/")
    with pytest.raises(SignatureMismatch, match="scope's date"):
        verify(dataclasses.replace(base, headers={**base.headers, "authorization": [other_day]}))
    without_host = {k: v for k, v in base.headers.items() if k != "host"}
    with pytest.raises(SignatureMismatch, match="host is missing"):
        verify(dataclasses.replace(base, headers=without_host))


def test_a_signature_pair_added_to_a_header_signed_query_is_refused() -> None:
    base = incoming(signed("/deleteresourceshare", [("resourceShareArn", "a")], b""))
    added = dataclasses.replace(base, raw_query=base.raw_query + "&X-Amz-Signature=0")
    with pytest.raises(SignatureMismatch):
        verify(added)
