"""AccessChecker: access decisions in a resource service's own process (docs/enforcement.md,
"The AccessChecker"). It loads a snapshot of what its namespaces need
(GET /sharekeeper/v1/snapshot), follows the change feed (GET /sharekeeper/v1/events, long
polling) in a background thread, and decides from that view by the API's own rules; past
``max_staleness`` seconds without knowing its view current, it asks POST /authorize instead."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import httpx

from sharekeeper.cli.client import Credentials, SdkHmacAuth
from sharekeeper.domain.decisions import AccessDecision, Reason
from sharekeeper.domain.errors import ShareKeeperError
from sharekeeper.domain.permissions import Catalogue
from sharekeeper.enforce.view import View

SNAPSHOT = "/sharekeeper/v1/snapshot"
EVENTS = "/sharekeeper/v1/events"
AUTHORIZE = "/sharekeeper/v1/authorize"
# Answers kept for questions asked again, until the view next changes; a bound on memory.
MEMO_MOST = 100_000
RETRY_MOST = 5.0  # seconds between attempts while ShareKeeper cannot be reached

log = logging.getLogger("sharekeeper.enforce")


@dataclass(frozen=True, slots=True)
class Answer:
    """A decision as POST /sharekeeper/v1/authorize answers it: ``decision`` "allow" or
    "deny", ``reasons`` the same dicts (code, resource_share_id, permission_id,
    permission_version, policy_id)."""

    decision: str
    reasons: tuple[dict[str, Any], ...]

    @property
    def allowed(self) -> bool:
        return self.decision == "allow"


class CheckerError(Exception):
    """A question the API refuses (``error_code`` as its 4xx would carry), or ShareKeeper out of
    reach while the view is stale (``error_code`` "unreachable"). Fail closed on it."""

    def __init__(self, error_code: str, message: str) -> None:
        super().__init__(f"{error_code}: {message}")
        self.error_code = error_code
        self.message = message


# A deny with no reasons (no share grants) is the commonest answer: built once.
_NOTHING_GRANTS = Answer("deny", ())


def _answer(decided: AccessDecision) -> Answer:
    if not decided.reasons:
        return _NOTHING_GRANTS
    return Answer(decided.verdict.value, tuple(_reason(r) for r in decided.reasons))


def _reason(reason: Reason) -> dict[str, Any]:
    """A reason as the API's ReasonWire renders it (api/decisions.py), its code the ground's."""
    return {
        "code": reason.ground.value,
        "resource_share_id": reason.share_id,
        "permission_id": reason.permission_id,
        "permission_version": reason.permission_version,
        "policy_id": reason.policy_id,
    }


class AccessChecker:
    def __init__(
        self,
        endpoint: str,
        *,
        access_key: str,
        secret_key: str,
        max_staleness: float = 5.0,
        poll_wait: float | None = None,
        resync_every: float = 300.0,
        timeout: float = 10.0,
    ) -> None:
        """``max_staleness``: seconds the view may go without being known current before
        decide() asks the HTTP API. ``poll_wait``: the long poll's wait (default half of
        ``max_staleness``, at most 20 s). ``resync_every``: seconds between full reloads, a
        safety net: every change that moves a decision is in the feed."""
        auth = SdkHmacAuth(Credentials(endpoint.rstrip("/"), access_key, secret_key))
        self._max_staleness = max_staleness
        self._timeout = timeout
        self._wait = min(20.0, max_staleness / 2) if poll_wait is None else poll_wait
        # The long poll's answer may take its whole wait before the usual timeout starts.
        self._follower = httpx.Client(base_url=endpoint, auth=auth, timeout=timeout + self._wait)
        self._asker = httpx.Client(base_url=endpoint, auth=auth, timeout=timeout)
        self._resync_every = resync_every
        self._catalogue = Catalogue.packaged()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._memo: dict[tuple[str, str, str], Answer] = {}
        self._view: View | None = None
        self._current_at = self._loaded_at = 0.0
        self._loads = 0
        self._thread = threading.Thread(target=self._follow, name="sharekeeper-feed", daemon=True)

    def __enter__(self) -> AccessChecker:
        try:
            self._load()
        except BaseException:
            self.close()
            raise
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(self._wait + self._timeout + 1)
        self._follower.close()
        self._asker.close()

    @property
    def staleness(self) -> float:
        """Seconds since the view was last known current (a snapshot or a feed read)."""
        return time.monotonic() - self._current_at

    @property
    def loads(self) -> int:
        """How many snapshots it has loaded, the first included: each costs the server a
        snapshot's read, where an event applied costs nothing."""
        return self._loads

    def decide(self, principal: str, action: str, resource: str) -> Answer:
        """As POST /sharekeeper/v1/authorize answers; from the view while it is fresh, from
        the API past ``max_staleness``. Raises CheckerError for a request the API refuses."""
        if time.monotonic() - self._current_at > self._max_staleness:
            return self._ask(principal, action, resource)
        key = (principal, action, resource)
        found = self._memo.get(key)
        if found is not None:
            return found
        with self._lock:
            assert self._view is not None  # loaded on entry
            try:
                found = _answer(self._view.decide(principal, action, resource))
            except ShareKeeperError as error:
                raise CheckerError(error.code, error.message) from None
            if len(self._memo) >= MEMO_MOST:
                self._memo.clear()
            self._memo[key] = found
        return found

    def _ask(self, principal: str, action: str, resource: str) -> Answer:
        body = {"principal": principal, "action": action, "resource": resource}
        reply = self._call(self._asker, "POST", AUTHORIZE, json=body)
        return Answer(reply["decision"], tuple(reply["reasons"]))

    def _call(self, client: httpx.Client, method: str, path: str, **options: Any) -> Any:
        try:
            response = client.request(method, path, **options)
        except httpx.HTTPError as error:
            raise CheckerError("unreachable", f"{method} {path}: {error}") from None
        if response.status_code != 200:
            try:
                body = response.json()
                code, message = str(body["error_code"]), str(body["error_msg"])
            except (ValueError, KeyError, TypeError):
                code, message = f"HTTP {response.status_code}", response.text[:200]
            raise CheckerError(code, message)
        return response.json()

    def _load(self) -> None:
        sent = time.monotonic()
        view = View(self._catalogue, self._call(self._follower, "GET", SNAPSHOT))
        with self._lock:
            self._view, self._memo = view, {}
        self._current_at = self._loaded_at = sent
        self._loads += 1

    def _follow(self) -> None:
        """Until closed: read the feed after the view's cursor and apply it; reload the
        snapshot when an event cannot be applied, the cursor expired (410) or a resync is
        due. A failure is logged in one line and retried with a growing pause."""
        failures = 0
        while not self._stop.is_set():
            try:
                self._step()
                failures = 0
            except Exception as error:
                failures += 1
                log.warning("sharekeeper feed: %s (retrying, attempt %d)", error, failures)
                self._stop.wait(min(RETRY_MOST, 0.1 * 2 ** min(failures, 6)))

    def _step(self) -> None:
        assert self._view is not None
        if time.monotonic() - self._loaded_at > self._resync_every:
            self._load()
        sent = time.monotonic()
        query = {"after": self._view.cursor, "limit": 1000, "wait": self._wait}
        try:
            page = self._call(self._follower, "GET", EVENTS, params=query)
        except CheckerError as error:
            # 410: the cursor is older than retention; 400 RAM.9602: it is ahead of the feed
            # (the database was emptied or restored from a backup). Either way, start afresh.
            if error.error_code not in ("RAM.9601", "RAM.9602"):
                raise
            log.info("sharekeeper feed: %s; reloading the snapshot", error.message)
            self._load()
            return
        if self._apply(page["events"], str(page["cursor"])):
            self._current_at = sent
        else:
            self._load()

    def _apply(self, events: list[dict[str, Any]], cursor: str) -> bool:
        """Applies a page of events; False when one could not be (the view must reload)."""
        with self._lock:
            assert self._view is not None
            applied = all(self._view.apply(event) for event in events)
            if applied:
                self._view.cursor = cursor
            if events:
                self._memo = {}
        return applied
