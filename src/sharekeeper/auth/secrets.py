"""Secrets at rest: secret keys are sealed with AES-256-GCM under the server's master key
(the server must recompute HMACs, so it cannot keep only a hash); security tokens, which are
only compared, are kept as SHA-256 hashes."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import os
import secrets
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_PREFIX = "v1:"
MASTER_KEY_BYTES = 32
# What the database records of its master key: an HMAC of this label under the key. It tells
# one key from another and reveals nothing of the key (nor of any secret sealed under it).
_FINGERPRINT_LABEL = b"sharekeeper master key fingerprint v1"
# How many unreadable keys are remembered, so that each is logged once (bounded memory).
_REPORTED_MAX = 4096

log = logging.getLogger("sharekeeper.auth")


class SealedByAnotherKey(ValueError):
    """A sealed secret this master key cannot open: it was sealed under another one."""


class SecretBox:
    def __init__(self, master_key: bytes) -> None:
        if len(master_key) != MASTER_KEY_BYTES:
            raise ValueError("the master key must be 32 bytes")
        self._aead = AESGCM(master_key)
        # A key of its own for fingerprints, so that no fingerprint relates to the sealing key.
        self._fingerprint_key = hmac.new(master_key, b"sharekeeper fingerprint", "sha256").digest()
        # Opening the same sealed secret again is pure; caching keeps it off the request path.
        self.open = lru_cache(maxsize=4096)(self._open)
        self.key_fingerprint = master_key_fingerprint(master_key)
        self._reported: set[str] = set()

    def opens(self, sealed: str) -> bool:
        try:
            self.open(sealed)
        except SealedByAnotherKey:
            return False
        return True

    def report_unreadable(self, access_key: str) -> None:
        """Tells the operator, once per access key, why requests signed with it fail."""
        if access_key in self._reported:
            return
        if len(self._reported) >= _REPORTED_MAX:
            self._reported.clear()
        self._reported.add(access_key)
        log.error(
            "the secret of access key %s was sealed under another master key than this "
            "server's (fingerprint %s): requests signed with it are refused (401); give the "
            "server the master key it was made with, or issue the account a new access key",
            access_key,
            self.key_fingerprint[:12],
        )

    def seal(self, plaintext: str) -> str:
        nonce = os.urandom(12)
        sealed = nonce + self._aead.encrypt(nonce, plaintext.encode("utf-8"), None)
        return _PREFIX + base64.b64encode(sealed).decode("ascii")

    def fingerprint(self, secret: str) -> str:
        """HMAC-SHA256 of ``secret`` under a key derived from the master key: it can be stored
        to recognise the secret later, and without the master key no one can test guesses of
        the secret against it (a plain hash of a short token could be brute-forced)."""
        return hmac.new(self._fingerprint_key, secret.encode("utf-8"), "sha256").hexdigest()

    def _open(self, sealed: str) -> str:
        if not sealed.startswith(_PREFIX):
            raise ValueError("unknown sealed-secret format")
        raw = base64.b64decode(sealed[len(_PREFIX) :])
        try:
            return self._aead.decrypt(raw[:12], raw[12:], None).decode("utf-8")
        except InvalidTag:
            raise SealedByAnotherKey("the secret was sealed under another master key") from None


def master_key_fingerprint(master_key: bytes) -> str:
    """What a database records of the master key its secrets are sealed under."""
    return hmac.new(master_key, _FINGERPRINT_LABEL, "sha256").hexdigest()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_security_token() -> str:
    return secrets.token_urlsafe(96)


class InvalidMasterKey(ValueError):
    """A master key that cannot be used, in one line an operator can act on."""


def decode_master_key(text: str, source: str = "SHAREKEEPER_MASTER_KEY") -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except binascii.Error as error:
        raise InvalidMasterKey(f"the master key in {source} is not base64 ({error})") from None
    if len(key) != MASTER_KEY_BYTES:
        raise InvalidMasterKey(
            f"the master key in {source} is {len(key)} bytes, not {MASTER_KEY_BYTES}: it must "
            "be 32 random bytes, base64-encoded"
        )
    return key


def load_or_create_master_key(path: Path) -> bytes:
    """Reads the key file, creating it (mode 0600) on first use; safe against a racing creator."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = _written_aside(path, os.urandom(MASTER_KEY_BYTES))
        try:
            os.link(temp, path)
        except FileExistsError:
            pass
        finally:
            temp.unlink()
    return decode_master_key(path.read_text("ascii", errors="replace"), str(path))


def replace_master_key_file(path: Path, key: bytes) -> None:
    """Puts ``key`` in the key file at ``path`` (mode 0600), whole or not at all."""
    os.replace(_written_aside(path, key), path)


def _written_aside(path: Path, key: bytes) -> Path:
    """A new file beside ``path`` holding the key: written aside, then linked or moved into
    place, a reader (a racing process) sees no file or a whole one, never part of a key."""
    temp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(base64.b64encode(key).decode("ascii") + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    return temp
