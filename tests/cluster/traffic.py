"""Traffic through the load balancer while something fails: writers that note every answer,
then the checks every scenario ends with (nothing acknowledged lost, the invariants, one winner
per raced invitation) and the outage window."""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from dataclasses import dataclass

import httpx
import psycopg

from sharekeeper.store.engine import create_database_engine
from tests.sdk.helpers import create_share, invitation_for
from tests.sdk.test_races import CONTENDERS, race
from tests.store.invariants import broken_rules
from tests.support import Account, SignedHttp

WRITERS = 4
# Each writer sends at most this many requests: a bound on every stream, whatever happens.
MOST_REQUESTS = 4000


@dataclass(frozen=True)
class Answer:
    started: float
    ended: float
    outcome: str  # "ok", "<status> <error code>", or "no answer: <exception>"
    host: str = ""
    share_id: str = ""

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"


def outcome_of(reply: httpx.Response) -> str:
    if reply.status_code == 201:
        return "ok"
    try:
        code = reply.json().get("error_code", "")
    except ValueError:
        code = "(not JSON)"
    by = " from the load balancer" if reply.headers.get("X-Answered-By") else ""
    return f"{reply.status_code} {code}{by}"


class Stream:
    """WRITERS threads creating shares (each with a principal, so an invitation too) through
    the load balancer, one request at a time each, until stopped."""

    def __init__(self, balancer: str, owner: Account, receiver: Account, label: str) -> None:
        self.balancer, self.owner, self.receiver = balancer, owner, receiver
        # Share names and resource paths take no spaces or commas.
        self.label = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
        self.answers: list[Answer] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._write, args=(n,), daemon=True) for n in range(WRITERS)
        ]

    def __enter__(self) -> Stream:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(60)
        assert not any(t.is_alive() for t in self._threads), "a writer did not stop"

    def _write(self, writer: int) -> None:
        http = SignedHttp(self.balancer)
        try:
            for count in range(MOST_REQUESTS):
                if self._stop.is_set():
                    return
                body = {
                    "name": f"{self.label}-{writer}-{count}",
                    "principals": [self.receiver.account_id],
                    "resource_urns": [self.owner.urn(f"{self.label}-{writer}-{count}")],
                }
                started = time.monotonic()
                try:
                    reply = http.request(self.owner, "POST", "/v1/resource-shares", body)
                except httpx.HTTPError as error:
                    answer = Answer(started, time.monotonic(), f"no answer: {type(error).__name__}")
                else:
                    outcome = outcome_of(reply)
                    share = reply.json()["resource_share"]["id"] if outcome == "ok" else ""
                    host = reply.headers.get("X-Served-By", "")
                    answer = Answer(started, time.monotonic(), outcome, host, share)
                with self._lock:
                    self.answers.append(answer)
                if not answer.ok:
                    # A pause before the next write, not a retry of this one: a failing
                    # cluster answers at once, and writers spinning on it would take the
                    # two cores its recovery needs.
                    self._stop.wait(0.1)
        finally:
            http.close()

    def acknowledged(self) -> list[str]:
        with self._lock:
            return [a.share_id for a in self.answers if a.ok]

    def wait_acknowledged(self, more: int, seconds: float = 60) -> None:
        """Until ``more`` writes beyond the present count are acknowledged."""
        target = len(self.acknowledged()) + more
        deadline = time.monotonic() + seconds
        while len(self.acknowledged()) < target and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.acknowledged()) >= target, f"the stream stalled: {self.summary()}"

    def summary(self) -> Counter[str]:
        with self._lock:
            return Counter(a.outcome for a in self.answers)

    def window(self) -> float:
        """Seconds from the start of the first failed request to the end of the first
        acknowledged one started after the last failed one (0 when nothing failed)."""
        failed = [a for a in self.answers if not a.ok]
        if not failed:
            return 0.0
        last = max(a.started for a in failed)
        after = [a.ended for a in self.answers if a.ok and a.started >= last]
        assert after, f"nothing succeeded after the last failure: {self.summary()}"
        return min(after) - min(a.started for a in failed)


