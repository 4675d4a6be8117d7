"""Signing in to the web console and out again, and finding who a browser's session is."""

from __future__ import annotations

import hmac
import secrets

from sharekeeper.auth.secrets import hash_token
from sharekeeper.auth.verify import check_key_state
from sharekeeper.domain import ids
from sharekeeper.domain.errors import AuthenticationFailed
from sharekeeper.domain.sessions import ConsoleSession, session_deadline
from sharekeeper.services.context import Context
from sharekeeper.services.identity import key_material

# One answer for an unknown key and a wrong secret: the form tells no one which keys exist.
WRONG_KEY = "the access key ID or the secret access key is wrong"


def _new_session(
    ctx: Context,
    account_id: str | None,
    access_key: str | None,
    key_expires_at: int | None,
    admin_token_hash: str | None = None,
    replacing: str | None = None,
) -> tuple[str, ConsoleSession]:
    """A new session, and the end of the browser's earlier one (``replacing``, its token) in
    the same transaction: one browser, one session."""
    token = secrets.token_urlsafe(32)
    now = ctx.clock()
    session = ConsoleSession(
        token_hash=hash_token(token),
        account_id=account_id,
        access_key=access_key,
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        seen_at=now,
        expires_at=session_deadline(now, key_expires_at),
        admin_token_hash=admin_token_hash,
    )
    with ctx.writing() as uow:
        if account_id is not None and access_key is not None:
            uow.note_caller(account_id, access_key)
        if replacing:
            uow.sessions.remove(hash_token(replacing))
        uow.sessions.add(session)
        uow.commit()
    return token, session


def sign_in(
    ctx: Context,
    access_key: str,
    secret_key: str,
    security_token: str | None,
    replacing: str | None = None,
) -> tuple[str, ConsoleSession]:
    """A session for the holder of a key, checked as strictly as a signature is: the secret,
    then the key's state (revoked, temporary credentials' token and expiry). Returns the
    browser's token (never stored) and the session."""
    key = None
    if ids.is_access_key_id(access_key):
        with ctx.reading() as uow:
            key = uow.accounts.get_key(access_key)
    material = None if key is None else key_material(ctx, key)
    if material is None or not hmac.compare_digest(
        material.secret_key.encode(), secret_key.encode()
    ):
        raise AuthenticationFailed(WRONG_KEY)
    assert key is not None
    check_key_state(material, security_token or None, ctx.clock())
    return _new_session(ctx, key.account_id, key.access_key, key.expires_at, replacing=replacing)


def operator_sign_in(
    ctx: Context, admin_token_hash: str, replacing: str | None = None
) -> tuple[str, ConsoleSession]:
    """A session for the operator, whose admin token the edge has checked; the token's hash
    is kept, so that a new token ends the sessions of the old."""
    return _new_session(ctx, None, None, None, admin_token_hash, replacing)


def resume(ctx: Context, token: str) -> ConsoleSession | None:
    """The live session of a browser's token: None once it has ended, idle or not, or its key
    was revoked (checked at every request, so a revocation signs the browser out at once)."""
    token_hash = hash_token(token)
    now = ctx.clock()
    with ctx.reading() as uow:
        found = uow.sessions.get(token_hash)
    if found is None:
        return None
    session, revoked = found
    if revoked or not session.live(now):
        return None
    if session.needs_touch(now):
        with ctx.writing() as uow:
            uow.sessions.touch(token_hash, now)
            uow.commit()
    return session


def sign_out(ctx: Context, token: str) -> None:
    with ctx.writing() as uow:
        uow.sessions.remove(hash_token(token))
        uow.commit()
