"""The signer against the SDK's own known-answer vector and the canonical-form rules."""

from __future__ import annotations

from typing import Any

import pytest
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import P256SHA256Signer, Signer, SM2SM3Signer, SM3Signer

from sharekeeper.auth import signing
from sharekeeper.auth.derived_keys import verify_derived


def test_known_answer_vector_from_the_sdk() -> None:
    authorization = signing.sign_headers(
        access_key="KATAK0000000000000000",
        secret_key="KATSK00000000000000000000000000000000000",
        method="POST",
        raw_path="/v1/resource-share-invitations/search",
        raw_query="",
        headers={
            "Content-Type": "application/json",
            "Host": "127.0.0.1:8080",
            "User-Agent": "huaweicloud-usdk-python/3.0",
            "X-Domain-Id": "kat-domain-id",
            "X-Sdk-Date": "20250101T000000Z",
        },
        body=b'{"status": "pending", "limit": 10}',
    )
    assert authorization.endswith(
        "Signature=5bbf219e0abb71bc4a159e2c984ca881cd41640932625e7f40c14b646cd33265"
    )
    assert authorization.startswith("SDK-HMAC-SHA256 Access=KATAK0000000000000000, ")


def test_canonical_uri_decodes_then_encodes_each_segment_and_ends_in_slash() -> None:
    assert signing.canonical_uri("/v1/permissions") == "/v1/permissions/"
    assert signing.canonical_uri("/v1/permissions/") == "/v1/permissions/"
    assert signing.canonical_uri("/v1/resource-shares/rs%2F1%20x%25") == (
        "/v1/resource-shares/rs/1%20x%25/"
    )


def test_canonical_query_sorts_and_encodes_rfc3986() -> None:
    pairs = signing.query_pairs("marker=m%20a%2Fr%2Bk~er&limit=20&resource_type=vpc%3Asubnet")
    assert signing.canonical_query(pairs) == (
        "limit=20&marker=m%20a%2Fr%2Bk~er&resource_type=vpc%3Asubnet"
    )
    # A bare + is a space, as Go's url.Query() reads it; %2B is a plus; "b" alone is "b=".
    assert signing.canonical_query(signing.query_pairs("b&a=1+2&c=%2B")) == "a=1%202&b=&c=%2B"


def test_authorization_names_each_sdk_algorithm_and_refuses_others() -> None:
    for name in ("SDK-HMAC-SHA256", "SDK-HMAC-SM3", "SDK-ECDSA-P256-SHA256", "SDK-SM2-SM3"):
        parsed = signing.parse_authorization(
            f"{name} Access=a, SignedHeaders=x-sdk-date, Signature=0"
        )
        assert parsed.algorithm.name == name
    try:
        signing.parse_authorization("V11-HMAC-SHA256 Credential=a/b, SignedHeaders=h, Signature=0")
    except signing.MalformedAuthorization as error:
        assert "V11-HMAC-SHA256" in str(error)
    else:
        raise AssertionError("V11 must be refused")


class _Credentials:
    ak = "KATAK0000000000000000"
    sk = "KATSK00000000000000000000000000000000000"


def _sdk_request(method: str = "POST", body: bytes = b'{"limit": 10}\n') -> Any:
    return SdkRequest(
        method=method,
        schema="http",
        host="127.0.0.1:8080",
        resource_path="/v1/resource-share-invitations/search",
        query_params=[("marker", "a b+c"), ("limit", 5)],
        header_params={"Content-Type": "application/json", "X-Sdk-Date": "20250101T000000Z"},
        body=body,
    )


@pytest.mark.parametrize(
    "signer, algorithm", [(Signer, signing.HMAC_SHA256), (SM3Signer, signing.HMAC_SM3)]
)
def test_hmac_signatures_equal_the_sdks(signer: Any, algorithm: signing.Algorithm) -> None:
    request = signer(_Credentials).sign(_sdk_request())
    ours = signing.sign_headers(
        access_key=_Credentials.ak,
        secret_key=_Credentials.sk,
        method="POST",
        raw_path=request.resource_path,
        raw_query=request.uri.partition("?")[2],
        headers={k: v for k, v in request.header_params.items() if k != "Authorization"},
        body=request.body,
        algorithm=algorithm,
    )
    assert ours == request.header_params["Authorization"]