def stored(database_url: str, share_ids: list[str]) -> set[str]:
    with psycopg.connect(database_url, connect_timeout=10) as connection:
        rows = connection.execute(
            "SELECT id FROM resource_shares WHERE id = ANY(%s)", (share_ids,)
        ).fetchall()
    return {row[0] for row in rows}


def invariants(database_url: str) -> dict[str, int]:
    engine = create_database_engine(database_url)
    try:
        return broken_rules(engine)
    finally:
        engine.dispose()


def one_winner(balancer: str, owner: Account, receiver: Account, label: str) -> None:
    """CONTENDERS answers to one invitation at once through the balancer: exactly one wins."""
    share = create_share(owner, label, principals=[receiver.account_id])
    invitation_id = invitation_for(receiver, share.id).resource_share_invitation_id
    outcomes = race(receiver, [balancer, balancer], invitation_id, mixed=True)
    winners = [o for o in outcomes if o.startswith("won:")]
    assert len(winners) == 1, outcomes
    final = winners[0].removeprefix("won:")
    loser = {"accepted": "400:RAM.9301", "rejected": "400:RAM.9302"}[final]
    assert Counter(outcomes) == Counter({winners[0]: 1, loser: CONTENDERS - 1}), outcomes
    assert invitation_for(receiver, share.id).status == final


@dataclass
class Report:
    """What a scenario measured, for build/cluster-figures.json and docs/scaling.md."""

    requests: int
    acknowledged: int
    lost: int
    window_seconds: float
    # The longest any request took, answered or not: a wait that is no failure (a commit
    # held for a gone synchronous standby) shows here, not in the window.
    slowest_seconds: float
    outcomes: dict[str, int]
    # Requests started after the fault struck that got a 5xx other than 503 or no answer.
    server_errors_after_fault: int


def checked(stream: Stream, fault_at: float, database_url: str, accounts: list[Account]) -> Report:
    """The checks every scenario ends with; the report for its own assertions."""
    acknowledged = stream.acknowledged()
    lost = set(acknowledged) - stored(database_url, acknowledged)
    assert not lost, f"{len(lost)} acknowledged writes are not stored: {sorted(lost)[:5]}"
    assert invariants(database_url) == {}
    owner, receiver = accounts
    one_winner(stream.balancer, owner, receiver, f"{stream.label}-race")
    return Report(
        requests=len(stream.answers),
        acknowledged=len(acknowledged),
        lost=len(lost),
        window_seconds=round(stream.window(), 2),
        slowest_seconds=round(max(a.ended - a.started for a in stream.answers), 2),
        outcomes=dict(stream.summary()),
        server_errors_after_fault=sum(
            1 for a in stream.answers if a.started > fault_at and server_error(a.outcome)
        ),
    )


class ServerErrors(AssertionError):
    """Answers with a 5xx other than 503, or requests with no answer at all: what the
    connection handling of issue 27 is to turn into 503s with Retry-After."""


def server_error(outcome: str) -> bool:
    """A 5xx other than 503, or no answer at all."""
    return outcome.startswith("no answer") or (outcome[:1] == "5" and outcome[:4] != "503 ")


def assert_only_503(report: Report) -> None:
    if any(server_error(o) for o in report.outcomes):
        raise ServerErrors(f"5xx other than 503, or no answer: {report.outcomes}")


def assert_only_in_flight_failed(report: Report) -> None:
    """Of the requests that failed other than with a 503, every one was in flight on the host
    when it was lost (at most one per writer, none started after) and got an error: a
    connection closed without an answer, or HAProxy's 502."""
    failed = {o: n for o, n in report.outcomes.items() if server_error(o)}
    assert sum(failed.values()) <= WRITERS, report.outcomes
    assert report.server_errors_after_fault == 0, report.outcomes
    assert all(o.startswith(("502 ", "no answer")) for o in failed), report.outcomes
