"""A token bucket per account: ``rate`` requests a second on average, bursts up to ``burst``;
and ``Guesses``, the buckets that bound failed attempts at a secret (docs/security.md,
"Guessing is bounded")."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sharekeeper.domain.errors import TooManyFailures, TooManyRequests
from sharekeeper.domain.sources import group_of


class RateLimiter:
    def __init__(self, rate: float, burst: int, now: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.burst = max(1, burst)
        self._now = now
        self._buckets: dict[str, tuple[float, float]] = {}  # account -> (tokens, last time)
        self._lock = threading.Lock()

    # Keys that come from callers (source addresses) must not grow memory without end.
    MAX_BUCKETS = 100_000

    def take(self, account_id: str) -> None:
        """Spends one token of the account's bucket, or raises TooManyRequests."""
        now = self._now()
        with self._lock:
            tokens = self._refilled(account_id, now)
            if len(self._buckets) >= self.MAX_BUCKETS and account_id not in self._buckets:
                self._make_room(now)
            if tokens < 1:
                self._buckets[account_id] = (tokens, now)
                raise TooManyRequests(account_id, max(1, math.ceil((1 - tokens) / self.rate)))
            self._buckets[account_id] = (tokens - 1, now)

    def clear(self) -> None:
        """Every bucket full again, as in a new limiter."""
        with self._lock:
            self._buckets.clear()

    def _refilled(self, key: str, now: float) -> float:
        """The tokens in ``key``'s bucket at ``now`` (the caller holds the lock)."""
        tokens, last = self._buckets.get(key, (float(self.burst), now))
        return min(float(self.burst), tokens + (now - last) * self.rate)

    def give_back(self, key: str) -> None:
        """Returns the token a ``take`` spent: what only failures should spend (a sign-in) is
        taken before the attempt, so attempts at once cannot outrun it, and given back when
        the attempt succeeds."""
        now = self._now()
        with self._lock:
            tokens = self._refilled(key, now)
            self._buckets[key] = (min(float(self.burst), tokens + 1), now)

    def _make_room(self, now: float) -> None:
        """Drops the full buckets (a new bucket holds as much); if too few are full, the tenth
        that has been there longest, so the cost of each drop is spread over many takes."""
        full = [k for k in self._buckets if self._refilled(k, now) >= self.burst]
        if len(full) < self.MAX_BUCKETS // 10:
            full = list(self._buckets)[: self.MAX_BUCKETS // 10]
        for key in full:
            del self._buckets[key]


# eq=False: each allowance is its own set of buckets, even where two have the same figures.
@dataclass(frozen=True, slots=True, eq=False)
class Allowance:
    """Failures allowed: ``burst`` at once, then ``rate`` a second."""

    burst: int
    rate: float


# Attempts at a secret typed by a person or a script (console sign-in, operator sign-in, the
# admin API's bearer token). The pair's allowance is the console's from before; a source gets
# a looser one over every key it tries, so rotating key ids buys a guesser only that much.
PER_SOURCE_AND_KEY = Allowance(5, 1 / 12)
PER_SOURCE = Allowance(20, 1 / 6)
# A browser that signed in with the key before spends its own allowance, nobody else's.
PER_KNOWN_BROWSER = Allowance(5, 1 / 12)
# Derived-key (SM2, ECDSA) signatures cost ~2 ms of CPU each to check: per source and per key
# id, about 2 failed checks a second, or ~1 % of a core each.
DERIVED_PER_SOURCE = Allowance(10, 2.0)
DERIVED_PER_KEY = Allowance(10, 2.0)
# A source whose signature with a key verified lately spends only the pair's own allowance.
DERIVED_PER_KNOWN_PAIR = Allowance(10, 2.0)
# A source not known with a key (a restart, another worker) whose key's allowance others used
# up gets one check a minute of its own with it: one forged, it has to wait like the rest; one
# good, the pair is known. So an attacker who knows a key id cannot lock its owner out.
DERIVED_FIRST_TRY = Allowance(1, 1 / 60)
# Those first tries, over every network, per key id: without it each of an attacker's
# networks added a check a minute (3,000 /24s, 3,000 checks). An owner new to this process
# during an attack from more networks than this waits with them (docs/security.md).
DERIVED_FIRST_TRIES_PER_KEY = Allowance(10, 1 / 6)
KNOWN_PAIR_SECONDS = 3600.0
MAX_KNOWN_PAIRS = 10_000
# The admin token's key id in the buckets: the operator sign-in and the admin API share them.
OPERATOR_KEY = "operator"


@dataclass(slots=True)
class Spent:
    """The tokens one attempt took, given back by ``succeeded``."""

    owner: Guesses
    taken: list[tuple[Allowance, str]] = field(default_factory=list)
    # The (source, key) pair a success makes known (derived-key checks).
    pair: str | None = None

    def succeeded(self) -> None:
        self.owner.give_back(self)


class Guesses:
    """Attempts at a secret, limited by their failures, one instance per app. An attempt spends
    a token of each bucket it names before it runs, so attempts sent at once cannot outrun the
    limit, and a success gives them back: only failures use an allowance up. A source counts
    as its network prefix (``domain.sources``): addresses rotated within one /24 or /64 share
    one allowance."""

    def __init__(self, now: Callable[[], float] = time.monotonic) -> None:
        self._now = now
        self._limiters: dict[Allowance, RateLimiter] = {}
        self._known_pairs: dict[str, float] = {}  # "source key" -> when it verified last
        self._lock = threading.Lock()

    def sign_in(self, source: str, key_id: str, browser: str | None = None) -> Spent:
        """A secret typed for ``key_id`` (an access key ID, or OPERATOR_KEY): from a browser
        that signed in with that key before (``browser``, its known-browser id), only that
        browser's own failures count; otherwise the source's and the (source, key) pair's."""
        if browser is not None:
            return self._spend([(PER_KNOWN_BROWSER, f"{key_id} {browser}")])
        source = group_of(source)
        return self._spend([(PER_SOURCE, source), (PER_SOURCE_AND_KEY, f"{source} {key_id}")])

    def derived(self, source: str, key_id: str) -> Spent:
        """A derived-key signature about to be checked."""
        source = group_of(source)
        pair = f"{source} {key_id}"
        if self._known(pair):
            return self._spend([(DERIVED_PER_KNOWN_PAIR, pair)], pair)
        try:
            spent = self._spend([(DERIVED_PER_SOURCE, source), (DERIVED_PER_KEY, key_id)], pair)
        except TooManyFailures as refused:
            # The key's allowance (or the source's) is spent: a first try, if the pair has one
            # and the key's first tries are not all spent.
            first_try = [
                (DERIVED_PER_SOURCE, source),
                (DERIVED_FIRST_TRY, pair),
                (DERIVED_FIRST_TRIES_PER_KEY, key_id),
            ]
            try:
                return self._spend(first_try, pair)
            except TooManyFailures:
                raise refused from None
        # A failure here is a failure at the key too: it spends the pair's first try, if any.
        try:
            self._limiter(DERIVED_FIRST_TRY).take(pair)
        except TooManyRequests:
            pass
        else:
            spent.taken.append((DERIVED_FIRST_TRY, pair))
        return spent

    def give_back(self, spent: Spent) -> None:
        for allowance, key in spent.taken:
            self._limiter(allowance).give_back(key)
        spent.taken.clear()
        if spent.pair is not None:
            with self._lock:
                self._known_pairs.pop(spent.pair, None)  # re-inserted last: the newest
                if len(self._known_pairs) >= MAX_KNOWN_PAIRS:
                    del self._known_pairs[next(iter(self._known_pairs))]
                self._known_pairs[spent.pair] = self._now()

    def clear(self) -> None:
        """No failure counted and no pair known, as in a new instance."""
        with self._lock:
            self._limiters.clear()
            self._known_pairs.clear()

    def _known(self, pair: str) -> bool:
        with self._lock:
            seen = self._known_pairs.get(pair)
        return seen is not None and self._now() - seen < KNOWN_PAIR_SECONDS

    def _spend(self, buckets: list[tuple[Allowance, str]], pair: str | None = None) -> Spent:
        spent = Spent(self, pair=pair)
        for allowance, key in buckets:
            try:
                self._limiter(allowance).take(key)
            except TooManyRequests as refused:
                spent.pair = None
                self.give_back(spent)
                raise TooManyFailures(refused.retry_after) from None
            spent.taken.append((allowance, key))
        return spent

    def _limiter(self, allowance: Allowance) -> RateLimiter:
        with self._lock:
            found = self._limiters.get(allowance)
            if found is None:
                found = self._limiters[allowance] = RateLimiter(
                    allowance.rate, allowance.burst, self._now
                )
            return found