@pytest.mark.parametrize(
    "signer, algorithm",
    [(P256SHA256Signer, signing.ECDSA_P256_SHA256), (SM2SM3Signer, signing.SM2_SM3)],
)
def test_derived_key_signatures_of_the_sdk_verify(
    signer: Any, algorithm: signing.Algorithm
) -> None:
    # Signatures are randomized: several of them.
    for n in range(5):
        to_sign = f"{algorithm.name}\n20250101T000000Z\n{n:064x}"
        sig = signer(_Credentials)._sign_string_to_sign(to_sign)
        assert verify_derived(algorithm, _Credentials.ak, _Credentials.sk, sig, to_sign)
        assert not verify_derived(algorithm, _Credentials.ak, _Credentials.sk, sig, to_sign + "0")
        assert not verify_derived(algorithm, _Credentials.ak, "another secret", sig, to_sign)
    assert not verify_derived(algorithm, _Credentials.ak, _Credentials.sk, "zz", to_sign)
    assert not verify_derived(
        algorithm, _Credentials.ak, _Credentials.sk, "3006020101020101", to_sign
    )


def test_sm2_signatures_verify_for_a_key_with_a_short_coordinate() -> None:
    """The SDK hashes the public key's coordinates in as few bytes as they need: a key whose
    x or y has a leading zero byte only verifies if the server encodes them the same way."""
    from sharekeeper.auth.derived_keys import SM2, derive_private_key

    class Short:
        ak = ""
        sk = _Credentials.sk

    for n in range(4000):  # about 1 key in 128 has one; bounded
        Short.ak = f"SHORTCOORD{n:010d}"
        point = derive_private_key(signing.SM2_SM3, Short.ak, Short.sk, SM2.q) * SM2.G
        if min(point.x.bit_length(), point.y.bit_length()) <= 248:
            break
    else:
        raise AssertionError("no key with a short coordinate among 4000")
    to_sign = "SDK-SM2-SM3\n20250101T000000Z\n" + "0" * 64
    sig = SM2SM3Signer(Short)._sign_string_to_sign(to_sign)
    assert verify_derived(signing.SM2_SM3, Short.ak, Short.sk, sig, to_sign)


def test_a_forged_sm2_signature_past_the_gate_is_refused_unchecked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """N7's re-probe through ``verify``: forged SM2 signatures from many networks are checked
    only within the key's allowance and its first tries; past them the gate refuses before any
    check, and the owner's good signature from a network that verified is still checked."""
    from datetime import UTC, datetime

    from sharekeeper.auth import verify as verifying
    from sharekeeper.domain.errors import AuthenticationFailed, TooManyFailures
    from sharekeeper.domain.ratelimit import Guesses

    signed = SM2SM3Signer(_Credentials).sign(_sdk_request())
    headers = {k.lower(): [v] for k, v in signed.header_params.items()}
    good = verifying.IncomingRequest(
        "POST", signed.resource_path, signed.uri.partition("?")[2], headers, signed.body
    )
    value = headers["authorization"][0]
    forged_value = value[: value.rindex("Signature=")] + "Signature=" + "30" + "00" * 8
    forged = verifying.IncomingRequest(
        good.method,
        good.raw_path,
        good.raw_query,
        {**headers, "authorization": [forged_value]},
        good.body,
    )
    key = verifying.KeyMaterial("a" * 32, _Credentials.sk, None, None, False)
    now = datetime(2025, 1, 1, tzinfo=UTC).timestamp()
    checks: list[bool] = []

    def counted(*args: Any) -> bool:
        checks.append(verify_derived(*args))
        return checks[-1]

    monkeypatch.setattr(verifying, "verify_derived", counted)
    guesses = Guesses(lambda: 0.0)

    def call(request: verifying.IncomingRequest, source: str) -> str:
        def gate(access_key: str) -> Any:
            return guesses.derived(source, access_key)

        try:
            verifying.verify(request, lambda _: key, now, int(now * 1000), 900, gate)
        except TooManyFailures:
            return "refused"
        except AuthenticationFailed:
            return "failed"
        return "verified"

    assert call(good, "192.0.2.7") == "verified"  # the owner: known from here
    answers = [call(forged, f"10.{n // 250}.{n % 250}.1") for n in range(300)]
    assert answers.count("failed") == 20 and answers.count("refused") == 280
    assert len(checks) == 1 + 20  # nothing past the gate was checked
    assert call(good, "192.0.2.7") == "verified"
    assert call(good, "198.51.100.7") == "refused"  # a network new to the key waits
