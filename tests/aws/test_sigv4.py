"""SigV4 refusals through botocore's own signer, each in AWS's error shape: a wrong key, a
wrong secret, a signature out of its window, a body changed after signing, a presigned URL
past its expiry; and what is accepted (a fresh presigned URL, temporary credentials with their
token). UNSIGNED-PAYLOAD is refused: test_hostile_callers.py."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import botocore.auth
import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tests.support import Account, LiveServer


def signed(
    account: Account,
    body: bytes,
    *,
    secret: str | None = None,
    key: str | None = None,
    headers: dict[str, str] | None = None,
) -> AWSRequest:
    """A GetResourceShares request signed by botocore as ``account`` (or with another key)."""
    request = AWSRequest(
        "POST",
        f"{account.endpoint}/getresourceshares",
        data=body,
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    credentials = Credentials(key or account.access_key, secret or account.secret_key)
    SigV4Auth(credentials, "ram", "us-east-1").add_auth(request)
    return request


def send(request: AWSRequest, body: bytes | None = None) -> httpx.Response:
    return httpx.post(
        request.url,
        content=request.body if body is None else body,
        headers=dict(request.headers.items()),
    )


BODY = json.dumps({"resourceOwner": "SELF"}).encode()


def refusal(response: httpx.Response) -> tuple[int, str]:
    assert json.loads(response.content).get("message")
    return response.status_code, response.headers["x-amzn-ErrorType"]


def test_a_signed_request_is_served(owner: Account) -> None:
    response = send(signed(owner, BODY))
    assert response.status_code == 200, response.text
    assert response.json() == {"resourceShares": []}


def test_an_unknown_key_and_a_wrong_secret_are_refused(owner: Account) -> None:
    unknown = send(signed(owner, BODY, key="AKIAUNKNOWNKEY000000"))
    assert refusal(unknown) == (403, "UnrecognizedClientException")
    wrong = send(signed(owner, BODY, secret="not-the-secret"))
    assert refusal(wrong) == (403, "InvalidSignatureException")


def test_a_body_changed_after_signing_is_refused(owner: Account) -> None:
    tampered = json.dumps({"resourceOwner": "OTHER-ACCOUNTS"}).encode()
    assert refusal(send(signed(owner, BODY), tampered)) == (403, "InvalidSignatureException")
    # Its hash declared and signed, the body changed: the hash no longer matches.
    declared = {"X-Amz-Content-SHA256": __import__("hashlib").sha256(BODY).hexdigest()}
    request = signed(owner, BODY, headers=declared)
    assert refusal(send(request, tampered)) == (403, "InvalidSignatureException")


def test_a_signature_twenty_minutes_old_is_refused(
    owner: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    past = datetime.now(UTC).replace(tzinfo=None) - timedelta(minutes=20)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: past)
    assert refusal(send(signed(owner, BODY))) == (403, "InvalidSignatureException")


def test_no_signature_at_all_is_refused(owner: Account) -> None:
    response = httpx.post(f"{owner.endpoint}/getresourceshares", content=BODY)
    assert refusal(response) == (403, "MissingAuthenticationTokenException")


def _sts_error(response: httpx.Response) -> str:
    assert response.headers["content-type"] == "text/xml"
    text = response.text
    return text[text.index("<Code>") + 6 : text.index("</Code>")]


def test_a_presigned_url_works_until_it_expires(owner: Account) -> None:
    sts = owner.aws("sts")
    fresh = httpx.get(
        sts.generate_presigned_url("get_caller_identity", ExpiresIn=60, HttpMethod="GET")
    )
    assert fresh.status_code == 200 and owner.aws_account_id in fresh.text, fresh.text
    url = sts.generate_presigned_url("get_caller_identity", ExpiresIn=1, HttpMethod="GET")
    time.sleep(2.1)
    expired = httpx.get(url)
    assert expired.status_code == 403
    assert _sts_error(expired) == "SignatureDoesNotMatch"
    assert "expired" in expired.text


def test_sts_refusals_are_in_awsquery_shape(owner: Account) -> None:
    stranger = Account("0" * 32, "AKIAUNKNOWNKEY000000", "x" * 40, owner.endpoint)
    with pytest.raises(Exception) as caught:
        stranger.aws("sts").get_caller_identity()
    response: Any = getattr(caught.value, "response", {})
    assert response["Error"]["Code"] == "InvalidClientTokenId"


def test_temporary_credentials_sign_with_their_token(server: LiveServer, owner: Account) -> None:
    temporary = server.temporary(owner)
    identity = temporary.aws("sts").get_caller_identity()
    assert identity["Account"] == owner.aws_account_id
    without_token = Account(
        owner.account_id,
        temporary.access_key,
        temporary.secret_key,
        owner.endpoint,
        aws_account_id=owner.aws_account_id,
    )
    with pytest.raises(Exception) as caught:
        without_token.aws("sts").get_caller_identity()
    assert getattr(caught.value, "response", {})["Error"]["Code"] == "InvalidClientTokenId"
