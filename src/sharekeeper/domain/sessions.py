"""Console sessions: who signed in to the web console, until when. The browser holds a random
token; the server keeps only its hash, so a copy of the database signs no one in."""

from __future__ import annotations

from dataclasses import dataclass

from sharekeeper.domain.clock import SECOND, Millis

# A session ends after this long without a request, and in any case this long after sign-in
# (an operator's or a key's session alike); temporary credentials end it sooner.
IDLE_TIMEOUT: Millis = 30 * 60 * SECOND
ABSOLUTE_TIMEOUT: Millis = 12 * 3600 * SECOND
# Seeing a session moves its idle deadline; writing that down once a minute is enough.
TOUCH_INTERVAL: Millis = 60 * SECOND
OPERATOR = "operator"  # the audit trail's account for the operator's console actions


@dataclass(frozen=True, slots=True)
class ConsoleSession:
    token_hash: str
    # The signed-in account and the key it signed in with; None for the operator.
    account_id: str | None
    access_key: str | None
    csrf_token: str
    created_at: Millis
    seen_at: Millis
    expires_at: Millis
    # The operator's: a fingerprint of the admin token it signed in with (None for an
    # account's): HMAC under a key derived from the master key, never a plain hash.
    admin_token_hash: str | None = None

    @property
    def operator(self) -> bool:
        return self.account_id is None

    def live(self, now: Millis) -> bool:
        return now < self.expires_at and now < self.seen_at + IDLE_TIMEOUT

    def needs_touch(self, now: Millis) -> bool:
        return now - self.seen_at >= TOUCH_INTERVAL


def session_deadline(now: Millis, key_expires_at: Millis | None) -> Millis:
    """When a session begun ``now`` ends at the latest: never after the key it signed in with."""
    deadline = now + ABSOLUTE_TIMEOUT
    return deadline if key_expires_at is None else min(deadline, key_expires_at)
