"""Accounts, access keys, temporary credentials, and who is calling."""

from __future__ import annotations

import time
from dataclasses import dataclass

from sharekeeper.auth import sigv4
from sharekeeper.auth.secrets import SealedByAnotherKey, hash_token, new_security_token
from sharekeeper.auth.verify import DerivedGate, IncomingRequest, KeyMaterial, verify
from sharekeeper.domain import ids
from sharekeeper.domain.accounts import ACCOUNT_NAME_MAX, AccessKey, Account, Caller
from sharekeeper.domain.clock import SECOND, Millis
from sharekeeper.domain.errors import (
    AccessKeyNotFound,
    AccountNotFound,
    AssumeRoleRefused,
    AuthenticationFailed,
    DomainIdMismatch,
    InvalidParameter,
    MasterKeyRetired,
    ServiceKeyRefused,
    ServiceKeyRequired,
)
from sharekeeper.services.context import Context
from sharekeeper.store.unit_of_work import UnitOfWork

# Temporary credentials live at most a week (Huawei's own last a day at most): long enough for
# any test run, and far inside what the expiry column holds.
MAX_TEMPORARY_TTL_SECONDS = 7 * 24 * 3600


@dataclass(frozen=True, slots=True)
class IssuedKey:
    """A key as handed to its owner, once: the only time the secret leaves the server."""

    access_key: str
    secret_key: str
    account_id: str
    security_token: str | None = None
    expires_at: Millis | None = None


def _issue(ctx: Context, uow: UnitOfWork, account_id: str, ttl_seconds: int | None) -> IssuedKey:
    # A process still running on a rotated-out key would seal a secret no restarted server
    # could open: it refuses instead (key creation is rare; one more read in its transaction).
    if uow.master_key.recorded() != ctx.secret_box.key_fingerprint:
        raise MasterKeyRetired()
    now = ctx.clock()
    secret = ids.new_secret_key()
    token = None if ttl_seconds is None else new_security_token()
    expires_at = None if ttl_seconds is None else now + ttl_seconds * SECOND
    key = AccessKey(
        access_key=ids.new_access_key_id(),
        account_id=account_id,
        sealed_secret=ctx.secret_box.seal(secret),
        created_at=now,
        token_hash=None if token is None else hash_token(token),
        expires_at=expires_at,
    )
    uow.accounts.add_key(key)
    return IssuedKey(key.access_key, secret, account_id, token, expires_at)


def create_account(ctx: Context, name: str) -> tuple[Account, IssuedKey]:
    if not 1 <= len(name) <= ACCOUNT_NAME_MAX:
        raise InvalidParameter(f"An account name must have 1 to {ACCOUNT_NAME_MAX} characters.")
    account = Account(ids.new_account_id(), name, ctx.clock(), ids.new_aws_account_id())
    with ctx.writing() as uow:
        uow.accounts.add(account)
        key = _issue(ctx, uow, account.id, None)
        uow.commit()
    return account, key


def create_access_key(ctx: Context, account_id: str, ttl_seconds: int | None = None) -> IssuedKey:
    """A permanent key, or temporary credentials when ``ttl_seconds`` is given."""
    if ttl_seconds is not None and not 1 <= ttl_seconds <= MAX_TEMPORARY_TTL_SECONDS:
        raise InvalidParameter(
            "The lifetime of temporary credentials must be from 1 to "
            f"{MAX_TEMPORARY_TTL_SECONDS} seconds (7 days)."
        )
    with ctx.writing() as uow:
        if uow.accounts.get(account_id) is None:
            raise AccountNotFound(account_id)
        key = _issue(ctx, uow, account_id, ttl_seconds)
        uow.commit()
    return key


def issue_session_credentials(
    ctx: Context, caller: Caller, ttl_seconds: int, role_aws_account_id: str
) -> IssuedKey:
    """Temporary credentials of the caller's own account for a role named in it (STS
    AssumeRole, docs/aws.md), asked with its permanent key: a temporary key may not ask, so
    leaked temporary credentials end when they expire instead of renewing themselves; and
    ShareKeeper has no trust policies, so no account gets into another's."""
    if not 1 <= ttl_seconds <= MAX_TEMPORARY_TTL_SECONDS:
        raise InvalidParameter(
            f"The lifetime must be from 1 to {MAX_TEMPORARY_TTL_SECONDS} seconds (7 days)."
        )
    with ctx.writing() as uow:
        account = uow.accounts.get(caller.account_id)
        if account is None:  # deleted between authentication and this read
            raise AccountNotFound(caller.account_id)
        if account.aws_account_id != role_aws_account_id:
            raise AssumeRoleRefused(
                f"The role is in the account {role_aws_account_id}: ShareKeeper has no trust "
                "policies, so an account may assume roles in its own account only."
            )
        signing = uow.accounts.get_key(caller.access_key)
        if signing is None or signing.expires_at is not None:
            raise AssumeRoleRefused(
                "Temporary credentials cannot issue temporary credentials; sign with the "
                "account's own (permanent) access key."
            )
        key = _issue(ctx, uow, caller.account_id, ttl_seconds)
        uow.commit()
    return key


