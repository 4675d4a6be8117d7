"""Accounts, their access keys and the identity of a caller."""

from __future__ import annotations

from dataclasses import dataclass

from sharekeeper.domain.clock import Millis

# An account's name, wherever an account is made (operator, console, Organizations API).
ACCOUNT_NAME_MAX = 64


@dataclass(frozen=True, slots=True)
class Account:
    id: str
    name: str
    created_at: Millis
    # Its second name, on AWS's wire API (docs/aws.md); one account either way.
    aws_account_id: str


@dataclass(frozen=True, slots=True)
class AccessKey:
    """A key as stored: the secret only in its sealed (encrypted) form, the token only hashed."""

    access_key: str
    account_id: str
    sealed_secret: str
    created_at: Millis
    token_hash: str | None = None
    expires_at: Millis | None = None
    revoked_at: Millis | None = None


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is calling: the account that owns the access key that signed the request."""

    account_id: str
    access_key: str
