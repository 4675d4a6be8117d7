"""Verification of SDK-ECDSA-P256-SHA256 and SDK-SM2-SM3 signatures.

The SDK signs with a private key it derives from AK and SK (an HMAC counter KDF over the
algorithm's name and the AK, ``huaweicloudsdkcore/signer/signer.py`` ``_derive_key``). The
server knows the SK, so it derives the same key and checks the signature with its public half;
the public key is cached per access key, as deriving it costs a scalar multiplication.
P-256 goes through ``cryptography`` (OpenSSL); SM2, which OpenSSL has but ``cryptography`` does
not expose, through ``fastecdsa``'s point arithmetic, with SM2's own verification equation.
"""

from __future__ import annotations

from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from fastecdsa.rust import Curve, Point

from sharekeeper.auth.signing import ECDSA_P256_SHA256, SM2_SM3, Algorithm

_P256_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
SM2 = Curve(
    "SM2",
    0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF,
    0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC,
    0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93,
    0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123,
    0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7,
    0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0,
)
_INFINITY = SM2.G + (-SM2.G)
# GB/T 32918's default user id, which the SDK uses.
_SM2_USER_ID = b"1234567812345678"


def derive_private_key(algorithm: Algorithm, access_key: str, secret_key: str, order: int) -> int:
    """The SDK's KDF: the first HMAC(SK, 1 || name || 0 || AK || counter || 256) below n - 1."""
    for counter in range(0xFF):
        data = b"".join(
            (
                b"\x00\x00\x00\x01",
                algorithm.name.encode(),
                b"\x00",
                access_key.encode(),
                bytes((counter,)),
                b"\x00\x00\x01\x00",
            )
        )
        candidate = int.from_bytes(algorithm.hmac(secret_key.encode(), data), "big")
        if candidate <= order - 2:
            return candidate + 1
    raise ValueError("no private key candidate in range")  # odds of about 2^-8000


@lru_cache(maxsize=4096)
def _p256_public_key(access_key: str, secret_key: str) -> ec.EllipticCurvePublicKey:
    scalar = derive_private_key(ECDSA_P256_SHA256, access_key, secret_key, _P256_N)
    return ec.derive_private_key(scalar, ec.SECP256R1()).public_key()


def _minimal_bytes(value: int) -> bytes:
    # The SDK's Z value encodes each integer in as few bytes as it needs (not a fixed 32).
    return value.to_bytes((value.bit_length() + 7) // 8, "big")


@lru_cache(maxsize=4096)
def _sm2_public_key(access_key: str, secret_key: str) -> tuple[Point, bytes]:
    """The public point and its Z value (the hash of the user id, curve and point)."""
    scalar = derive_private_key(SM2_SM3, access_key, secret_key, SM2.q)
    point = scalar * SM2.G
    fields = (SM2.a, SM2.b, SM2.G.x, SM2.G.y, point.x, point.y)
    entla = (len(_SM2_USER_ID) * 8).to_bytes(2, "big")
    z = SM2_SM3.digest(entla + _SM2_USER_ID + b"".join(_minimal_bytes(f) for f in fields))
    return point, z


def _sm2_verify(access_key: str, secret_key: str, r: int, s: int, message: bytes) -> bool:
    n = SM2.q
    if not (1 <= r < n and 1 <= s < n):
        return False
    t = (r + s) % n
    if t == 0:
        return False
    public, z = _sm2_public_key(access_key, secret_key)
    e = int.from_bytes(SM2_SM3.digest(z + message), "big")
    point = s * SM2.G + t * public
    if point == _INFINITY:  # never a valid signature's point (GB/T 32918.2, verification B7)
        return False
    return (e + point.x) % n == r


def verify_derived(
    algorithm: Algorithm, access_key: str, secret_key: str, signature_hex: str, to_sign: str
) -> bool:
    """Whether ``signature_hex`` (hex of DER r, s) signs ``to_sign`` under the key derived
    from AK/SK for ``algorithm``."""
    try:
        der = bytes.fromhex(signature_hex)
        r, s = decode_dss_signature(der)
    except ValueError:
        return False
    message = to_sign.encode("utf-8")
    if algorithm is SM2_SM3:
        return _sm2_verify(access_key, secret_key, r, s, message)
    try:
        _p256_public_key(access_key, secret_key).verify(der, message, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True
