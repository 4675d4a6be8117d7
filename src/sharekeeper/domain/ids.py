"""Identifiers: account ids, resource URNs and principals. Parse, validate, format."""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import unicodedata
import uuid
from dataclasses import dataclass

from sharekeeper.domain.errors import InvalidAccountId, InvalidResourceUrn

_ACCOUNT_ID = re.compile(r"[0-9a-f]{32}")
# Huawei's URN pattern (OAS), anchored: service:region:account:type:path.
_URN = re.compile(
    r"(?P<service>[A-Za-z0-9+/=\-_]+):(?P<region>[A-Za-z0-9+/=\-_*]{0,255}):"
    r"(?P<account>[A-Za-z0-9+/=\-_]{1,64}):(?P<type>[A-Za-z0-9+/=\-_]{1,64}):(?P<path>.+)",
    re.DOTALL,
)
MAX_URN_LENGTH = 1500
# Spaces, line and paragraph separators, control and format characters (a tab, a trailing CR
# from a file written on Windows, a zero-width space pasted with an id): never part of a
# Huawei URN, whose other segments the pattern already limits to letters, digits and +/=-_.
_INVISIBLE = frozenset(("Zs", "Zl", "Zp", "Cc", "Cf", "Cs"))


def _visible(value: str) -> str:
    """``value`` with its invisible characters written as escapes, for an error message."""
    return "".join(
        f"\\u{ord(c):04x}" if unicodedata.category(c) in _INVISIBLE else c for c in value
    )


def new_account_id() -> str:
    return uuid.uuid4().hex


def new_resource_id() -> str:
    """Ids of shares, invitations and permissions: UUID4, as in Huawei's examples."""
    return new_uuid()


def new_uuid() -> str:
    """A random (version 4) UUID's text, as ``str(uuid.uuid4())`` writes it, made from the
    random bytes directly: ``uuid.UUID``'s object cost twice what the bytes did, and a create
    takes seven (its share, its invitation, its five events; docs/performance.md)."""
    raw = bytearray(os.urandom(16))
    raw[6] = raw[6] & 0x0F | 0x40  # the version, 4
    raw[8] = raw[8] & 0x3F | 0x80  # the variant, RFC 4122's
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def new_aws_account_id() -> str:
    """The 12 digits an account is known by on AWS's wire API (any digits, a leading 0 too,
    as AWS's own); unique by the database's constraint."""
    return f"{secrets.randbelow(10**12):012d}"


def is_account_id(value: str) -> bool:
    return _ACCOUNT_ID.fullmatch(value) is not None


def require_account_id(value: str) -> str:
    if not is_account_id(value):
        raise InvalidAccountId(value)
    return value


_PROJECT_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")


def project_id(account_id: str, name: str) -> str | None:
    """The account's project named after a region: stable without being stored, since RAM is
    global and a project scopes nothing in it; None for a name no project could have."""
    if _PROJECT_NAME.fullmatch(name) is None:
        return None
    return hashlib.sha256(f"project:{account_id}:{name}".encode()).hexdigest()[:32]


def is_access_key_id(value: str) -> bool:
    """Whether ``value`` has the shape of the access key ids this service issues (never that
    of a secret key, which is twice as long and mixes cases)."""
    return _ACCESS_KEY_ID.fullmatch(value) is not None


_ACCESS_KEY_ID = re.compile(r"[A-Z0-9]{20}")


def new_access_key_id() -> str:
    # Huawei access keys are 20 upper-case alphanumerics.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    return "".join(secrets.choice(alphabet) for _ in range(20))


def new_secret_key() -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(secrets.choice(alphabet) for _ in range(40))


@dataclass(frozen=True, slots=True)
class ResourceUrn:
    value: str
    service: str
    region: str
    account_id: str
    type_name: str
    path: str
    # service:type as written; the catalogue names it canonically (sharing.check_resources).
    resource_type: str

    @property
    def resource_id(self) -> str:
        """The last segment of the path: what ``resource_ids`` filters match."""
        return self.path.rsplit("/", 1)[-1]

    @classmethod
    def parse(cls, value: str) -> ResourceUrn:
        if len(value) > MAX_URN_LENGTH:
            raise InvalidResourceUrn(value[:64] + "...", f"longer than {MAX_URN_LENGTH} characters")
        # Printable ASCII but the space holds no invisible character: the usual URN is not
        # walked a character at a time (a third of a create's own Python time).
        plain = value.isascii() and value.isprintable() and " " not in value
        for position, char in enumerate("" if plain else value, 1):
            if unicodedata.category(char) in _INVISIBLE:
                raise InvalidResourceUrn(
                    _visible(value),
                    f"character {position} is U+{ord(char):04X}: a URN holds no space, tab, "
                    "line break or other control character",
                )
        match = _URN.fullmatch(value)
        if match is None:
            raise InvalidResourceUrn(value, "expected service:region:account-id:type:resource-path")
        return cls(
            value=value,
            service=match["service"],
            region=match["region"],
            account_id=match["account"],
            type_name=match["type"],
            path=match["path"],
            resource_type=f"{match['service']}:{match['type']}",
        )