def revoke_access_key(ctx: Context, access_key: str) -> None:
    """Takes effect on the next request: every request reads the key's state, from the
    database or from a key cache that the revocation's commit notifies."""
    with ctx.writing() as uow:
        if uow.accounts.get_key(access_key) is None:
            raise AccessKeyNotFound(access_key)
        uow.accounts.revoke_key(access_key, ctx.clock())
        uow.commit()


def describe_caller(ctx: Context, caller: Caller) -> Account:
    """The caller's own account: what IAM's domain and STS's caller identity tell a client."""
    with ctx.reading() as uow:
        account = uow.accounts.get(caller.account_id)
    if account is None:  # deleted between authentication and this read
        raise AccountNotFound(caller.account_id)
    return account


def paired_account_ids(
    ctx: Context, account_ids: list[str], aws_account_ids: list[str]
) -> list[tuple[str, str]]:
    """(account id, AWS account id) of the accounts that exist among those named either way:
    AWS's wire API names accounts by the second (docs/aws.md)."""
    with ctx.reading() as uow:
        return uow.accounts.paired_ids(account_ids, aws_account_ids)


def caller_projects(ctx: Context, caller: Caller, name: str | None) -> list[tuple[str, str]]:
    """(project id, name) of the caller's projects: the one named, or one per region the
    catalogue knows."""
    names = [name] if name is not None else sorted({r for r, _ in ctx.catalogue.type_regions})
    found = ((ids.project_id(caller.account_id, n), n) for n in names)
    return [(project, n) for project, n in found if project is not None]


def key_material(ctx: Context, key: AccessKey) -> KeyMaterial:
    """What checking a key needs: its secret opened, and its state. A secret sealed under
    another master key (a row written by a process given the wrong key) fails the request's
    authentication, and the operator is told why, once per key."""
    try:
        secret_key = ctx.secret_box.open(key.sealed_secret)
    except SealedByAnotherKey:
        ctx.secret_box.report_unreadable(key.access_key)
        raise AuthenticationFailed(
            "this server cannot read the access key's secret; its operator has been told"
        ) from None
    return KeyMaterial(
        account_id=key.account_id,
        secret_key=secret_key,
        token_hash=key.token_hash,
        expires_at_ms=key.expires_at,
        revoked=key.revoked_at is not None,
    )


def _account_key(ctx: Context, access_key: str) -> KeyMaterial | None:
    cache = ctx.key_cache
    generation = 0
    if cache is not None:
        cached = cache.get(access_key)
        if cached is not None:
            return cached
        generation = cache.generation
    with ctx.reading() as uow:
        key = uow.accounts.get_key(access_key)
    if key is None:
        return None
    material = key_material(ctx, key)
    if cache is not None:
        cache.put(access_key, material, generation)
    return material


def _service_key(ctx: Context, access_key: str) -> KeyMaterial | None:
    """A service principal's key, read on every request (so a revocation holds at once):
    its ``account_id`` is the service's id."""
    with ctx.reading() as uow:
        service = uow.services.by_access_key(access_key)
    if service is None:
        return None
    stored = AccessKey(
        access_key,
        service.id,
        service.sealed_secret,
        service.created_at,
        revoked_at=service.revoked_at,
    )
    return key_material(ctx, stored)


def authenticate(
    ctx: Context, request: IncomingRequest, gate: DerivedGate, service: bool = False
) -> Caller:
    """The account whose key signed the request (``service``: the service principal, its id
    as ``account_id``); raises AuthenticationFailed otherwise, or TooManyFailures when
    ``gate`` refuses to check a derived-key signature. A valid signature by the other kind of
    key is a 403 of its own (ServiceKeyRequired, ServiceKeyRefused), told only once the
    signature proves the caller holds the key."""
    other_kind: list[bool] = []

    def lookup(access_key: str) -> KeyMaterial | None:
        wanted, other = (_service_key, _account_key) if service else (_account_key, _service_key)
        material = wanted(ctx, access_key)
        if material is None:
            material = other(ctx, access_key)
            other_kind.append(material is not None)
        return material

    # The signature window follows the wall clock the client signed with, not the domain clock.
    access_key, key = verify(
        request, lookup, time.time(), ctx.clock(), ctx.max_clock_skew_seconds, gate
    )
    if any(other_kind):
        raise ServiceKeyRequired() if service else ServiceKeyRefused()
    domain_id = request.header("x-domain-id")
    if not service and domain_id is not None and domain_id != key.account_id:
        raise DomainIdMismatch(domain_id)
    return Caller(key.account_id, access_key)


def authenticate_sigv4(ctx: Context, request: IncomingRequest) -> tuple[Caller, sigv4.Scope]:
    """The account whose key signed a SigV4 request (AWS's wire API, docs/aws.md) and the
    signature's scope, through the same key lookup, key cache and key state as Huawei's
    signatures; raises an AuthenticationFailed otherwise. A service principal's key is no
    account's: unknown here."""
    access_key, key, scope = sigv4.verify(
        request,
        lambda access_key: _account_key(ctx, access_key),
        time.time(),
        ctx.clock(),
        ctx.max_clock_skew_seconds,
    )
    return Caller(key.account_id, access_key), scope
