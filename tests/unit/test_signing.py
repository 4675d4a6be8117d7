"""The signer against the SDK's own known-answer vector and the canonical-form rules."""

from __future__ import annotations

from sharekeeper.auth import signing


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
    assert signing.canonical_query(signing.query_pairs("b=&a=1+2")) == "a=1%2B2&b="


def test_authorization_parsing_rejects_other_algorithms() -> None:
    try:
        signing.parse_authorization("SDK-HMAC-SM3 Access=a, SignedHeaders=host, Signature=00")
    except signing.MalformedAuthorization as error:
        assert "SDK-HMAC-SM3" in str(error)
    else:
        raise AssertionError("SM3 must be refused")
